//! Risk pages: the register with its heat maps and figures, risk records with their
//! treatment actions and acceptance, import and export, the methodology, and impact
//! assessments.

use std::collections::BTreeMap;

use aims_core::ValidationErrors;
use aims_core::risk::assessment::{AssessmentStatus, Template, missing_sections};
use aims_core::risk::register::{ActionStatus, RiskFields, RiskStatus};
use aims_store::{ActionFields, StoreError};
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use minijinja::{Value, context};

use crate::api::governance::decider;
use crate::api::systems::parse_id;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::risk::Basis;
use crate::state::AppState;
use crate::ui::form::{Pairs, back_with, error_map, one, pairs, query_pairs, urlencode};
use crate::ui::systems::redirect;
use crate::ui::{form_outcome, render, render_status};

fn today(state: &AppState) -> String {
    aims_core::timefmt::format_date(state.clock().now().date())
}

/// The register: heat maps, figures, the table, export and import.
pub async fn register(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let store = state.store();
    let (methodology, methodology_version) = store.active_methodology().await?;
    let risks = store.risks(None, state.clock().now().date()).await?;
    let inherent = crate::risk::heat_map(&methodology, &risks, Basis::Inherent);
    let residual = crate::risk::heat_map(&methodology, &risks, Basis::Residual);
    let figures = crate::risk::dashboard(&risks, &today(&state));
    let daily = crate::risk::trend(store, &figures, &today(&state)).await?;
    let trend_svg = crate::risk::trend_svg(&daily);
    let mut top: Vec<&aims_store::RiskView> = risks
        .iter()
        .filter(|v| v.risk.fields.status != RiskStatus::Closed)
        .collect();
    top.sort_by_key(|v| {
        std::cmp::Reverse((methodology.rank(&v.risk.residual_level), v.risk.number))
    });
    let top: Vec<&aims_store::RiskView> = top.into_iter().take(5).collect();
    render(
        &state,
        "risk/register.html",
        Some(&current),
        context! {
            nav => "risks", risks, top, figures, methodology_version, daily_points => daily.len(), trend_svg => Value::from_safe_string(trend_svg),
            inherent => Value::from_safe_string(inherent), residual => Value::from_safe_string(residual),
            notice => one(&query, "notice"), error => one(&query, "error"), columns => aims_core::risk::register::CSV_COLUMNS,
        },
    )
}

async fn subjects(state: &AppState) -> ApiResult<Vec<(String, String)>> {
    use aims_core::inventory::Kind;
    let kinds = [
        Kind::AiSystem,
        Kind::Model,
        Kind::ModelVersion,
        Kind::Dataset,
        Kind::DatasetVersion,
        Kind::Vendor,
    ];
    Ok(crate::inventory::node_choices(state.store(), &kinds).await?)
}

fn fields_from(pairs: &Pairs, errors: &mut ValidationErrors) -> RiskFields {
    let mut step = |name: &str, optional: bool| -> Option<u8> {
        let text = one(pairs, name).trim();
        if text.is_empty() && optional {
            return None;
        }
        text.parse::<u8>().map(Some).unwrap_or_else(|_| {
            errors.add(name, "choose a step of the scale");
            Some(0)
        })
    };
    let inherent_likelihood = step("inherent_likelihood", false).unwrap_or(0);
    let inherent_impact = step("inherent_impact", false).unwrap_or(0);
    let residual_likelihood = step("residual_likelihood", true);
    let residual_impact = step("residual_impact", true);
    let status = RiskStatus::parse(one(pairs, "status")).unwrap_or(RiskStatus::Open);
    RiskFields {
        title: one(pairs, "title").into(),
        description: one(pairs, "description").into(),
        subject: one(pairs, "subject").into(),
        risk_source: one(pairs, "risk_source").into(),
        objective: one(pairs, "objective").into(),
        category: one(pairs, "category").into(),
        owner: one(pairs, "owner").into(),
        inherent_likelihood,
        inherent_impact,
        residual_likelihood,
        residual_impact,
        status,
        treatment: one(pairs, "treatment").into(),
        dimension_scores: pairs
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix("dimension.")?;
                match v.trim() {
                    "" => None,
                    text => Some((id.to_owned(), text.parse::<u8>().unwrap_or(u8::MAX))),
                }
            })
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    current: &CurrentUser,
    form: &RiskFields,
    version: i64,
    id: Option<i64>,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let (methodology, _) = state.store().active_methodology().await?;
    let sources: Vec<(String, String)> = annex_c(state, "risk_sources");
    let objectives: Vec<(String, String)> = annex_c(state, "objectives");
    render_status(
        state,
        "risk/form.html",
        Some(current),
        context! {
            nav => "risks", form, version, id, methodology, subjects => subjects(state).await?, sources, objectives,
            statuses => RiskStatus::ALL.iter().map(|s| (s.code(), s.label())).collect::<Vec<_>>(),
            errors => error_map(errors), error_count => errors.errors.len(), version_error => errors.for_field("version"),
        },
        status,
    )
}

