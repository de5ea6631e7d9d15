//! Certification readiness, its trend, and coverage of other frameworks inferred across
//! crosswalks.

use std::collections::HashMap;

use aims_catalog::{InferredCoverage, Relationship, Status, Support};
use aims_core::control::ControlStatus;
use aims_core::readiness::Readiness;
use aims_core::soa::{Applicability, ClauseState, ImplementationStatus};
use aims_store::{ISO42001, ReadinessPoint};
use axum::Json;
use axum::extract::{Path, State};

use crate::conformance;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Readiness for certification: scores with their reasons, gaps with next actions, the
/// mandatory documented information, and the business case.
#[utoipa::path(get, path = "/api/v1/readiness", tag = "conformance",
    responses((status = 200, body = Readiness)))]
pub async fn readiness(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    Ok(Json(crate::readiness::compute(&state).await?))
}

/// The overall, clause and Annex A scores per day, oldest first.
#[utoipa::path(get, path = "/api/v1/readiness/history", tag = "conformance",
    responses((status = 200, body = Vec<ReadinessPoint>)))]
pub async fn history(State(state): State<AppState>) -> ApiResult<Json<Vec<ReadinessPoint>>> {
    Ok(Json(state.store().readiness_history(365).await?))
}

/// The organisation's status on every ISO/IEC 42001 requirement, for crosswalk inference.
pub async fn iso_statuses(state: &AppState) -> ApiResult<HashMap<(String, String), Status>> {
    let mut statuses = HashMap::new();
    for row in conformance::current_soa(state).await? {
        let status = match (
            row.row.fields.applicability,
            row.row.fields.implementation_status,
        ) {
            (Applicability::Undecided, _) => continue,
            (Applicability::NotApplicable, _) | (_, ImplementationStatus::NotApplicable) => {
                Status::NotApplicable
            }
            (_, ImplementationStatus::Implemented) => Status::Implemented,
            (_, ImplementationStatus::PartiallyImplemented) => Status::PartiallyImplemented,
            (_, ImplementationStatus::Planned) => Status::Planned,
            (_, ImplementationStatus::NotStarted) => Status::NotStarted,
        };
        statuses.insert((ISO42001.to_owned(), row.row.control_id), status);
    }
    for clause in conformance::clauses(state).await? {
        if clause.record.version == 0 {
            continue;
        }
        let status = match clause.record.fields.status {
            ClauseState::Met => Status::Implemented,
            ClauseState::PartiallyMet => Status::PartiallyImplemented,
            ClauseState::Planned => Status::Planned,
            ClauseState::NotStarted => Status::NotStarted,
        };
        statuses.insert((ISO42001.to_owned(), clause.record.requirement_id), status);
    }
    Ok(statuses)
}

/// Coverage of another framework inferred from the work recorded against ISO/IEC 42001,
/// with every mapping that supports each inference.
#[utoipa::path(get, path = "/api/v1/crosswalk/{framework}", tag = "conformance",
    params(("framework" = String, Path, description = "target framework id, such as nist-ai-rmf-1.0")),
    responses((status = 200, body = Vec<InferredCoverage>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn crosswalk(
    State(state): State<AppState>,
    Path(framework): Path<String>,
) -> ApiResult<Json<Vec<InferredCoverage>>> {
    Ok(Json(coverage(&state, &framework).await?))
}

pub async fn coverage(state: &AppState, framework: &str) -> ApiResult<Vec<InferredCoverage>> {
    let catalog = conformance::full_catalog(state).await?;
    let Some(target) = catalog
        .framework(framework)
        .filter(|_| framework != ISO42001)
    else {
        return Err(ApiError::not_found(format!(
            "no framework `{framework}` to infer coverage for (choose one other than ISO/IEC 42001)"
        )));
    };
    let statuses = iso_statuses(state).await?;
    // Applied controls linked straight to a requirement of the target framework count too:
    // "the organisation's work on the others" includes work done for this one directly.
    let controls = state.store().list_controls().await?;
    let mut rows = Vec::new();
    for mut row in aims_catalog::infer_coverage(&catalog, &statuses, framework) {
        // Headings (functions, categories, sections) are not requirements to cover.
        if target
            .requirement(&row.requirement_id)
            .is_some_and(|r| r.kind.is_grouping())
        {
            continue;
        }
        for control in &controls {
            let linked = control
                .fields
                .requirements
                .iter()
                .any(|r| r.framework == framework && r.requirement == row.requirement_id);
            if !linked {
                continue;
            }
            let status = match control.fields.status {
                ControlStatus::Implemented => Status::Implemented,
                ControlStatus::InProgress => Status::PartiallyImplemented,
                ControlStatus::Planned => Status::Planned,
                ControlStatus::Retired => Status::NotApplicable,
            };
            let contribution = aims_catalog::contribution(Relationship::EqualTo, Some(status));
            row.coverage = row.coverage.max(contribution);
            row.supports.push(Support {
                crosswalk: "applied control".into(),
                source_framework: "applied_control".into(),
                source_id: control.fields.name.clone(),
                relationship: Relationship::EqualTo,
                source_status: Some(status),
                contribution,
            });
        }
        rows.push(row);
    }
    Ok(rows)
}
