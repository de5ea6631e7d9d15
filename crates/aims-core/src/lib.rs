//! The AIMS domain: validated types and rules, with no I/O and no async.
//!
//! Everything here is plain data and pure functions so that the store, the server
//! and the CLI share one definition of what a valid record is.

#[macro_use]
mod vocab;
pub mod access;
pub mod ai_system;
pub mod control;
pub mod csv;
pub mod error;
pub mod evidence;
pub mod governance;
pub mod inventory;
pub mod readiness;
pub mod risk;
pub mod soa;
pub mod text;
pub mod timefmt;
pub mod user;

pub use error::{FieldError, ValidationErrors};
