//! The Statement of Applicability, its approved versions, and clause conformance.
//!
//! The store does not know the catalogue: callers pass the Annex A control ids (from
//! aims-catalog) and the store keeps one row per control someone has decided about;
//! the others read as undecided.

use aims_core::ValidationErrors;
use aims_core::soa::{
    Applicability, ClauseFields, ClauseState, ImplementationStatus, SoaRowFields,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::db::Store;
use crate::ledger::{WriteCtx, WriteTx};

/// The framework id of ISO/IEC 42001 in the catalogue, whose Annex A controls the SoA covers.
pub const ISO42001: &str = "iso-iec-42001-2023";

/// An applied control as linked from an SoA row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedControl {
    pub id: String,
    pub name: String,
    pub status: String,
}

/// One row of the SoA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoaRow {
    /// The Annex A control, such as `A.6.2.4`.
    pub control_id: String,
    #[serde(flatten)]
    pub fields: SoaRowFields,
    /// 0 while undecided and never saved.
    pub version: i64,
    pub updated_at: Option<String>,
    /// The organisation's applied controls that implement this Annex A control.
    pub linked_controls: Vec<LinkedControl>,
}

/// An approved, frozen SoA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoaVersion {
    pub number: i64,
    pub note: String,
    /// The ledger actor who approved it (`user:<id>`).
    pub approved_by: String,
    pub approved_at: String,
    pub rows: Vec<SoaRow>,
}

/// A clause requirement's conformance record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClauseRecord {
    pub requirement_id: String,
    #[serde(flatten)]
    pub fields: ClauseFields,
    pub version: i64,
    pub updated_at: Option<String>,
}

/// Tables whose rows exist only once someone has decided something: version 0 means "never
/// saved", and the first save inserts.
#[derive(Debug, Clone, Copy)]
enum VersionedTable {
    SoaRows,
    ClauseStatus,
}

impl VersionedTable {
    fn select(self) -> &'static str {
        match self {
            VersionedTable::SoaRows => "SELECT version FROM soa_rows WHERE control_id = $1",
            VersionedTable::ClauseStatus => {
                "SELECT version FROM clause_status WHERE requirement_id = $1"
            }
        }
    }

    fn entity(self) -> &'static str {
        match self {
            VersionedTable::SoaRows => "SoA row",
            VersionedTable::ClauseStatus => "clause record",
        }
    }
}

impl WriteTx<'_> {
    /// The row's current version (0 when never saved), refusing a stale `expected`.
    async fn expect_version(
        &mut self,
        table: VersionedTable,
        key: &str,
        expected: i64,
    ) -> Result<i64, StoreError> {
        let current: i64 = sqlx::query(table.select())
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?
            .map(|row| row.try_get("version"))
            .transpose()?
            .unwrap_or(0);
        if current == expected {
            Ok(current)
        } else {
            Err(StoreError::StaleVersion {
                entity: table.entity(),
                id: key.to_owned(),
                expected,
                actual: current,
            })
        }
    }
}

fn corrupt(table: &str, key: &str, message: String) -> StoreError {
    StoreError::Corrupt(format!("{table} {key}: {message}"))
}

fn soa_from_row(row: &AnyRow) -> Result<SoaRow, StoreError> {
    let control_id: String = row.try_get("control_id")?;
    let applicability: String = row.try_get("applicability")?;
    let status: String = row.try_get("implementation_status")?;
    Ok(SoaRow {
        fields: SoaRowFields {
            applicability: Applicability::parse(&applicability)
                .map_err(|e| corrupt("soa_rows", &control_id, e))?,
            justification: row.try_get("justification")?,
            implementation_status: ImplementationStatus::parse(&status)
                .map_err(|e| corrupt("soa_rows", &control_id, e))?,
            owner: row.try_get("owner")?,
        },
        version: row.try_get("version")?,
        updated_at: Some(row.try_get("updated_at")?),
        linked_controls: Vec::new(),
        control_id,
    })
}

/// The state the ledger hashes for an SoA row: its decision, not the derived links.
fn soa_state(row: &SoaRow) -> Result<serde_json::Value, StoreError> {
    Ok(serde_json::to_value(SoaRow {
        linked_controls: Vec::new(),
        ..row.clone()
    })?)
}

