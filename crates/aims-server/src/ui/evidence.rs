//! Evidence pages: the list with status filters, upload and link forms, detail with
//! versions and links.

use aims_core::ValidationErrors;
use aims_core::ai_system::AiSystemFilter;
use aims_core::evidence::{EvidenceFields, LinkTarget};
use aims_store::{ISO42001, ListParams, StoreError};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

use crate::api::evidence::{EvidenceQuery, list_views, status_label};
use crate::api::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::conformance;
use crate::error::ApiResult;
use crate::evidence::{self, parse_link, read_upload, store_file};
use crate::state::AppState;
use crate::ui::systems::redirect;
use crate::ui::{form_outcome, render, render_status};

/// Something evidence can be linked to, as a checkbox.
#[derive(Debug, Serialize)]
struct Target {
    value: String,
    label: String,
}

async fn targets(state: &AppState) -> ApiResult<Vec<(String, Vec<Target>)>> {
    let annex_a = conformance::annex_a(state.catalog())?
        .into_iter()
        .map(|r| Target {
            value: format!("requirement:{ISO42001}:{}", r.id),
            label: format!("{} {}", r.id, r.title),
        })
        .collect();
    let clauses = conformance::clause_requirements(state.catalog())?
        .into_iter()
        .map(|r| Target {
            value: format!("requirement:{ISO42001}:{}", r.id),
            label: format!("{} {}", r.id, r.title),
        })
        .collect();
    let controls = state
        .store()
        .list_controls()
        .await?
        .into_iter()
        .map(|c| Target {
            value: format!("applied_control:{}", c.id),
            label: c.fields.name,
        })
        .collect();
    let params = ListParams {
        limit: Some(500),
        ..ListParams::default()
    };
    let systems = state
        .store()
        .list_ai_systems(&AiSystemFilter::default(), &params)
        .await?
        .items
        .into_iter()
        .map(|s| Target {
            value: format!("ai_system:{}", s.id),
            label: s.fields.name,
        })
        .collect();
    Ok(vec![
        ("Applied controls".into(), controls),
        ("Annex A controls".into(), annex_a),
        ("Clause requirements".into(), clauses),
        ("AI systems".into(), systems),
    ])
}

fn errors_map(errors: &ValidationErrors) -> std::collections::BTreeMap<String, String> {
    errors
        .errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect()
}

fn link_values(fields: &EvidenceFields) -> Vec<String> {
    fields
        .links
        .iter()
        .map(|l| format!("{}:{}", l.target_type.code(), l.target_id))
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let query: EvidenceQuery = parse_query(uri.query())?;
    let selected = query.status.clone().unwrap_or_default();
    let items: Vec<serde_json::Value> = list_views(&state, query)
        .await?
        .into_iter()
        .map(|v| serde_json::json!({ "item": v, "label": status_label(v.status) }))
        .collect();
    render(
        &state,
        "evidence/list.html",
        Some(&current),
        context! { nav => "evidence", items, selected },
    )
}

async fn form_page(
    state: &AppState,
    current: &CurrentUser,
    fields: &EvidenceFields,
    kind: &str,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    render_status(
        state,
        "evidence/new.html",
        Some(current),
        context! {
            nav => "evidence", form => fields, kind, targets => targets(state).await?,
            linked => link_values(fields), errors => errors_map(errors), error_count => errors.errors.len(),
            max_mib => state.config().evidence_max_bytes / (1024 * 1024),
        },
        status,
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let mut fields = EvidenceFields::titled("");
    // Pre-link from where the user came, such as an SoA row's "add evidence".
    if let Some(link) = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "link").map(|(_, v)| v))
        .and_then(|v| parse_link(&v).ok())
    {
        fields.links.push(link);
    }
    form_page(
        &state,
        &current,
        &fields,
        "file",
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Handles the new-evidence form: a file upload or a link, with links to what it supports.
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    multipart: Multipart,
) -> ApiResult<Response> {
    let upload = read_upload(multipart, state.config().evidence_max_bytes).await?;
    let kind = if upload.fields.url.trim().is_empty() {
        "file"
    } else {
        "link"
    };
    let result = async {
        let file = match (&upload.file, kind) {
            (Some((name, bytes)), "file") => {
                upload
                    .fields
                    .clone()
                    .validated(false)
                    .map_err(StoreError::Validation)?;
                Some(store_file(&state, name, bytes).map_err(|e| {
                    StoreError::Validation(ValidationErrors::single("file", e.message))
                })?)
            }
            (None, "file") => {
                return Err(StoreError::Validation(ValidationErrors::single(
                    "file",
                    "choose a file, or give a link instead",
                )));
            }
            _ => None,
        };
        state
            .store()
            .create_evidence(&current.ctx(&state), upload.fields.clone(), file)
            .await
    }
    .await;
    form_outcome(
        result,
        |created| redirect(&format!("/evidence/{}", created.id)),
        |errors, status| async move {
            form_page(&state, &current, &upload.fields, kind, &errors, status).await
        },
    )
    .await
}

