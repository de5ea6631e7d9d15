//! Opening the database: one pool over SQLite or PostgreSQL through sqlx's `Any` driver,
//! so every query is written once with `$N` placeholders and portable types.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aims_ledger::note::Signer;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use crate::StoreError;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/aims.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection before the store reports itself unavailable.
    pub acquire_timeout: Duration,
}

impl StoreOptions {
    /// Options for the embedded database inside a data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        Self::from_url(format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("aims.db").display()
        ))
    }

    pub fn from_url(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The handle every part of AIMS uses to read and write governance records.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) signer: Option<Arc<Signer>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("signer", &self.signer.as_ref().map(|s| s.name().to_owned()))
            .finish()
    }
}

impl Store {
    /// Connects without touching the schema; call [`Store::migrate`] or
    /// [`Store::check_schema`] next.
    pub async fn connect(options: &StoreOptions) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = if options.url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if options.url.starts_with("postgres://") || options.url.starts_with("postgresql://")
        {
            Backend::Postgres
        } else {
            return Err(StoreError::Corrupt(format!(
                "unsupported database url `{}`: use sqlite:// or postgres://",
                redact_url(&options.url)
            )));
        };
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite has one writer; a few readers are enough and keep file handles low.
                Backend::Sqlite => options.max_connections.min(4),
                Backend::Postgres => options.max_connections,
            })
            .acquire_timeout(options.acquire_timeout);
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|connection, _meta| {
                Box::pin(async move {
                    // WAL lets readers work while one writer commits; FULL sync makes an
                    // acknowledged write survive power loss, not only a killed process.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA busy_timeout = 10000",
                        "PRAGMA foreign_keys = ON",
                    ] {
                        connection.execute(pragma).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect(&options.url).await?;
        Ok(Self {
            pool,
            backend,
            signer: None,
        })
    }

    /// Loads the key that signs every new tree head. Without it the store is read-only.
    pub fn with_signer(mut self, signer: Signer) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The signing key's name, which is also the checkpoint origin.
    pub fn origin(&self) -> Option<&str> {
        self.signer.as_ref().map(|signer| signer.name())
    }

    /// Answers whether the database takes queries now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs a statement as-is. For tests that tamper with rows behind the store's back.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        let result = sqlx::raw_sql(sql).execute(&self.pool).await?;
        Ok(result.rows_affected())
    }
}

/// Hides the password in a database URL before it reaches a message or a log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(
            redact_url("postgres://aims:s3cret@db/aims"),
            "postgres://aims:***@db/aims"
        );
        assert_eq!(
            redact_url("postgres://aims@db/aims"),
            "postgres://aims@db/aims"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
