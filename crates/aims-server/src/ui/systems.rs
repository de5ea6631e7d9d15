//! Pages of the AI system register: list with filters, create, detail with history, edit,
//! archive and restore.

use aims_core::ValidationErrors;
use aims_core::ai_system::{
    AiSystemFields, AiSystemPatch, AutonomyLevel, HumanOversight, LifecycleStage, OrgRole,
};
use aims_store::StoreError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::api::systems::{ListQuery, parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::ui::{form_outcome, render, render_status};

/// The system form as posted: every field is text until validated.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SystemForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    intended_use: String,
    #[serde(default)]
    foreseeable_misuse: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    business_unit: String,
    #[serde(default)]
    lifecycle_stage: String,
    #[serde(default)]
    org_role: String,
    #[serde(default)]
    autonomy_level: String,
    #[serde(default)]
    human_oversight: String,
    #[serde(default)]
    deployment_context: String,
    #[serde(default)]
    data_subjects: String,
    #[serde(default)]
    last_review: String,
    #[serde(default)]
    next_review: String,
    #[serde(default)]
    version: i64,
}

impl SystemForm {
    fn from_fields(fields: &AiSystemFields, version: i64) -> Self {
        Self {
            name: fields.name.clone(),
            purpose: fields.purpose.clone(),
            intended_use: fields.intended_use.clone(),
            foreseeable_misuse: fields.foreseeable_misuse.clone(),
            owner: fields.owner.clone(),
            business_unit: fields.business_unit.clone(),
            lifecycle_stage: fields.lifecycle_stage.code().into(),
            org_role: fields.org_role.code().into(),
            autonomy_level: fields.autonomy_level.code().into(),
            human_oversight: fields.human_oversight.code().into(),
            deployment_context: fields.deployment_context.clone(),
            data_subjects: fields.data_subjects.clone(),
            last_review: fields.last_review.clone(),
            next_review: fields.next_review.clone(),
            version,
        }
    }

    /// Parses the choice fields, reporting each unknown value against its field.
    fn to_fields(&self) -> Result<AiSystemFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        fn choice<T>(
            errors: &mut ValidationErrors,
            field: &str,
            value: &str,
            parse: fn(&str) -> Result<T, String>,
            default: T,
        ) -> T {
            parse(value).unwrap_or_else(|message| {
                errors.add(field, message);
                default
            })
        }
        let blank = AiSystemFields::blank();
        let fields = AiSystemFields {
            name: self.name.clone(),
            purpose: self.purpose.clone(),
            intended_use: self.intended_use.clone(),
            foreseeable_misuse: self.foreseeable_misuse.clone(),
            owner: self.owner.clone(),
            business_unit: self.business_unit.clone(),
            lifecycle_stage: choice(
                &mut errors,
                "lifecycle_stage",
                &self.lifecycle_stage,
                LifecycleStage::parse,
                blank.lifecycle_stage,
            ),
            org_role: choice(
                &mut errors,
                "org_role",
                &self.org_role,
                OrgRole::parse,
                blank.org_role,
            ),
            autonomy_level: choice(
                &mut errors,
                "autonomy_level",
                &self.autonomy_level,
                AutonomyLevel::parse,
                blank.autonomy_level,
            ),
            human_oversight: choice(
                &mut errors,
                "human_oversight",
                &self.human_oversight,
                HumanOversight::parse,
                blank.human_oversight,
            ),
            deployment_context: self.deployment_context.clone(),
            data_subjects: self.data_subjects.clone(),
            last_review: self.last_review.clone(),
            next_review: self.next_review.clone(),
        };
        errors.into_result(fields)
    }
}

fn options() -> Value {
    fn list<T: Copy>(
        all: &[T],
        code: fn(T) -> &'static str,
        label: fn(T) -> &'static str,
    ) -> Vec<(String, String)> {
        all.iter()
            .map(|v| (code(*v).to_owned(), label(*v).to_owned()))
            .collect()
    }
    context! {
        lifecycle_stage => list(LifecycleStage::ALL, LifecycleStage::code, LifecycleStage::label),
        org_role => list(OrgRole::ALL, OrgRole::code, OrgRole::label),
        autonomy_level => list(AutonomyLevel::ALL, AutonomyLevel::code, AutonomyLevel::label),
        human_oversight => list(HumanOversight::ALL, HumanOversight::code, HumanOversight::label),
    }
}

/// The register, filtered. htmx requests get only the table, so filtering is live.
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    let query: ListQuery = parse_query(uri.query())?;
    let echo = serde_json::to_value(&query).unwrap_or_default();
    let (filter, params) = query.split();
    let page = state.store().list_ai_systems(&filter, &params).await?;
    let units = state.store().business_units().await?;
    let template = if headers.contains_key("hx-request") {
        "systems/table.html"
    } else {
        "systems/list.html"
    };
    render(
        &state,
        template,
        Some(&current),
        context! { nav => "systems", page, query => Value::from_serialize(&echo), units, options => options() },
    )
}