async fn show_page(
    state: &AppState,
    current: &CurrentUser,
    id: uuid::Uuid,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let item = state.store().get_evidence(id).await?;
    let today = evidence::today(state);
    let versions: Vec<serde_json::Value> = state
        .store()
        .evidence_versions(item.lineage_id)
        .await?
        .into_iter()
        .map(|v| serde_json::json!({ "item": v, "label": status_label(evidence::status(&v, today)) }))
        .collect();
    let history = crate::ui::history::rows(
        state,
        state.store().history("evidence", &id.to_string()).await?,
    )
    .await?;
    let status_text = status_label(evidence::status(&item, today));
    render_status(
        state,
        "evidence/show.html",
        Some(current),
        context! {
            nav => "evidence", item, status => status_text, versions, history,
            targets => targets(state).await?, linked => link_values(&item.fields),
            errors => errors_map(errors), link_types => LinkTarget::ALL.iter().map(|t| t.code()).collect::<Vec<_>>(),
        },
        status,
    )
}

pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    show_page(
        &state,
        &current,
        parse_id(&id)?,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Saves the edit form (fields and links; urlencoded with repeated `link`).
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let existing = state.store().get_evidence(id).await?;
    let mut fields = EvidenceFields {
        links: Vec::new(),
        ..existing.fields.clone()
    };
    let mut version = existing.version;
    let mut errors = ValidationErrors::new();
    for (key, value) in pairs {
        match key.as_str() {
            "version" => version = value.trim().parse().unwrap_or(-1),
            "title" => fields.title = value,
            "description" => fields.description = value,
            "owner" => fields.owner = value,
            "reviewer" => fields.reviewer = value,
            "url" => fields.url = value,
            "effective_from" => fields.effective_from = value,
            "expires_on" => fields.expires_on = value,
            "reviewed_on" => fields.reviewed_on = value,
            "review_cycle_days" => {
                fields.review_cycle_days = value.trim().parse().unwrap_or_else(|_| {
                    errors.add("review_cycle_days", "must be a whole number of days");
                    0
                })
            }
            "link" => match parse_link(&value) {
                Ok(link) => fields.links.push(link),
                Err(message) => errors.add("links", message),
            },
            _ => {}
        }
    }
    let result = if errors.is_empty() {
        state
            .store()
            .update_evidence(&current.ctx(&state), id, version, fields)
            .await
    } else {
        Err(StoreError::Validation(errors))
    };
    form_outcome(
        result,
        |_| redirect(&format!("/evidence/{id}")),
        |errors, status| async move { show_page(&state, &current, id, &errors, status).await },
    )
    .await
}

/// Uploads a new version of a file (the fields carry over unless changed).
pub async fn new_version(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let existing = state.store().get_evidence(id).await?;
    let upload = read_upload(multipart, state.config().evidence_max_bytes).await?;
    let result = async {
        let file = match &upload.file {
            Some((name, bytes)) => Some(store_file(&state, name, bytes).map_err(|e| {
                StoreError::Validation(ValidationErrors::single("file", e.message))
            })?),
            None if existing.file.is_some() => {
                return Err(StoreError::Validation(ValidationErrors::single(
                    "file",
                    "choose the new file",
                )));
            }
            None => None,
        };
        let fields = EvidenceFields {
            reviewed_on: String::new(),
            ..existing.fields.clone()
        };
        state
            .store()
            .new_evidence_version(
                &current.ctx(&state),
                id,
                upload.version.unwrap_or(existing.version),
                fields,
                file,
            )
            .await
    }
    .await;
    form_outcome(
        result,
        |created| redirect(&format!("/evidence/{}", created.id)),
        |errors, status| async move { show_page(&state, &current, id, &errors, status).await },
    )
    .await
}
