//! API tokens over JSON: each user manages their own; administrators see everyone's.

use aims_core::access::Permission;
use aims_core::user::{ApiToken, NewApiToken};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use crate::api::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

/// A new token with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`. Not retrievable later.
    pub secret: String,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// Administrators only: everyone's tokens.
    pub all: Option<bool>,
}

/// Your tokens (or, for administrators with `all=true`, everyone's).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", params(TokenQuery),
    responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let query: TokenQuery = parse_query(uri.query())?;
    let everyone = query.all.unwrap_or(false);
    if everyone && !current.can(Permission::UserAdmin) {
        return Err(ApiError::forbidden(
            "only administrators may list everyone's tokens",
        ));
    }
    let owner = (!everyone).then_some(current.user().id);
    Ok(Json(state.store().list_tokens(owner).await?))
}

/// Create a token for yourself.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = NewApiToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(new_token): ApiJson<NewApiToken>,
) -> ApiResult<impl IntoResponse> {
    let (token, secret) = state
        .store()
        .create_token(&current.ctx(&state), current.user().id, new_token)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revoke a token (yours, or anyone's for administrators).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account",
    params(("id" = uuid::Uuid, Path, description = "token id")),
    responses((status = 200, body = ApiToken), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiToken>> {
    Ok(Json(revoke_for(&state, &current, &id).await?))
}

/// Revokes a token if it belongs to the user or the user administers users. Someone
/// else's token reads as not found, so ids cannot be probed.
pub(crate) async fn revoke_for(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> ApiResult<ApiToken> {
    let id = parse_id(id)?;
    let token = state.store().get_token(id).await?;
    if token.user_id != current.user().id && !current.can(Permission::UserAdmin) {
        return Err(ApiError::not_found(format!("API token {id} not found")));
    }
    Ok(state.store().revoke_token(&current.ctx(state), id).await?)
}