fn form_page(
    state: &AppState,
    current: &CurrentUser,
    form: &SystemForm,
    errors: &ValidationErrors,
    action: &str,
    id: Option<String>,
    status: StatusCode,
) -> ApiResult<Response> {
    render_status(
        state,
        "systems/form.html",
        Some(current),
        context! {
            nav => "systems", form, action, id, options => options(),
            errors => errors.errors.iter().map(|e| (e.field.clone(), e.message.clone())).collect::<std::collections::BTreeMap<_, _>>(),
            error_count => errors.errors.len(),
        },
        status,
    )
}

pub async fn new_form(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let form = SystemForm::from_fields(&AiSystemFields::blank(), 0);
    form_page(
        &state,
        &current,
        &form,
        &ValidationErrors::new(),
        "/systems",
        None,
        StatusCode::OK,
    )
}

/// Creates a system from the form; on invalid input the form comes back with each error
/// next to its field and nothing is written.
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    Form(form): Form<SystemForm>,
) -> ApiResult<Response> {
    let result = match form.to_fields() {
        Ok(fields) => {
            state
                .store()
                .create_ai_system(&current.ctx(&state), fields)
                .await
        }
        Err(errors) => Err(StoreError::Validation(errors)),
    };
    form_outcome(
        result,
        |system| redirect(&format!("/systems/{}?notice=created", system.id)),
        |errors, status| async move {
            form_page(&state, &current, &form, &errors, "/systems", None, status)
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    notice: Option<String>,
    error: Option<String>,
}

/// One system with its history from the ledger.
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let query: ShowQuery =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let id = parse_id(&id)?;
    let system = state.store().get_ai_system(id).await?;
    let history = crate::ui::history::rows(
        &state,
        state.store().history("ai_system", &id.to_string()).await?,
    )
    .await?;
    let labels = context! {
        lifecycle_stage => system.fields.lifecycle_stage.label(),
        org_role => system.fields.org_role.label(),
        autonomy_level => system.fields.autonomy_level.label(),
        human_oversight => system.fields.human_oversight.label(),
    };
    let runs = state
        .store()
        .list_check_runs(Some(("ai_system", &id.to_string())), 20)
        .await?;
    let gov = crate::ui::governance::system_governance(&state, id).await?;
    render(
        &state,
        "systems/show.html",
        Some(&current),
        context! { nav => "systems", system, labels, history, runs, gov, notice => query.notice, error => query.error },
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let system = state.store().get_ai_system(id).await?;
    let form = SystemForm::from_fields(&system.fields, system.version);
    form_page(
        &state,
        &current,
        &form,
        &ValidationErrors::new(),
        &format!("/systems/{id}"),
        Some(id.to_string()),
        StatusCode::OK,
    )
}

/// Saves the edit form. A stale version shows the form again with the conflict explained,
/// keeping what the user typed.
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SystemForm>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let action = format!("/systems/{id}");
    let result = match form.to_fields() {
        Ok(fields) => {
            let patch = AiSystemPatch {
                version: form.version,
                name: Some(fields.name),
                purpose: Some(fields.purpose),
                intended_use: Some(fields.intended_use),
                foreseeable_misuse: Some(fields.foreseeable_misuse),
                owner: Some(fields.owner),
                business_unit: Some(fields.business_unit),
                lifecycle_stage: Some(fields.lifecycle_stage),
                org_role: Some(fields.org_role),
                autonomy_level: Some(fields.autonomy_level),
                human_oversight: Some(fields.human_oversight),
                deployment_context: Some(fields.deployment_context),
                data_subjects: Some(fields.data_subjects),
                last_review: Some(fields.last_review),
                next_review: Some(fields.next_review),
            };
            state
                .store()
                .update_ai_system(&current.ctx(&state), id, patch)
                .await
        }
        Err(errors) => Err(StoreError::Validation(errors)),
    };
    form_outcome(
        result,
        |system| redirect(&format!("/systems/{}?notice=saved", system.id)),
        |errors, status| async move {
            form_page(
                &state,
                &current,
                &form,
                &errors,
                &action,
                Some(id.to_string()),
                status,
            )
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    version: i64,
}

pub async fn archive(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<VersionForm>,
) -> ApiResult<Response> {
    set_archived(state, current, &id, form.version, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<VersionForm>,
) -> ApiResult<Response> {
    set_archived(state, current, &id, form.version, false).await
}

async fn set_archived(
    state: AppState,
    current: CurrentUser,
    id: &str,
    version: i64,
    archived: bool,
) -> ApiResult<Response> {
    let id = parse_id(id)?;
    let system = state
        .store()
        .set_ai_system_archived(&current.ctx(&state), id, version, archived)
        .await
        .map_err(ApiError::from)?;
    let notice = if archived { "archived" } else { "restored" };
    Ok(redirect(&format!("/systems/{}?notice={notice}", system.id)))
}

pub(crate) fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}