/// The short title of an Annex C item, when the id is one.
fn annex_c_title(state: &AppState, id: &str) -> Option<String> {
    state
        .catalog()
        .framework(aims_store::ISO42001)?
        .requirements
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.title.clone())
}

/// The Annex C lists from the catalogue (ids and short titles).
fn annex_c(state: &AppState, group: &str) -> Vec<(String, String)> {
    let Some(framework) = state.catalog().framework(aims_store::ISO42001) else {
        return Vec::new();
    };
    framework
        .requirements
        .iter()
        .filter(|r| {
            let id = r.id.as_str();
            match group {
                "objectives" => id.starts_with("C.2."),
                _ => id.starts_with("C.3."),
            }
        })
        .map(|r| (r.id.clone(), format!("{} {}", r.id, r.title)))
        .collect()
}

pub async fn new_form(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let form = RiskFields {
        title: String::new(),
        description: String::new(),
        subject: one(&query, "subject").into(),
        risk_source: String::new(),
        objective: String::new(),
        category: String::new(),
        owner: String::new(),
        inherent_likelihood: 0,
        inherent_impact: 0,
        residual_likelihood: None,
        residual_impact: None,
        status: RiskStatus::Open,
        treatment: String::new(),
        dimension_scores: Default::default(),
    };
    form_page(
        &state,
        &current,
        &form,
        0,
        None,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let pairs = pairs(&body);
    let mut errors = ValidationErrors::new();
    let form = fields_from(&pairs, &mut errors);
    let result = if errors.is_empty() {
        state
            .store()
            .create_risk(&current.ctx(&state), form.clone())
            .await
    } else {
        Err(StoreError::Validation(errors))
    };
    form_outcome(
        result,
        |risk| redirect(&format!("/risks/{}?notice=created", risk.number)),
        |errors, status| async move {
            form_page(&state, &current, &form, 0, None, &errors, status).await
        },
    )
    .await
}

pub async fn edit_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let view = state.store().risk(&key, state.clock().now().date()).await?;
    form_page(
        &state,
        &current,
        &view.risk.fields,
        view.risk.version,
        Some(view.risk.number),
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let view = state.store().risk(&key, state.clock().now().date()).await?;
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    let mut errors = ValidationErrors::new();
    let form = fields_from(&pairs, &mut errors);
    let result = if errors.is_empty() {
        state
            .store()
            .update_risk(&current.ctx(&state), view.risk.id, version, form.clone())
            .await
    } else {
        Err(StoreError::Validation(errors))
    };
    let number = view.risk.number;
    form_outcome(
        result,
        |risk| redirect(&format!("/risks/{}?notice=saved", risk.number)),
        |errors, status| async move {
            form_page(
                &state,
                &current,
                &form,
                version,
                Some(number),
                &errors,
                status,
            )
            .await
        },
    )
    .await
}

/// One risk: levels, where it reaches, treatment actions, acceptance and history.
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let view = state.store().risk(&key, state.clock().now().date()).await?;
    let methodology = state
        .store()
        .methodology_version(view.risk.methodology_version)
        .await?;
    let roles = aims_core::risk::register::acceptance_roles(
        &methodology,
        view.risk.fields.category_or_default(),
        &view.risk.residual_level,
    );
    // Every AI system this risk reaches through the dependency graph.
    let reaches = match aims_core::inventory::graph::NodeRef::parse(&view.risk.fields.subject) {
        Ok(node) => crate::inventory::graph(state.store(), Some(node), aims_core::inventory::graph::Direction::Dependents)
            .await?
            .reached
            .into_iter()
            .filter(|r| r.node.kind == aims_core::inventory::Kind::AiSystem)
            .map(|r| context! { href => crate::inventory::href(r.node), via => r.path.iter().map(|e| e.relation.replace('_', " ")).collect::<Vec<_>>().join(" ← "), id => r.node.id })
            .collect::<Vec<_>>(),
        Err(_) => Vec::new(),
    };
    let names = state.store().node_names().await?;
    let reaches: Vec<Value> = reaches
        .into_iter()
        .map(|r| {
            let id: Option<uuid::Uuid> = r
                .get_attr("id")
                .ok()
                .and_then(|v| v.as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()));
            let name = id
                .and_then(|id| names.get(&id).map(|(_, n)| n.clone()))
                .unwrap_or_default();
            context! { name, ..r }
        })
        .collect();
    let history = crate::ui::history::rows(
        &state,
        state
            .store()
            .history("risk", &view.risk.id.to_string())
            .await?,
    )
    .await?;
    let today = today(&state);
    let actions: Vec<Value> = view
        .actions
        .iter()
        .map(|a| context! { a, overdue => a.overdue(&today) })
        .collect();
    render(
        &state,
        "risk/show.html",
        Some(&current),
        context! {
            nav => "risks", view, actions, reaches, history, acceptance_roles => roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
            can_accept => roles.contains(&current.user().role),
            action_statuses => ActionStatus::ALL.iter().map(|s| (s.code(), s.label())).collect::<Vec<_>>(),
            notice => one(&query, "notice"), error => one(&query, "error"),
            treatments => methodology.treatments.clone(),
        source_title => annex_c_title(&state, &view.risk.fields.risk_source),
        objective_title => annex_c_title(&state, &view.risk.fields.objective),
        },
    )
}

