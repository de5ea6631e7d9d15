//! JSON API handlers under `/api/v1`. Each calls the store (the application layer) and
//! nothing else; the web UI calls the same store functions.

pub mod checks;
pub mod conformance;
pub mod evidence;
pub mod governance;
pub mod inventory;
pub mod ledger;
pub mod ops;
pub mod readiness;
pub mod risk;
pub mod systems;
pub mod tokens;
pub mod users;

use aims_core::timefmt::format_date;
use aims_core::user::User;
use aims_store::Counts;
use axum::Json;
use axum::extract::State;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = User), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(current: CurrentUser) -> Json<User> {
    Json(current.user().clone())
}

/// Counts for the dashboard.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "account",
    responses((status = 200, body = Counts), (status = 401, body = crate::error::ErrorBody)))]
pub async fn dashboard(State(state): State<AppState>) -> ApiResult<Json<Counts>> {
    let today = format_date(state.clock().now().date());
    Ok(Json(state.store().counts(&today).await?))
}
