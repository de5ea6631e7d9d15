//! The risk register, treatments, acceptances, the methodology and impact assessments
//! over JSON.

use std::collections::BTreeMap;

use aims_core::risk::assessment::Template;
use aims_core::risk::methodology::Methodology;
use aims_core::risk::register::RiskFields;
use aims_store::{ActionFields, ImpactAssessment, Risk, RiskAction, RiskView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::governance::decider;
use super::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

/// A risk with what makes it the system's: the path through the dependency graph.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SystemRisk {
    #[serde(flatten)]
    pub risk: RiskView,
    /// Empty for a risk on the system itself.
    pub path: Vec<aims_core::inventory::graph::Edge>,
}

/// The register, by number.
#[utoipa::path(get, path = "/api/v1/risks", tag = "risk", responses((status = 200, body = Vec<RiskView>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<RiskView>>> {
    Ok(Json(
        state
            .store()
            .risks(None, state.clock().now().date())
            .await?,
    ))
}

/// Record a risk; its levels come from the active methodology.
#[utoipa::path(post, path = "/api/v1/risks", tag = "risk", request_body = RiskFields,
    responses((status = 201, body = Risk), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(fields): ApiJson<RiskFields>,
) -> ApiResult<impl IntoResponse> {
    let risk = state
        .store()
        .create_risk(&current.ctx(&state), fields)
        .await?;
    Ok((StatusCode::CREATED, Json(risk)))
}

/// One risk, by id or number (`R-12`).
#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risk", params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = RiskView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<RiskView>> {
    Ok(Json(
        state.store().risk(&id, state.clock().now().date()).await?,
    ))
}

/// A re-assessment: the version last read and the new fields.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskUpdate {
    pub version: i64,
    pub fields: RiskFields,
}

/// Re-assess a risk under the active methodology.
#[utoipa::path(put, path = "/api/v1/risks/{id}", tag = "risk", request_body = RiskUpdate, params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = Risk), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RiskUpdate>,
) -> ApiResult<Json<Risk>> {
    let id = state.store().risk_id(&id).await?;
    Ok(Json(
        state
            .store()
            .update_risk(&current.ctx(&state), id, body.version, body.fields)
            .await?,
    ))
}

/// A formal acceptance.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceBody {
    pub reason: String,
    /// `YYYY-MM-DD`, at most a year ahead.
    pub expires_on: String,
}

/// Accept a risk formally; 403 without the authority for its level.
#[utoipa::path(post, path = "/api/v1/risks/{id}/acceptance", tag = "risk", request_body = AcceptanceBody, params(("id" = String, Path, description = "id or number")),
    responses((status = 200, body = Risk), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptanceBody>,
) -> ApiResult<Json<Risk>> {
    let id = state.store().risk_id(&id).await?;
    Ok(Json(
        state
            .store()
            .accept_risk(
                &current.ctx(&state),
                decider(&current),
                id,
                &body.reason,
                &body.expires_on,
            )
            .await?,
    ))
}

/// Add a treatment action, linked to the Annex A and applied controls it relies on.
#[utoipa::path(post, path = "/api/v1/risks/{id}/actions", tag = "risk", request_body = ActionFields, params(("id" = String, Path, description = "id or number")),
    responses((status = 201, body = RiskAction), (status = 422, body = crate::error::ErrorBody)))]
pub async fn action_create(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(fields): ApiJson<ActionFields>,
) -> ApiResult<impl IntoResponse> {
    let id = state.store().risk_id(&id).await?;
    let action = state
        .store()
        .add_risk_action(&current.ctx(&state), id, fields)
        .await?;
    Ok((StatusCode::CREATED, Json(action)))
}

/// An action update.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionUpdate {
    pub version: i64,
    pub fields: ActionFields,
}

/// Update a treatment action: progress, validation result.
#[utoipa::path(put, path = "/api/v1/risk-actions/{id}", tag = "risk", request_body = ActionUpdate, params(("id" = Uuid, Path, description = "action id")),
    responses((status = 200, body = RiskAction), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn action_update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionUpdate>,
) -> ApiResult<Json<RiskAction>> {
    Ok(Json(
        state
            .store()
            .update_risk_action(
                &current.ctx(&state),
                parse_id(&id)?,
                body.version,
                body.fields,
            )
            .await?,
    ))
}

/// Export format.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    pub format: Option<String>,
}

/// The register as CSV or JSON in the documented layout, for enterprise risk tools.
#[utoipa::path(get, path = "/api/v1/risks/export", tag = "risk", params(ExportQuery),
    responses((status = 200, description = "CSV or JSON rows")))]
pub async fn export(State(state): State<AppState>, uri: axum::http::Uri) -> ApiResult<Response> {
    let query: ExportQuery = parse_query(uri.query())?;
    let risks = state
        .store()
        .risks(None, state.clock().now().date())
        .await?;
    Ok(match query.format.as_deref().unwrap_or("csv") {
        "csv" => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"aims-risks.csv\"",
                ),
            ],
            crate::risk::to_csv(&risks),
        )
            .into_response(),
        "json" => Json(crate::risk::to_json(&risks)).into_response(),
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_query",
                format!("format `{other}` is not csv or json"),
            )
            .with_field("format"));
        }
    })
}

/// What an import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
}