pub async fn accept(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // Only the id is needed: an unknown key is a 404 before anything is written.
    let id = state.store().risk_id(&key).await?;
    let pairs = pairs(&body);
    let result = state
        .store()
        .accept_risk(
            &current.ctx(&state),
            decider(&current),
            id,
            one(&pairs, "reason"),
            one(&pairs, "expires_on"),
        )
        .await
        .map(|_| ());
    back_with(&format!("/risks/{key}?notice=accepted"), result)
}

fn action_from(pairs: &Pairs) -> ActionFields {
    ActionFields {
        title: one(pairs, "title").into(),
        owner: one(pairs, "owner").into(),
        due: one(pairs, "due").into(),
        status: ActionStatus::parse(one(pairs, "status")).unwrap_or(ActionStatus::Planned),
        validation_criteria: one(pairs, "validation_criteria").into(),
        validation_result: one(pairs, "validation_result").into(),
        controls: one(pairs, "controls")
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        applied_controls: pairs
            .iter()
            .filter(|(k, _)| k == "applied_controls")
            .filter_map(|(_, v)| uuid::Uuid::parse_str(v).ok())
            .collect(),
    }
}

pub async fn action_add(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = state.store().risk_id(&key).await?;
    let pairs = pairs(&body);
    let result = state
        .store()
        .add_risk_action(&current.ctx(&state), id, action_from(&pairs))
        .await
        .map(|_| ());
    back_with(&format!("/risks/{key}?notice=action#actions"), result)
}

pub async fn action_update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    let number = one(&pairs, "risk");
    let result = state
        .store()
        .update_risk_action(&current.ctx(&state), id, version, action_from(&pairs))
        .await
        .map(|_| ());
    back_with(&format!("/risks/{number}?notice=action#actions"), result)
}

/// Imports an uploaded register file (CSV, or JSON rows).
pub async fn import(
    State(state): State<AppState>,
    current: CurrentUser,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(redirect(&format!(
            "/risks?error={}",
            urlencode("choose a CSV or JSON file to import")
        )));
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(redirect(&format!(
            "/risks?error={}",
            urlencode("the file is not UTF-8 text")
        )));
    };
    let csv = if name.to_lowercase().ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
            .and_then(|rows| crate::risk::json_rows_to_csv(&rows))
        {
            Ok(csv) => csv,
            Err(message) => return Ok(redirect(&format!("/risks?error={}", urlencode(&message)))),
        }
    } else {
        text
    };
    match crate::risk::import(state.store(), &current.ctx(&state), &csv).await? {
        Ok((created, updated)) => Ok(redirect(&format!(
            "/risks?notice={}",
            urlencode(&format!("imported: {created} created, {updated} updated"))
        ))),
        Err(problems) => {
            let message = format!(
                "nothing was imported. {}",
                problems
                    .iter()
                    .take(20)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            Ok(redirect(&format!("/risks?error={}", urlencode(&message))))
        }
    }
}

