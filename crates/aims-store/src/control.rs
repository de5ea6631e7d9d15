//! Applied controls and their links to requirements of any framework.

use aims_core::control::{
    AppliedControl, ControlFields, ControlFrequency, ControlStatus, RequirementRef,
};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::ledger::WriteCtx;

const COLUMNS: &str = "id, name, description, owner, status, frequency, cost_estimate, effort_days, version, created_at, updated_at";

fn from_row(row: &AnyRow, requirements: Vec<RequirementRef>) -> Result<AppliedControl, StoreError> {
    let id: String = row.try_get("id")?;
    let corrupt = |e: String| StoreError::Corrupt(format!("applied_controls {id}: {e}"));
    let status: String = row.try_get("status")?;
    let frequency: String = row.try_get("frequency")?;
    Ok(AppliedControl {
        id: Uuid::parse_str(&id).map_err(|e| corrupt(e.to_string()))?,
        fields: ControlFields {
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            owner: row.try_get("owner")?,
            status: ControlStatus::parse(&status).map_err(corrupt)?,
            frequency: ControlFrequency::parse(&frequency).map_err(corrupt)?,
            cost_estimate: row.try_get("cost_estimate")?,
            effort_days: row.try_get("effort_days")?,
            requirements,
        },
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        entity: "applied control",
        id: id.to_string(),
    }
}

impl Store {
    async fn links_by_control(
        &self,
    ) -> Result<std::collections::HashMap<String, Vec<RequirementRef>>, StoreError> {
        let rows = sqlx::query(
            "SELECT control_id, framework_id, requirement_id FROM control_requirements
             ORDER BY framework_id, requirement_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut links: std::collections::HashMap<String, Vec<RequirementRef>> =
            std::collections::HashMap::new();
        for row in &rows {
            links
                .entry(row.try_get("control_id")?)
                .or_default()
                .push(RequirementRef {
                    framework: row.try_get("framework_id")?,
                    requirement: row.try_get("requirement_id")?,
                });
        }
        Ok(links)
    }

    /// Every applied control with its requirement links, by name.
    pub async fn list_controls(&self) -> Result<Vec<AppliedControl>, StoreError> {
        let mut links = self.links_by_control().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applied_controls ORDER BY LOWER(name), id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                from_row(row, links.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    pub async fn get_control(&self, id: Uuid) -> Result<AppliedControl, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applied_controls WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| not_found(id))?;
        let links = self
            .links_by_control()
            .await?
            .remove(&id.to_string())
            .unwrap_or_default();
        from_row(&row, links)
    }

    /// Creates an applied control with its links. `fields.requirements` must already be
    /// checked against the catalogue.
    pub async fn create_control(
        &self,
        ctx: &WriteCtx,
        fields: ControlFields,
    ) -> Result<AppliedControl, StoreError> {
        let fields = fields.validated()?;
        let now = ctx.now_text();
        let control = AppliedControl {
            id: Uuid::new_v4(),
            fields,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        let mut tx = self.begin_write(ctx).await?;
        let f = &control.fields;
        sqlx::query(&format!(
            "INSERT INTO applied_controls ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(control.id.to_string())
        .bind(&f.name)
        .bind(&f.description)
        .bind(&f.owner)
        .bind(f.status.code())
        .bind(f.frequency.code())
        .bind(f.cost_estimate)
        .bind(f.effort_days)
        .bind(control.version)
        .bind(&control.created_at)
        .bind(&control.updated_at)
        .execute(&mut *tx.tx)
        .await?;
        write_links(&mut tx, control.id, &f.requirements).await?;
        tx.append(
            "applied_control.created",
            "applied_control",
            &control.id.to_string(),
            Some(&serde_json::to_value(&control)?),
        )
        .await?;
        tx.commit().await?;
        Ok(control)
    }

    /// Replaces an applied control's fields and links if `expected_version` is current.
    pub async fn update_control(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        expected_version: i64,
        fields: ControlFields,
    ) -> Result<AppliedControl, StoreError> {
        let fields = fields.validated()?;
        let current = self.get_control(id).await?;
        let mut tx = self.begin_write(ctx).await?;
        let control = AppliedControl {
            fields,
            version: expected_version + 1,
            updated_at: ctx.now_text(),
            ..current
        };
        let f = &control.fields;
        let changed = sqlx::query(
            "UPDATE applied_controls SET name = $1, description = $2, owner = $3, status = $4,
               frequency = $5, cost_estimate = $6, effort_days = $7, version = $8, updated_at = $9
             WHERE id = $10 AND version = $11",
        )
        .bind(&f.name)
        .bind(&f.description)
        .bind(&f.owner)
        .bind(f.status.code())
        .bind(f.frequency.code())
        .bind(f.cost_estimate)
        .bind(f.effort_days)
        .bind(control.version)
        .bind(&control.updated_at)
        .bind(id.to_string())
        .bind(expected_version)
        .execute(&mut *tx.tx)
        .await?;
        if changed.rows_affected() != 1 {
            let actual: i64 = sqlx::query("SELECT version FROM applied_controls WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *tx.tx)
                .await?
                .map(|row| row.try_get("version"))
                .transpose()?
                .ok_or_else(|| not_found(id))?;
            return Err(StoreError::StaleVersion {
                entity: "applied control",
                id: id.to_string(),
                expected: expected_version,
                actual,
            });
        }
        sqlx::query("DELETE FROM control_requirements WHERE control_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx.tx)
            .await?;
        write_links(&mut tx, id, &f.requirements).await?;
        tx.append(
            "applied_control.updated",
            "applied_control",
            &id.to_string(),
            Some(&serde_json::to_value(&control)?),
        )
        .await?;
        tx.commit().await?;
        Ok(control)
    }

    pub(crate) async fn control_states(
        &self,
    ) -> Result<Vec<((String, String), serde_json::Value)>, StoreError> {
        self.list_controls()
            .await?
            .into_iter()
            .map(|control| {
                Ok((
                    ("applied_control".to_owned(), control.id.to_string()),
                    serde_json::to_value(&control)?,
                ))
            })
            .collect()
    }
}

async fn write_links(
    tx: &mut crate::ledger::WriteTx<'_>,
    id: Uuid,
    requirements: &[RequirementRef],
) -> Result<(), StoreError> {
    for link in requirements {
        sqlx::query(
            "INSERT INTO control_requirements (control_id, framework_id, requirement_id) VALUES ($1, $2, $3)",
        )
        .bind(id.to_string())
        .bind(&link.framework)
        .bind(&link.requirement)
        .execute(&mut *tx.tx)
        .await?;
    }
    Ok(())
}