/// Import the register from CSV (`text/csv`) or JSON rows; every problem is reported with
/// its line and column and nothing is imported unless there are none.
#[utoipa::path(post, path = "/api/v1/risks/import", tag = "risk", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<ImportResult>> {
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_import",
            format!("the file is not UTF-8: {e}"),
        )
    })?;
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let csv = if is_json {
        let rows: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_import",
                format!("line {}, column {}: {e}", e.line(), e.column()),
            )
        })?;
        crate::risk::json_rows_to_csv(&rows)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_import", e))?
    } else {
        text.to_owned()
    };
    match crate::risk::import(state.store(), &current.ctx(&state), &csv).await? {
        Ok((created, updated)) => Ok(Json(ImportResult { created, updated })),
        Err(problems) => {
            let mut error = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_import",
                format!(
                    "nothing was imported: {}",
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            );
            error.details = problems
                .iter()
                .map(|p| aims_core::FieldError {
                    field: format!("line {}: {}", p.line, p.column),
                    message: p.message.clone(),
                })
                .collect();
            Err(error)
        }
    }
}

/// The heat map of residual (default) or inherent risk, as SVG.
#[utoipa::path(get, path = "/api/v1/risks/heatmap", tag = "risk", responses((status = 200, description = "SVG", content_type = "image/svg+xml")))]
pub async fn heatmap(State(state): State<AppState>, uri: axum::http::Uri) -> ApiResult<Response> {
    let inherent = uri.query().is_some_and(|q| q.contains("basis=inherent"));
    let (methodology, _) = state.store().active_methodology().await?;
    let risks = state
        .store()
        .risks(None, state.clock().now().date())
        .await?;
    let basis = if inherent {
        crate::risk::Basis::Inherent
    } else {
        crate::risk::Basis::Residual
    };
    Ok((
        [(CONTENT_TYPE, "image/svg+xml")],
        crate::risk::heat_map(&methodology, &risks, basis),
    )
        .into_response())
}

/// Risks on a system and on what it depends on (cascading), with their paths.
#[utoipa::path(get, path = "/api/v1/systems/{id}/risks", tag = "risk", params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = Vec<SystemRisk>)))]
pub async fn system_risks(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<SystemRisk>>> {
    let id = parse_id(&id)?;
    state.store().get_ai_system(id).await?;
    Ok(Json(
        state
            .store()
            .risks_reaching(id, state.clock().now().date())
            .await?
            .into_iter()
            .map(|(risk, path)| SystemRisk { risk, path })
            .collect(),
    ))
}

/// The methodology with its version.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodologyBody {
    /// 0 for the shipped default.
    pub version: i64,
    pub methodology: Methodology,
}

/// The active risk methodology.
#[utoipa::path(get, path = "/api/v1/risk-methodology", tag = "risk", responses((status = 200, body = MethodologyBody)))]
pub async fn methodology(State(state): State<AppState>) -> ApiResult<Json<MethodologyBody>> {
    let (methodology, version) = state.store().active_methodology().await?;
    Ok(Json(MethodologyBody {
        version,
        methodology,
    }))
}

/// Approve a methodology as the new active version (governance leads); `version` is the
/// active version it replaces.
#[utoipa::path(put, path = "/api/v1/risk-methodology", tag = "risk", request_body = MethodologyBody,
    responses((status = 200, body = MethodologyBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn methodology_approve(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<MethodologyBody>,
) -> ApiResult<Json<MethodologyBody>> {
    let version = state
        .store()
        .approve_methodology(&current.ctx(&state), body.methodology.clone(), body.version)
        .await?;
    Ok(Json(MethodologyBody {
        version,
        methodology: body.methodology,
    }))
}

/// A system's impact assessments, newest first.
#[utoipa::path(get, path = "/api/v1/systems/{id}/assessments", tag = "risk", params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, body = Vec<ImpactAssessment>)))]
pub async fn assessments(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ImpactAssessment>>> {
    Ok(Json(state.store().assessments(parse_id(&id)?).await?))
}

/// The template of a new assessment.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartAssessment {
    pub template: Template,
}

/// Start an impact assessment (the next version starts from the approved one).
#[utoipa::path(post, path = "/api/v1/systems/{id}/assessments", tag = "risk", request_body = StartAssessment, params(("id" = Uuid, Path, description = "system id")),
    responses((status = 201, body = ImpactAssessment), (status = 409, body = crate::error::ErrorBody)))]
pub async fn assessment_start(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StartAssessment>,
) -> ApiResult<impl IntoResponse> {
    let assessment = state
        .store()
        .start_assessment(&current.ctx(&state), parse_id(&id)?, body.template)
        .await?;
    Ok((StatusCode::CREATED, Json(assessment)))
}

/// One assessment version.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "risk", params(("id" = Uuid, Path, description = "assessment id")),
    responses((status = 200, body = ImpactAssessment), (status = 404, body = crate::error::ErrorBody)))]
pub async fn assessment(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ImpactAssessment>> {
    Ok(Json(state.store().assessment(parse_id(&id)?).await?))
}

/// A draft's answers.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentUpdate {
    pub version: i64,
    pub answers: BTreeMap<String, String>,
}

/// Save a draft's answers; an approved version is frozen (409).
#[utoipa::path(put, path = "/api/v1/assessments/{id}", tag = "risk", request_body = AssessmentUpdate, params(("id" = Uuid, Path, description = "assessment id")),
    responses((status = 200, body = ImpactAssessment), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn assessment_save(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssessmentUpdate>,
) -> ApiResult<Json<ImpactAssessment>> {
    Ok(Json(
        state
            .store()
            .save_assessment(
                &current.ctx(&state),
                parse_id(&id)?,
                body.version,
                body.answers,
            )
            .await?,
    ))
}

/// Approve a complete draft (governance leads).
#[utoipa::path(post, path = "/api/v1/assessments/{id}/approve", tag = "risk", params(("id" = Uuid, Path, description = "assessment id")),
    responses((status = 200, body = ImpactAssessment), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn assessment_approve(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ImpactAssessment>> {
    Ok(Json(
        state
            .store()
            .approve_assessment(&current.ctx(&state), decider(&current), parse_id(&id)?)
            .await?,
    ))
}
