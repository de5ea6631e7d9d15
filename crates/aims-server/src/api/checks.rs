//! Analytics check runs over JSON: a pipeline posts its report, people and auditors read
//! runs and the history of each metric with its process-control alarms.

use std::collections::BTreeMap;

use aims_store::{CheckRun, NewCheckRun};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, LOCATION};
use axum::response::{Html, IntoResponse};
use serde::{Deserialize, Serialize};

use crate::api::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::checks::{MetricHistory, default_controls, headline_metrics};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

/// A run's result as a pipeline sends it.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSubmission {
    /// The report as `aims check --format json` writes it.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    /// What the run is evidence about: `ai_system`, `model_version` or `dataset_version`.
    pub subject_type: String,
    /// Its id.
    pub subject_id: String,
    /// The Annex A controls it supports; by default those of its kind.
    #[serde(default)]
    pub controls: Vec<String>,
    /// SHA-256 of each input (`data`, `reference`, `spec`).
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
}

/// Records a report as evidence: checks the subject exists, takes the headline metrics from
/// the report itself, and writes the run through the ledger.
pub async fn record(
    state: &AppState,
    ctx: &aims_store::WriteCtx,
    submission: CheckSubmission,
) -> ApiResult<CheckRun> {
    let kind = match aims_core::inventory::Kind::parse(&submission.subject_type) {
        Ok(
            kind @ (aims_core::inventory::Kind::AiSystem
            | aims_core::inventory::Kind::ModelVersion
            | aims_core::inventory::Kind::DatasetVersion),
        ) => kind,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "subject_type: must be ai_system, model_version or dataset_version",
            )
            .with_field("subject_type"));
        }
    };
    let unknown = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("subject_id: no {} has this id", kind.label()),
        )
        .with_field("subject_id")
    };
    let system = parse_id(&submission.subject_id).map_err(|_| unknown())?;
    let exists = match kind {
        aims_core::inventory::Kind::AiSystem => state.store().get_ai_system(system).await.is_ok(),
        kind => state.store().get_item(kind, system).await.is_ok(),
    };
    if !exists {
        return Err(unknown());
    }
    let field = |name: &str| submission.report.get(name).cloned();
    let kind = field("kind")
        .and_then(|k| k.as_str().map(str::to_owned))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "report.kind: the report names no check kind",
            )
            .with_field("report.kind")
        })?;
    let passed = field("passed").and_then(|p| p.as_bool()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "report.passed: the report says neither passed nor failed",
        )
        .with_field("report.passed")
    })?;
    let failures = field("failures")
        .and_then(|f| f.as_array().map(|a| a.len() as i64))
        .unwrap_or(0);
    for control in &submission.controls {
        crate::conformance::known_control(state.catalog(), control).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!("controls: {}", e.message),
            )
            .with_field("controls")
        })?;
    }
    let controls = if submission.controls.is_empty() {
        default_controls(&kind)
    } else {
        submission.controls
    };
    let run = NewCheckRun {
        metrics: headline_metrics(&submission.report),
        kind,
        subject_type: submission.subject_type,
        subject_id: system.to_string(),
        controls,
        passed,
        failures,
        inputs: submission.inputs,
        report: submission.report,
    };
    Ok(state.store().record_check_run(ctx, run).await?)
}

/// Record a check run's report as evidence (from a pipeline, with an API token).
#[utoipa::path(post, path = "/api/v1/checks", tag = "checks", request_body = CheckSubmission,
    responses((status = 201, body = CheckRun), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(submission): ApiJson<CheckSubmission>,
) -> ApiResult<impl IntoResponse> {
    let run = record(&state, &current.ctx(&state), submission).await?;
    Ok((
        StatusCode::CREATED,
        [(LOCATION, format!("/api/v1/checks/{}", run.id))],
        Json(run),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunsQuery {
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// For `/history`: the metric, such as `performance.roc_auc`.
    pub metric: Option<String>,
}

/// Recorded runs, newest first.
#[utoipa::path(get, path = "/api/v1/checks", tag = "checks", params(RunsQuery),
    responses((status = 200, body = Vec<CheckRun>)))]
pub async fn list(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<Vec<CheckRun>>> {
    let query: RunsQuery = parse_query(uri.query())?;
    let subject = query
        .subject_type
        .as_deref()
        .zip(query.subject_id.as_deref());
    Ok(Json(state.store().list_check_runs(subject, 500).await?))
}

/// One run with its full report.
#[utoipa::path(get, path = "/api/v1/checks/{id}", tag = "checks",
    params(("id" = uuid::Uuid, Path, description = "run id")),
    responses((status = 200, body = CheckRun), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<CheckRun>> {
    Ok(Json(state.store().get_check_run(parse_id(&id)?).await?))
}

/// A run's report as the analytics engine renders it (HTML with inline SVG charts).
#[utoipa::path(get, path = "/api/v1/checks/{id}/report", tag = "checks",
    params(("id" = uuid::Uuid, Path, description = "run id")),
    responses((status = 200, content_type = "text/html", description = "the report")))]
pub async fn report(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let run = state.store().get_check_run(parse_id(&id)?).await?;
    let report: aims_analytics::CheckReport =
        serde_json::from_value(run.run.report).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable_report",
                format!("the stored report cannot be rendered: {e}"),
            )
        })?;
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        )],
        Html(report.render_html()),
    ))
}

/// One metric's history for a subject, with EWMA and Western Electric alarms.
#[utoipa::path(get, path = "/api/v1/checks/history", tag = "checks", params(RunsQuery),
    responses((status = 200, body = MetricHistory), (status = 422, body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<MetricHistory>> {
    let query: RunsQuery = parse_query(uri.query())?;
    let missing = |field: &'static str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            format!("{field} is required"),
        )
        .with_field(field)
    };
    let subject_type = query.subject_type.ok_or_else(|| missing("subject_type"))?;
    let subject_id = query.subject_id.ok_or_else(|| missing("subject_id"))?;
    let metric = query.metric.ok_or_else(|| missing("metric"))?;
    Ok(Json(
        crate::checks::history(&state, (&subject_type, &subject_id), &metric).await?,
    ))
}
