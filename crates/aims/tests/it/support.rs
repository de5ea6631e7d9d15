//! Running the binary against a fresh data directory, on SQLite or PostgreSQL.

use std::path::PathBuf;
use std::process::{Command, Output};

pub use aims_store::Backend;

pub const PASSWORD: &str = "a long enough password";

/// A fresh installation: a data directory (always, for the key) and, on PostgreSQL, a
/// fresh schema.
pub struct Install {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

impl Install {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(aims_store::testing::fresh_pg_schema().await.unwrap()),
        };
        std::fs::write(dir.path().join("password"), format!("{PASSWORD}\n")).unwrap();
        Self { dir, database_url }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `aims <args>` with this installation's data directory and database.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aims"));
        command
            .current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.data_dir());
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command.args(args).env_remove("RUST_LOG");
        for (key, _) in std::env::vars() {
            if key.starts_with("AIMS_") {
                command.env_remove(key);
            }
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and insists on success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "aims {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn init(&self) {
        let password = self.dir.path().join("password");
        self.ok(&[
            "init",
            "--admin",
            "Admin",
            "--password-file",
            password.to_str().unwrap(),
        ]);
    }

    /// A raw connection to the installation's database, for tampering.
    pub async fn raw_store(&self) -> aims_store::Store {
        let options = match &self.database_url {
            Some(url) => aims_store::StoreOptions::from_url(url),
            None => aims_store::StoreOptions::sqlite_in(&self.data_dir()),
        };
        aims_store::Store::connect(&options).await.unwrap()
    }
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Declares `async fn $name(backend: Backend)` and one test per backend.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)+) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($backend: $crate::support::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::support::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::support::Backend::Postgres).await
                }
            }
        )+
    };
}
