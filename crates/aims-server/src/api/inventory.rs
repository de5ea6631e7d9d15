//! The inventory registers and the dependency graph over JSON.

use aims_core::inventory::Kind;
use aims_core::inventory::graph::{Direction, NodeRef};
use aims_store::{HistoryEntry, InventoryItem, InventoryPage, ItemFilter, Link, NewLink};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::systems::{VersionBody, parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::inventory::{GraphView, KindDoc, WorkItem};
use crate::json::ApiJson;
use crate::state::AppState;

pub(crate) fn parse_kind(kind: &str) -> ApiResult<Kind> {
    Kind::parse(kind)
        .ok()
        .filter(|k| *k != Kind::AiSystem)
        .ok_or_else(|| ApiError::not_found(format!("`{kind}` is not an inventory kind")))
}

/// Filters and paging of a list.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Case-insensitive text in the name (or the parent's name).
    pub q: Option<String>,
    pub status: Option<String>,
    /// Versions of one model or dataset; units under one unit.
    pub parent_id: Option<Uuid>,
    pub include_archived: Option<bool>,
    /// 1 to 1000, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl From<ItemQuery> for ItemFilter {
    fn from(q: ItemQuery) -> Self {
        ItemFilter {
            q: q.q,
            status: q.status,
            parent_id: q.parent_id,
            include_archived: q.include_archived.unwrap_or(false),
            limit: q.limit,
            offset: q.offset,
        }
    }
}

/// An edit: the version last read and the complete new fields.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdate {
    pub version: i64,
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
}

/// The inventory kinds with their fields, statuses and references.
#[utoipa::path(get, path = "/api/v1/inventory/kinds", tag = "inventory",
    responses((status = 200, body = Vec<KindDoc>)))]
pub async fn kinds() -> Json<Vec<KindDoc>> {
    Json(crate::inventory::kind_docs())
}

/// List records of one kind.
#[utoipa::path(get, path = "/api/v1/inventory/{kind}", tag = "inventory", params(("kind" = String, Path, description = "model, model_version, dataset, dataset_version, vendor, enterprise_system, business_unit, governance_body or raci"), ItemQuery),
    responses((status = 200, body = InventoryPage), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    uri: axum::http::Uri,
) -> ApiResult<Json<InventoryPage>> {
    let kind = parse_kind(&kind)?;
    let query: ItemQuery = parse_query(uri.query())?;
    Ok(Json(state.store().list_items(kind, &query.into()).await?))
}

/// Register a record; the body is the kind's fields (see `/api/v1/inventory/kinds`).
#[utoipa::path(post, path = "/api/v1/inventory/{kind}", tag = "inventory", params(("kind" = String, Path, description = "the kind")),
    request_body(content = Object, description = "the kind's fields"),
    responses((status = 201, body = InventoryItem), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(kind): Path<String>,
    ApiJson(fields): ApiJson<serde_json::Value>,
) -> ApiResult<impl IntoResponse> {
    let kind = parse_kind(&kind)?;
    let item = state
        .store()
        .create_item(&current.ctx(&state), kind, &fields)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(
            LOCATION,
            format!("/api/v1/inventory/{}/{}", kind.code(), item.id),
        )],
        Json(item),
    ))
}

/// One record.
#[utoipa::path(get, path = "/api/v1/inventory/{kind}/{id}", tag = "inventory",
    params(("kind" = String, Path, description = "the kind"), ("id" = Uuid, Path, description = "record id")),
    responses((status = 200, body = InventoryItem), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Json<InventoryItem>> {
    Ok(Json(
        state
            .store()
            .get_item(parse_kind(&kind)?, parse_id(&id)?)
            .await?,
    ))
}

/// Replace a record's fields; `version` must be the one last read.
#[utoipa::path(put, path = "/api/v1/inventory/{kind}/{id}", tag = "inventory", request_body = ItemUpdate,
    params(("kind" = String, Path, description = "the kind"), ("id" = Uuid, Path, description = "record id")),
    responses((status = 200, body = InventoryItem), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ItemUpdate>,
) -> ApiResult<Json<InventoryItem>> {
    let (kind, id) = (parse_kind(&kind)?, parse_id(&id)?);
    Ok(Json(
        state
            .store()
            .update_item(&current.ctx(&state), kind, id, body.version, &body.fields)
            .await?,
    ))
}

/// Archive a record (kept, with its history, out of default lists).
#[utoipa::path(post, path = "/api/v1/inventory/{kind}/{id}/archive", tag = "inventory", request_body = VersionBody,
    params(("kind" = String, Path, description = "the kind"), ("id" = Uuid, Path, description = "record id")),
    responses((status = 200, body = InventoryItem), (status = 409, body = crate::error::ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<VersionBody>,
) -> ApiResult<Json<InventoryItem>> {
    let (kind, id) = (parse_kind(&kind)?, parse_id(&id)?);
    Ok(Json(
        state
            .store()
            .set_item_archived(&current.ctx(&state), kind, id, body.version, true)
            .await?,
    ))
}

/// The ledger entries of one record, newest first.
#[utoipa::path(get, path = "/api/v1/inventory/{kind}/{id}/history", tag = "inventory",
    params(("kind" = String, Path, description = "the kind"), ("id" = Uuid, Path, description = "record id")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let (kind, id) = (parse_kind(&kind)?, parse_id(&id)?);
    state.store().get_item(kind, id).await?;
    Ok(Json(
        state.store().history(kind.code(), &id.to_string()).await?,
    ))
}

/// Record that a dataset version's data was deleted under its retention rule.
#[utoipa::path(post, path = "/api/v1/inventory/dataset_version/{id}/deletion", tag = "inventory", request_body = VersionBody,
    params(("id" = Uuid, Path, description = "dataset version id")),
    responses((status = 200, body = InventoryItem), (status = 409, body = crate::error::ErrorBody)))]
