//! Who is asking, and may they: resolves the session cookie or API token, checks CSRF for
//! browser sessions, and checks the route's permission against the user's role.

use aims_core::access::Permission;
use aims_core::user::User;
use aims_store::{Actor, AuthenticatedUser, SessionInfo, WriteCtx};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "aims_session";
pub const LOGIN_CSRF_COOKIE: &str = "aims_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// The signed-in user of this request, put there by [`authorize`].
#[derive(Debug, Clone)]
pub struct CurrentUser(pub AuthenticatedUser);

impl CurrentUser {
    pub fn user(&self) -> &User {
        &self.0.user
    }

    /// The CSRF token forms must echo (empty for API tokens, which need none).
    pub fn csrf_token(&self) -> &str {
        match &self.0.via {
            SessionInfo::Browser { csrf_token } => csrf_token,
            SessionInfo::Token { .. } => "",
        }
    }

    /// The actor and time for a write made by this user.
    pub fn ctx(&self, state: &AppState) -> WriteCtx {
        WriteCtx::new(Actor::User(self.0.user.id), state.clock().now())
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.0.user.role.allows(permission)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// Reads one cookie from the request.
pub fn cookie<'a>(parts: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    parts
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Compares secrets in time independent of where they first differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Resolves the user, enforces CSRF on unsafe browser requests, and checks `permission`.
pub async fn authorize(
    state: AppState,
    permission: Permission,
    request: Request,
    next: Next,
) -> Response {
    let api = is_api(request.uri().path());
    let now = state.clock().now();
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    let resolved = match (&bearer, cookie(request.headers(), SESSION_COOKIE)) {
        (Some(token), _) => state.store().token_user(token, now).await,
        (None, Some(session)) => {
            state
                .store()
                .session_user(session, now, &state.config().throttle)
                .await
        }
        (None, None) => Ok(None),
    };
    let user = match resolved {
        Ok(Some(user)) => user,
        Ok(None) if api || bearer.is_some() => return ApiError::unauthenticated().into_response(),
        Ok(None) => {
            let next_path = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_else(|| "/".into());
            let location = format!("/login?next={}", urlencode(&next_path));
            return (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response();
        }
        Err(error) => return ApiError::from(error).into_response(),
    };
    let current = CurrentUser(user);
    let request = match check_csrf(&current, request, state.config().body_limit).await {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    if !current.can(permission) {
        return ApiError::forbidden(format!(
            "your role ({}) does not allow this: it needs the `{}` permission",
            current.user().role.code(),
            permission.code()
        ))
        .into_response();
    }
    let mut request = request;
    request.extensions_mut().insert(current);
    next.run(request).await
}

/// A browser session's unsafe request must carry its CSRF token, in the `X-CSRF-Token`
/// header (htmx, scripts) or the `csrf_token` form field. Done here, for every route,
/// so no form can forget it. API tokens are not sent by browsers on their own and need none.
async fn check_csrf(
    current: &CurrentUser,
    request: Request,
    body_limit: usize,
) -> Result<Request, ApiError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let SessionInfo::Browser { csrf_token } = &current.0.via else {
        return Ok(request);
    };
    if safe {
        return Ok(request);
    }
    let failed = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "the form is out of date or did not come from AIMS: reload the page and try again",
        )
    };
    if let Some(header) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(header, csrf_token) {
            Ok(request)
        } else {
            Err(failed())
        };
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        // File uploads cannot be read here without buffering the file; their forms carry
        // the token in the action URL instead (same origin, never logged, no referrer).
        let query = request.uri().query().unwrap_or_default().as_bytes();
        return match form_urlencoded_value(query, CSRF_FIELD) {
            Some(value) if constant_time_eq(&value, csrf_token) => Ok(request),
            _ => Err(failed()),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(failed());
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, body_limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the form is larger than the server accepts",
        )
    })?;
    let field = form_urlencoded_value(&bytes, CSRF_FIELD);
    if field.is_some_and(|value| constant_time_eq(&value, csrf_token)) {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(failed())
    }
}

/// One field of a urlencoded body.
fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Percent-encodes a path for a `next=` parameter.
pub fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|encoded| encoded.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Accepts only local paths for redirects after sign-in, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(safe_next(Some("/systems?q=a")), "/systems?q=a");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn csrf_field_is_read_from_forms() {
        assert_eq!(
            form_urlencoded_value(b"name=a&csrf_token=x%2By", "csrf_token").as_deref(),
            Some("x+y")
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
