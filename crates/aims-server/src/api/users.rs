//! User administration over JSON (administrators only).

use aims_core::user::{NewUser, User, UserPatch};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::api::systems::parse_id;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::state::AppState;

/// Every user.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<User>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.store().list_users().await?))
}

/// Create a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(new_user): ApiJson<NewUser>,
) -> ApiResult<impl IntoResponse> {
    let user = state
        .store()
        .create_user(&current.ctx(&state), new_user)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = uuid::Uuid, Path, description = "user id")),
    responses((status = 200, body = User), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<User>> {
    Ok(Json(state.store().get_user(parse_id(&id)?).await?))
}

/// Change a user's name, role, status or password.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = uuid::Uuid, Path, description = "user id")),
    responses((status = 200, body = User), (status = 409, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<Json<User>> {
    let id = parse_id(&id)?;
    Ok(Json(
        state
            .store()
            .update_user(&current.ctx(&state), id, patch)
            .await?,
    ))
}
