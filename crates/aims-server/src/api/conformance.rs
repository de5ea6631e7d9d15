//! Frameworks, applied controls, the Statement of Applicability and clause conformance
//! over JSON.

use aims_catalog::Framework;
use aims_core::control::{AppliedControl, ControlFields};
use aims_core::soa::{ClauseFields, SoaRowFields};
use aims_store::{ClauseRecord, SoaRow, SoaVersion, StoreError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use crate::api::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::conformance::{self, ClauseView, SoaRowView};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Versioned};
use crate::state::AppState;

/// A framework without its requirements, for lists.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FrameworkSummary {
    pub id: String,
    pub name: String,
    pub version: String,
    pub publisher: String,
    pub library_version: String,
    pub custom: bool,
    pub requirements: usize,
}

/// The framework libraries AIMS knows, built in and imported.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "conformance",
    responses((status = 200, body = Vec<FrameworkSummary>)))]
pub async fn frameworks(State(state): State<AppState>) -> ApiResult<Json<Vec<FrameworkSummary>>> {
    Ok(Json(
        conformance::full_catalog(&state)
            .await?
            .frameworks
            .iter()
            .map(|f| FrameworkSummary {
                id: f.id.clone(),
                name: f.name.clone(),
                version: f.version.clone(),
                publisher: f.publisher.clone(),
                library_version: f.library_version.clone(),
                custom: f.custom,
                requirements: f.requirements.len(),
            })
            .collect(),
    ))
}

async fn framework(state: &AppState, id: &str) -> ApiResult<Framework> {
    conformance::full_catalog(state)
        .await?
        .framework(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no framework `{id}`")))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file name to report problems against (default `framework.yaml`).
    pub file_name: Option<String>,
}

/// Import a custom framework: the body is the framework's YAML (the format of the built-in
/// libraries). Problems are reported with file, line, column and field.
#[utoipa::path(post, path = "/api/v1/frameworks", tag = "conformance", params(ImportQuery),
    request_body(content = String, content_type = "application/yaml"),
    responses((status = 201, body = Framework), (status = 422, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn framework_import(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> ApiResult<impl IntoResponse> {
    let query: ImportQuery = parse_query(uri.query())?;
    let file_name = query.file_name.unwrap_or_else(|| "framework.yaml".into());
    let source = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("the framework file must be UTF-8 text"))?;
    let framework =
        conformance::import_framework(&state, &current.ctx(&state), &file_name, source).await?;
    Ok((StatusCode::CREATED, Json(framework)))
}

/// One framework with every requirement.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}", tag = "conformance",
    params(("id" = String, Path, description = "framework id, such as iso-iec-42001-2023")),
    responses((status = 200, body = Framework), (status = 404, body = crate::error::ErrorBody)))]
pub async fn framework_show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Framework>> {
    Ok(Json(framework(&state, &id).await?))
}

/// One framework as an OSCAL 1.2.3 catalog.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}/oscal", tag = "conformance",
    params(("id" = String, Path, description = "framework id")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)))]
pub async fn framework_oscal(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let framework = framework(&state, &id).await?;
    let document =
        aims_catalog::oscal_catalog(&framework, state.clock().now()).map_err(|error| {
            tracing::error!(%error, "OSCAL catalog export failed");
            ApiError::internal()
        })?;
    Ok(Json(document))
}

/// Every applied control.
#[utoipa::path(get, path = "/api/v1/controls", tag = "conformance",
    responses((status = 200, body = Vec<AppliedControl>)))]
pub async fn controls(State(state): State<AppState>) -> ApiResult<Json<Vec<AppliedControl>>> {
    Ok(Json(state.store().list_controls().await?))
}

/// Create an applied control, linked to requirements of any framework.
#[utoipa::path(post, path = "/api/v1/controls", tag = "conformance", request_body = ControlFields,
    responses((status = 201, body = AppliedControl), (status = 422, body = crate::error::ErrorBody)))]
pub async fn control_create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(fields): ApiJson<ControlFields>,
) -> ApiResult<impl IntoResponse> {
    conformance::check_references(
        &conformance::full_catalog(&state).await?,
        &fields.requirements,
    )?;
    let control = state
        .store()
        .create_control(&current.ctx(&state), fields)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(LOCATION, format!("/api/v1/controls/{}", control.id))],
        Json(control),
    ))
}

/// One applied control.
#[utoipa::path(get, path = "/api/v1/controls/{id}", tag = "conformance",
    params(("id" = uuid::Uuid, Path, description = "control id")),
    responses((status = 200, body = AppliedControl), (status = 404, body = crate::error::ErrorBody)))]
pub async fn control_show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<AppliedControl>> {
    Ok(Json(state.store().get_control(parse_id(&id)?).await?))
}

/// Replace an applied control's fields and requirement links. The body is the control's
/// fields plus `version`, the version last read.
#[utoipa::path(put, path = "/api/v1/controls/{id}", tag = "conformance", request_body = ControlFields,
    params(("id" = uuid::Uuid, Path, description = "control id")),
    responses((status = 200, body = AppliedControl), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn control_update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    update: Versioned<ControlFields>,
) -> ApiResult<Json<AppliedControl>> {
    let id = parse_id(&id)?;
    conformance::check_references(
        &conformance::full_catalog(&state).await?,
        &update.fields.requirements,
    )?;
    Ok(Json(
        state
            .store()
            .update_control(&current.ctx(&state), id, update.version, update.fields)
            .await?,
    ))
}

