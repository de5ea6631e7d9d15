//! The inventory registers and the dependency graph.
//!
//! Records of every inventory kind share one table: the fields are validated by the kind's
//! declaration in `aims_core::inventory` and stored as JSON, with the name, parent and
//! status kept in columns for lists and filters. References in the fields become edges in
//! `inventory_links`, rewritten with the record in the same transaction, so the graph is
//! never out of step with the records.

use std::collections::BTreeMap;

use aims_core::ValidationErrors;
use aims_core::inventory::graph::{Edge, NodeRef, would_cycle};
use aims_core::inventory::{self, FlowDirection, Kind, SYSTEM_RELATIONS};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Digest;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Duration;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::ledger::{WriteCtx, WriteTx};

/// One inventory record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryItem {
    pub id: Uuid,
    pub kind: Kind,
    /// The name, or the version label for versions.
    pub name: String,
    /// The model of a model version, the dataset of a dataset version, the parent unit.
    pub parent_id: Option<Uuid>,
    /// The status for kinds that have one (model and dataset versions, vendors), else empty.
    pub status: String,
    /// The kind's fields, validated; see `GET /api/v1/inventory/kinds`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
    pub archived: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The parent's name, for display; not part of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_name: Option<String>,
}

impl InventoryItem {
    /// `credit-pd v3` for versions, the name otherwise.
    pub fn display_name(&self) -> String {
        match (&self.parent_name, self.kind) {
            (Some(parent), Kind::ModelVersion | Kind::DatasetVersion) => {
                format!("{parent} v{}", self.name)
            }
            _ => self.name.clone(),
        }
    }

    /// A text field, or the empty string.
    pub fn text(&self, field: &str) -> &str {
        self.fields
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The ids in a list-of-references field.
    pub fn ids(&self, field: &str) -> Vec<Uuid> {
        self.fields
            .get(field)
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .filter_map(|id| Uuid::parse_str(id).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn node(&self) -> NodeRef {
        NodeRef::new(self.kind, self.id)
    }
}

/// The state the ledger hashes: the record without display-only data.
fn state_of(item: &InventoryItem) -> Result<Value, StoreError> {
    let mut value = serde_json::to_value(item)?;
    if let Some(object) = value.as_object_mut() {
        object.remove("parent_name");
    }
    Ok(value)
}

/// An OpenLineage event as kept; the raw body enters the ledger through its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineageEvent {
    pub id: Uuid,
    pub run_id: String,
    /// `namespace/name` of the job.
    pub job: String,
    pub event_type: String,
    pub event_time: String,
    pub raw_sha256: String,
    pub received_at: String,
}

/// Filters for a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemFilter {
    pub q: Option<String>,
    pub status: Option<String>,
    pub parent_id: Option<Uuid>,
    pub include_archived: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// One page of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryPage {
    pub items: Vec<InventoryItem>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// An edge as stored, with its id and attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Link {
    pub id: Uuid,
    #[serde(flatten)]
    pub edge: Edge,
    /// `direction` and `data` for data flows; free otherwise.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    /// `field` (implied by a record's fields), `explicit` or `lineage`.
    pub origin: String,
    pub created_at: String,
}

/// A link to add from an AI system (or any record) to what it depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// `kind:id` of the dependent record.
    pub from: String,
    pub relation: String,
    /// `kind:id` of what it depends on.
    pub to: String,
    /// For `exchanges_data`: `inbound`, `outbound` or `both`.
    #[serde(default)]
    pub direction: Option<FlowDirection>,
    /// What flows, in a few words.
    #[serde(default)]
    pub data: String,
}

const COLUMNS: &str = "i.id, i.kind, i.name, i.parent_id, i.status, i.fields, i.archived, i.version, i.created_at, i.updated_at, p.name AS parent_name";
const FROM: &str = "inventory_items i LEFT JOIN inventory_items p ON p.id = i.parent_id";

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {error}"))
}