pub async fn record_deletion(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> ApiResult<Json<InventoryItem>> {
    Ok(Json(
        state
            .store()
            .record_dataset_deletion(&current.ctx(&state), parse_id(&id)?, body.version)
            .await?,
    ))
}

/// Dataset versions past their retention date and not yet recorded as deleted.
#[utoipa::path(get, path = "/api/v1/retention", tag = "inventory",
    responses((status = 200, body = Vec<InventoryItem>)))]
pub async fn retention(State(state): State<AppState>) -> ApiResult<Json<Vec<InventoryItem>>> {
    let today = state.clock().now().date();
    Ok(Json(
        crate::inventory::retention_due(state.store(), today).await?,
    ))
}

/// Link an AI system to a model, dataset, vendor or enterprise system it depends on.
#[utoipa::path(post, path = "/api/v1/links", tag = "inventory", request_body = NewLink,
    responses((status = 201, body = Link), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn link_create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(new): ApiJson<NewLink>,
) -> ApiResult<impl IntoResponse> {
    let link = state.store().add_link(&current.ctx(&state), new).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Remove an explicit link.
#[utoipa::path(delete, path = "/api/v1/links/{id}", tag = "inventory",
    params(("id" = Uuid, Path, description = "link id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn link_delete(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .store()
        .remove_link(&current.ctx(&state), parse_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The graph query.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// `kind:id` to start from; the whole graph without it.
    pub node: Option<String>,
    /// `dependencies` (what it depends on, the default) or `dependents` (what depends on it).
    pub direction: Option<Direction>,
}

/// The dependency graph, or what one node depends on or is depended on by, with paths.
#[utoipa::path(get, path = "/api/v1/graph", tag = "inventory", params(GraphQuery),
    responses((status = 200, body = GraphView), (status = 422, body = crate::error::ErrorBody)))]
pub async fn graph(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<GraphView>> {
    let query: GraphQuery = parse_query(uri.query())?;
    let start = query
        .node
        .as_deref()
        .map(NodeRef::parse)
        .transpose()
        .map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", e).with_field("node")
        })?;
    Ok(Json(
        crate::inventory::graph(state.store(), start, query.direction.unwrap_or_default()).await?,
    ))
}

/// What the signed-in user must approve, review or fix, overdue first.
#[utoipa::path(get, path = "/api/v1/my-work", tag = "governance",
    responses((status = 200, body = Vec<WorkItem>)))]
