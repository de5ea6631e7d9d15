//! JSON bodies whose errors name the field at fault.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a malformed body yields our error format with the path of the
/// field that failed (`lifecycle_stage`, `details[2].name`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the request body is larger than the server accepts",
                    )
                } else {
                    ApiError::bad_request(rejection.body_text())
                }
            })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the failing field and distinguishing syntax from type errors.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let field = (path != "." && !path.is_empty()).then_some(path);
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = match &field {
                    Some(field) => format!("{field}: {inner}"),
                    None => inner.to_string(),
                };
                let mut api =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message);
                api.field = field.or_else(|| missing_field_name(&inner.to_string()));
                api
            }
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {inner}"),
            ),
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.to_string()))?;
    Ok(value)
}

/// serde reports a missing field at the parent's path; pull the name from its message.
fn missing_field_name(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next().map(str::to_owned)
}

/// A JSON object of `T`'s fields plus the `version` the client last read, for updates with
/// optimistic concurrency. (serde cannot combine `flatten` with `deny_unknown_fields`, so
/// the version is taken out before `T`, which refuses unknown fields, reads the rest.)
pub struct Versioned<T> {
    pub version: i64,
    pub fields: T,
}

impl<S, T> FromRequest<S> for Versioned<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(mut value) = ApiJson::<serde_json::Value>::from_request(request, state).await?;
        let invalid = |message: &str| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                message.to_owned(),
            )
            .with_field("version")
        };
        let object = value.as_object_mut().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "the body must be a JSON object",
            )
        })?;
        let version = match object.remove("version") {
            Some(serde_json::Value::Number(number)) => number
                .as_i64()
                .ok_or_else(|| invalid("version: must be a whole number"))?,
            Some(_) => return Err(invalid("version: must be a whole number")),
            None => {
                return Err(invalid(
                    "missing field `version`: send the version you last read (0 for a new record)",
                ));
            }
        };
        let bytes = serde_json::to_vec(&value).map_err(|_| ApiError::internal())?;
        Ok(Versioned {
            version,
            fields: parse(&bytes)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        count: i64,
    }

    #[test]
    fn errors_name_the_field() {
        let wrong_type = parse::<Input>(br#"{"name": "a", "count": "x"}"#).err();
        assert_eq!(
            wrong_type.as_ref().and_then(|e| e.field.as_deref()),
            Some("count")
        );
        let missing = parse::<Input>(br#"{"name": "a"}"#).err();
        assert_eq!(
            missing.as_ref().and_then(|e| e.field.as_deref()),
            Some("count")
        );
        let unknown = parse::<Input>(br#"{"name": "a", "count": 1, "x": 2}"#).err();
        assert_eq!(unknown.as_ref().and_then(|e| e.field.as_deref()), Some("x"));
        let syntax = parse::<Input>(b"{\"name\": ").err();
        assert_eq!(syntax.map(|e| e.code), Some("malformed_json"));
        let bad_utf8 = parse::<Input>(b"{\"name\": \"\xff\", \"count\": 1}").err();
        assert!(bad_utf8.is_some());
    }
}