/// The active methodology, and the editor for governance leads.
pub async fn methodology(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let (methodology, version) = state.store().active_methodology().await?;
    let json = serde_json::to_string_pretty(&methodology).unwrap_or_default();
    render(
        &state,
        "risk/methodology.html",
        Some(&current),
        context! { nav => "risks", methodology, version, json, notice => one(&query, "notice"), error => one(&query, "error") },
    )
}

pub async fn methodology_approve(
    State(state): State<AppState>,
    current: CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    let result = match serde_json::from_str(one(&pairs, "methodology")) {
        Ok(methodology) => state
            .store()
            .approve_methodology(&current.ctx(&state), methodology, version)
            .await
            .map(|_| ()),
        Err(e) => Err(ValidationErrors::single(
            "methodology",
            format!("line {}, column {}: {e}", e.line(), e.column()),
        )
        .into()),
    };
    back_with("/risks/methodology?notice=approved", result)
}

/// Starts an impact assessment for a system.
pub async fn assessment_start(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs = pairs(&body);
    let template = Template::parse(one(&pairs, "template")).unwrap_or(Template::General);
    match state
        .store()
        .start_assessment(&current.ctx(&state), id, template)
        .await
    {
        Ok(assessment) => Ok(redirect(&format!("/assessments/{}", assessment.id))),
        Err(error) => back_with(&format!("/systems/{id}#assessments"), Err(error)),
    }
}

/// One assessment version: the sections as a form while a draft, frozen once approved.
pub async fn assessment(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let query = query_pairs(&uri);
    let assessment = state.store().assessment(parse_id(&id)?).await?;
    let system = state.store().get_ai_system(assessment.ai_system_id).await?;
    let missing = missing_sections(assessment.template, &assessment.answers);
    let sections: Vec<Value> = assessment
        .template
        .sections()
        .iter()
        .map(|s| context! { id => s.id, title => s.title, prompt => s.prompt, answer => assessment.answers.get(s.id).cloned().unwrap_or_default() })
        .collect();
    let approver = match assessment.approved_by {
        Some(id) => state
            .store()
            .list_users()
            .await?
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name),
        None => None,
    };
    let history = crate::ui::history::rows(
        &state,
        state
            .store()
            .history("impact_assessment", &assessment.id.to_string())
            .await?,
    )
    .await?;
    render(
        &state,
        "risk/assessment.html",
        Some(&current),
        context! {
            nav => "systems", assessment, system, sections, missing, approver, history,
            draft => assessment.status == AssessmentStatus::Draft, template_label => assessment.template.label(),
            notice => one(&query, "notice"), error => one(&query, "error"),
        },
    )
}

pub async fn assessment_save(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    let answers: BTreeMap<String, String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("section.")
                .map(|k| (k.to_owned(), v.clone()))
        })
        .collect();
    let result = state
        .store()
        .save_assessment(&current.ctx(&state), id, version, answers)
        .await
        .map(|_| ());
    back_with(&format!("/assessments/{id}?notice=saved"), result)
}

pub async fn assessment_approve(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let result = state
        .store()
        .approve_assessment(&current.ctx(&state), decider(&current), id)
        .await
        .map(|_| ());
    back_with(&format!("/assessments/{id}?notice=approved"), result)
}

/// The risk part of a system's page: risks reaching it, with paths, and its assessments.
pub(crate) async fn system_risk(state: &AppState, id: uuid::Uuid) -> ApiResult<Value> {
    let names = state.store().node_names().await?;
    let risks: Vec<Value> = state
        .store()
        .risks_reaching(id, state.clock().now().date())
        .await?
        .into_iter()
        .map(|(view, path)| {
            let via: Vec<String> = path
                .iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e.relation.replace('_', " "),
                        names.get(&e.to.id).map(|(_, n)| n.as_str()).unwrap_or("")
                    )
                })
                .collect();
            context! { view, via => via.join(" → "), cascaded => !path.is_empty() }
        })
        .collect();
    let assessments = state.store().assessments(id).await?;
    Ok(
        context! { risks, assessments, templates => Template::ALL.iter().map(|t| (t.code(), t.label())).collect::<Vec<_>>() },
    )
}
