//! Integration tests of aims-analytics: every metric against the Python tools' outputs stored in
//! shared/fixtures/credit-10k/reference, plus bad inputs and properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod common;
mod drift;
mod fairness;
mod fuzz;
mod performance;
mod properties;
mod quality;
mod report;
