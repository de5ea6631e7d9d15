//! The store's one error type.

use aims_core::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid input: {0}")]
    Validation(#[from] ValidationErrors),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{message}")]
    Conflict {
        message: String,
        field: Option<&'static str>,
    },
    #[error(
        "{entity} {id} was changed by someone else (you edited version {expected}, it is now at version {actual}): reload and apply your change again"
    )]
    StaleVersion {
        entity: &'static str,
        id: String,
        expected: i64,
        actual: i64,
    },
    /// The caller may not do this, whatever their route permission says (segregation of
    /// duties, a role the policy does not name).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("the database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("ledger error: {0}")]
    Ledger(#[from] aims_ledger::Error),
    #[error("the ledger signing key is not loaded: writes are refused until it is configured")]
    NoSigningKey,
    #[error(
        "migration {version} ({name}) differs from the one applied to this database: migrations are never edited once released"
    )]
    MigrationEdited { version: i64, name: String },
    #[error(
        "the database schema is at version {found}, newer than this binary knows ({known}): upgrade aims"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the database has not been initialised: run `aims init` (or `aims migrate`) first")]
    NotInitialised,
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            StoreError::Unavailable(error)
        } else {
            StoreError::Database(error)
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError::Corrupt(error.to_string())
    }
}

/// Errors that mean "try again later" rather than "this request is wrong": the server
/// answers them with 503 and keeps running.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        // A connection that breaks mid-conversation shows up as a protocol error.
        sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            // PostgreSQL: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now,
            // 08xxx connection exceptions. SQLite: 5 busy, 6 locked.
            let code = db.code().unwrap_or_default();
            code.starts_with("08") || code.starts_with("57P") || code == "5" || code == "6"
        }
        _ => false,
    }
}

impl StoreError {
    /// True when a unique constraint refused the write.
    pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                // PostgreSQL 23505; SQLite 2067 (SQLITE_CONSTRAINT_UNIQUE) or 1555 (primary key).
                code == "23505" || code == "2067" || code == "1555"
            }
            _ => false,
        }
    }
}