pub async fn my_work(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<WorkItem>>> {
    let today = state.clock().now().date();
    let user = current.user();
    Ok(Json(
        crate::inventory::my_work(
            state.store(),
            user.id,
            user.role,
            today,
            &crate::inventory::law_version(state.catalog()),
        )
        .await?,
    ))
}

/// The store, inside one write transaction, as the OpenLineage mapping needs it.
struct TxLineage<'a, 's>(&'a mut aims_store::WriteTx<'s>);

impl crate::lineage::LineageStore for TxLineage<'_, '_> {
    async fn record_event(
        &mut self,
        raw: &serde_json::Value,
        plan: &crate::lineage::LineagePlan,
    ) -> Result<(), aims_store::StoreError> {
        self.0
            .record_lineage_event(
                raw,
                &plan.run_id,
                &plan.job.key(),
                &plan.event_type,
                &plan.event_time,
            )
            .await
            .map(|_| ())
    }

    async fn by_external_ref(
        &mut self,
        kind: Kind,
        external_ref: &str,
    ) -> Result<Option<InventoryItem>, aims_store::StoreError> {
        self.0.item_by_external_ref(kind, external_ref).await
    }

    async fn versions_of(
        &mut self,
        dataset: Uuid,
    ) -> Result<Vec<InventoryItem>, aims_store::StoreError> {
        self.0
            .items_with_parent(Kind::DatasetVersion, dataset)
            .await
    }

    async fn insert(
        &mut self,
        kind: Kind,
        fields: &serde_json::Value,
    ) -> Result<InventoryItem, aims_store::StoreError> {
        self.0.insert_item(kind, fields).await
    }

    async fn update(
        &mut self,
        item: &InventoryItem,
        fields: &serde_json::Value,
    ) -> Result<InventoryItem, aims_store::StoreError> {
        self.0.update_item_fields(item.kind, item.id, fields).await
    }
}

/// Accept an OpenLineage run event (Marquez-compatible). The event is validated against
/// the OpenLineage schema (422 with every violation, nothing stored); its datasets become
/// inventory datasets, outputs of a COMPLETE run new dataset versions derived from the
/// inputs, and the raw event is kept as provenance (A.7.5).
#[utoipa::path(post, path = "/api/v1/lineage", tag = "inventory",
    request_body(content = Object, description = "an OpenLineage RunEvent"),
    responses((status = 201, description = "what was created or updated"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn lineage(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(event): ApiJson<serde_json::Value>,
) -> ApiResult<impl IntoResponse> {
    if let Err(problems) = crate::lineage::validate_event(&event) {
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_lineage_event",
            format!(
                "the event does not follow the OpenLineage schema: {}",
                problems.join("; ")
            ),
        );
        error.details = problems
            .iter()
            .map(|p| aims_core::FieldError {
                field: p.split(':').next().unwrap_or_default().to_owned(),
                message: p.clone(),
            })
            .collect();
        return Err(error);
    }
    let plan = crate::lineage::plan(&event);
    let ctx = current.ctx(&state);
    let mut tx = state.store().begin_write(&ctx).await?;
    let applied = crate::lineage::apply(&mut TxLineage(&mut tx), &event, &plan).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(applied)))
}

/// A CycloneDX 1.6 ML-BOM of an AI system: its model versions with model cards, its data,
/// vendors and enterprise systems, and their dependencies.
#[utoipa::path(get, path = "/api/v1/systems/{id}/bom", tag = "inventory",
    params(("id" = Uuid, Path, description = "system id")),
    responses((status = 200, description = "CycloneDX 1.6 JSON", content_type = "application/vnd.cyclonedx+json"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn bom(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = parse_id(&id)?;
    let now = aims_core::timefmt::format_instant(state.clock().now());
    let bom = crate::cyclonedx::bom_for_system(state.store(), id, &now).await?;
    let body = serde_json::to_vec_pretty(&bom).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.cyclonedx+json; version=1.6".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"aims-bom-{id}.cdx.json\""),
            ),
        ],
        body,
    ))
}

/// What an MLflow import did: models and versions created, updated and unchanged.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MlflowImport {
    /// The server imported from (credentials removed).
    pub source: String,
    #[schema(value_type = Object)]
    pub models: serde_json::Value,
    #[schema(value_type = Object)]
    pub versions: serde_json::Value,
    /// One line for people.
    pub summary: String,
}

/// Runs the MLflow import against the server the operator configured.
pub(crate) async fn run_mlflow(state: &AppState, current: &CurrentUser) -> ApiResult<MlflowImport> {
    let Some(url) = state.config().mlflow_url.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_configured",
            "no MLflow server is configured: set mlflow.url in aims.toml (or use `aims import mlflow --url ...`)",
        ));
    };
    let report = crate::mlflow::run(
        state.store(),
        &current.ctx(state),
        &url,
        state.config().mlflow_token.as_deref(),
    )
    .await
    .map_err(|error| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "mlflow_failed",
            format!("{error:#}"),
        )
    })?;
    Ok(MlflowImport {
        source: report.source.clone(),
        models: serde_json::to_value(report.models).unwrap_or_default(),
        versions: serde_json::to_value(report.versions).unwrap_or_default(),
        summary: report.to_string(),
    })
}

/// Import the model registry of the configured MLflow server: registered models and their
/// versions, idempotently (nothing is written when the server fails or answers garbage).
#[utoipa::path(post, path = "/api/v1/imports/mlflow", tag = "inventory",
    responses((status = 200, body = MlflowImport), (status = 409, body = crate::error::ErrorBody), (status = 502, body = crate::error::ErrorBody)))]
pub async fn mlflow_import(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<MlflowImport>> {
    Ok(Json(run_mlflow(&state, &current).await?))
}
