//! Fresh, migrated databases for tests on both backends.
//!
//! SQLite gets a temporary directory; PostgreSQL gets a new schema in the database named
//! by `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/aims_test`, created
//! when missing), so tests run in parallel without seeing each other's rows. A test that
//! cannot reach PostgreSQL fails: it never skips.

use aims_ledger::note::Signer;
use sqlx::Connection;
use time::OffsetDateTime;

use crate::db::{Backend, Store, StoreOptions};
use crate::ledger::{Actor, WriteCtx};

/// The default test database; CI creates it fresh for every run.
pub const DEFAULT_TEST_URL: &str = "postgres://postgres@127.0.0.1:5432/aims_test";

/// A store on a throw-away database; keep it alive for the length of the test.
pub struct TestDb {
    pub store: Store,
    pub signer: Signer,
    /// The URL of the database, with the schema selected for PostgreSQL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A context for writes by AIMS itself at `now`.
    pub fn system_ctx(now: OffsetDateTime) -> WriteCtx {
        WriteCtx::new(Actor::System("test"), now)
    }

    /// Another connection pool on the same database, as a second server would have.
    pub async fn second_store(&self) -> Result<Store, crate::StoreError> {
        let store = Store::connect(&StoreOptions::from_url(&self.url)).await?;
        Ok(store.with_signer(self.signer.clone()))
    }
}

fn test_signer() -> Result<Signer, crate::StoreError> {
    Ok(Signer::generate("aims.test/ledger")?)
}

/// A fresh, migrated store on `backend` with a signing key.
pub async fn fresh(backend: Backend) -> Result<TestDb, crate::StoreError> {
    let signer = test_signer()?;
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
            (StoreOptions::sqlite_in(dir.path()).url, Some(dir))
        }
        Backend::Postgres => (fresh_pg_schema().await?, None),
    };
    let store = Store::connect(&StoreOptions::from_url(&url)).await?;
    store.migrate().await?;
    Ok(TestDb {
        store: store.with_signer(signer.clone()),
        signer,
        url,
        _dir: dir,
    })
}

/// Creates a new schema and returns a URL whose connections use it.
pub async fn fresh_pg_schema() -> Result<String, crate::StoreError> {
    sqlx::any::install_default_drivers();
    let base = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_URL.to_owned());
    let mut connection = match sqlx::AnyConnection::connect(&base).await {
        Ok(connection) => connection,
        Err(_) => {
            create_database(&base).await?;
            sqlx::AnyConnection::connect(&base).await?
        }
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    let separator = if base.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ))
}

async fn create_database(url: &str) -> Result<(), crate::StoreError> {
    let (server, name) = url
        .rsplit_once('/')
        .ok_or_else(|| crate::StoreError::Corrupt(format!("bad test url {url}")))?;
    let name = name.split('?').next().unwrap_or(name);
    let mut admin = sqlx::AnyConnection::connect(&format!("{server}/postgres")).await?;
    // Tests start in parallel; the loser of the race sees "already exists", which is fine.
    let _ = sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await;
    Ok(())
}