fn from_row(row: &AnyRow) -> Result<InventoryItem, StoreError> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let parent: Option<String> = row.try_get("parent_id")?;
    let fields: String = row.try_get("fields")?;
    Ok(InventoryItem {
        id: Uuid::parse_str(&id).map_err(|e| corrupt("inventory_items.id", e))?,
        kind: Kind::parse(&kind).map_err(|e| corrupt("inventory_items.kind", e))?,
        name: row.try_get("name")?,
        parent_id: parent
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|e| corrupt("inventory_items.parent_id", e))?,
        status: row.try_get("status")?,
        fields: serde_json::from_str(&fields)?,
        archived: row.try_get::<i64, _>("archived")? != 0,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        parent_name: row.try_get("parent_name")?,
    })
}

fn link_from_row(row: &AnyRow) -> Result<Link, StoreError> {
    let uuid = |column: &str| -> Result<Uuid, StoreError> {
        let text: String = row.try_get(column)?;
        Uuid::parse_str(&text).map_err(|e| corrupt("inventory_links", e))
    };
    let kind = |column: &str| -> Result<Kind, StoreError> {
        let text: String = row.try_get(column)?;
        Kind::parse(&text).map_err(|e| corrupt("inventory_links", e))
    };
    let attributes: String = row.try_get("attributes")?;
    Ok(Link {
        id: uuid("id")?,
        edge: Edge {
            from: NodeRef::new(kind("from_kind")?, uuid("from_id")?),
            relation: row.try_get("relation")?,
            to: NodeRef::new(kind("to_kind")?, uuid("to_id")?),
        },
        attributes: serde_json::from_str(&attributes)?,
        origin: row.try_get("origin")?,
        created_at: row.try_get("created_at")?,
    })
}

const LINK_COLUMNS: &str =
    "id, from_kind, from_id, relation, to_kind, to_id, attributes, origin, created_at";

fn not_found(kind: Kind, id: Uuid) -> StoreError {
    StoreError::NotFound {
        entity: kind.label(),
        id: id.to_string(),
    }
}

impl Store {
    /// Registers a record of `kind` from its fields.
    pub async fn create_item(
        &self,
        ctx: &WriteCtx,
        kind: Kind,
        fields: &Value,
    ) -> Result<InventoryItem, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let item = tx.insert_item(kind, fields).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Replaces a record's fields if `version` is still current. The status is not a
    /// field: it changes only through transitions and retention.
    pub async fn update_item(
        &self,
        ctx: &WriteCtx,
        kind: Kind,
        id: Uuid,
        version: i64,
        fields: &Value,
    ) -> Result<InventoryItem, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.item_for_update(kind, id).await?;
        check_version(&current, version)?;
        let record = tx.validate_item(kind, Some(id), fields).await?;
        let updated = InventoryItem {
            name: record.name,
            parent_id: record.parent,
            fields: record.fields,
            ..current
        };
        let updated = tx.save_item(updated, "updated").await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Archives or restores a record; it is never deleted, so its history stays.
    pub async fn set_item_archived(
        &self,
        ctx: &WriteCtx,
        kind: Kind,
        id: Uuid,
        version: i64,
        archived: bool,
    ) -> Result<InventoryItem, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.item_for_update(kind, id).await?;
        check_version(&current, version)?;
        if current.archived == archived {
            return Ok(current);
        }
        let action = if archived { "archived" } else { "restored" };
        let updated = tx
            .save_item(
                InventoryItem {
                    archived,
                    ..current
                },
                action,
            )
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Records that a dataset version's data was deleted under its retention rule. The
    /// record stays (status `deleted`); the ledger says who recorded it and when.
    pub async fn record_dataset_deletion(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        version: i64,
    ) -> Result<InventoryItem, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.item_for_update(Kind::DatasetVersion, id).await?;
        check_version(&current, version)?;
        if current.status != "active" {
            return Err(StoreError::Conflict {
                message: "the deletion of this dataset version is already recorded".into(),
                field: None,
            });
        }
        let deleted = tx
            .save_item(
                InventoryItem {
                    status: "deleted".into(),
                    ..current
                },
                "deleted",
            )
            .await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// One record; `kind` must match.
    pub async fn get_item(&self, kind: Kind, id: Uuid) -> Result<InventoryItem, StoreError> {
        let item = self
            .find_item(id)
            .await?
            .filter(|item| item.kind == kind)
            .ok_or_else(|| not_found(kind, id))?;
        Ok(item)
    }