fn clause_from_row(row: &AnyRow) -> Result<ClauseRecord, StoreError> {
    let requirement_id: String = row.try_get("requirement_id")?;
    let status: String = row.try_get("status")?;
    Ok(ClauseRecord {
        fields: ClauseFields {
            status: ClauseState::parse(&status)
                .map_err(|e| corrupt("clause_status", &requirement_id, e))?,
            responsible_role: row.try_get("responsible_role")?,
            notes: row.try_get("notes")?,
        },
        version: row.try_get("version")?,
        updated_at: Some(row.try_get("updated_at")?),
        requirement_id,
    })
}

impl Store {
    /// The SoA in the order of `control_ids`, with undecided rows for controls not yet saved.
    pub async fn soa_rows(&self, control_ids: &[String]) -> Result<Vec<SoaRow>, StoreError> {
        let stored = sqlx::query(
            "SELECT control_id, applicability, justification, implementation_status, owner, version, updated_at
             FROM soa_rows",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| soa_from_row(row).map(|r| (r.control_id.clone(), r)))
        .collect::<Result<std::collections::HashMap<_, _>, _>>()?;
        let links = sqlx::query(
            "SELECT r.requirement_id, c.id, c.name, c.status
             FROM control_requirements r JOIN applied_controls c ON c.id = r.control_id
             WHERE r.framework_id = $1 ORDER BY LOWER(c.name)",
        )
        .bind(ISO42001)
        .fetch_all(&self.pool)
        .await?;
        let mut linked: std::collections::HashMap<String, Vec<LinkedControl>> =
            std::collections::HashMap::new();
        for row in &links {
            linked
                .entry(row.try_get("requirement_id")?)
                .or_default()
                .push(LinkedControl {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    status: row.try_get("status")?,
                });
        }
        Ok(control_ids
            .iter()
            .map(|id| {
                let mut row = stored.get(id).cloned().unwrap_or_else(|| SoaRow {
                    control_id: id.clone(),
                    fields: SoaRowFields::undecided(),
                    version: 0,
                    updated_at: None,
                    linked_controls: Vec::new(),
                });
                row.linked_controls = linked.remove(id).unwrap_or_default();
                row
            })
            .collect())
    }

    /// Saves one SoA row if `expected_version` is current (0 for a row never saved).
    pub async fn update_soa_row(
        &self,
        ctx: &WriteCtx,
        control_id: &str,
        expected_version: i64,
        fields: SoaRowFields,
    ) -> Result<SoaRow, StoreError> {
        let fields = fields.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let current = tx
            .expect_version(VersionedTable::SoaRows, control_id, expected_version)
            .await?;
        let row = SoaRow {
            control_id: control_id.to_owned(),
            fields,
            version: current + 1,
            updated_at: Some(ctx.now_text()),
            linked_controls: Vec::new(),
        };
        let sql = if current == 0 {
            "INSERT INTO soa_rows (applicability, justification, implementation_status, owner, version, updated_at, control_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        } else {
            "UPDATE soa_rows SET applicability = $1, justification = $2, implementation_status = $3,
               owner = $4, version = $5, updated_at = $6 WHERE control_id = $7"
        };
        sqlx::query(sql)
            .bind(row.fields.applicability.code())
            .bind(&row.fields.justification)
            .bind(row.fields.implementation_status.code())
            .bind(&row.fields.owner)
            .bind(row.version)
            .bind(&row.updated_at)
            .bind(control_id)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "soa_row.updated",
            "soa_row",
            control_id,
            Some(&soa_state(&row)?),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Freezes the current SoA as a new approved version. Every control must be decided
    /// and justified; the errors name each control that is not.
    pub async fn approve_soa(
        &self,
        ctx: &WriteCtx,
        control_ids: &[String],
        note: &str,
    ) -> Result<SoaVersion, StoreError> {
        let rows = self.soa_rows(control_ids).await?;
        let mut errors = ValidationErrors::new();
        for row in &rows {
            if row.fields.applicability == Applicability::Undecided {
                errors.add(
                    &row.control_id,
                    "is not decided yet: include or exclude it, with a justification",
                );
            } else if let Err(problems) = row.fields.clone().validated() {
                for problem in problems.errors {
                    errors.add(
                        &row.control_id,
                        format!("{}: {}", problem.field, problem.message),
                    );
                }
            }
        }
        errors.into_result(())?;
        let mut notes = ValidationErrors::new();
        let note = aims_core::text::long_text(&mut notes, "note", note, false);
        notes.into_result(())?;
        let mut tx = self.begin_write(ctx).await?;
        let number: i64 =
            sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM soa_versions")
                .fetch_one(&mut *tx.tx)
                .await?
                .try_get("next")?;
        let version = SoaVersion {
            number,
            note,
            approved_by: ctx.actor.ledger_form(),
            approved_at: ctx.now_text(),
            rows,
        };
        sqlx::query(
            "INSERT INTO soa_versions (number, snapshot, note, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(number)
        .bind(serde_json::to_string(&version.rows)?)
        .bind(&version.note)
        .bind(&version.approved_by)
        .bind(&version.approved_at)
        .execute(&mut *tx.tx)
        .await?;
        tx.append(
            "soa.approved",
            "soa_version",
            &number.to_string(),
            Some(&serde_json::to_value(&version)?),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Approved versions, newest first (without their rows).
    pub async fn soa_versions(&self) -> Result<Vec<SoaVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, note, approved_by, approved_at FROM soa_versions ORDER BY number DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SoaVersion {
                    number: row.try_get("number")?,
                    note: row.try_get("note")?,
                    approved_by: row.try_get("approved_by")?,
                    approved_at: row.try_get("approved_at")?,
                    rows: Vec::new(),
                })
            })
            .collect()
    }

    /// One approved version with its frozen rows.
    pub async fn soa_version(&self, number: i64) -> Result<SoaVersion, StoreError> {
        let row = sqlx::query(
            "SELECT number, snapshot, note, approved_by, approved_at FROM soa_versions WHERE number = $1",
        )
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "SoA version",
            id: number.to_string(),
        })?;
        let snapshot: String = row.try_get("snapshot")?;
        Ok(SoaVersion {
            number: row.try_get("number")?,
            note: row.try_get("note")?,
            approved_by: row.try_get("approved_by")?,
            approved_at: row.try_get("approved_at")?,
            rows: serde_json::from_str(&snapshot)?,
        })
    }

    /// Clause conformance records, in the order of `requirement_ids`.
    pub async fn clause_records(
        &self,
        requirement_ids: &[String],
    ) -> Result<Vec<ClauseRecord>, StoreError> {
        let stored = sqlx::query(
            "SELECT requirement_id, status, responsible_role, notes, version, updated_at FROM clause_status",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| clause_from_row(row).map(|r| (r.requirement_id.clone(), r)))
        .collect::<Result<std::collections::HashMap<_, _>, _>>()?;
        Ok(requirement_ids
            .iter()
            .map(|id| {
                stored.get(id).cloned().unwrap_or_else(|| ClauseRecord {
                    requirement_id: id.clone(),
                    fields: ClauseFields::not_started(),
                    version: 0,
                    updated_at: None,
                })
            })
            .collect())
    }

    /// Saves one clause record if `expected_version` is current (0 when never saved).
    pub async fn update_clause_record(
        &self,
        ctx: &WriteCtx,
        requirement_id: &str,
        expected_version: i64,
        fields: ClauseFields,
    ) -> Result<ClauseRecord, StoreError> {
        let fields = fields.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let current = tx
            .expect_version(
                VersionedTable::ClauseStatus,
                requirement_id,
                expected_version,
            )
            .await?;
        let record = ClauseRecord {
            requirement_id: requirement_id.to_owned(),
            fields,
            version: current + 1,
            updated_at: Some(ctx.now_text()),
        };
        let sql = if current == 0 {
            "INSERT INTO clause_status (status, responsible_role, notes, version, updated_at, requirement_id)
             VALUES ($1, $2, $3, $4, $5, $6)"
        } else {
            "UPDATE clause_status SET status = $1, responsible_role = $2, notes = $3, version = $4,
               updated_at = $5 WHERE requirement_id = $6"
        };
        sqlx::query(sql)
            .bind(record.fields.status.code())
            .bind(&record.fields.responsible_role)
            .bind(&record.fields.notes)
            .bind(record.version)
            .bind(&record.updated_at)
            .bind(requirement_id)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "clause.updated",
            "clause_record",
            requirement_id,
            Some(&serde_json::to_value(&record)?),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    pub(crate) async fn conformance_states(
        &self,
    ) -> Result<Vec<((String, String), serde_json::Value)>, StoreError> {
        let mut states = Vec::new();
        for row in sqlx::query(
            "SELECT control_id, applicability, justification, implementation_status, owner, version, updated_at FROM soa_rows",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let soa = soa_from_row(&row)?;
            states.push((("soa_row".to_owned(), soa.control_id.clone()), soa_state(&soa)?));
        }
        for row in sqlx::query("SELECT number FROM soa_versions")
            .fetch_all(&self.pool)
            .await?
        {
            let number: i64 = row.try_get("number")?;
            let version = self.soa_version(number).await?;
            states.push((
                ("soa_version".to_owned(), number.to_string()),
                serde_json::to_value(&version)?,
            ));
        }
        for framework in self.custom_frameworks().await? {
            states.push((
                ("custom_framework".to_owned(), framework.id.clone()),
                serde_json::to_value(&framework)?,
            ));
        }
        for row in sqlx::query(
            "SELECT requirement_id, status, responsible_role, notes, version, updated_at FROM clause_status",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let record = clause_from_row(&row)?;
            states.push((
                ("clause_record".to_owned(), record.requirement_id.clone()),
                serde_json::to_value(&record)?,
            ));
        }
        Ok(states)
    }
}

