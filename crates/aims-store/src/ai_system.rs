//! Reads and writes of the AI system register.

use aims_core::ValidationErrors;
use aims_core::ai_system::{
    AiSystem, AiSystemFields, AiSystemFilter, AiSystemPatch, AutonomyLevel, HumanOversight,
    LifecycleStage, OrgRole,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::db::Store;
use crate::ledger::{WriteCtx, WriteTx};
use crate::{Counts, StoreError};

const COLUMNS: &str = "id, name, purpose, intended_use, foreseeable_misuse, owner, business_unit,
    lifecycle_stage, org_role, autonomy_level, human_oversight, deployment_context, data_subjects,
    last_review, next_review, archived, version, created_at, updated_at";

/// Sort keys a list may use; anything else is refused rather than pasted into SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AiSystemSort {
    #[default]
    Name,
    UpdatedAt,
    CreatedAt,
    LifecycleStage,
    NextReview,
}

impl AiSystemSort {
    fn column(self) -> &'static str {
        match self {
            AiSystemSort::Name => "LOWER(name)",
            AiSystemSort::UpdatedAt => "updated_at",
            AiSystemSort::CreatedAt => "created_at",
            AiSystemSort::LifecycleStage => "lifecycle_stage",
            AiSystemSort::NextReview => "next_review",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// Paging and ordering for list endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub sort: Option<AiSystemSort>,
    pub order: Option<SortOrder>,
}

/// One page of AI systems and the total that match the filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AiSystemPage {
    pub items: Vec<AiSystem>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The state whose hash the ledger records for a system.
pub(crate) fn state_of(system: &AiSystem) -> Result<serde_json::Value, StoreError> {
    Ok(serde_json::to_value(system)?)
}

fn from_row(row: &AnyRow) -> Result<AiSystem, StoreError> {
    let id: String = row.try_get("id")?;
    fn parse<T>(id: &str, column: &str, result: Result<T, String>) -> Result<T, StoreError> {
        result.map_err(|e| StoreError::Corrupt(format!("ai_systems.{column} of {id}: {e}")))
    }
    let stage: String = row.try_get("lifecycle_stage")?;
    let role: String = row.try_get("org_role")?;
    let autonomy: String = row.try_get("autonomy_level")?;
    let oversight: String = row.try_get("human_oversight")?;
    Ok(AiSystem {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        fields: AiSystemFields {
            name: row.try_get("name")?,
            purpose: row.try_get("purpose")?,
            intended_use: row.try_get("intended_use")?,
            foreseeable_misuse: row.try_get("foreseeable_misuse")?,
            owner: row.try_get("owner")?,
            business_unit: row.try_get("business_unit")?,
            lifecycle_stage: parse(&id, "lifecycle_stage", LifecycleStage::parse(&stage))?,
            org_role: parse(&id, "org_role", OrgRole::parse(&role))?,
            autonomy_level: parse(&id, "autonomy_level", AutonomyLevel::parse(&autonomy))?,
            human_oversight: parse(&id, "human_oversight", HumanOversight::parse(&oversight))?,
            deployment_context: row.try_get("deployment_context")?,
            data_subjects: row.try_get("data_subjects")?,
            last_review: row.try_get("last_review")?,
            next_review: row.try_get("next_review")?,
        },
        archived: row.try_get::<i64, _>("archived")? != 0,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Escapes `%`, `_` and `\` so user text in a LIKE pattern matches only itself.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Registers a new AI system.
    pub async fn create_ai_system(
        &self,
        ctx: &WriteCtx,
        fields: AiSystemFields,
    ) -> Result<AiSystem, StoreError> {
        let fields = fields.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let system = tx.insert_ai_system(fields).await?;
        tx.commit().await?;
        Ok(system)
    }

    /// One system by id, archived or not.
    pub async fn get_ai_system(&self, id: Uuid) -> Result<AiSystem, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM ai_systems WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found(id))?;
        from_row(&row)
    }

    /// A filtered, sorted page of systems.
    pub async fn list_ai_systems(
        &self,
        filter: &AiSystemFilter,
        params: &ListParams,
    ) -> Result<AiSystemPage, StoreError> {
        let limit = params.limit.unwrap_or(50).clamp(1, 500);
        let offset = params.offset.unwrap_or(0).max(0);
        // The WHERE clause uses fixed placeholders and binds NULL for unused filters, so the
        // SQL text never contains user input.
        let where_clause = "WHERE ($1 = 1 OR archived = 0)
              AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(purpose) LIKE $2 ESCAPE '\\'
                   OR LOWER(owner) LIKE $2 ESCAPE '\\')
              AND ($3 IS NULL OR lifecycle_stage = $3)
              AND ($4 IS NULL OR org_role = $4)
              AND ($5 IS NULL OR business_unit = $5)";
        let include_archived = i64::from(filter.include_archived.unwrap_or(false));
        let q = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(like_pattern);
        let stage = filter.lifecycle_stage.map(|s| s.code().to_owned());
        let role = filter.org_role.map(|r| r.code().to_owned());
        let unit = filter
            .business_unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        let order = match params.order.unwrap_or_default() {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        };
        let sort = params.sort.unwrap_or_default().column();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ai_systems {where_clause}
             ORDER BY {sort} {order}, id LIMIT $6 OFFSET $7"
        ))
        .bind(include_archived)
        .bind(q.clone())
        .bind(stage.clone())
        .bind(role.clone())
        .bind(unit.clone())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS total FROM ai_systems {where_clause}"
        ))
        .bind(include_archived)
        .bind(q)
        .bind(stage)
        .bind(role)
        .bind(unit)
        .fetch_one(&self.pool)
        .await?
        .try_get("total")?;
        Ok(AiSystemPage {
            items: rows.iter().map(from_row).collect::<Result<_, _>>()?,
            total,
            limit,
            offset,
        })
    }

    /// Applies a partial update if `patch.version` is still current.
    pub async fn update_ai_system(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        patch: AiSystemPatch,
    ) -> Result<AiSystem, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.ai_system_for_update(id).await?;
        check_version(&current, patch.version)?;
        if patch
            .lifecycle_stage
            .is_some_and(|stage| stage != current.fields.lifecycle_stage)
        {
            // The life cycle has gates and approvals (A.6.2.5): a plain edit would bypass them.
            return Err(ValidationErrors::single(
                "lifecycle_stage",
                "changes only through a change request, so that its gates and approvals apply",
            )
            .into());
        }
        let fields = current.fields.clone().patched(patch).validated()?;
        let updated = tx
            .save_ai_system(AiSystem { fields, ..current }, "ai_system.updated")
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Archives (or restores) a system: it leaves the default lists but is never deleted,
    /// so its history stays.
    pub async fn set_ai_system_archived(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        version: i64,
        archived: bool,
    ) -> Result<AiSystem, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.ai_system_for_update(id).await?;
        check_version(&current, version)?;
        if current.archived == archived {
            return Ok(current);
        }
        if !archived {
            tx.ensure_unique_name(&current.fields.name, Some(id))
                .await?;
        }
        let action = if archived {
            "ai_system.archived"
        } else {
            "ai_system.restored"
        };
        let updated = tx
            .save_ai_system(
                AiSystem {
                    archived,
                    ..current
                },
                action,
            )
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Counts for the dashboard. `today` is `YYYY-MM-DD`.
    pub async fn counts(&self, today: &str) -> Result<Counts, StoreError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM ai_systems WHERE archived = 0) AS ai_systems,
               (SELECT COUNT(*) FROM ai_systems WHERE archived = 0 AND lifecycle_stage = 'deployed') AS deployed,
               (SELECT COUNT(*) FROM ai_systems WHERE archived = 0 AND next_review <> '' AND next_review < $1) AS overdue,
               (SELECT COUNT(*) FROM users WHERE disabled = 0) AS users,
               (SELECT size FROM ledger_head WHERE id = 1) AS ledger_entries",
        )
        .bind(today)
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts {
            ai_systems: row.try_get("ai_systems")?,
            ai_systems_deployed: row.try_get("deployed")?,
            ai_systems_review_overdue: row.try_get("overdue")?,
            users: row.try_get("users")?,
            ledger_entries: row.try_get("ledger_entries")?,
        })
    }

    /// Distinct business units in use, for filter menus.
    pub async fn business_units(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT business_unit FROM ai_systems WHERE business_unit <> '' ORDER BY business_unit",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("business_unit")?))
            .collect()
    }

    pub(crate) async fn all_ai_systems_for_verify(&self) -> Result<Vec<AiSystem>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM ai_systems"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        entity: "AI system",
        id: id.to_string(),
    }
}

fn check_version(current: &AiSystem, expected: i64) -> Result<(), StoreError> {
    if current.version == expected {
        Ok(())
    } else {
        Err(StoreError::StaleVersion {
            entity: "AI system",
            id: current.id.to_string(),
            expected,
            actual: current.version,
        })
    }
}

impl WriteTx<'_> {
    /// Inserts a validated system and records it. Used by the API, the CLI, imports and
    /// the demo alike.
    pub async fn insert_ai_system(
        &mut self,
        fields: AiSystemFields,
    ) -> Result<AiSystem, StoreError> {
        self.ensure_unique_name(&fields.name, None).await?;
        let now = self.ctx().now_text();
        let system = AiSystem {
            id: Uuid::new_v4(),
            fields,
            archived: false,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        let f = &system.fields;
        sqlx::query(&format!(
            "INSERT INTO ai_systems ({COLUMNS}) VALUES
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ))
        .bind(system.id.to_string())
        .bind(&f.name)
        .bind(&f.purpose)
        .bind(&f.intended_use)
        .bind(&f.foreseeable_misuse)
        .bind(&f.owner)
        .bind(&f.business_unit)
        .bind(f.lifecycle_stage.code())
        .bind(f.org_role.code())
        .bind(f.autonomy_level.code())
        .bind(f.human_oversight.code())
        .bind(&f.deployment_context)
        .bind(&f.data_subjects)
        .bind(&f.last_review)
        .bind(&f.next_review)
        .bind(i64::from(system.archived))
        .bind(system.version)
        .bind(&system.created_at)
        .bind(&system.updated_at)
        .execute(&mut *self.tx)
        .await?;
        self.append(
            "ai_system.created",
            "ai_system",
            &system.id.to_string(),
            Some(&state_of(&system)?),
        )
        .await?;
        Ok(system)
    }

    pub(crate) async fn ai_system_for_update(&mut self, id: Uuid) -> Result<AiSystem, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM ai_systems WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| not_found(id))?;
        from_row(&row)
    }

    async fn ensure_unique_name(
        &mut self,
        name: &str,
        except: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let clash = sqlx::query(
            "SELECT id FROM ai_systems WHERE archived = 0 AND LOWER(name) = LOWER($1) AND id <> $2",
        )
        .bind(name)
        .bind(except.map(|id| id.to_string()).unwrap_or_default())
        .fetch_optional(&mut *self.tx)
        .await?;
        if clash.is_some() {
            return Err(StoreError::Validation(ValidationErrors::single(
                "name",
                "another active AI system already has this name",
            )));
        }
        Ok(())
    }

    /// Writes a changed system with the next version and records the change.
    pub(crate) async fn save_ai_system(
        &mut self,
        system: AiSystem,
        action: &str,
    ) -> Result<AiSystem, StoreError> {
        if action == "ai_system.updated" {
            self.ensure_unique_name(&system.fields.name, Some(system.id))
                .await?;
        }
        let saved = AiSystem {
            version: system.version + 1,
            updated_at: self.ctx().now_text(),
            ..system
        };
        let f = &saved.fields;
        let changed = sqlx::query(
            "UPDATE ai_systems SET name = $1, purpose = $2, intended_use = $3,
               foreseeable_misuse = $4, owner = $5, business_unit = $6, lifecycle_stage = $7,
               org_role = $8, autonomy_level = $9, human_oversight = $10,
               deployment_context = $11, data_subjects = $12, last_review = $13,
               next_review = $14, archived = $15, version = $16, updated_at = $17
             WHERE id = $18 AND version = $19",
        )
        .bind(&f.name)
        .bind(&f.purpose)
        .bind(&f.intended_use)
        .bind(&f.foreseeable_misuse)
        .bind(&f.owner)
        .bind(&f.business_unit)
        .bind(f.lifecycle_stage.code())
        .bind(f.org_role.code())
        .bind(f.autonomy_level.code())
        .bind(f.human_oversight.code())
        .bind(&f.deployment_context)
        .bind(&f.data_subjects)
        .bind(&f.last_review)
        .bind(&f.next_review)
        .bind(i64::from(saved.archived))
        .bind(saved.version)
        .bind(&saved.updated_at)
        .bind(saved.id.to_string())
        .bind(saved.version - 1)
        .execute(&mut *self.tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::StaleVersion {
                entity: "AI system",
                id: saved.id.to_string(),
                expected: saved.version - 1,
                actual: saved.version,
            });
        }
        self.append(
            action,
            "ai_system",
            &saved.id.to_string(),
            Some(&state_of(&saved)?),
        )
        .await?;
        Ok(saved)
    }
}
