//! The write path and the ledger: every change to governance records is made through a
//! [`WriteTx`], which appends a ledger entry for it in the same database transaction and
//! signs the new tree head on commit. Also verification and proofs over stored entries.

use std::collections::HashMap;

use aims_core::timefmt::format_instant;
use aims_ledger::Hash;
use aims_ledger::bundle::ProofBundle;
use aims_ledger::checkpoint::Checkpoint;
use aims_ledger::entry::{Entry, state_hash};
use aims_ledger::merkle::{self, CompactRange};
use aims_ledger::note::{self, Verifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;

/// Who made a change: a user (by id, so no personal data enters the ledger) or AIMS itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(Uuid),
    System(&'static str),
}

impl Actor {
    /// The form written into ledger entries: `user:<uuid>` or `system:<name>`.
    pub fn ledger_form(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::System(name) => format!("system:{name}"),
        }
    }
}

/// The actor and the time of one command, passed in rather than read from a clock so that
/// tests control time and every row and entry of one command carries the same instant.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub actor: Actor,
    pub now: OffsetDateTime,
}

impl WriteCtx {
    pub fn new(actor: Actor, now: OffsetDateTime) -> Self {
        Self { actor, now }
    }

    pub fn now_text(&self) -> String {
        format_instant(self.now)
    }
}

/// The tree head as stored after the last commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerHead {
    pub size: u64,
    /// Lowercase hex SHA-256 root of the Merkle tree over all entries.
    pub root: String,
    /// The C2SP signed checkpoint note for this head (empty before the first write).
    pub checkpoint: String,
}

/// One ledger entry with the state it recorded, for history panels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub seq: u64,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub state_sha256: String,
    /// The record's state after this change, when the change has one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub state: Option<serde_json::Value>,
}

/// One thing `verify` found wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyProblem {
    pub kind: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub seq: Option<u64>,
    pub message: String,
}

/// What `verify` checked and found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub entries: u64,
    pub root: String,
    pub checkpoints_checked: u64,
    pub records_checked: u64,
    pub problems: Vec<VerifyProblem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn problem(kind: &str, message: String) -> VerifyProblem {
    VerifyProblem {
        kind: kind.to_owned(),
        entity_type: None,
        entity_id: None,
        seq: None,
        message,
    }
}

/// A write transaction that cannot commit without its ledger entries.
pub struct WriteTx<'s> {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) ctx: &'s WriteCtx,
    store: &'s Store,
    range: CompactRange,
    appended: u64,
}