    /// One record of any kind.
    pub async fn find_item(&self, id: Uuid) -> Result<Option<InventoryItem>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE i.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A filtered page of records of one kind, by name.
    pub async fn list_items(
        &self,
        kind: Kind,
        filter: &ItemFilter,
    ) -> Result<InventoryPage, StoreError> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        let offset = filter.offset.unwrap_or(0).max(0);
        let q = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(crate::ai_system::like_pattern);
        let status = filter
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let parent = filter.parent_id.map(|id| id.to_string());
        let where_clause = "WHERE i.kind = $1 AND ($2 = 1 OR i.archived = 0)
              AND ($3 IS NULL OR LOWER(i.name) LIKE $3 ESCAPE '\\' OR LOWER(p.name) LIKE $3 ESCAPE '\\')
              AND ($4 IS NULL OR i.status = $4)
              AND ($5 IS NULL OR i.parent_id = $5)";
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} {where_clause}
             ORDER BY LOWER(COALESCE(p.name, '')), LOWER(i.name), i.created_at LIMIT $6 OFFSET $7"
        ))
        .bind(kind.code())
        .bind(i64::from(filter.include_archived))
        .bind(q.clone())
        .bind(status.clone())
        .bind(parent.clone())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS total FROM {FROM} {where_clause}"
        ))
        .bind(kind.code())
        .bind(i64::from(filter.include_archived))
        .bind(q)
        .bind(status)
        .bind(parent)
        .fetch_one(&self.pool)
        .await?
        .try_get("total")?;
        Ok(InventoryPage {
            items: rows.iter().map(from_row).collect::<Result<_, _>>()?,
            total,
            limit,
            offset,
        })
    }

    /// Every record of `kind` that is not archived, for pickers.
    pub async fn all_items(&self, kind: Kind) -> Result<Vec<InventoryItem>, StoreError> {
        Ok(self
            .list_items(
                kind,
                &ItemFilter {
                    limit: Some(1000),
                    ..ItemFilter::default()
                },
            )
            .await?
            .items)
    }

    /// Record counts per kind, for the inventory overview.
    pub async fn item_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM inventory_items WHERE archived = 0 GROUP BY kind",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("kind")?, row.try_get("n")?)))
            .collect()
    }

    /// Adds an explicit link, such as an AI system using a model version.
    pub async fn add_link(&self, ctx: &WriteCtx, new: NewLink) -> Result<Link, StoreError> {
        let mut errors = ValidationErrors::new();
        let from = NodeRef::parse(&new.from)
            .map_err(|e| errors.add("from", e))
            .ok();
        let to = NodeRef::parse(&new.to)
            .map_err(|e| errors.add("to", e))
            .ok();
        let relation = new.relation.trim().to_owned();
        let allowed = SYSTEM_RELATIONS
            .iter()
            .find(|(code, _, _)| *code == relation);
        match (allowed, from, to) {
            (None, _, _) => errors.add(
                "relation",
                format!(
                    "must be one of: {}",
                    SYSTEM_RELATIONS
                        .iter()
                        .map(|(code, _, _)| *code)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (Some((_, _, kinds)), Some(from), Some(to)) => {
                if from.kind != Kind::AiSystem {
                    errors.add(
                        "from",
                        "explicit links start at an AI system; other records link through their fields",
                    );
                }
                if !kinds.contains(&to.kind) {
                    errors.add(
                        "to",
                        format!(
                            "`{relation}` links to a {}",
                            kinds
                                .iter()
                                .map(|k| k.code())
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    );
                }
            }
            _ => {}
        }
        let mut attributes = Map::new();
        if relation == "exchanges_data" {
            attributes.insert(
                "direction".into(),
                Value::from(new.direction.unwrap_or(FlowDirection::Both).code()),
            );
        }
        let data = aims_core::text::optional_line(&mut errors, "data", &new.data);
        if !data.is_empty() {
            attributes.insert("data".into(), Value::from(data));
        }
        let (Some(from), Some(to)) = (from, to) else {
            return Err(errors.into());
        };
        errors.into_result(())?;
        let mut tx = self.begin_write(ctx).await?;
        tx.ensure_node_exists("from", from).await?;
        tx.ensure_node_exists("to", to).await?;
        let link = Link {
            id: Uuid::new_v4(),
            edge: Edge { from, relation, to },
            attributes,
            origin: "explicit".into(),
            created_at: ctx.now_text(),
        };
        tx.insert_link(&link).await.map_err(|error| match error {
            StoreError::Database(ref e) if is_unique_violation(e) => StoreError::Conflict {
                message: "this link already exists".into(),
                field: Some("to"),
            },
            other => other,
        })?;
        tx.append(
            "inventory_link.created",
            "inventory_link",
            &link.id.to_string(),
            Some(&serde_json::to_value(&link)?),
        )
        .await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Removes an explicit link; links implied by fields change with their record.
    pub async fn remove_link(&self, ctx: &WriteCtx, id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let row = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM inventory_links WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "link",
            id: id.to_string(),
        })?;
        let link = link_from_row(&row)?;
        if link.origin == "field" {
            return Err(StoreError::Conflict {
                message: format!(
                    "this link comes from the {} record's fields: edit the record instead",
                    link.edge.from.kind.label()
                ),
                field: None,
            });
        }
        sqlx::query("DELETE FROM inventory_links WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "inventory_link.removed",
            "inventory_link",
            &id.to_string(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every edge of the graph.
    pub async fn all_links(&self) -> Result<Vec<Link>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM inventory_links ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// Edges into and out of one node.
    pub async fn links_of(&self, id: Uuid) -> Result<Vec<Link>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM inventory_links WHERE from_id = $1 OR to_id = $1 ORDER BY relation, created_at"
        ))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// Display names for graph nodes: inventory records and AI systems.
    pub async fn node_names(&self) -> Result<BTreeMap<Uuid, (Kind, String)>, StoreError> {
        let mut out = BTreeMap::new();
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM}"))
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            let item = from_row(row)?;
            out.insert(item.id, (item.kind, item.display_name()));
        }
        for row in sqlx::query("SELECT id, name FROM ai_systems")
            .fetch_all(&self.pool)
            .await?
        {
            let id: String = row.try_get("id")?;
            let id = Uuid::parse_str(&id).map_err(|e| corrupt("ai_systems.id", e))?;
            out.insert(id, (Kind::AiSystem, row.try_get("name")?));
        }
        Ok(out)
    }

    /// Ledger states of every record the verifier compares.
    pub(crate) async fn inventory_states(
        &self,
    ) -> Result<Vec<((String, String), Value)>, StoreError> {
        let mut states = Vec::new();
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM}"))
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            let item = from_row(row)?;
            states.push((
                (item.kind.code().to_owned(), item.id.to_string()),
                state_of(&item)?,
            ));
        }
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM inventory_links WHERE origin <> 'field'"
        ))
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let link = link_from_row(row)?;
            states.push((
                ("inventory_link".to_owned(), link.id.to_string()),
                serde_json::to_value(&link)?,
            ));
        }
        for row in sqlx::query(
            "SELECT id, run_id, job, event_type, event_time, raw, raw_sha256, received_at FROM lineage_events",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let id: String = row.try_get("id")?;
            let raw: String = row.try_get("raw")?;
            let event = LineageEvent {
                id: Uuid::parse_str(&id).map_err(|e| corrupt("lineage_events.id", e))?,
                run_id: row.try_get("run_id")?,
                job: row.try_get("job")?,
                event_type: row.try_get("event_type")?,
                event_time: row.try_get("event_time")?,
                // Recomputed from the stored body, so an edited body fails verification.
                raw_sha256: hex::encode(sha2::Sha256::digest(raw.as_bytes())),
                received_at: row.try_get("received_at")?,
            };
            states.push((
                ("lineage_event".to_owned(), id),
                serde_json::to_value(&event)?,
            ));
        }
        Ok(states)
    }

    /// OpenLineage events received, newest first.
    pub async fn lineage_events(&self, limit: i64) -> Result<Vec<LineageEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, run_id, job, event_type, event_time, raw_sha256, received_at FROM lineage_events ORDER BY received_at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                Ok(LineageEvent {
                    id: Uuid::parse_str(&id).map_err(|e| corrupt("lineage_events.id", e))?,
                    run_id: row.try_get("run_id")?,
                    job: row.try_get("job")?,
                    event_type: row.try_get("event_type")?,
                    event_time: row.try_get("event_time")?,
                    raw_sha256: row.try_get("raw_sha256")?,
                    received_at: row.try_get("received_at")?,
                })
            })
            .collect()
    }
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            // PostgreSQL 23505; SQLite 2067 (UNIQUE) and 1555 (PRIMARY KEY).
            matches!(db.code().as_deref(), Some("23505" | "2067" | "1555"))
        }
        _ => false,
    }
}