/// The current Statement of Applicability: every Annex A control.
#[utoipa::path(get, path = "/api/v1/soa", tag = "conformance",
    responses((status = 200, body = Vec<SoaRowView>)))]
pub async fn soa(State(state): State<AppState>) -> ApiResult<Json<Vec<SoaRowView>>> {
    Ok(Json(conformance::current_soa(&state).await?))
}

/// Decide about one Annex A control: applicability, justification, status, owner. The
/// body carries `version` too: the row's version last read, 0 for one never saved.
#[utoipa::path(put, path = "/api/v1/soa/{control_id}", tag = "conformance", request_body = SoaRowFields,
    params(("control_id" = String, Path, description = "Annex A control, such as A.6.2.4")),
    responses((status = 200, body = SoaRow), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn soa_update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(control_id): Path<String>,
    update: Versioned<SoaRowFields>,
) -> ApiResult<Json<SoaRow>> {
    conformance::known_control(state.catalog(), &control_id)?;
    Ok(Json(
        state
            .store()
            .update_soa_row(
                &current.ctx(&state),
                &control_id,
                update.version,
                update.fields,
            )
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// What this version is for, such as "Stage 1 audit".
    #[serde(default)]
    pub note: String,
}

/// Approve the current SoA as a new frozen version (governance leads only).
#[utoipa::path(post, path = "/api/v1/soa/approve", tag = "conformance", request_body = ApproveBody,
    responses((status = 201, body = SoaVersion), (status = 422, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn soa_approve(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<ApproveBody>,
) -> ApiResult<impl IntoResponse> {
    let version = approve(&state, &current, &body.note).await?;
    Ok((StatusCode::CREATED, Json(version)))
}

pub(crate) async fn approve(
    state: &AppState,
    current: &CurrentUser,
    note: &str,
) -> ApiResult<SoaVersion> {
    let ids = conformance::control_ids(state.catalog())?;
    match state
        .store()
        .approve_soa(&current.ctx(state), &ids, note)
        .await
    {
        Ok(version) => Ok(version),
        Err(StoreError::Validation(errors)) => {
            let count = errors.errors.len();
            let mut error = ApiError::from(errors);
            error.code = "soa_incomplete";
            error.message = format!(
                "{count} control(s) are not ready for approval: each must be included or excluded with a justification"
            );
            Err(error)
        }
        Err(other) => Err(other.into()),
    }
}

/// Approved versions, newest first.
#[utoipa::path(get, path = "/api/v1/soa/versions", tag = "conformance",
    responses((status = 200, body = Vec<SoaVersion>)))]
pub async fn soa_versions(State(state): State<AppState>) -> ApiResult<Json<Vec<SoaVersion>>> {
    Ok(Json(state.store().soa_versions().await?))
}

pub(crate) fn parse_number(text: &str) -> ApiResult<i64> {
    text.parse()
        .map_err(|_| ApiError::not_found(format!("no SoA version `{text}`")))
}

/// One approved version, frozen.
#[utoipa::path(get, path = "/api/v1/soa/versions/{number}", tag = "conformance",
    params(("number" = i64, Path, description = "version number")),
    responses((status = 200, body = SoaVersion), (status = 404, body = crate::error::ErrorBody)))]
pub async fn soa_version(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> ApiResult<Json<SoaVersion>> {
    Ok(Json(
        state.store().soa_version(parse_number(&number)?).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `html`, `md`, `csv`, `oscal-profile` or `oscal-ssp`.
    pub format: String,
    /// An approved version; the current draft when absent.
    pub version: Option<i64>,
}

/// Export the SoA (current or an approved version) as HTML, Markdown, CSV or OSCAL.
#[utoipa::path(get, path = "/api/v1/soa/export", tag = "conformance", params(ExportQuery),
    responses((status = 200, description = "the document in the chosen format"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn soa_export(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<axum::response::Response> {
    let query: ExportQuery = parse_query(uri.query())?;
    crate::export::soa_response(&state, &query.format, query.version).await
}

/// Conformance with every clause requirement (clauses 4 to 10).
#[utoipa::path(get, path = "/api/v1/clauses", tag = "conformance",
    responses((status = 200, body = Vec<ClauseView>)))]
pub async fn clauses(State(state): State<AppState>) -> ApiResult<Json<Vec<ClauseView>>> {
    Ok(Json(conformance::clauses(&state).await?))
}

/// Record conformance with one clause requirement; the body carries `version` too.
#[utoipa::path(put, path = "/api/v1/clauses/{id}", tag = "conformance", request_body = ClauseFields,
    params(("id" = String, Path, description = "clause requirement, such as 6.1.3")),
    responses((status = 200, body = ClauseRecord), (status = 409, body = crate::error::ErrorBody)))]
pub async fn clause_update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    update: Versioned<ClauseFields>,
) -> ApiResult<Json<ClauseRecord>> {
    conformance::known_clause(state.catalog(), &id)?;
    Ok(Json(
        state
            .store()
            .update_clause_record(&current.ctx(&state), &id, update.version, update.fields)
            .await?,
    ))
}
