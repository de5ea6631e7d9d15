//! The one error type of aims-analytics: every failure names the file, line or column it concerns.

use std::path::PathBuf;

/// Everything that can go wrong while reading a spec or a data file, or computing a check.
///
/// Messages are lowercase and say where the problem is, so that a user can open the file at the
/// right place without a debugger.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The spec file is not valid TOML or does not match the spec schema (unknown keys included).
    #[error("invalid spec {path}: {message}")]
    Spec { path: PathBuf, message: String },
    /// The spec parses but is inconsistent (a role without a column, a bad regex, a bad rule).
    #[error("invalid spec {path}: {message}")]
    SpecRule { path: PathBuf, message: String },
    /// A CSV file is malformed (ragged rows, bad UTF-8, unparsable value); arrow's message names the line.
    #[error("cannot parse csv {path}: {message}")]
    Csv { path: PathBuf, message: String },
    /// A Parquet file is truncated, corrupted or unreadable.
    #[error("cannot read parquet {path}: {message}")]
    Parquet { path: PathBuf, message: String },
    /// The file has no bytes at all.
    #[error("{path} is empty")]
    EmptyFile { path: PathBuf },
    /// The file has a header (or a schema) but no data rows.
    #[error("{path} has no data rows")]
    NoRows { path: PathBuf },
    /// The file extension is neither csv nor parquet and no format was declared.
    #[error(
        "cannot tell the format of {path}: use a .csv or .parquet extension or set format in the spec"
    )]
    UnknownFormat { path: PathBuf },
    /// A column named in the spec is not in the data.
    #[error("column '{column}' named in the spec is not in {path} (found: {found}){hint}")]
    MissingColumn {
        path: PathBuf,
        column: String,
        found: String,
        hint: String,
    },
    /// A column has a type the check cannot use (for example a nested list).
    #[error("column '{column}' in {path} has type {data_type}, which {purpose} cannot use")]
    UnsupportedType {
        path: PathBuf,
        column: String,
        data_type: String,
        purpose: String,
    },
    /// A label or prediction column holds a value other than the two declared classes.
    #[error(
        "column '{column}' in {path} is not binary: data row {row} holds '{value}' (expected {expected})"
    )]
    NotBinary {
        path: PathBuf,
        column: String,
        row: u64,
        value: String,
        expected: String,
    },
    /// A cross-field rule expression does not parse.
    #[error("rule '{rule}' at column {position}: {message}")]
    Rule {
        rule: String,
        position: usize,
        message: String,
    },
    /// The check needs something the request or spec did not give (a reference file, a role).
    #[error("{0}")]
    Missing(String),
    /// An input is valid but the metric cannot be computed on it (an empty sample).
    #[error("{0}")]
    Invalid(String),
}

/// Shorthand used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;
