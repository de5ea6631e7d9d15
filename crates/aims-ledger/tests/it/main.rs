//! Integration tests for aims-ledger: Merkle proofs against the RFC definitions, property tests, and the end-to-end audit flow.
//!
//! One test binary for the crate (linking is the slow part on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod flow;
mod merkle;
mod reference;
