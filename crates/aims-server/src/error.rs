//! One error type for the HTTP boundary, rendered as
//! `{"error": {"code", "message", "field"?, "details"?, "request_id"}}` for the API and
//! as an HTML page for the web UI.

use aims_core::FieldError;
use aims_store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error a client can act on: a stable snake_case code, a status and a message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// Stable, machine-readable code, such as `validation_failed` or `not_found`.
    pub code: &'static str,
    pub message: String,
    /// The first input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, for forms that show all problems at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<FieldError>,
}

/// The envelope every API error is sent in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    #[serde(flatten)]
    pub error: ApiError,
    pub request_id: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in or send a valid API token",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; the request id identifies it in the server log",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is unavailable; try again shortly",
        )
    }
}

impl From<aims_core::ValidationErrors> for ApiError {
    fn from(errors: aims_core::ValidationErrors) -> Self {
        let field = errors.errors.first().map(|e| e.field.clone());
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: errors.to_string(),
            field,
            details: errors.errors,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Validation(errors) => errors.into(),
            StoreError::NotFound { .. } => ApiError::not_found(error.to_string()),
            StoreError::Conflict { ref field, .. } => {
                let field = field.map(str::to_owned);
                let mut api = ApiError::new(StatusCode::CONFLICT, "conflict", error.to_string());
                api.field = field;
                api
            }
            StoreError::Forbidden { code, ref message } => {
                ApiError::new(StatusCode::FORBIDDEN, code, message.clone())
            }
            StoreError::StaleVersion { .. } => {
                ApiError::new(StatusCode::CONFLICT, "stale_version", error.to_string())
                    .with_field("version")
            }
            StoreError::Unavailable(ref cause) => {
                tracing::warn!(%cause, "database unavailable");
                ApiError::unavailable()
            }
            StoreError::NoSigningKey => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "read_only",
                error.to_string(),
            ),
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    /// The body is written by the envelope middleware, which knows the request id and
    /// whether the client wants JSON or a page; here the error only travels as an extension.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
