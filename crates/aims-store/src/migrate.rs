//! Forward-only schema migrations, embedded per backend.
//!
//! Each migration is plain SQL with a number; its SHA-256 is recorded when applied, so an
//! edited migration is refused instead of leaving two databases with different schemas.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::StoreError;
use crate::db::{Backend, Store};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "conformance",
        sqlite: include_str!("../migrations/sqlite/0002_conformance.sql"),
        postgres: include_str!("../migrations/postgres/0002_conformance.sql"),
    },
    Migration {
        version: 3,
        name: "evidence",
        sqlite: include_str!("../migrations/sqlite/0003_evidence.sql"),
        postgres: include_str!("../migrations/postgres/0003_evidence.sql"),
    },
    Migration {
        version: 4,
        name: "custom frameworks",
        sqlite: include_str!("../migrations/sqlite/0004_custom_frameworks.sql"),
        postgres: include_str!("../migrations/postgres/0004_custom_frameworks.sql"),
    },
    Migration {
        version: 5,
        name: "check runs",
        sqlite: include_str!("../migrations/sqlite/0005_check_runs.sql"),
        postgres: include_str!("../migrations/postgres/0005_check_runs.sql"),
    },
    Migration {
        version: 6,
        name: "inventory and governance",
        sqlite: include_str!("../migrations/sqlite/0006_inventory_governance.sql"),
        postgres: include_str!("../migrations/postgres/0006_inventory_governance.sql"),
    },
    Migration {
        version: 7,
        name: "risk and impact",
        sqlite: include_str!("../migrations/sqlite/0007_risk.sql"),
        postgres: include_str!("../migrations/postgres/0007_risk.sql"),
    },
];

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

impl Store {
    /// Applies every migration this binary knows and the database lacks; returns how many.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let mut applied = 0;
        for migration in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            if self.backend == Backend::Postgres {
                // Several servers may start at once against one database: one migrates,
                // the others wait here and then find the work done.
                sqlx::query("SELECT pg_advisory_xact_lock(4200142001)")
                    .execute(&mut *tx)
                    .await?;
            }
            let sql = migration.sql(self.backend);
            let existing = sqlx::query("SELECT sha256 FROM schema_migrations WHERE version = $1")
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await?;
            match existing {
                Some(row) => {
                    let recorded: String = row.try_get("sha256")?;
                    if recorded != checksum(sql) {
                        return Err(StoreError::MigrationEdited {
                            version: migration.version,
                            name: migration.name.to_owned(),
                        });
                    }
                }
                None => {
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO schema_migrations (version, name, sha256, applied_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(migration.version)
                    .bind(migration.name)
                    .bind(checksum(sql))
                    .bind(aims_core::timefmt::format_instant(
                        time::OffsetDateTime::now_utc(),
                    ))
                    .execute(&mut *tx)
                    .await?;
                    if migration.version == 1 {
                        self.create_ledger_head(&mut tx).await?;
                    }
                    applied += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(applied)
    }

    /// Refuses to run against a database that is not initialised or is newer than us.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
        let row = sqlx::query("SELECT MAX(version) AS version FROM schema_migrations")
            .fetch_one(&self.pool)
            .await
            .map_err(|error| match error {
                sqlx::Error::Database(_) => StoreError::NotInitialised,
                other => StoreError::from(other),
            })?;
        let found: Option<i64> = row.try_get("version")?;
        match found {
            None => Err(StoreError::NotInitialised),
            Some(found) if found > known => Err(StoreError::SchemaTooNew { found, known }),
            Some(found) if found < known => Err(StoreError::NotInitialised),
            Some(_) => Ok(()),
        }
    }
}