impl Store {
    /// Starts the one write path. The first statement locks the ledger head row, which
    /// serialises writers in the database itself: a row lock on PostgreSQL (so several
    /// servers can share one database) and the write lock on SQLite (taken before any read,
    /// so the transaction can never fail to upgrade).
    pub async fn begin_write<'s>(&'s self, ctx: &'s WriteCtx) -> Result<WriteTx<'s>, StoreError> {
        if self.signer.is_none() {
            return Err(StoreError::NoSigningKey);
        }
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query("UPDATE ledger_head SET locked_at = $1 WHERE id = 1")
            .bind(ctx.now_text())
            .execute(&mut *tx)
            .await?;
        if locked.rows_affected() != 1 {
            return Err(StoreError::NotInitialised);
        }
        let row = sqlx::query("SELECT size, frontier FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let size: i64 = row.try_get("size")?;
        let frontier: String = row.try_get("frontier")?;
        let range = decode_range(size, &frontier)?;
        Ok(WriteTx {
            tx,
            ctx,
            store: self,
            range,
            appended: 0,
        })
    }

    pub(crate) async fn create_ledger_head(
        &self,
        tx: &mut Transaction<'static, Any>,
    ) -> Result<(), StoreError> {
        let empty = CompactRange::new();
        sqlx::query(
            "INSERT INTO ledger_head (id, size, frontier, root, checkpoint, locked_at)
             VALUES (1, 0, $1, $2, '', '')",
        )
        .bind(encode_frontier(&empty))
        .bind(hex::encode(empty.root()))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The current tree head and its signed checkpoint.
    pub async fn ledger_head(&self) -> Result<LedgerHead, StoreError> {
        let row = sqlx::query("SELECT size, root, checkpoint FROM ledger_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotInitialised)?;
        Ok(LedgerHead {
            size: to_u64(row.try_get("size")?),
            root: row.try_get("root")?,
            checkpoint: row.try_get("checkpoint")?,
        })
    }

    /// Keeps the current signed head for good, so it can be published and later checked
    /// for consistency. Returns the note.
    pub async fn publish_checkpoint(&self, now: OffsetDateTime) -> Result<LedgerHead, StoreError> {
        let head = self.ledger_head().await?;
        if head.size == 0 {
            return Err(StoreError::Conflict {
                message: "the ledger is empty: there is nothing to checkpoint".into(),
                field: None,
            });
        }
        sqlx::query(
            "INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (size) DO NOTHING",
        )
        .bind(to_i64(head.size))
        .bind(&head.root)
        .bind(&head.checkpoint)
        .bind(format_instant(now))
        .execute(&self.pool)
        .await?;
        Ok(head)
    }

    /// The ledger entries of one entity, newest first.
    pub async fn history(
        &self,
        entity_type: &str,
        entity_id: &str,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, time, actor, action, entity_type, entity_id, state_sha256, state
             FROM ledger_entries WHERE entity_type = $1 AND entity_id = $2 ORDER BY seq DESC",
        )
        .bind(entity_type)
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(history_from_row).collect()
    }

    /// A page of the ledger, newest first, for the audit-trail view.
    pub async fn recent_entries(
        &self,
        before: Option<u64>,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, time, actor, action, entity_type, entity_id, state_sha256, NULL AS state
             FROM ledger_entries WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(before.map(to_i64).unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(history_from_row).collect()
    }

    /// Every entry in order, as the ledger crate hashes them.
    async fn all_entries(&self) -> Result<Vec<(Entry, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, time, actor, action, entity_type, entity_id, state_sha256, state
             FROM ledger_entries ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((entry_from_row(row)?, row.try_get("state")?)))
            .collect()
    }

    /// An offline inclusion proof (C2SP tlog-proof) for one entry against the current
    /// signed head. The bundle's `extra` carries the entry's canonical JSON, so a verifier
    /// needs nothing but the bundle and the public key.
    pub async fn inclusion_proof(&self, seq: u64) -> Result<ProofBundle, StoreError> {
        let head = self.ledger_head().await?;
        if seq >= head.size {
            return Err(StoreError::NotFound {
                entity: "ledger entry",
                id: seq.to_string(),
            });
        }
        let entries = self.all_entries().await?;
        let leaves = entries
            .iter()
            .take(usize::try_from(head.size).unwrap_or(usize::MAX))
            .map(|(entry, _)| entry.leaf_hash())
            .collect::<Result<Vec<Hash>, _>>()?;
        let proof = merkle::inclusion_proof(&leaves, seq)?;
        let entry = entries
            .get(usize::try_from(seq).unwrap_or(usize::MAX))
            .map(|(entry, _)| entry)
            .ok_or_else(|| StoreError::Corrupt(format!("ledger entry {seq} is missing")))?;
        Ok(ProofBundle {
            index: seq,
            proof,
            signed_checkpoint: head.checkpoint,
            extra: Some(entry.canonical_bytes()?),
        })
    }

    /// Recomputes the tree from stored entries, checks the head and every kept checkpoint
    /// against `verifier`, and checks that every current record matches the state hash
    /// of its latest ledger entry, so rows edited behind AIMS's back are named.
    pub async fn verify_ledger(&self, verifier: &Verifier) -> Result<VerifyReport, StoreError> {
        let mut problems = Vec::new();
        let entries = self.all_entries().await?;
        let mut checkpoints: HashMap<u64, (String, String)> = HashMap::new();
        for row in sqlx::query("SELECT size, root, note FROM ledger_checkpoints")
            .fetch_all(&self.pool)
            .await?
        {
            checkpoints.insert(
                to_u64(row.try_get("size")?),
                (row.try_get("root")?, row.try_get("note")?),
            );
        }
        let head = self.ledger_head().await?;
        checkpoints.insert(head.size, (head.root.clone(), head.checkpoint.clone()));

        let mut range = CompactRange::new();
        let mut latest_state: HashMap<(String, String), (u64, String)> = HashMap::new();
        let mut checkpoints_checked = 0;
        if let Some((_, note_text)) = checkpoints.get(&0).filter(|(_, note)| !note.is_empty()) {
            checkpoints_checked +=
                check_checkpoint(verifier, 0, &range.root(), note_text, &mut problems);
        }
        for (position, (entry, state)) in entries.iter().enumerate() {
            let position = position as u64;
            if entry.seq != position {
                problems.push(VerifyProblem {
                    seq: Some(entry.seq),
                    ..problem(
                        "sequence_gap",
                        format!(
                            "entry {} stands where entry {position} should be",
                            entry.seq
                        ),
                    )
                });
            }
            if let Some(state) = state {
                let recorded: serde_json::Value = serde_json::from_str(state)?;
                if state_hash(&recorded)? != entry.state_sha256 {
                    problems.push(VerifyProblem {
                        entity_type: Some(entry.entity_type.clone()),
                        entity_id: Some(entry.entity_id.clone()),
                        seq: Some(entry.seq),
                        ..problem(
                            "history_altered",
                            format!(
                                "the state kept with entry #{} does not hash to the entry's state_sha256",
                                entry.seq
                            ),
                        )
                    });
                }
            }
            range.append(entry.leaf_hash()?)?;
            if !entry.state_sha256.is_empty() || entry.action.ends_with(".deleted") {
                latest_state.insert(
                    (entry.entity_type.clone(), entry.entity_id.clone()),
                    (entry.seq, entry.state_sha256.clone()),
                );
            }
            if let Some((root, note_text)) = checkpoints.get(&range.size()) {
                if hex::encode(range.root()) != *root {
                    problems.push(problem(
                        "root_mismatch",
                        format!(
                            "the stored root for size {} is not the root of the stored entries",
                            range.size()
                        ),
                    ));
                }
                checkpoints_checked += check_checkpoint(
                    verifier,
                    range.size(),
                    &range.root(),
                    note_text,
                    &mut problems,
                );
            }
        }
        if range.size() != head.size {
            problems.push(problem(
                "size_mismatch",
                format!(
                    "the head says {} entries but {} are stored",
                    head.size,
                    range.size()
                ),
            ));
        }
        for size in checkpoints.keys() {
            if *size > range.size() {
                problems.push(problem(
                    "missing_entries",
                    format!(
                        "a checkpoint covers {size} entries but only {} are stored",
                        range.size()
                    ),
                ));
            }
        }

        let records = self.current_record_states().await?;
        let records_checked = records.len() as u64;
        for ((entity_type, entity_id), state_hash) in &records {
            match latest_state.remove(&(entity_type.clone(), entity_id.clone())) {
                Some((_, recorded)) if recorded == *state_hash => {}
                Some((seq, _)) => problems.push(VerifyProblem {
                    kind: "record_altered".into(),
                    entity_type: Some(entity_type.clone()),
                    entity_id: Some(entity_id.clone()),
                    seq: Some(seq),
                    message: format!(
                        "{entity_type} {entity_id} does not match its latest ledger entry #{seq}: it was changed outside AIMS"
                    ),
                }),
                None => problems.push(VerifyProblem {
                    kind: "record_unrecorded".into(),
                    entity_type: Some(entity_type.clone()),
                    entity_id: Some(entity_id.clone()),
                    seq: None,
                    message: format!(
                        "{entity_type} {entity_id} has no ledger entry: it was inserted outside AIMS"
                    ),
                }),
            }
        }
        for ((entity_type, entity_id), (seq, recorded)) in latest_state {
            if !recorded.is_empty() && crate::TRACKED_ENTITIES.contains(&entity_type.as_str()) {
                problems.push(VerifyProblem {
                    kind: "record_missing".into(),
                    entity_type: Some(entity_type.clone()),
                    entity_id: Some(entity_id.clone()),
                    seq: Some(seq),
                    message: format!(
                        "{entity_type} {entity_id}, recorded by entry #{seq}, is missing from the database: it was deleted outside AIMS"
                    ),
                });
            }
        }
        Ok(VerifyReport {
            entries: range.size(),
            root: hex::encode(range.root()),
            checkpoints_checked,
            records_checked,
            problems,
        })
    }

    /// The state hash of every current record of every tracked type.
    async fn current_record_states(&self) -> Result<Vec<((String, String), String)>, StoreError> {
        let mut states = Vec::new();
        for system in self.all_ai_systems_for_verify().await? {
            states.push((
                ("ai_system".to_owned(), system.id.to_string()),
                state_hash(&crate::ai_system::state_of(&system)?)?,
            ));
        }
        for (id, state) in self.all_user_states().await? {
            states.push((("user".to_owned(), id), state_hash(&state)?));
        }
        for (id, state) in self.all_token_states().await? {
            states.push((("api_token".to_owned(), id), state_hash(&state)?));
        }
        for (key, state) in self
            .control_states()
            .await?
            .into_iter()
            .chain(self.conformance_states().await?)
            .chain(self.evidence_states().await?)
            .chain(self.check_run_states().await?)
            .chain(self.inventory_states().await?)
            .chain(self.governance_states().await?)
            .chain(self.risk_states().await?)
        {
            states.push((key, state_hash(&state)?));
        }
        Ok(states)
    }
}

fn check_checkpoint(
    verifier: &Verifier,
    size: u64,
    root: &Hash,
    note_text: &str,
    problems: &mut Vec<VerifyProblem>,
) -> u64 {
    let opened = note::open(note_text, verifier)
        .map_err(|e| e.to_string())
        .and_then(|text| Checkpoint::parse(&text).map_err(|e| e.to_string()));
    match opened {
        Ok(checkpoint) if checkpoint.size == size && checkpoint.root == *root => {}
        Ok(checkpoint) => problems.push(problem(
            "checkpoint_mismatch",
            format!(
                "the signed checkpoint for size {size} says size {} with another root",
                checkpoint.size
            ),
        )),
        Err(error) => problems.push(problem(
            "checkpoint_invalid",
            format!("the checkpoint for size {size} does not verify: {error}"),
        )),
    }
    1
}

impl WriteTx<'_> {
    /// The instant and actor of this command.
    pub fn ctx(&self) -> &WriteCtx {
        self.ctx
    }

    /// Appends one ledger entry. `state` is the record's full state after the change (it is
    /// kept beside the entry for history, and only its hash enters the tree); `None` for
    /// events that change no record, such as a login.
    pub async fn append(
        &mut self,
        action: &str,
        entity_type: &str,
        entity_id: &str,
        state: Option<&serde_json::Value>,
    ) -> Result<u64, StoreError> {
        let seq = self.range.size();
        let (state_sha256, state_text) = match state {
            Some(value) => (state_hash(value)?, Some(serde_json::to_string(value)?)),
            None => (String::new(), None),
        };
        let entry = Entry {
            seq,
            time: self.ctx.now_text(),
            actor: self.ctx.actor.ledger_form(),
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id: entity_id.to_owned(),
            state_sha256,
        };
        sqlx::query(
            "INSERT INTO ledger_entries
               (seq, time, actor, action, entity_type, entity_id, state_sha256, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(to_i64(entry.seq))
        .bind(&entry.time)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.entity_type)
        .bind(&entry.entity_id)
        .bind(&entry.state_sha256)
        .bind(state_text)
        .execute(&mut *self.tx)
        .await?;
        self.range.append(entry.leaf_hash()?)?;
        self.appended += 1;
        Ok(seq)
    }

    /// Stores the new head with its signed checkpoint and commits. Refuses to commit a
    /// transaction that recorded nothing, which is what makes the ledger the only way in.
    pub async fn commit(mut self) -> Result<LedgerHead, StoreError> {
        if self.appended == 0 {
            return Err(StoreError::Corrupt(
                "a write transaction must append at least one ledger entry".into(),
            ));
        }
        let signer = self.store.signer.as_ref().ok_or(StoreError::NoSigningKey)?;
        let root = self.range.root();
        let checkpoint = Checkpoint {
            origin: signer.name().to_owned(),
            size: self.range.size(),
            root,
        };
        let signed = note::sign(&checkpoint.to_text(), signer)?;
        sqlx::query(
            "UPDATE ledger_head SET size = $1, frontier = $2, root = $3, checkpoint = $4 WHERE id = 1",
        )
        .bind(to_i64(self.range.size()))
        .bind(encode_frontier(&self.range))
        .bind(hex::encode(root))
        .bind(&signed)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(LedgerHead {
            size: self.range.size(),
            root: hex::encode(root),
            checkpoint: signed,
        })
    }
}

fn encode_frontier(range: &CompactRange) -> String {
    range
        .frontier()
        .iter()
        .map(|hash| BASE64.encode(hash))
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_range(size: i64, frontier: &str) -> Result<CompactRange, StoreError> {
    let hashes = frontier
        .split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            BASE64
                .decode(part)
                .ok()
                .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok())
                .ok_or_else(|| {
                    StoreError::Corrupt("the ledger head's frontier is malformed".into())
                })
        })
        .collect::<Result<Vec<Hash>, _>>()?;
    Ok(CompactRange::from_parts(to_u64(size), hashes)?)
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<Entry, StoreError> {
    Ok(Entry {
        seq: to_u64(row.try_get("seq")?),
        time: row.try_get("time")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        state_sha256: row.try_get("state_sha256")?,
    })
}

fn history_from_row(row: &sqlx::any::AnyRow) -> Result<HistoryEntry, StoreError> {
    let entry = entry_from_row(row)?;
    let state: Option<String> = row.try_get("state")?;
    Ok(HistoryEntry {
        seq: entry.seq,
        time: entry.time,
        actor: entry.actor,
        action: entry.action,
        entity_type: entry.entity_type,
        entity_id: entry.entity_id,
        state_sha256: entry.state_sha256,
        state: state.map(|text| serde_json::from_str(&text)).transpose()?,
    })
}

pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
