//! What every command shares: the configuration, opening the store, loading the key.

use std::path::Path;

use aims_ledger::note::Signer;
use aims_store::{Actor, Store, WriteCtx};
use anyhow::{Context, Result};

use crate::config::Config;

pub struct App {
    pub config: Config,
    pub json: bool,
}

impl App {
    pub fn new(config: Config, json: bool) -> Self {
        Self { config, json }
    }

    /// A human description of where the data is, with any password hidden.
    pub fn database_label(&self) -> String {
        match &self.config.database_url {
            Some(url) => aims_store::redact(url),
            None => format!(
                "SQLite in {}",
                self.config.data_dir.join("aims.db").display()
            ),
        }
    }

    /// Opens the store on an initialised database, read-only.
    pub async fn read_store(&self) -> Result<Store> {
        if self.config.database_url.is_none() && !self.config.data_dir.join("aims.db").exists() {
            anyhow::bail!(
                "no AIMS data in {}: run `aims init --admin <username>` first, or pass --data-dir",
                self.config.data_dir.display()
            );
        }
        let store = Store::connect(&self.config.store_options())
            .await
            .with_context(|| format!("cannot open the database ({})", self.database_label()))?;
        store.check_schema().await?;
        Ok(store)
    }

    /// Opens the store with the signing key, ready to write.
    pub async fn write_store(&self) -> Result<Store> {
        let signer = load_signer(&self.config.key_file())?;
        Ok(self.read_store().await?.with_signer(signer))
    }

    /// Writes made from the command line are attributed to the CLI operator.
    pub fn cli_ctx(&self) -> WriteCtx {
        WriteCtx::new(Actor::System("cli"), time::OffsetDateTime::now_utc())
    }
}

/// Reads the ledger signing key, with an error that says what to do.
pub fn load_signer(path: &Path) -> Result<Signer> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "the ledger signing key {} is missing: run `aims init`, or point ledger.key_file at the key",
            path.display()
        ),
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot read the ledger signing key {}", path.display()));
        }
    };
    warn_if_readable_by_others(path);
    Signer::from_skey(text.trim()).map_err(|error| {
        anyhow::anyhow!(
            "the ledger signing key {} is corrupt ({error}): restore it from your backup",
            path.display()
        )
    })
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the ledger signing key is readable by other users: chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// A governance decision made from the command line belongs to a named person: their role
/// is checked for `permission` exactly as on the web, and the write is theirs.
pub async fn acting_as(
    store: &Store,
    username: &str,
    permission: aims_core::access::Permission,
) -> Result<(aims_store::Decider, WriteCtx)> {
    let user = store
        .get_user_by_name(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user named `{username}`"))?;
    if user.disabled || !user.role.allows(permission) {
        anyhow::bail!(
            "`{}` ({}) may not do this: it needs the `{}` permission",
            user.username,
            user.role,
            permission
        );
    }
    Ok((
        aims_store::Decider {
            user_id: user.id,
            role: user.role,
        },
        WriteCtx::new(
            aims_store::Actor::User(user.id),
            time::OffsetDateTime::now_utc(),
        ),
    ))
}
