//! Persistence for AIMS on SQLite (embedded default) and PostgreSQL, with the ledger
//! appended in the same transaction as every change.
//!
//! The one write path: a [`WriteTx`] locks the ledger head first, changes rows, appends
//! one ledger entry per change, and on commit stores the new tree head together with a
//! checkpoint signed by the organisation's key. A transaction that appended nothing cannot
//! commit; a failed one leaves neither rows nor entries.

mod ai_system;
mod check_run;
mod control;
mod db;
mod error;
mod evidence;
mod files;
mod governance;
mod inventory;
mod ledger;
mod migrate;
mod password;
mod risk;
mod soa;
mod user;

pub use ai_system::{AiSystemPage, AiSystemSort, ListParams, SortOrder};
pub use check_run::{CheckRun, NewCheckRun};
pub use db::{Backend, Store, StoreOptions, redact_url as redact};
pub use error::StoreError;
pub use evidence::EvidenceFilter;
pub use files::FileStore;
pub use governance::{
    ChangeRequest, Conflict, Decider, DecisionRecord, GateStatus, NewWaiver, SweepReport,
    SystemClassification, TransitionCheck, Waiver,
};
pub use inventory::{InventoryItem, InventoryPage, ItemFilter, LineageEvent, Link, NewLink};
pub use ledger::{Actor, HistoryEntry, LedgerHead, VerifyProblem, VerifyReport, WriteCtx, WriteTx};
pub use password::{hash_password, verify_password};
pub use risk::{Acceptance, ActionFields, ImpactAssessment, Risk, RiskAction, RiskPoint, RiskView};
pub use soa::{
    ClauseRecord, CustomFramework, ISO42001, LinkedControl, ReadinessPoint, SoaRow, SoaVersion,
};
pub use user::{AuthenticatedUser, LoginOutcome, NewSession, SessionInfo, ThrottlePolicy};

/// Dashboard counts, computed in the database.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub ai_systems: i64,
    pub ai_systems_deployed: i64,
    pub ai_systems_review_overdue: i64,
    pub users: i64,
    pub ledger_entries: i64,
}

/// Entity types whose current rows `verify` compares with their latest ledger entry.
pub(crate) const TRACKED_ENTITIES: &[&str] = &[
    "ai_system",
    "user",
    "api_token",
    "applied_control",
    "soa_row",
    "soa_version",
    "clause_record",
    "evidence",
    "custom_framework",
    "check_run",
    "model",
    "model_version",
    "dataset",
    "dataset_version",
    "vendor",
    "enterprise_system",
    "business_unit",
    "governance_body",
    "raci",
    "inventory_link",
    "governance_policy",
    "system_classification",
    "change_request",
    "gate_waiver",
    "lineage_event",
    "risk_methodology",
    "risk",
    "risk_action",
    "impact_assessment",
];

#[cfg(feature = "testing")]
pub mod testing;
