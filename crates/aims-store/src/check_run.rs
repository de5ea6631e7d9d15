//! Analytics check runs recorded as evidence (ISO/IEC 42001 A.7.4, A.5.4, A.6.2.4, A.6.2.6):
//! the full report, the SHA-256 of each input, and headline metrics for history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::ledger::WriteCtx;

/// A run to record: what ran, about what, with which inputs, and its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCheckRun {
    /// `quality`, `fairness`, `drift`, `performance`, `privacy` or `all`.
    pub kind: String,
    /// What the run is evidence about: `ai_system` (and, with the inventory, models and
    /// dataset versions).
    pub subject_type: String,
    pub subject_id: String,
    /// The Annex A controls it supports, such as `A.7.4`.
    pub controls: Vec<String>,
    pub passed: bool,
    pub failures: i64,
    /// Headline metrics by name, for history and process control.
    pub metrics: BTreeMap<String, f64>,
    /// Input name (`data`, `reference`, `spec`) to the SHA-256 of its bytes.
    pub inputs: BTreeMap<String, String>,
    /// The full report as the analytics engine wrote it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: serde_json::Value,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckRun {
    pub id: Uuid,
    #[serde(flatten)]
    pub run: NewCheckRun,
    /// SHA-256 of the canonical report, which the ledger entry covers.
    pub report_sha256: String,
    pub recorded_at: String,
}

fn report_hash(report: &serde_json::Value) -> Result<String, StoreError> {
    let canonical = aims_ledger::canonical::canonical_json(report)?;
    Ok(hex::encode(Sha256::digest(&canonical)))
}

/// The state the ledger hashes: everything but the report itself, which enters through
/// its hash, so the ledger stays small while covering every byte of the report.
fn state(run: &CheckRun) -> Result<serde_json::Value, StoreError> {
    let mut value = serde_json::to_value(run)?;
    if let Some(object) = value.as_object_mut() {
        object.remove("report");
    }
    Ok(value)
}

fn from_row(row: &AnyRow) -> Result<CheckRun, StoreError> {
    let id: String = row.try_get("id")?;
    let json = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
    Ok(CheckRun {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        run: NewCheckRun {
            kind: row.try_get("kind")?,
            subject_type: row.try_get("subject_type")?,
            subject_id: row.try_get("subject_id")?,
            controls: serde_json::from_str(&json("controls")?)?,
            passed: row.try_get::<i64, _>("passed")? != 0,
            failures: row.try_get("failures")?,
            metrics: serde_json::from_str(&json("metrics")?)?,
            inputs: serde_json::from_str(&json("inputs")?)?,
            report: serde_json::from_str(&json("report")?)?,
        },
        report_sha256: row.try_get("report_sha256")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

const COLUMNS: &str = "id, kind, subject_type, subject_id, controls, passed, failures, metrics, inputs, report, report_sha256, recorded_at";

impl Store {
    /// Records a run through the ledger.
    pub async fn record_check_run(
        &self,
        ctx: &WriteCtx,
        run: NewCheckRun,
    ) -> Result<CheckRun, StoreError> {
        let mut errors = aims_core::ValidationErrors::new();
        if ![
            "quality",
            "fairness",
            "drift",
            "performance",
            "privacy",
            "all",
        ]
        .contains(&run.kind.as_str())
        {
            errors.add(
                "kind",
                "must be quality, fairness, drift, performance, privacy or all",
            );
        }
        if run.subject_id.trim().is_empty() || run.subject_type.trim().is_empty() {
            errors.add("subject_id", "name what the run is about");
        }
        for (name, hash) in &run.inputs {
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                errors.add(&format!("inputs.{name}"), "must be a SHA-256 in hex");
            }
        }
        if run.metrics.values().any(|v| !v.is_finite()) {
            errors.add("metrics", "must be finite numbers");
        }
        errors.into_result(())?;
        let recorded = CheckRun {
            id: Uuid::new_v4(),
            report_sha256: report_hash(&run.report)?,
            recorded_at: ctx.now_text(),
            run,
        };
        let mut tx = self.begin_write(ctx).await?;
        // Runs recorded in the same instant keep their order: writers are serialised by the
        // ledger head lock, so the next position is safe to compute here.
        let position: i64 =
            sqlx::query("SELECT COALESCE(MAX(position), 0) + 1 AS next FROM check_runs")
                .fetch_one(&mut *tx.tx)
                .await?
                .try_get("next")?;
        sqlx::query(&format!("INSERT INTO check_runs (position, {COLUMNS}) VALUES ($13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
            .bind(recorded.id.to_string())
            .bind(&recorded.run.kind)
            .bind(&recorded.run.subject_type)
            .bind(&recorded.run.subject_id)
            .bind(serde_json::to_string(&recorded.run.controls)?)
            .bind(i64::from(recorded.run.passed))
            .bind(recorded.run.failures)
            .bind(serde_json::to_string(&recorded.run.metrics)?)
            .bind(serde_json::to_string(&recorded.run.inputs)?)
            .bind(serde_json::to_string(&recorded.run.report)?)
            .bind(&recorded.report_sha256)
            .bind(&recorded.recorded_at)
            .bind(position)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "check_run.recorded",
            "check_run",
            &recorded.id.to_string(),
            Some(&state(&recorded)?),
        )
        .await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// Runs, newest first, optionally about one subject.
    pub async fn list_check_runs(
        &self,
        subject: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<CheckRun>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM check_runs WHERE ($1 IS NULL OR (subject_type = $1 AND subject_id = $2))
             ORDER BY position DESC LIMIT $3"
        ))
        .bind(subject.map(|s| s.0.to_owned()))
        .bind(subject.map(|s| s.1.to_owned()).unwrap_or_default())
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get_check_run(&self, id: Uuid) -> Result<CheckRun, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM check_runs WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "check run",
                id: id.to_string(),
            })?;
        from_row(&row)
    }

    pub(crate) async fn check_run_states(
        &self,
    ) -> Result<Vec<((String, String), serde_json::Value)>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM check_runs"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let mut run = from_row(row)?;
                // Recompute the report's hash from the stored report, so an edited report
                // no longer matches the ledger.
                run.report_sha256 = report_hash(&run.run.report)?;
                Ok((("check_run".to_owned(), run.id.to_string()), state(&run)?))
            })
            .collect()
    }
}
