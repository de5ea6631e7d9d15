//! Small helpers shared by the form handlers: posted pairs (with repeated keys kept),
//! errors keyed by field for templates, and the redirect back to a page with a message.

use std::collections::BTreeMap;

use aims_core::ValidationErrors;
use aims_store::StoreError;
use axum::http::Uri;
use axum::response::Response;

use crate::error::ApiResult;
use crate::ui::systems::redirect;

/// Form pairs as posted, in order; repeated keys are kept (multi-selects).
pub(crate) type Pairs = Vec<(String, String)>;

pub(crate) fn pairs(body: &[u8]) -> Pairs {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

pub(crate) fn one<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The query string as pairs.
pub(crate) fn query_pairs(uri: &Uri) -> Pairs {
    serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default()
}

/// Text as one URL query value.
pub(crate) fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .unwrap_or_default()
        .trim_start_matches('=')
        .to_owned()
}

pub(crate) fn error_map(errors: &ValidationErrors) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for e in &errors.errors {
        // `assessment.governance` and `rows[2].activity` show against their field, named.
        let root = e
            .field
            .split(['.', '['])
            .next()
            .unwrap_or(&e.field)
            .to_owned();
        let message = if root == e.field {
            e.message.clone()
        } else {
            format!("{}: {}", e.field, e.message)
        };
        map.entry(root).or_insert(message);
    }
    map
}

/// Redirects back to `location` on success, or with `error=` explaining a problem the
/// person can fix (invalid input, a conflict, a refusal, a stale edit); anything else
/// becomes the error page.
pub(crate) fn back_with(location: &str, result: Result<(), StoreError>) -> ApiResult<Response> {
    let sep = if location.contains('?') { "&" } else { "?" };
    let with_error = |message: &str| {
        Ok(redirect(&format!(
            "{location}{sep}error={}",
            urlencode(message)
        )))
    };
    match result {
        Ok(()) => Ok(redirect(location)),
        Err(StoreError::Validation(errors)) => {
            let text: Vec<String> = errors
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field.replace('_', " "), e.message))
                .collect();
            with_error(&text.join("; "))
        }
        Err(StoreError::Conflict { message, .. } | StoreError::Forbidden { message, .. }) => {
            with_error(&message)
        }
        Err(error @ StoreError::StaleVersion { .. }) => with_error(&error.to_string()),
        Err(other) => Err(other.into()),
    }
}
