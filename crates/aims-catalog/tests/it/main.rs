//! Integration tests of aims-catalog: the built-in libraries, diagnostics, inference, OSCAL export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod builtin;
mod diagnostics;
mod infer;
mod oscal;
