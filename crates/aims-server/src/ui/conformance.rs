//! Pages for frameworks, the Statement of Applicability, applied controls and clause
//! conformance.

use aims_core::ValidationErrors;
use aims_core::control::{ControlFields, ControlFrequency, ControlStatus, RequirementRef};
use aims_core::soa::{
    Applicability, ClauseFields, ClauseState, ImplementationStatus, SoaRowFields,
};
use aims_store::{ISO42001, StoreError};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::api::conformance::{approve, parse_number};
use crate::api::systems::parse_id;
use crate::auth::CurrentUser;
use crate::conformance;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::ui::systems::redirect;
use crate::ui::{form_outcome, render, render_status};

fn errors_map(errors: &ValidationErrors) -> std::collections::BTreeMap<String, String> {
    errors
        .errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect()
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

// ---- frameworks ----

pub async fn frameworks(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Response> {
    frameworks_page(&state, &current, &ValidationErrors::new(), StatusCode::OK).await
}

async fn frameworks_page(
    state: &AppState,
    current: &CurrentUser,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let catalog = conformance::full_catalog(state).await?;
    let problems: Vec<String> = errors.errors.iter().map(|e| e.message.clone()).collect();
    render_status(
        state,
        "frameworks/list.html",
        Some(current),
        context! { nav => "frameworks", frameworks => &catalog.frameworks, problems },
        status,
    )
}

/// Imports a framework file uploaded through the form.
pub async fn framework_import(
    State(state): State<AppState>,
    current: CurrentUser,
    mut multipart: axum::extract::Multipart,
) -> ApiResult<Response> {
    let mut upload = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("framework.yaml").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
            upload = Some((name, bytes));
        }
    }
    let refuse = |message: &str| ValidationErrors::single("file", message);
    let Some((name, bytes)) = upload.filter(|(_, bytes)| !bytes.is_empty()) else {
        let errors = refuse("choose a YAML file to import");
        return frameworks_page(&state, &current, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let Ok(source) = std::str::from_utf8(&bytes) else {
        let errors = refuse("the file must be UTF-8 text");
        return frameworks_page(&state, &current, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match conformance::import_framework(&state, &current.ctx(&state), &name, source).await {
        Ok(framework) => Ok(redirect(&format!("/frameworks/{}", framework.id))),
        Err(error) if error.status.is_client_error() => {
            let mut errors = ValidationErrors::new();
            if error.details.is_empty() {
                errors.add("file", error.message.clone());
            }
            for detail in &error.details {
                errors.add(&detail.field, detail.message.clone());
            }
            frameworks_page(&state, &current, &errors, error.status).await
        }
        Err(error) => Err(error),
    }
}

pub async fn framework(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let catalog = conformance::full_catalog(&state).await?;
    let framework = catalog
        .framework(&id)
        .ok_or_else(|| ApiError::not_found(format!("no framework `{id}`")))?;
    let depth: Vec<(usize, &aims_catalog::Requirement)> = framework
        .depth_first()
        .into_iter()
        .map(|r| (framework.ancestors(&r.id).len(), r))
        .collect();
    let items: Vec<serde_json::Value> = depth
        .into_iter()
        .map(|(level, r)| serde_json::json!({ "level": level, "requirement": r }))
        .collect();
    render(
        &state,
        "frameworks/show.html",
        Some(&current),
        context! { nav => "frameworks", framework, items },
    )
}

// ---- Statement of Applicability ----

pub async fn soa(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    soa_page(&state, &current, &ValidationErrors::new(), StatusCode::OK).await
}

async fn soa_page(
    state: &AppState,
    current: &CurrentUser,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let rows = conformance::current_soa(state).await?;
    let decided = rows
        .iter()
        .filter(|r| r.row.fields.applicability != Applicability::Undecided)
        .count();
    let included = rows
        .iter()
        .filter(|r| r.row.fields.applicability == Applicability::Applicable)
        .count();
    let implemented = rows
        .iter()
        .filter(|r| r.row.fields.implementation_status == ImplementationStatus::Implemented)
        .count();
    let versions = state.store().soa_versions().await?;
    render_status(
        state,
        "soa/list.html",
        Some(current),
        context! { nav => "soa", rows, decided, included, implemented, total => 38, versions, errors => errors_map(errors), frozen => false },
        status,
    )
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SoaForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    applicability: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    implementation_status: String,
    #[serde(default)]
    owner: String,
}

async fn soa_edit_page(
    state: &AppState,
    current: &CurrentUser,
    control_id: &str,
    form: Option<&SoaForm>,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    conformance::known_control(state.catalog(), control_id)?;
    let rows = conformance::current_soa(state).await?;
    let row = rows
        .into_iter()
        .find(|r| r.row.control_id == control_id)
        .ok_or_else(|| ApiError::not_found(format!("no Annex A control `{control_id}`")))?;
    let requirement = conformance::iso42001(state.catalog())?
        .requirement(control_id)
        .cloned();
    let form = form
        .map(|f| serde_json::to_value(f).unwrap_or_default())
        .unwrap_or_else(|| {
            serde_json::json!({
                "version": row.row.version,
                "applicability": row.row.fields.applicability.code(),
                "justification": row.row.fields.justification,
                "implementation_status": row.row.fields.implementation_status.code(),
                "owner": row.row.fields.owner,
            })
        });
    let history =
        crate::ui::history::rows(state, state.store().history("soa_row", control_id).await?)
            .await?;
    let runs: Vec<aims_store::CheckRun> = state
        .store()
        .list_check_runs(None, 500)
        .await?
        .into_iter()
        .filter(|run| run.run.controls.iter().any(|c| c == control_id))
        .take(20)
        .collect();
    render_status(
        state,
        "soa/edit.html",
        Some(current),
        context! {
            nav => "soa", row, requirement, form, history, runs, errors => errors_map(errors),
            applicability => choices(Applicability::ALL, Applicability::code, Applicability::label),
            statuses => choices(ImplementationStatus::ALL, ImplementationStatus::code, ImplementationStatus::label),
        },
        status,
    )
}

pub async fn soa_edit(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(control_id): Path<String>,
) -> ApiResult<Response> {
    soa_edit_page(
        &state,
        &current,
        &control_id,
        None,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn soa_save(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(control_id): Path<String>,
    Form(form): Form<SoaForm>,
) -> ApiResult<Response> {
    conformance::known_control(state.catalog(), &control_id)?;
    let mut errors = ValidationErrors::new();
    let applicability = Applicability::parse(&form.applicability).unwrap_or_else(|m| {
        errors.add("applicability", m);
        Applicability::Undecided
    });
    let implementation_status = ImplementationStatus::parse(&form.implementation_status)
        .unwrap_or_else(|m| {
            errors.add("implementation_status", m);
            ImplementationStatus::NotStarted
        });
    let result = if errors.is_empty() {
        let fields = SoaRowFields {
            applicability,
            justification: form.justification.clone(),
            implementation_status,
            owner: form.owner.clone(),
        };
        state
            .store()
            .update_soa_row(&current.ctx(&state), &control_id, form.version, fields)
            .await
    } else {
        Err(StoreError::Validation(errors))
    };
    let saved_to = format!("/soa#row-{control_id}");
    form_outcome(
        result,
        |_| redirect(&saved_to),
        |errors, status| async move {
            soa_edit_page(&state, &current, &control_id, Some(&form), &errors, status).await
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    note: String,
}

pub async fn soa_approve(
    State(state): State<AppState>,
    current: CurrentUser,
    Form(form): Form<ApproveForm>,
) -> ApiResult<Response> {
    match approve(&state, &current, &form.note).await {
        Ok(version) => Ok(redirect(&format!("/soa/versions/{}", version.number))),
        Err(error) if error.code == "soa_incomplete" => {
            let errors = ValidationErrors {
                errors: error.details.clone(),
            };
            soa_page(&state, &current, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error),
    }
}

pub async fn soa_version(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(number): Path<String>,
) -> ApiResult<Response> {
    let number = parse_number(&number)?;
    let version = state.store().soa_version(number).await?;
    let rows = conformance::soa_views(state.catalog(), version.rows.clone())?;
    let names = state.store().actor_names().await?;
    let approver = names
        .get(&version.approved_by)
        .cloned()
        .unwrap_or_else(|| version.approved_by.clone());
    render(
        &state,
        "soa/version.html",
        Some(&current),
        context! { nav => "soa", version, rows, approver },
    )
}

// ---- applied controls ----

pub async fn controls(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let controls = state.store().list_controls().await?;
    render(
        &state,
        "controls/list.html",
        Some(&current),
        context! { nav => "controls", controls },
    )
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ControlForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    cost_estimate: String,
    #[serde(default)]
    effort_days: String,
    /// Annex A controls ticked in the form.
    #[serde(default)]
    annex_a: Vec<String>,
    /// Requirements of other frameworks, one per line as `framework-id: requirement-id`.
    #[serde(default)]
    other_requirements: String,
}

impl ControlForm {
    fn from_fields(fields: &ControlFields, version: i64) -> Self {
        let (annex_a, other): (Vec<&RequirementRef>, Vec<&RequirementRef>) = fields
            .requirements
            .iter()
            .partition(|r| r.framework == ISO42001);
        Self {
            version,
            name: fields.name.clone(),
            description: fields.description.clone(),
            owner: fields.owner.clone(),
            status: fields.status.code().into(),
            frequency: fields.frequency.code().into(),
            cost_estimate: fields.cost_estimate.to_string(),
            effort_days: fields.effort_days.to_string(),
            annex_a: annex_a.iter().map(|r| r.requirement.clone()).collect(),
            other_requirements: other
                .iter()
                .map(|r| format!("{}: {}", r.framework, r.requirement))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn to_fields(&self) -> Result<ControlFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let number = |errors: &mut ValidationErrors, field: &str, text: &str| -> i64 {
            let text = text.trim();
            if text.is_empty() {
                return 0;
            }
            text.parse().unwrap_or_else(|_| {
                errors.add(field, "must be a whole number");
                0
            })
        };
        let cost_estimate = number(&mut errors, "cost_estimate", &self.cost_estimate);
        let effort_days = number(&mut errors, "effort_days", &self.effort_days);
        let status = ControlStatus::parse(&self.status).unwrap_or_else(|m| {
            errors.add("status", m);
            ControlStatus::Planned
        });
        let frequency = ControlFrequency::parse(&self.frequency).unwrap_or_else(|m| {
            errors.add("frequency", m);
            ControlFrequency::Continuous
        });
        let mut requirements: Vec<RequirementRef> = self
            .annex_a
            .iter()
            .map(|id| RequirementRef {
                framework: ISO42001.into(),
                requirement: id.clone(),
            })
            .collect();
        for (number, line) in self.other_requirements.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match line.split_once(':') {
                Some((framework, requirement)) => requirements.push(RequirementRef {
                    framework: framework.trim().into(),
                    requirement: requirement.trim().into(),
                }),
                None => errors.add(
                    "other_requirements",
                    format!("line {}: write `framework-id: requirement-id`", number + 1),
                ),
            }
        }
        errors.into_result(ControlFields {
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            status,
            frequency,
            cost_estimate,
            effort_days,
            requirements,
        })
    }
}

async fn control_form_page(
    state: &AppState,
    current: &CurrentUser,
    id: Option<uuid::Uuid>,
    form: &ControlForm,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let annex_a: Vec<(String, String)> = conformance::annex_a(state.catalog())?
        .into_iter()
        .map(|r| (r.id.clone(), r.title.clone()))
        .collect();
    let history = match id {
        Some(id) => {
            crate::ui::history::rows(
                state,
                state
                    .store()
                    .history("applied_control", &id.to_string())
                    .await?,
            )
            .await?
        }
        None => Vec::new(),
    };
    render_status(
        state,
        "controls/form.html",
        Some(current),
        context! {
            nav => "controls", id => id.map(|i| i.to_string()), form, annex_a, history,
            errors => errors_map(errors), error_count => errors.errors.len(),
            statuses => choices(ControlStatus::ALL, ControlStatus::code, ControlStatus::label),
            frequencies => choices(ControlFrequency::ALL, ControlFrequency::code, ControlFrequency::label),
            frameworks => conformance::full_catalog(state).await?.frameworks,
        },
        status,
    )
}

pub async fn control_new(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Response> {
    let form = ControlForm::from_fields(&ControlFields::blank(), 0);
    control_form_page(
        &state,
        &current,
        None,
        &form,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn control_edit(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let control = state.store().get_control(id).await?;
    let form = ControlForm::from_fields(&control.fields, control.version);
    control_form_page(
        &state,
        &current,
        Some(id),
        &form,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Parses the form with repeated `annex_a` fields, which `Form` cannot collect into a Vec.
fn parse_control_form(body: &[u8]) -> ControlForm {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut form = ControlForm::default();
    for (key, value) in pairs {
        match key.as_str() {
            "version" => form.version = value.trim().parse().unwrap_or(0),
            "name" => form.name = value,
            "description" => form.description = value,
            "owner" => form.owner = value,
            "status" => form.status = value,
            "frequency" => form.frequency = value,
            "cost_estimate" => form.cost_estimate = value,
            "effort_days" => form.effort_days = value,
            "annex_a" => form.annex_a.push(value),
            "other_requirements" => form.other_requirements = value,
            _ => {}
        }
    }
    form
}

async fn save_control(
    state: &AppState,
    current: &CurrentUser,
    id: Option<uuid::Uuid>,
    form: ControlForm,
) -> ApiResult<Response> {
    let result = match form.to_fields() {
        Ok(fields) => match conformance::check_references(
            &conformance::full_catalog(state).await?,
            &fields.requirements,
        ) {
            Ok(()) => match id {
                Some(id) => {
                    state
                        .store()
                        .update_control(&current.ctx(state), id, form.version, fields)
                        .await
                }
                None => {
                    state
                        .store()
                        .create_control(&current.ctx(state), fields)
                        .await
                }
            },
            Err(errors) => Err(StoreError::Validation(ValidationErrors::single(
                "other_requirements",
                errors
                    .errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ))),
        },
        Err(errors) => Err(StoreError::Validation(errors)),
    };
    form_outcome(
        result,
        |control| redirect(&format!("/controls/{}", control.id)),
        |errors, status| async move {
            control_form_page(state, current, id, &form, &errors, status).await
        },
    )
    .await
}

pub async fn control_create(
    State(state): State<AppState>,
    current: CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    save_control(&state, &current, None, parse_control_form(&body)).await
}

pub async fn control_update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    save_control(&state, &current, Some(id), parse_control_form(&body)).await
}

// ---- clause conformance ----

pub async fn clauses(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let clauses = conformance::clauses(&state).await?;
    render(
        &state,
        "clauses/list.html",
        Some(&current),
        context! { nav => "clauses", clauses },
    )
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ClauseForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    responsible_role: String,
    #[serde(default)]
    notes: String,
}

async fn clause_page(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    form: Option<&ClauseForm>,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    conformance::known_clause(state.catalog(), id)?;
    let clause = conformance::clauses(state)
        .await?
        .into_iter()
        .find(|c| c.record.requirement_id == id)
        .ok_or_else(|| ApiError::not_found(format!("no clause `{id}`")))?;
    let form = form.map(|f| serde_json::to_value(f).unwrap_or_default()).unwrap_or_else(|| {
        serde_json::json!({
            "version": clause.record.version, "status": clause.record.fields.status.code(),
            "responsible_role": clause.record.fields.responsible_role, "notes": clause.record.fields.notes,
        })
    });
    let requirement = conformance::iso42001(state.catalog())?
        .requirement(id)
        .cloned();
    let history =
        crate::ui::history::rows(state, state.store().history("clause_record", id).await?).await?;
    render_status(
        state,
        "clauses/edit.html",
        Some(current),
        context! {
            nav => "clauses", clause, requirement, form, history, errors => errors_map(errors),
            states => choices(ClauseState::ALL, ClauseState::code, ClauseState::label),
        },
        status,
    )
}

pub async fn clause_edit(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    clause_page(
        &state,
        &current,
        &id,
        None,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn clause_save(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ClauseForm>,
) -> ApiResult<Response> {
    conformance::known_clause(state.catalog(), &id)?;
    let result = match ClauseState::parse(&form.status) {
        Ok(status) => {
            let fields = ClauseFields {
                status,
                responsible_role: form.responsible_role.clone(),
                notes: form.notes.clone(),
            };
            state
                .store()
                .update_clause_record(&current.ctx(&state), &id, form.version, fields)
                .await
        }
        Err(message) => Err(StoreError::Validation(ValidationErrors::single(
            "status", message,
        ))),
    };
    let saved_to = format!("/clauses#clause-{id}");
    form_outcome(
        result,
        |_| redirect(&saved_to),
        |errors, status| async move {
            clause_page(&state, &current, &id, Some(&form), &errors, status).await
        },
    )
    .await
}
