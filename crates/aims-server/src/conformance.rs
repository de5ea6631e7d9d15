//! Application functions for conformance shared by the API and the UI: the Annex A control
//! list and clause list from the catalogue, SoA rows joined with control titles, and
//! checks of requirement references against the catalogue.

use aims_catalog::{Catalog, Requirement, RequirementKind};
use aims_core::ValidationErrors;
use aims_core::control::RequirementRef;
use aims_store::{ClauseRecord, ISO42001, SoaRow};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The built-in libraries plus every framework users imported. Imports are re-read from
/// the database on each call, so every server behind a load balancer sees them at once.
pub async fn full_catalog(state: &AppState) -> ApiResult<Catalog> {
    let mut catalog = state.catalog().clone();
    for custom in state.store().custom_frameworks().await? {
        match aims_catalog::parse_framework(&custom.file_name, &custom.source) {
            Ok(framework) => {
                if let Err(error) = catalog.add_framework(framework) {
                    tracing::warn!(id = custom.id, %error, "imported framework skipped");
                }
            }
            Err(diagnostics) => {
                tracing::warn!(id = custom.id, %diagnostics, "imported framework no longer parses")
            }
        }
    }
    Ok(catalog)
}

/// Validates an uploaded framework with the same validator as the built-ins, and keeps it.
pub async fn import_framework(
    state: &AppState,
    ctx: &aims_store::WriteCtx,
    file_name: &str,
    source: &str,
) -> ApiResult<aims_catalog::Framework> {
    let framework = aims_catalog::parse_framework(file_name, source).map_err(|diagnostics| {
        let details: Vec<aims_core::FieldError> = diagnostics
            .items
            .iter()
            .map(|d| aims_core::FieldError {
                field: d.field.clone(),
                message: d.to_string(),
            })
            .collect();
        let mut error = ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_framework",
            format!(
                "{} problem(s) in {file_name}: {}",
                details.len(),
                diagnostics
            ),
        );
        error.field = details.first().map(|d| d.field.clone());
        error.details = details;
        error
    })?;
    if full_catalog(state)
        .await?
        .framework(&framework.id)
        .is_some()
    {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "conflict",
            format!(
                "a framework with id `{}` already exists: give yours another id",
                framework.id
            ),
        )
        .with_field("id"));
    }
    state
        .store()
        .import_framework(
            ctx,
            aims_store::CustomFramework {
                id: framework.id.clone(),
                name: framework.name.clone(),
                file_name: file_name.to_owned(),
                source: source.to_owned(),
                created_at: String::new(),
            },
        )
        .await?;
    Ok(framework)
}

/// ISO/IEC 42001 as loaded; its absence is a packaging bug, reported as an internal error.
pub fn iso42001(catalog: &Catalog) -> ApiResult<&aims_catalog::Framework> {
    catalog.framework(ISO42001).ok_or_else(|| {
        tracing::error!("the built-in catalogue has no {ISO42001}");
        ApiError::internal()
    })
}

/// The 38 Annex A controls, in the standard's order.
pub fn annex_a(catalog: &Catalog) -> ApiResult<Vec<&Requirement>> {
    Ok(iso42001(catalog)?
        .sorted()
        .filter(|r| r.kind == RequirementKind::Control)
        .collect())
}

/// The clause requirements (clauses 4 to 10) that conformance is recorded against: the
/// leaves, so 6.1.1 to 6.1.4 rather than 6.1.
pub fn clause_requirements(catalog: &Catalog) -> ApiResult<Vec<&Requirement>> {
    let framework = iso42001(catalog)?;
    Ok(framework
        .sorted()
        .filter(|r| r.kind == RequirementKind::Clause && framework.children(&r.id).next().is_none())
        .collect())
}

/// Current evidence items by ISO/IEC 42001 requirement id. Evidence counts for a
/// requirement when linked to it directly, or to an applied control that implements it:
/// one control's evidence serves every requirement it meets.
/// Evidence by requirement, as [`evidence_by_requirement_with`] for the current controls.
pub async fn evidence_by_requirement(state: &AppState) -> ApiResult<EvidenceMap> {
    let controls = state.store().list_controls().await?;
    evidence_by_requirement_with(state, &controls).await
}

