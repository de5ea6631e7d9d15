//! Static files embedded in the binary: the stylesheet and htmx.

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;

use crate::error::ApiError;

const CSS: &str = include_str!("../../static/aims.css");
const HTMX: &str = include_str!("../../static/htmx.min.js");
const UI_JS: &str = include_str!("../../static/aims.js");
const FAVICON: &str = include_str!("../../static/favicon.svg");

/// Serves one embedded asset with a long cache lifetime (names change with content).
pub async fn asset(Path(file): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let (body, content_type) = match file.as_str() {
        "aims.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "aims.js" => (UI_JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return Err(ApiError::not_found(format!("no static file `{file}`"))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    ))
}
