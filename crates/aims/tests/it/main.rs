//! The `aims` binary as a user runs it: init, the register, the ledger, the server, and
//! what happens when things go wrong (tampering, missing keys, a killed server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod check;
mod cli;
mod conformance;
mod governance_cli;
mod mlflow;
mod server;
mod support;
