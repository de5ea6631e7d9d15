//! The AI system register over JSON.

use aims_core::ai_system::{
    AiSystem, AiSystemFields, AiSystemFilter, AiSystemPatch, LifecycleStage, OrgRole,
};
use aims_store::{AiSystemPage, AiSystemSort, HistoryEntry, ListParams, SortOrder};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

/// Query parameters of the list: filters, paging and order.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Case-insensitive text in the name, purpose or owner.
    pub q: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub org_role: Option<OrgRole>,
    pub business_unit: Option<String>,
    pub include_archived: Option<bool>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub sort: Option<AiSystemSort>,
    pub order: Option<SortOrder>,
}

impl ListQuery {
    pub fn split(self) -> (AiSystemFilter, ListParams) {
        (
            AiSystemFilter {
                q: self.q,
                lifecycle_stage: self.lifecycle_stage,
                org_role: self.org_role,
                business_unit: self.business_unit,
                include_archived: self.include_archived,
            },
            ListParams {
                limit: self.limit,
                offset: self.offset,
                sort: self.sort,
                order: self.order,
            },
        )
    }
}

/// The version the client last saw, for archive and restore.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i64,
}

/// Parses a query string, treating empty parameters as absent: a filter form submits
/// `stage=` for "any", which means no filter rather than an invalid value.
pub(crate) fn parse_query<T: serde::de::DeserializeOwned>(query: Option<&str>) -> ApiResult<T> {
    let invalid = |error: serde_urlencoded::de::Error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            format!("invalid query parameter: {error}"),
        )
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(invalid)?;
    let present: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    let normalised = serde_urlencoded::to_string(&present).unwrap_or_default();
    serde_urlencoded::from_str(&normalised).map_err(|error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            format!("invalid query parameter: {error}"),
        )
    })
}

pub(crate) fn parse_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found(format!("no record has the id `{id}`")))
}

/// List AI systems.
#[utoipa::path(get, path = "/api/v1/systems", tag = "systems", params(ListQuery),
    responses((status = 200, body = AiSystemPage), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<AiSystemPage>> {
    // Parsed by hand rather than with `Query` so that a bad parameter gets our error format.
    let query: ListQuery = parse_query(uri.query())?;
    let (filter, params) = query.split();
    Ok(Json(state.store().list_ai_systems(&filter, &params).await?))
}

/// Register an AI system.
#[utoipa::path(post, path = "/api/v1/systems", tag = "systems", request_body = AiSystemFields,
    responses((status = 201, body = AiSystem), (status = 422, body = crate::error::ErrorBody),
              (status = 400, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(fields): ApiJson<AiSystemFields>,
) -> ApiResult<impl IntoResponse> {
    let system = state
        .store()
        .create_ai_system(&current.ctx(&state), fields)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(LOCATION, format!("/api/v1/systems/{}", system.id))],
        Json(system),
    ))
}

/// One AI system.
#[utoipa::path(get, path = "/api/v1/systems/{id}", tag = "systems",
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = AiSystem), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<AiSystem>> {
    Ok(Json(state.store().get_ai_system(parse_id(&id)?).await?))
}

/// Change some fields of an AI system; `version` must be the one last read.
#[utoipa::path(patch, path = "/api/v1/systems/{id}", tag = "systems", request_body = AiSystemPatch,
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = AiSystem), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<AiSystemPatch>,
) -> ApiResult<Json<AiSystem>> {
    let id = parse_id(&id)?;
    Ok(Json(
        state
            .store()
            .update_ai_system(&current.ctx(&state), id, patch)
            .await?,
    ))
}

/// Archive an AI system (it stays, with its history, out of default lists).
#[utoipa::path(post, path = "/api/v1/systems/{id}/archive", tag = "systems", request_body = VersionBody,
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = AiSystem), (status = 409, body = crate::error::ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> ApiResult<Json<AiSystem>> {
    set_archived(state, current, &id, body.version, true).await
}

/// Restore an archived AI system.
#[utoipa::path(post, path = "/api/v1/systems/{id}/restore", tag = "systems", request_body = VersionBody,
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = AiSystem), (status = 409, body = crate::error::ErrorBody)))]
pub async fn restore(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> ApiResult<Json<AiSystem>> {
    set_archived(state, current, &id, body.version, false).await
}

async fn set_archived(
    state: AppState,
    current: CurrentUser,
    id: &str,
    version: i64,
    archived: bool,
) -> ApiResult<Json<AiSystem>> {
    let id = parse_id(id)?;
    Ok(Json(
        state
            .store()
            .set_ai_system_archived(&current.ctx(&state), id, version, archived)
            .await?,
    ))
}

/// The ledger entries of one AI system, newest first.
#[utoipa::path(get, path = "/api/v1/systems/{id}/history", tag = "systems",
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let id = parse_id(&id)?;
    state.store().get_ai_system(id).await?;
    Ok(Json(
        state.store().history("ai_system", &id.to_string()).await?,
    ))
}
