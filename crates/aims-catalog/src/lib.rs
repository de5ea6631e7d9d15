//! Framework libraries as data: loading, validation, crosswalk inference and OSCAL export.
//!
//! The built-in libraries (ISO/IEC 42001, NIST AI RMF, EU AI Act, the harmonized structure of
//! ISO/IEC 27001 and ISO 9001, and crosswalks between them) are YAML files under `frameworks/`,
//! embedded in the binary and validated at start-up by the same code that validates frameworks
//! uploaded by users. ISO texts are copyrighted: the files hold ids, short titles and our own
//! descriptions only.

mod builtin;
mod diag;
mod infer;
mod load;
mod model;
mod oscal;
mod yaml;

pub use builtin::BUILTIN_FILES;
pub use diag::{Diagnostic, Diagnostics};
pub use infer::{Coverage, InferredCoverage, Status, Support, contribution, infer_coverage};
pub use load::{parse_crosswalk, parse_framework};
pub use model::{
    Catalog, Crosswalk, Framework, Mapping, Relationship, Requirement, RequirementKind, is_token,
    token_for,
};
pub use oscal::{OSCAL_VERSION, oscal_catalog, oscal_mapping_collection};

/// Errors of this crate. Problems inside a library file are [`Diagnostics`], not this.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("built-in library {file} is invalid:\n{diagnostics}")]
    Builtin {
        file: &'static str,
        diagnostics: Diagnostics,
    },
    #[error("framework \"{0}\" is already in the catalogue")]
    DuplicateFramework(String),
    #[error("crosswalk \"{0}\" is already in the catalogue")]
    DuplicateCrosswalk(String),
    #[error("no framework has id \"{0}\"")]
    UnknownFramework(String),
    #[error("cannot format the time: {0}")]
    Time(#[from] time::error::Format),
}