/// Current evidence items by ISO/IEC 42001 requirement id, given the applied controls.
pub async fn evidence_by_requirement_with(
    state: &AppState,
    controls: &[aims_core::control::AppliedControl],
) -> ApiResult<EvidenceMap> {
    use aims_core::evidence::LinkTarget;
    let implements: std::collections::HashMap<String, Vec<String>> = controls
        .iter()
        .map(|c| {
            let ids = c
                .fields
                .requirements
                .iter()
                .filter(|r| r.framework == ISO42001)
                .map(|r| r.requirement.clone())
                .collect();
            (c.id.to_string(), ids)
        })
        .collect();
    let prefix = format!("{ISO42001}:");
    let mut by_requirement: std::collections::HashMap<String, Vec<aims_core::evidence::Evidence>> =
        std::collections::HashMap::new();
    for item in state
        .store()
        .list_evidence(&aims_store::EvidenceFilter::default())
        .await?
    {
        let mut targets: Vec<String> = Vec::new();
        for link in &item.fields.links {
            match link.target_type {
                LinkTarget::Requirement => {
                    targets.extend(link.target_id.strip_prefix(&prefix).map(str::to_owned));
                }
                LinkTarget::AppliedControl => {
                    targets.extend(implements.get(&link.target_id).cloned().unwrap_or_default());
                }
                LinkTarget::AiSystem => {}
            }
        }
        targets.sort();
        targets.dedup();
        for target in targets {
            by_requirement.entry(target).or_default().push(item.clone());
        }
    }
    Ok(by_requirement)
}

/// Evidence items by requirement id.
pub type EvidenceMap = std::collections::HashMap<String, Vec<aims_core::evidence::Evidence>>;

/// An evidence item as listed beside a requirement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceRef {
    pub id: String,
    pub title: String,
    pub status: crate::evidence::EvidenceStatus,
}

fn evidence_refs(
    state: &AppState,
    items: Option<&Vec<aims_core::evidence::Evidence>>,
) -> Vec<EvidenceRef> {
    let today = crate::evidence::today(state);
    items
        .map(|items| {
            items
                .iter()
                .map(|e| EvidenceRef {
                    id: e.id.to_string(),
                    title: e.fields.title.clone(),
                    status: crate::evidence::status(e, today),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An SoA row with the control's title and area, as the UI and exports show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SoaRowView {
    pub title: String,
    /// The Annex A area, such as `A.6.2`.
    pub area: String,
    pub area_title: String,
    /// The matching Annex B guidance item.
    pub guidance: Option<String>,
    /// Current evidence for this control (the working SoA only; approved versions freeze
    /// decisions, not the evidence that exists later).
    pub evidence: Vec<EvidenceRef>,
    /// Risks whose treatment actions rely on this control (the working SoA only): they
    /// are the reasons for including it.
    #[serde(default)]
    pub linked_risks: Vec<RiskRef>,
    #[serde(flatten)]
    pub row: SoaRow,
}

/// A risk that a control treats.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskRef {
    pub number: i64,
    pub title: String,
    pub residual_level: String,
}

/// Joins stored SoA rows with the catalogue.
pub fn soa_views(catalog: &Catalog, rows: Vec<SoaRow>) -> ApiResult<Vec<SoaRowView>> {
    let framework = iso42001(catalog)?;
    rows.into_iter()
        .map(|row| {
            let control = framework.requirement(&row.control_id).ok_or_else(|| {
                ApiError::not_found(format!("no Annex A control `{}`", row.control_id))
            })?;
            let area = control
                .parent
                .as_deref()
                .and_then(|parent| framework.requirement(parent));
            Ok(SoaRowView {
                title: control.title.clone(),
                area: area.map(|a| a.id.clone()).unwrap_or_default(),
                area_title: area.map(|a| a.title.clone()).unwrap_or_default(),
                guidance: control.guidance.clone(),
                evidence: Vec::new(),
                linked_risks: Vec::new(),
                row,
            })
        })
        .collect()
}

/// The current SoA, every Annex A control in order.
pub async fn current_soa(state: &AppState) -> ApiResult<Vec<SoaRowView>> {
    current_soa_with(state, &evidence_by_requirement(state).await?).await
}

/// The current SoA with evidence already gathered (readiness reads it once for everything).
pub async fn current_soa_with(
    state: &AppState,
    evidence: &EvidenceMap,
) -> ApiResult<Vec<SoaRowView>> {
    let ids = control_ids(state.catalog())?;
    let mut views = soa_views(state.catalog(), state.store().soa_rows(&ids).await?)?;
    let risks = state
        .store()
        .risks(None, state.clock().now().date())
        .await?;
    for view in &mut views {
        view.evidence = evidence_refs(state, evidence.get(&view.row.control_id));
        view.linked_risks = risks
            .iter()
            .filter(|r| {
                r.actions.iter().any(|a| {
                    a.fields.status != aims_core::risk::register::ActionStatus::Cancelled
                        && a.fields.controls.contains(&view.row.control_id)
                })
            })
            .map(|r| RiskRef {
                number: r.risk.number,
                title: r.risk.fields.title.clone(),
                residual_level: r.risk.residual_level.clone(),
            })
            .collect();
    }
    Ok(views)
}

pub fn control_ids(catalog: &Catalog) -> ApiResult<Vec<String>> {
    Ok(annex_a(catalog)?.iter().map(|r| r.id.clone()).collect())
}

/// Refuses an Annex A id that the catalogue does not have.
pub fn known_control(catalog: &Catalog, control_id: &str) -> ApiResult<()> {
    if annex_a(catalog)?.iter().any(|r| r.id == control_id) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "`{control_id}` is not an ISO/IEC 42001 Annex A control"
        )))
    }
}