fn check_version(current: &InventoryItem, expected: i64) -> Result<(), StoreError> {
    if current.version == expected {
        Ok(())
    } else {
        Err(StoreError::StaleVersion {
            entity: current.kind.label(),
            id: current.id.to_string(),
            expected,
            actual: current.version,
        })
    }
}

impl WriteTx<'_> {
    /// Validates and inserts a record, with its edges, and appends its ledger entry.
    pub async fn insert_item(
        &mut self,
        kind: Kind,
        fields: &Value,
    ) -> Result<InventoryItem, StoreError> {
        let id = Uuid::new_v4();
        let mut record = self.validate_item(kind, Some(id), fields).await?;
        if kind == Kind::DatasetVersion {
            self.default_retention(&mut record.fields, record.parent)
                .await?;
        }
        let now = self.ctx().now_text();
        let item = InventoryItem {
            id,
            kind,
            name: record.name,
            parent_id: record.parent,
            status: kind.initial_status().to_owned(),
            fields: record.fields,
            archived: false,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
            parent_name: None,
        };
        sqlx::query(
            "INSERT INTO inventory_items (id, kind, name, parent_id, status, fields, archived, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(item.id.to_string())
        .bind(kind.code())
        .bind(&item.name)
        .bind(item.parent_id.map(|id| id.to_string()))
        .bind(&item.status)
        .bind(serde_json::to_string(&item.fields)?)
        .bind(0_i64)
        .bind(item.version)
        .bind(&item.created_at)
        .bind(&item.updated_at)
        .execute(&mut *self.tx)
        .await?;
        self.sync_field_links(&item).await?;
        self.append(
            &format!("{}.created", kind.code()),
            kind.code(),
            &id.to_string(),
            Some(&state_of(&item)?),
        )
        .await?;
        self.reload_item(id).await
    }

    /// Writes a changed record (fields, status or archive flag) and its ledger entry.
    pub async fn save_item(
        &mut self,
        item: InventoryItem,
        action: &str,
    ) -> Result<InventoryItem, StoreError> {
        let item = InventoryItem {
            version: item.version + 1,
            updated_at: self.ctx().now_text(),
            ..item
        };
        sqlx::query(
            "UPDATE inventory_items SET name = $2, parent_id = $3, status = $4, fields = $5, archived = $6,
               version = $7, updated_at = $8 WHERE id = $1",
        )
        .bind(item.id.to_string())
        .bind(&item.name)
        .bind(item.parent_id.map(|id| id.to_string()))
        .bind(&item.status)
        .bind(serde_json::to_string(&item.fields)?)
        .bind(i64::from(item.archived))
        .bind(item.version)
        .bind(&item.updated_at)
        .execute(&mut *self.tx)
        .await?;
        self.sync_field_links(&item).await?;
        self.append(
            &format!("{}.{action}", item.kind.code()),
            item.kind.code(),
            &item.id.to_string(),
            Some(&state_of(&item)?),
        )
        .await?;
        self.reload_item(item.id).await
    }

    /// The current record inside this transaction, checked to be of `kind`.
    pub async fn item_for_update(
        &mut self,
        kind: Kind,
        id: Uuid,
    ) -> Result<InventoryItem, StoreError> {
        self.reload_item(id)
            .await
            .ok()
            .filter(|item| item.kind == kind)
            .ok_or_else(|| not_found(kind, id))
    }

    /// Finds a record of `kind` by its external reference (for idempotent imports).
    pub async fn item_by_external_ref(
        &mut self,
        kind: Kind,
        external_ref: &str,
    ) -> Result<Option<InventoryItem>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE i.kind = $1 AND i.fields LIKE $2"
        ))
        .bind(kind.code())
        // A loose pattern (LIKE wildcards and JSON-escaped characters become wildcards);
        // the exact comparison below keeps only the real match.
        .bind(format!(
            "%{}%",
            external_ref
                .replace(['%', '_'], "_")
                .replace(['"', '\\'], "%")
        ))
        .fetch_all(&mut *self.tx)
        .await?;
        for row in &rows {
            let item = from_row(row)?;
            if item.text("external_ref") == external_ref {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }

    /// Records of `kind` under `parent` (versions of a model or dataset), oldest first.
    pub async fn items_with_parent(
        &mut self,
        kind: Kind,
        parent: Uuid,
    ) -> Result<Vec<InventoryItem>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE i.kind = $1 AND i.parent_id = $2 ORDER BY i.created_at, i.id"
        ))
        .bind(kind.code())
        .bind(parent.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Validates new fields for a record and saves them, inside this transaction.
    pub async fn update_item_fields(
        &mut self,
        kind: Kind,
        id: Uuid,
        fields: &Value,
    ) -> Result<InventoryItem, StoreError> {
        let current = self.item_for_update(kind, id).await?;
        let record = self.validate_item(kind, Some(id), fields).await?;
        self.save_item(
            InventoryItem {
                name: record.name,
                parent_id: record.parent,
                fields: record.fields,
                ..current
            },
            "updated",
        )
        .await
    }

    /// Keeps an OpenLineage event verbatim as provenance (A.7.5), with its ledger entry.
    pub async fn record_lineage_event(
        &mut self,
        raw: &Value,
        run_id: &str,
        job: &str,
        event_type: &str,
        event_time: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        let text = serde_json::to_string(raw)?;
        let event = LineageEvent {
            id,
            run_id: run_id.to_owned(),
            job: job.to_owned(),
            event_type: event_type.to_owned(),
            event_time: event_time.to_owned(),
            raw_sha256: hex::encode(sha2::Sha256::digest(text.as_bytes())),
            received_at: self.ctx().now_text(),
        };
        sqlx::query(
            "INSERT INTO lineage_events (id, run_id, job, event_type, event_time, raw, raw_sha256, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(&event.run_id)
        .bind(&event.job)
        .bind(&event.event_type)
        .bind(&event.event_time)
        .bind(&text)
        .bind(&event.raw_sha256)
        .bind(&event.received_at)
        .execute(&mut *self.tx)
        .await?;
        self.append(
            "lineage_event.received",
            "lineage_event",
            &id.to_string(),
            Some(&serde_json::to_value(&event)?),
        )
        .await?;
        Ok(id)
    }

    async fn reload_item(&mut self, id: Uuid) -> Result<InventoryItem, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE i.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "record",
                id: id.to_string(),
            })?;
        from_row(&row)
    }

    /// Validates fields and checks every reference: the target exists, is of the declared
    /// kind, and an acyclic relation (lineage, organisation trees) stays acyclic.
    async fn validate_item(
        &mut self,
        kind: Kind,
        id: Option<Uuid>,
        fields: &Value,
    ) -> Result<inventory::ValidatedRecord, StoreError> {
        let record = inventory::validate_record(kind, fields)?;
        let mut errors = ValidationErrors::new();
        let references = inventory::references(kind, &record.fields);
        for reference in &references {
            if !self
                .node_exists(NodeRef::new(reference.kind, reference.id))
                .await?
            {
                errors.add(
                    reference.field,
                    format!("no {} has the id {}", reference.kind.label(), reference.id),
                );
            }
        }
        if let Some(id) = id {
            let edges = self.edges().await?;
            for relation in Kind::acyclic_relations() {
                let targets: Vec<NodeRef> = references
                    .iter()
                    .filter(|r| r.relation == *relation)
                    .map(|r| NodeRef::new(r.kind, r.id))
                    .collect();
                if targets.is_empty() {
                    continue;
                }
                if let Some(cycle) = would_cycle(&edges, relation, NodeRef::new(kind, id), &targets)
                {
                    let field = references
                        .iter()
                        .find(|r| r.relation == *relation)
                        .map_or("fields", |r| r.field);
                    let names = self.names_of(&cycle).await?;
                    errors.add(field, format!("would make a cycle: {}", names.join(" → ")));
                }
            }
        }
        Ok(errors.into_result(record)?)
    }

    async fn names_of(&mut self, nodes: &[NodeRef]) -> Result<Vec<String>, StoreError> {
        let mut names = Vec::new();
        for node in nodes {
            let name = match self.reload_item(node.id).await {
                Ok(item) => item.display_name(),
                Err(_) => "this record".to_owned(),
            };
            names.push(name);
        }
        Ok(names)
    }

    async fn edges(&mut self) -> Result<Vec<Edge>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM inventory_links"))
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter()
            .map(|row| link_from_row(row).map(|link| link.edge))
            .collect()
    }

    /// Whether a node exists: an AI system or an inventory record of the right kind.
    pub async fn node_exists(&mut self, node: NodeRef) -> Result<bool, StoreError> {
        let row = if node.kind == Kind::AiSystem {
            sqlx::query("SELECT 1 AS found FROM ai_systems WHERE id = $1")
                .bind(node.id.to_string())
                .fetch_optional(&mut *self.tx)
                .await?
        } else {
            sqlx::query("SELECT 1 AS found FROM inventory_items WHERE id = $1 AND kind = $2")
                .bind(node.id.to_string())
                .bind(node.kind.code())
                .fetch_optional(&mut *self.tx)
                .await?
        };
        Ok(row.is_some())
    }

    async fn ensure_node_exists(&mut self, field: &str, node: NodeRef) -> Result<(), StoreError> {
        if self.node_exists(node).await? {
            Ok(())
        } else {
            Err(ValidationErrors::single(
                field,
                format!("no {} has the id {}", node.kind.label(), node.id),
            )
            .into())
        }
    }

    pub(crate) async fn insert_link(&mut self, link: &Link) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO inventory_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(link.id.to_string())
        .bind(link.edge.from.kind.code())
        .bind(link.edge.from.id.to_string())
        .bind(&link.edge.relation)
        .bind(link.edge.to.kind.code())
        .bind(link.edge.to.id.to_string())
        .bind(serde_json::to_string(&link.attributes)?)
        .bind(&link.origin)
        .bind(&link.created_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Rewrites the edges a record's fields imply.
    async fn sync_field_links(&mut self, item: &InventoryItem) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM inventory_links WHERE from_id = $1 AND origin = 'field'")
            .bind(item.id.to_string())
            .execute(&mut *self.tx)
            .await?;
        for reference in inventory::references(item.kind, &item.fields) {
            let link = Link {
                // Derived from the edge, so the same fields always give the same id.
                id: Uuid::new_v5(
                    &item.id,
                    format!("{}:{}", reference.relation, reference.id).as_bytes(),
                ),
                edge: Edge {
                    from: item.node(),
                    relation: reference.relation.to_owned(),
                    to: NodeRef::new(reference.kind, reference.id),
                },
                attributes: Map::new(),
                origin: "field".into(),
                created_at: item.updated_at.clone(),
            };
            self.insert_link(&link).await?;
        }
        Ok(())
    }

    /// Fills a dataset version's `retain_until` from its dataset's retention period.
    async fn default_retention(
        &mut self,
        fields: &mut Map<String, Value>,
        dataset: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let given = fields
            .get("retain_until")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        let Some(dataset) = dataset else {
            return Ok(());
        };
        if given {
            return Ok(());
        }
        let parent = self.reload_item(dataset).await?;
        if let Some(days) = parent.fields.get("retention_days").and_then(Value::as_i64) {
            let until = self.ctx().now.date() + Duration::days(days);
            fields.insert(
                "retain_until".into(),
                Value::from(aims_core::timefmt::format_date(until)),
            );
        }
        Ok(())
    }
}