/// One day's readiness figures, for the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessPoint {
    pub day: String,
    pub overall: f64,
    pub clauses: f64,
    pub annex_a: f64,
}

fn tenths(value: f64) -> i64 {
    (value * 10.0).round() as i64
}

impl Store {
    /// Keeps today's readiness for the trend (the latest computation of the day wins).
    /// Derived figures, not a governance record: recomputable at any time, so not ledgered.
    pub async fn record_readiness(&self, point: &ReadinessPoint) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO readiness_history (day, overall_tenths, clauses_tenths, annex_a_tenths) VALUES ($1, $2, $3, $4)
             ON CONFLICT (day) DO UPDATE SET overall_tenths = $2, clauses_tenths = $3, annex_a_tenths = $4",
        )
        .bind(&point.day)
        .bind(tenths(point.overall))
        .bind(tenths(point.clauses))
        .bind(tenths(point.annex_a))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The readiness trend, oldest first, at most `days` points.
    pub async fn readiness_history(&self, days: i64) -> Result<Vec<ReadinessPoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT day, overall_tenths, clauses_tenths, annex_a_tenths FROM readiness_history ORDER BY day DESC LIMIT $1",
        )
        .bind(days.clamp(1, 3660))
        .fetch_all(&self.pool)
        .await?;
        let mut points = rows
            .iter()
            .map(|row| {
                Ok(ReadinessPoint {
                    day: row.try_get("day")?,
                    overall: row.try_get::<i64, _>("overall_tenths")? as f64 / 10.0,
                    clauses: row.try_get::<i64, _>("clauses_tenths")? as f64 / 10.0,
                    annex_a: row.try_get::<i64, _>("annex_a_tenths")? as f64 / 10.0,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        points.reverse();
        Ok(points)
    }
}

/// A framework a user imported, as uploaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomFramework {
    pub id: String,
    pub name: String,
    pub file_name: String,
    pub source: String,
    pub created_at: String,
}

impl Store {
    /// Keeps an imported framework (already validated by the caller). Its id must be new.
    pub async fn import_framework(
        &self,
        ctx: &WriteCtx,
        framework: CustomFramework,
    ) -> Result<CustomFramework, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let exists = sqlx::query("SELECT id FROM custom_frameworks WHERE id = $1")
            .bind(&framework.id)
            .fetch_optional(&mut *tx.tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict {
                message: format!(
                    "a framework with id `{}` was already imported",
                    framework.id
                ),
                field: Some("id"),
            });
        }
        let framework = CustomFramework {
            created_at: ctx.now_text(),
            ..framework
        };
        sqlx::query("INSERT INTO custom_frameworks (id, name, file_name, source, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&framework.id)
            .bind(&framework.name)
            .bind(&framework.file_name)
            .bind(&framework.source)
            .bind(&framework.created_at)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "framework.imported",
            "custom_framework",
            &framework.id,
            Some(&serde_json::to_value(&framework)?),
        )
        .await?;
        tx.commit().await?;
        Ok(framework)
    }

    /// Every imported framework, oldest first.
    pub async fn custom_frameworks(&self) -> Result<Vec<CustomFramework>, StoreError> {
        let rows = sqlx::query("SELECT id, name, file_name, source, created_at FROM custom_frameworks ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CustomFramework {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    file_name: row.try_get("file_name")?,
                    source: row.try_get("source")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}
