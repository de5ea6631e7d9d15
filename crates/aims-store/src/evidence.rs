//! Evidence items, their versions and their links to controls, requirements and systems.

use aims_core::evidence::{Evidence, EvidenceFields, EvidenceFile, EvidenceLink, LinkTarget};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::ledger::{WriteCtx, WriteTx};

const COLUMNS: &str =
    "id, lineage_id, version_no, is_current, title, description, owner, reviewer, url,
    sha256, size_bytes, media_type, file_name, effective_from, expires_on, reviewed_on,
    review_cycle_days, version, created_at, updated_at";

/// Which evidence to list.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    /// Include superseded versions.
    pub all_versions: bool,
    /// Only items linked to this record.
    pub linked_to: Option<EvidenceLink>,
}

fn from_row(row: &AnyRow, links: Vec<EvidenceLink>) -> Result<Evidence, StoreError> {
    let id: String = row.try_get("id")?;
    let uuid = |text: String| {
        Uuid::parse_str(&text).map_err(|e| StoreError::Corrupt(format!("evidence {id}: {e}")))
    };
    let sha256: String = row.try_get("sha256")?;
    let file = if sha256.is_empty() {
        None
    } else {
        Some(EvidenceFile {
            sha256,
            size_bytes: row.try_get("size_bytes")?,
            media_type: row.try_get("media_type")?,
            file_name: row.try_get("file_name")?,
        })
    };
    Ok(Evidence {
        id: uuid(id.clone())?,
        lineage_id: uuid(row.try_get("lineage_id")?)?,
        version_no: row.try_get("version_no")?,
        is_current: row.try_get::<i64, _>("is_current")? != 0,
        fields: EvidenceFields {
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            owner: row.try_get("owner")?,
            reviewer: row.try_get("reviewer")?,
            url: row.try_get("url")?,
            effective_from: row.try_get("effective_from")?,
            expires_on: row.try_get("expires_on")?,
            reviewed_on: row.try_get("reviewed_on")?,
            review_cycle_days: row.try_get("review_cycle_days")?,
            links,
        },
        file,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        entity: "evidence",
        id: id.to_string(),
    }
}

/// The state the ledger hashes: the record, its links and its file's SHA-256, so the
/// entry proves which exact file was presented as evidence.
fn state(evidence: &Evidence) -> Result<serde_json::Value, StoreError> {
    Ok(serde_json::to_value(evidence)?)
}

impl Store {
    async fn evidence_links(
        &self,
    ) -> Result<std::collections::HashMap<String, Vec<EvidenceLink>>, StoreError> {
        let rows = sqlx::query(
            "SELECT evidence_id, target_type, target_id FROM evidence_links ORDER BY target_type, target_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut links: std::collections::HashMap<String, Vec<EvidenceLink>> =
            std::collections::HashMap::new();
        for row in &rows {
            let target: String = row.try_get("target_type")?;
            links
                .entry(row.try_get("evidence_id")?)
                .or_default()
                .push(EvidenceLink {
                    target_type: LinkTarget::parse(&target).map_err(StoreError::Corrupt)?,
                    target_id: row.try_get("target_id")?,
                });
        }
        Ok(links)
    }

    /// Evidence items (current versions unless asked otherwise), newest first.
    pub async fn list_evidence(
        &self,
        filter: &EvidenceFilter,
    ) -> Result<Vec<Evidence>, StoreError> {
        let mut links = self.evidence_links().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM evidence WHERE ($1 = 1 OR is_current = 1) ORDER BY created_at DESC, id"
        ))
        .bind(i64::from(filter.all_versions))
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                from_row(row, links.remove(&id).unwrap_or_default())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(match &filter.linked_to {
            Some(target) => items
                .into_iter()
                .filter(|e| e.fields.links.contains(target))
                .collect(),
            None => items,
        })
    }

    pub async fn get_evidence(&self, id: Uuid) -> Result<Evidence, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM evidence WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found(id))?;
        let links = self
            .evidence_links()
            .await?
            .remove(&id.to_string())
            .unwrap_or_default();
        from_row(&row, links)
    }

    /// Every version of one item, newest first.
    pub async fn evidence_versions(&self, lineage_id: Uuid) -> Result<Vec<Evidence>, StoreError> {
        let mut links = self.evidence_links().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM evidence WHERE lineage_id = $1 ORDER BY version_no DESC"
        ))
        .bind(lineage_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                from_row(row, links.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// Records a new evidence item: a link (`file` is `None`) or a file already stored
    /// under its SHA-256.
    pub async fn create_evidence(
        &self,
        ctx: &WriteCtx,
        fields: EvidenceFields,
        file: Option<EvidenceFile>,
    ) -> Result<Evidence, StoreError> {
        let fields = fields.validated(file.is_none())?;
        let id = Uuid::new_v4();
        let mut tx = self.begin_write(ctx).await?;
        let evidence = tx.insert_evidence(id, id, 1, fields, file).await?;
        tx.commit().await?;
        Ok(evidence)
    }

    /// Changes an item's fields and links (not its file: that takes a new version).
    pub async fn update_evidence(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        expected_version: i64,
        fields: EvidenceFields,
    ) -> Result<Evidence, StoreError> {
        let current = self.get_evidence(id).await?;
        let fields = fields.validated(current.file.is_none())?;
        if !current.is_current {
            return Err(StoreError::Conflict {
                message: "this is an old version of the evidence: edit the current one".into(),
                field: None,
            });
        }
        let mut tx = self.begin_write(ctx).await?;
        let updated = Evidence {
            fields,
            version: expected_version + 1,
            updated_at: ctx.now_text(),
            ..current
        };
        tx.save_evidence(&updated, expected_version, "evidence.updated")
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Adds a new version of an item; the old one stays, marked as superseded.
    pub async fn new_evidence_version(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        expected_version: i64,
        fields: EvidenceFields,
        file: Option<EvidenceFile>,
    ) -> Result<Evidence, StoreError> {
        let current = self.get_evidence(id).await?;
        let fields = fields.validated(file.is_none())?;
        if !current.is_current {
            return Err(StoreError::Conflict {
                message: "a newer version of this evidence exists: add the version to that one"
                    .into(),
                field: None,
            });
        }
        let mut tx = self.begin_write(ctx).await?;
        let superseded = Evidence {
            is_current: false,
            version: expected_version + 1,
            updated_at: ctx.now_text(),
            ..current.clone()
        };
        tx.save_evidence(&superseded, expected_version, "evidence.superseded")
            .await?;
        let next = tx
            .insert_evidence(
                Uuid::new_v4(),
                current.lineage_id,
                current.version_no + 1,
                fields,
                file,
            )
            .await?;
        tx.commit().await?;
        Ok(next)
    }

    pub(crate) async fn evidence_states(
        &self,
    ) -> Result<Vec<((String, String), serde_json::Value)>, StoreError> {
        let filter = EvidenceFilter {
            all_versions: true,
            linked_to: None,
        };
        self.list_evidence(&filter)
            .await?
            .iter()
            .map(|e| Ok((("evidence".to_owned(), e.id.to_string()), state(e)?)))
            .collect()
    }
}

impl WriteTx<'_> {
    async fn insert_evidence(
        &mut self,
        id: Uuid,
        lineage_id: Uuid,
        version_no: i64,
        fields: EvidenceFields,
        file: Option<EvidenceFile>,
    ) -> Result<Evidence, StoreError> {
        let now = self.ctx().now_text();
        let evidence = Evidence {
            id,
            lineage_id,
            version_no,
            is_current: true,
            fields,
            file,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        let f = &evidence.fields;
        let file = evidence.file.clone();
        sqlx::query(&format!(
            "INSERT INTO evidence ({COLUMNS}) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ))
        .bind(id.to_string())
        .bind(lineage_id.to_string())
        .bind(version_no)
        .bind(&f.title)
        .bind(&f.description)
        .bind(&f.owner)
        .bind(&f.reviewer)
        .bind(&f.url)
        .bind(file.as_ref().map(|x| x.sha256.clone()).unwrap_or_default())
        .bind(file.as_ref().map_or(0, |x| x.size_bytes))
        .bind(file.as_ref().map(|x| x.media_type.clone()).unwrap_or_default())
        .bind(file.as_ref().map(|x| x.file_name.clone()).unwrap_or_default())
        .bind(&f.effective_from)
        .bind(&f.expires_on)
        .bind(&f.reviewed_on)
        .bind(f.review_cycle_days)
        .bind(evidence.version)
        .bind(&evidence.created_at)
        .bind(&evidence.updated_at)
        .execute(&mut *self.tx)
        .await?;
        self.write_evidence_links(&evidence).await?;
        self.append(
            "evidence.created",
            "evidence",
            &id.to_string(),
            Some(&state(&evidence)?),
        )
        .await?;
        Ok(evidence)
    }

    async fn save_evidence(
        &mut self,
        evidence: &Evidence,
        expected_version: i64,
        action: &str,
    ) -> Result<(), StoreError> {
        let f = &evidence.fields;
        let changed = sqlx::query(
            "UPDATE evidence SET is_current = $1, title = $2, description = $3, owner = $4, reviewer = $5,
               url = $6, effective_from = $7, expires_on = $8, reviewed_on = $9, review_cycle_days = $10,
               version = $11, updated_at = $12 WHERE id = $13 AND version = $14",
        )
        .bind(i64::from(evidence.is_current))
        .bind(&f.title)
        .bind(&f.description)
        .bind(&f.owner)
        .bind(&f.reviewer)
        .bind(&f.url)
        .bind(&f.effective_from)
        .bind(&f.expires_on)
        .bind(&f.reviewed_on)
        .bind(f.review_cycle_days)
        .bind(evidence.version)
        .bind(&evidence.updated_at)
        .bind(evidence.id.to_string())
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::StaleVersion {
                entity: "evidence",
                id: evidence.id.to_string(),
                expected: expected_version,
                actual: evidence.version - 1,
            });
        }
        sqlx::query("DELETE FROM evidence_links WHERE evidence_id = $1")
            .bind(evidence.id.to_string())
            .execute(&mut *self.tx)
            .await?;
        self.write_evidence_links(evidence).await?;
        self.append(
            action,
            "evidence",
            &evidence.id.to_string(),
            Some(&state(evidence)?),
        )
        .await?;
        Ok(())
    }

    async fn write_evidence_links(&mut self, evidence: &Evidence) -> Result<(), StoreError> {
        for link in &evidence.fields.links {
            sqlx::query("INSERT INTO evidence_links (evidence_id, target_type, target_id) VALUES ($1, $2, $3)")
                .bind(evidence.id.to_string())
                .bind(link.target_type.code())
                .bind(&link.target_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
