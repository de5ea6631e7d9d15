//! Contract tests: every store operation on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod ai_systems;
mod concurrency;
mod governance;
mod inventory;
mod ledger;
mod risk;
mod users;
