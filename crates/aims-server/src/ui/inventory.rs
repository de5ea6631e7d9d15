//! Pages of the inventory: an overview with the dependency graph, a list per kind, and a
//! generic form and detail page driven by each kind's field declarations.

use aims_core::ValidationErrors;
use aims_core::inventory::graph::{Direction, NodeRef};
use aims_core::inventory::{FieldType, Kind, assess};
use aims_store::{InventoryItem, ItemFilter, StoreError};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use minijinja::{Value, context};
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::api::inventory::parse_kind;
use crate::api::systems::parse_id;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::ui::form::{Pairs, error_map, one, pairs};
use crate::ui::systems::redirect;
use crate::ui::{form_outcome, render, render_status};

/// Builds the JSON fields of `kind` from a posted form, in the shapes the validator
/// expects; what cannot be parsed is passed on as text so the validator names the field.
fn fields_from_form(kind: Kind, pairs: &Pairs) -> Json {
    let mut out = Map::new();
    for spec in kind.fields() {
        let name = spec.name;
        let value = match spec.ty {
            FieldType::Refs { .. } | FieldType::Choices(_) => Json::Array(
                pairs
                    .iter()
                    .filter(|(k, v)| k == name && !v.is_empty())
                    .map(|(_, v)| Json::from(v.clone()))
                    .collect(),
            ),
            FieldType::NumberMap | FieldType::Object => {
                let mut map = Map::new();
                for line in one(pairs, name).lines() {
                    let Some((key, raw)) = line.split_once('=') else {
                        if !line.trim().is_empty() {
                            map.insert(line.trim().to_owned(), Json::Null);
                        }
                        continue;
                    };
                    let raw = raw.trim();
                    let parsed = if let Ok(n) = raw.parse::<f64>() {
                        Json::from(n)
                    } else if matches!(spec.ty, FieldType::Object) {
                        match raw {
                            "true" => Json::Bool(true),
                            "false" => Json::Bool(false),
                            _ => Json::from(raw),
                        }
                    } else {
                        Json::from(raw)
                    };
                    map.insert(key.trim().to_owned(), parsed);
                }
                Json::Object(map)
            }
            FieldType::Table(columns) => Json::Array(
                one(pairs, name)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|line| {
                        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                        Json::Object(
                            columns
                                .iter()
                                .enumerate()
                                .map(|(i, c)| {
                                    (
                                        (*c).to_owned(),
                                        Json::from(cells.get(i).copied().unwrap_or("")),
                                    )
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ),
            FieldType::Scores(questions) => Json::Object(
                questions
                    .iter()
                    .filter_map(|(id, _)| {
                        let v = one(pairs, &format!("{name}.{id}"));
                        (!v.is_empty()).then(|| ((*id).to_owned(), Json::from(v)))
                    })
                    .collect(),
            ),
            _ => Json::from(one(pairs, name)),
        };
        out.insert(name.to_owned(), value);
    }
    Json::Object(out)
}

/// One field as the form template draws it.
#[derive(Debug, Serialize)]
struct FormField {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    required: bool,
    /// `line`, `text`, `date`, `number`, `select`, `multi`, `checks`, `table`, `pairs`, `scores`.
    input: &'static str,
    value: String,
    selected: Vec<String>,
    options: Vec<(String, String)>,
    columns: Vec<&'static str>,
}

async fn form_fields(
    state: &AppState,
    kind: Kind,
    fields: &Map<String, Json>,
) -> ApiResult<Vec<FormField>> {
    let mut out = Vec::new();
    for spec in kind.fields() {
        let current = fields.get(spec.name).cloned().unwrap_or(Json::Null);
        let text = match &current {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let list: Vec<String> = current
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let codes = |o: &[(&str, &str)]| {
            o.iter()
                .map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))
                .collect::<Vec<_>>()
        };
        let (input, value, selected, options, columns) = match spec.ty {
            FieldType::Line | FieldType::Sha256 => {
                ("line", text, Vec::new(), Vec::new(), Vec::new())
            }
            FieldType::Text => ("text", text, Vec::new(), Vec::new(), Vec::new()),
            FieldType::Date => ("date", text, Vec::new(), Vec::new(), Vec::new()),
            FieldType::Integer { .. } => ("number", text, Vec::new(), Vec::new(), Vec::new()),
            FieldType::Choice(o) => ("select", text, Vec::new(), codes(o), Vec::new()),
            FieldType::Choices(o) => ("checks", String::new(), list, codes(o), Vec::new()),
            FieldType::Tags => ("line", list.join(", "), Vec::new(), Vec::new(), Vec::new()),
            FieldType::Ref { kind: target, .. } => (
                "select",
                text,
                Vec::new(),
                pick_options(state, target).await?,
                Vec::new(),
            ),
            FieldType::Refs { kind: target, .. } => (
                "multi",
                String::new(),
                list,
                pick_options(state, target).await?,
                Vec::new(),
            ),
            FieldType::NumberMap | FieldType::Object => {
                let lines = current
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                format!(
                                    "{k} = {}",
                                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default();
                ("pairs", lines, Vec::new(), Vec::new(), Vec::new())
            }
            FieldType::Table(cols) => {
                let lines = current
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .map(|row| {
                                cols.iter()
                                    .map(|c| row.get(*c).and_then(Json::as_str).unwrap_or(""))
                                    .collect::<Vec<_>>()
                                    .join(" | ")
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default();
                ("table", lines, Vec::new(), Vec::new(), cols.to_vec())
            }
            FieldType::Scores(questions) => {
                let answers: Vec<String> = questions
                    .iter()
                    .map(|(id, _)| {
                        current
                            .get(*id)
                            .and_then(Json::as_i64)
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    })
                    .collect();
                (
                    "scores",
                    String::new(),
                    answers,
                    codes(questions),
                    Vec::new(),
                )
            }
        };
        out.push(FormField {
            name: spec.name,
            label: spec.label,
            help: spec.help,
            required: spec.required,
            input,
            value,
            selected,
            options,
            columns,
        });
    }
    Ok(out)
}

async fn pick_options(state: &AppState, kind: Kind) -> ApiResult<Vec<(String, String)>> {
    if kind == Kind::AiSystem {
        let page = state
            .store()
            .list_ai_systems(
                &Default::default(),
                &aims_store::ListParams {
                    limit: Some(500),
                    ..Default::default()
                },
            )
            .await?;
        return Ok(page
            .items
            .into_iter()
            .map(|s| (s.id.to_string(), s.fields.name))
            .collect());
    }
    Ok(state
        .store()
        .all_items(kind)
        .await?
        .into_iter()
        .map(|i| (i.id.to_string(), i.display_name()))
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    current: &CurrentUser,
    kind: Kind,
    fields: &Map<String, Json>,
    version: i64,
    id: Option<String>,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let action = match &id {
        Some(id) => format!("/inventory/{}/{id}", kind.code()),
        None => format!("/inventory/{}", kind.code()),
    };
    let form = form_fields(state, kind, fields).await?;
    render_status(
        state,
        "inventory/form.html",
        Some(current),
        context! { nav => "inventory", kind => kind.code(), kind_label => kind.label(), plural => kind.plural(),
        form, version, id, action, errors => error_map(errors), error_count => errors.errors.len(),
        version_error => errors.for_field("version") },
        status,
    )
}

/// The inventory overview: every register with its count, and the dependency graph.
pub async fn overview(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let counts = crate::inventory::counts(state.store()).await?;
    let kinds: Vec<Value> = Kind::RECORDS
        .iter()
        .map(|k| context! { code => k.code(), plural => k.plural(), count => counts.get(k.code()).copied().unwrap_or(0) })
        .collect();
    let view = crate::inventory::graph(state.store(), None, Direction::Dependencies).await?;
    let svg = crate::inventory::graph_svg(&view, &[]);
    let retention =
        crate::inventory::retention_due(state.store(), state.clock().now().date()).await?;
    render(
        &state,
        "inventory/overview.html",
        Some(&current),
        context! { nav => "inventory", kinds, svg => Value::from_safe_string(svg), edges => view.edges.len(), retention },
    )
}

/// The records of one kind.
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(kind): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let kind = parse_kind(&kind)?;
    let query: Pairs = serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let filter = ItemFilter {
        q: Some(one(&query, "q").to_owned()),
        status: Some(one(&query, "status").to_owned()),
        include_archived: one(&query, "archived") == "1",
        ..Default::default()
    };
    let page = state.store().list_items(kind, &filter).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|i| context! { item => i, name => i.display_name(), summary => summary(i) })
        .collect();
    render(
        &state,
        "inventory/list.html",
        Some(&current),
        context! { nav => "inventory", kind => kind.code(), kind_label => kind.label(), plural => kind.plural(),
        statuses => kind.statuses(), items, total => page.total, q => one(&query, "q"), status => one(&query, "status"), archived => filter.include_archived,
        mlflow => state.config().mlflow_url.is_some(), notice => one(&query, "notice"), error => one(&query, "error") },
    )
}

/// A one-line summary of a record for lists.
fn summary(item: &InventoryItem) -> String {
    let pick = |fields: &[&str]| {
        fields
            .iter()
            .map(|f| item.text(f))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    match item.kind {
        Kind::Model => pick(&["task", "owner"]),
        Kind::ModelVersion => pick(&["framework", "code_commit"]),
        Kind::Dataset => pick(&["source", "owner", "licence"]),
        Kind::DatasetVersion => {
            let rows = item
                .fields
                .get("row_count")
                .and_then(Json::as_i64)
                .map(|n| format!("{n} rows"))
                .unwrap_or_default();
            [rows, item.text("file_name").to_owned()]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" · ")
        }
        Kind::Vendor => {
            let supplies = item
                .fields
                .get("supplies")
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let assessment = assess(
                aims_core::inventory::VENDOR_QUESTIONS,
                item.fields.get("assessment").unwrap_or(&Json::Null),
            );
            format!(
                "supplies {supplies} · assessment {}",
                assessment.result.replace('_', " ")
            )
        }
        Kind::EnterpriseSystem => pick(&["category", "owner"]),
        Kind::BusinessUnit => pick(&["lead"]),
        Kind::GovernanceBody => pick(&["tier"]),
        Kind::Raci | Kind::AiSystem => String::new(),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(kind): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let kind = parse_kind(&kind)?;
    // `?model_id=…` and the like preset a parent.
    let query: Pairs = serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let mut fields = Map::new();
    for (k, v) in query {
        if kind.fields().iter().any(|f| f.name == k) {
            fields.insert(k, Json::from(v));
        }
    }
    form_page(
        &state,
        &current,
        kind,
        &fields,
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
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let kind = parse_kind(&kind)?;
    let pairs = pairs(&body);
    let fields = fields_from_form(kind, &pairs);
    let result = state
        .store()
        .create_item(&current.ctx(&state), kind, &fields)
        .await;
    let posted = fields.as_object().cloned().unwrap_or_default();
    form_outcome(
        result,
        |item| {
            redirect(&format!(
                "/inventory/{}/{}?notice=created",
                kind.code(),
                item.id
            ))
        },
        |errors, status| async move {
            form_page(&state, &current, kind, &posted, 0, None, &errors, status).await
        },
    )
    .await
}

pub async fn edit_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (kind, id) = (parse_kind(&kind)?, parse_id(&id)?);
    let item = state.store().get_item(kind, id).await?;
    form_page(
        &state,
        &current,
        kind,
        &item.fields,
        item.version,
        Some(id.to_string()),
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let (kind, id) = (parse_kind(&kind)?, parse_id(&id)?);
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    let fields = fields_from_form(kind, &pairs);
    let result = state
        .store()
        .update_item(&current.ctx(&state), kind, id, version, &fields)
        .await;
    let posted = fields.as_object().cloned().unwrap_or_default();
    form_outcome(
        result,
        |item| {
            redirect(&format!(
                "/inventory/{}/{}?notice=saved",
                kind.code(),
                item.id
            ))
        },
        |errors, status| async move {
            form_page(
                &state,
                &current,
                kind,
                &posted,
                version,
                Some(id.to_string()),
                &errors,
                status,
            )
            .await
        },
    )
    .await
}

/// Renders a record's fields for reading: references as links, tables as tables.
async fn readable(state: &AppState, item: &InventoryItem) -> ApiResult<Vec<Value>> {
    let names = state.store().node_names().await?;
    let name_of = |id: &str| -> (String, String) {
        uuid::Uuid::parse_str(id)
            .ok()
            .and_then(|u| {
                names
                    .get(&u)
                    .map(|(k, n)| (crate::inventory::href(NodeRef::new(*k, u)), n.clone()))
            })
            .unwrap_or_else(|| (String::new(), id.to_owned()))
    };
    let mut out = Vec::new();
    for spec in item.kind.fields() {
        let value = item.fields.get(spec.name).cloned().unwrap_or(Json::Null);
        let shown = match spec.ty {
            FieldType::Ref { .. } => {
                let id = value.as_str().unwrap_or_default();
                if id.is_empty() {
                    context! { kind => "empty" }
                } else {
                    let (href, name) = name_of(id);
                    context! { kind => "links", links => vec![(href, name)] }
                }
            }
            FieldType::Refs { .. } => {
                let links: Vec<(String, String)> = value
                    .as_array()
                    .map(|a| a.iter().filter_map(Json::as_str).map(name_of).collect())
                    .unwrap_or_default();
                if links.is_empty() {
                    context! { kind => "empty" }
                } else {
                    context! { kind => "links", links }
                }
            }
            FieldType::Choice(options) => {
                let code = value.as_str().unwrap_or_default();
                let label = options
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or(code, |(_, l)| l);
                if code.is_empty() {
                    context! { kind => "empty" }
                } else {
                    context! { kind => "text", text => label }
                }
            }
            FieldType::Table(columns) => {
                let rows: Vec<Vec<String>> = value
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .map(|r| {
                                columns
                                    .iter()
                                    .map(|c| {
                                        r.get(*c).and_then(Json::as_str).unwrap_or("").to_owned()
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if rows.is_empty() {
                    context! { kind => "empty" }
                } else {
                    context! { kind => "table", columns => columns.to_vec(), rows }
                }
            }
            FieldType::Scores(questions) => {
                let assessment = assess(questions, &value);
                let rows: Vec<Vec<String>> = questions
                    .iter()
                    .map(|(id, q)| {
                        vec![
                            (*q).to_owned(),
                            value
                                .get(*id)
                                .and_then(Json::as_i64)
                                .map_or("—".into(), |n| format!("{n} / 4")),
                        ]
                    })
                    .collect();
                context! { kind => "scores", rows, assessment }
            }
            FieldType::NumberMap | FieldType::Object => {
                let rows: Vec<Vec<String>> = value
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                vec![
                                    k.clone(),
                                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if rows.is_empty() {
                    context! { kind => "empty" }
                } else {
                    context! { kind => "table", columns => vec!["name", "value"], rows }
                }
            }
            FieldType::Choices(_) | FieldType::Tags => {
                let list: Vec<&str> = value
                    .as_array()
                    .map(|a| a.iter().filter_map(Json::as_str).collect())
                    .unwrap_or_default();
                if list.is_empty() {
                    context! { kind => "empty" }
                } else {
                    context! { kind => "text", text => list.join(", ") }
                }
            }
            _ => {
                let text = match &value {
                    Json::String(s) => s.clone(),
                    Json::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                if text.is_empty() {
                    context! { kind => "empty" }
                } else {
                    context! { kind => "text", text, long => matches!(spec.ty, FieldType::Text) }
                }
            }
        };
        out.push(context! { label => spec.label, shown });
    }
    Ok(out)
}

/// One record: its fields, links both ways, its neighbourhood in the graph, versions,
/// transitions and history.
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult<Response> {
    let (kind, id) = (parse_kind(&kind)?, parse_id(&id)?);
    let query: Pairs = serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let item = state.store().get_item(kind, id).await?;
    let fields = readable(&state, &item).await?;
    let (depends_on, depended_by) = neighbourhood(&state, item.node()).await?;
    let child_kind = match kind {
        Kind::Model => Some(Kind::ModelVersion),
        Kind::Dataset => Some(Kind::DatasetVersion),
        _ => None,
    };
    let children: Vec<Value> = match child_kind {
        Some(child) => state
            .store()
            .list_items(
                child,
                &ItemFilter {
                    parent_id: Some(id),
                    include_archived: true,
                    ..Default::default()
                },
            )
            .await?
            .items
            .iter()
            .map(|c| context! { item => c, summary => summary(c) })
            .collect(),
        None => Vec::new(),
    };
    let today = state.clock().now().date();
    let transitions = if kind == Kind::ModelVersion {
        state
            .store()
            .transition_checks(aims_core::governance::Subject::ModelVersion, id, today)
            .await?
    } else {
        Vec::new()
    };
    let requests = if kind == Kind::ModelVersion {
        state
            .store()
            .change_requests(
                None,
                Some((aims_core::governance::Subject::ModelVersion, id)),
            )
            .await?
    } else {
        Vec::new()
    };
    let runs = if matches!(kind, Kind::ModelVersion | Kind::DatasetVersion) {
        state
            .store()
            .list_check_runs(Some((kind.code(), &id.to_string())), 20)
            .await?
    } else {
        Vec::new()
    };
    let retention_due = kind == Kind::DatasetVersion
        && item.status == "active"
        && !item.text("retain_until").is_empty()
        && item.text("retain_until") < aims_core::timefmt::format_date(today).as_str();
    let history = crate::ui::history::rows(
        &state,
        state.store().history(kind.code(), &id.to_string()).await?,
    )
    .await?;
    let status_label = kind
        .statuses()
        .iter()
        .find(|(c, _)| *c == item.status)
        .map(|(_, l)| *l);
    render(
        &state,
        "inventory/show.html",
        Some(&current),
        context! {
            nav => "inventory", kind => kind.code(), kind_label => kind.label(), plural => kind.plural(), item, name => item.display_name(),
            status_label, fields, depends_on, depended_by, children, child_kind => child_kind.map(Kind::code), child_plural => child_kind.map(Kind::plural),
            transitions, requests, runs, retention_due, history, notice => one(&query, "notice"), subject => "model_version",
        },
    )
}

/// What a node depends on and what depends on it, drawn.
pub(crate) async fn neighbourhood(
    state: &AppState,
    node: NodeRef,
) -> Result<(Value, Value), StoreError> {
    let mut out = Vec::new();
    for direction in [Direction::Dependencies, Direction::Dependents] {
        let view = crate::inventory::graph(state.store(), Some(node), direction).await?;
        let reached: Vec<Value> = view
            .reached
            .iter()
            .map(|r| {
                let name = view.nodes.iter().find(|n| n.node == r.node).map(|n| n.name.clone()).unwrap_or_default();
                let via: Vec<String> = r.path.iter().map(|e| e.relation.replace('_', " ")).collect();
                context! { href => crate::inventory::href(r.node), name, kind => r.node.kind.label(), depth => r.depth, via => via.join(" → ") }
            })
            .collect();
        let svg = if view.reached.is_empty() {
            String::new()
        } else {
            crate::inventory::graph_svg(&view, &[node])
        };
        out.push(context! { reached, svg => Value::from_safe_string(svg) });
    }
    let dependents = out.pop().unwrap_or_default();
    let dependencies = out.pop().unwrap_or_default();
    Ok((dependencies, dependents))
}

/// Records the deletion of a dataset version's data under its retention rule.
pub async fn record_deletion(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let pairs = pairs(&body);
    let version: i64 = one(&pairs, "record_version").parse().unwrap_or(0);
    state
        .store()
        .record_dataset_deletion(&current.ctx(&state), id, version)
        .await?;
    Ok(redirect(&format!(
        "/inventory/dataset_version/{id}?notice=deleted"
    )))
}

/// The whole dependency graph.
pub async fn graph_page(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Response> {
    let view = crate::inventory::graph(state.store(), None, Direction::Dependencies).await?;
    let svg = crate::inventory::graph_svg(&view, &[]);
    render(
        &state,
        "inventory/graph.html",
        Some(&current),
        context! { nav => "inventory", svg => Value::from_safe_string(svg), nodes => view.nodes.len(), edges => view.edges.len() },
    )
}

/// Imports the configured MLflow registry from the models page.
pub async fn mlflow_import(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Response> {
    let outcome = match crate::api::inventory::run_mlflow(&state, &current).await {
        Ok(import) => format!("notice={}", crate::ui::form::urlencode(&import.summary)),
        Err(error) => format!("error={}", crate::ui::form::urlencode(&error.message)),
    };
    Ok(redirect(&format!("/inventory/model?{outcome}")))
}