/// Refuses a clause id that is not a clause requirement.
pub fn known_clause(catalog: &Catalog, requirement_id: &str) -> ApiResult<()> {
    if clause_requirements(catalog)?
        .iter()
        .any(|r| r.id == requirement_id)
    {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "`{requirement_id}` is not an ISO/IEC 42001 clause requirement"
        )))
    }
}

/// A clause record with the clause's title and what the standard asks to be documented.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClauseView {
    pub title: String,
    pub documented_information: Option<String>,
    pub typical_evidence: Vec<String>,
    /// Current evidence for this clause requirement.
    pub evidence: Vec<EvidenceRef>,
    #[serde(flatten)]
    pub record: ClauseRecord,
}

pub async fn clauses(state: &AppState) -> ApiResult<Vec<ClauseView>> {
    clauses_with(state, &evidence_by_requirement(state).await?).await
}

/// Clause records with evidence already gathered.
pub async fn clauses_with(state: &AppState, evidence: &EvidenceMap) -> ApiResult<Vec<ClauseView>> {
    let requirements = clause_requirements(state.catalog())?;
    let ids: Vec<String> = requirements.iter().map(|r| r.id.clone()).collect();
    let records = state.store().clause_records(&ids).await?;
    Ok(requirements
        .into_iter()
        .zip(records)
        .map(|(requirement, record)| ClauseView {
            title: requirement.title.clone(),
            documented_information: requirement.documented_information.clone(),
            typical_evidence: requirement.typical_evidence.clone(),
            evidence: evidence_refs(state, evidence.get(&record.requirement_id)),
            record,
        })
        .collect())
}

/// Checks every requirement reference of an applied control against the catalogue.
pub fn check_references(
    catalog: &Catalog,
    references: &[RequirementRef],
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for (index, reference) in references.iter().enumerate() {
        let field = format!("requirements[{index}]");
        match catalog.framework(&reference.framework) {
            None => errors.add(&field, format!("no framework `{}`", reference.framework)),
            Some(framework) if framework.requirement(&reference.requirement).is_none() => errors
                .add(
                    &field,
                    format!(
                        "`{}` has no requirement `{}`",
                        framework.name, reference.requirement
                    ),
                ),
            Some(_) => {}
        }
    }
    errors.into_result(())
}
