//! Configuration: defaults, then `aims.toml`, then `AIMS_*` environment variables, then
//! command-line flags. Unknown keys are rejected with the key named.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting, with its default. `aims.example.toml` documents each key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded database, the signing key and uploaded files live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    pub database_url: Option<String>,
    /// Address `aims serve` listens on.
    pub bind: String,
    pub ledger: LedgerConfig,
    pub server: ServerSection,
    pub log: LogConfig,
    pub mlflow: MlflowConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MlflowConfig {
    /// The MLflow tracking server whose registry the web UI and API may import.
    pub url: Option<String>,
    /// The environment variable holding its bearer token, if it needs one.
    pub token_env: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LedgerConfig {
    /// The private signing key; default `<data_dir>/ledger.key`.
    pub key_file: Option<PathBuf>,
    /// The checkpoint origin and key name, such as `aims.example.org/ledger`.
    pub origin: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Set when users reach AIMS over HTTPS (directly or through a proxy): cookies get
    /// `Secure` and browsers are told to insist on HTTPS.
    pub secure_cookies: bool,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub max_db_connections: u32,
    /// Largest evidence file accepted, in bytes.
    pub evidence_max_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors.
    pub format: String,
    /// A tracing filter, such as `info` or `aims_server=debug,info`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./aims-data"),
            database_url: None,
            bind: "127.0.0.1:8042".into(),
            ledger: LedgerConfig::default(),
            server: ServerSection::default(),
            log: LogConfig::default(),
            mlflow: MlflowConfig::default(),
        }
    }
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            key_file: None,
            origin: "aims.local/ledger".into(),
        }
    }
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            max_db_connections: 8,
            evidence_max_bytes: 25 * 1024 * 1024,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

/// Values given as flags, which override everything else.
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `./aims.toml` is read if present.
    pub fn load(file: Option<&Path>, flags: &FlagOverrides) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    anyhow::bail!("the config file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => figment = figment.merge(Toml::file("aims.toml")),
        }
        figment = figment
            .merge(Env::prefixed("AIMS_").split("__"))
            .merge(Serialized::defaults(flags));
        let config: Config = figment
            .extract()
            .map_err(|error| anyhow::anyhow!(describe(&error)).context("invalid configuration"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        if let Some(url) = &self.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            anyhow::bail!(
                "database_url must start with postgres:// (leave it unset for the embedded database)"
            );
        }
        self.bind.parse::<std::net::SocketAddr>().with_context(|| {
            format!(
                "bind `{}` is not an address such as 127.0.0.1:8042",
                self.bind
            )
        })?;
        if !matches!(self.log.format.as_str(), "text" | "json") {
            anyhow::bail!(
                "log.format must be `text` or `json`, not `{}`",
                self.log.format
            );
        }
        Ok(())
    }

    /// The signing key's path.
    pub fn key_file(&self) -> PathBuf {
        self.ledger
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("ledger.key"))
    }

    pub fn store_options(&self) -> aims_store::StoreOptions {
        let mut options = match &self.database_url {
            Some(url) => aims_store::StoreOptions::from_url(url),
            None => aims_store::StoreOptions::sqlite_in(&self.data_dir),
        };
        options.max_connections = self.server.max_db_connections;
        options
    }
}

/// Names the key and where it came from, which figment's default message leaves vague.
fn describe(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                String::new()
            } else {
                format!("`{}`: ", e.path.join("."))
            };
            let source = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            format!("{key}{}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]
    use super::*;

    #[test]
    fn the_example_file_parses_and_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../aims.example.toml");
        let config: Config = Figment::from(Toml::file_exact(&path)).extract().unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "aims.toml",
                "bind = \"127.0.0.1:9000\"\n[server]\nsecure_cookie = true\n",
            )?;
            let error = Config::load(None, &FlagOverrides::default()).unwrap_err();
            assert!(format!("{error:#}").contains("secure_cookie"), "{error:#}");
            Ok(())
        });
    }

    #[test]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "aims.toml",
                "bind = \"127.0.0.1:9000\"\ndata_dir = \"/from/file\"\n",
            )?;
            jail.set_env("AIMS_DATA_DIR", "/from/env");
            jail.set_env("AIMS_SERVER__SECURE_COOKIES", "true");
            let flags = FlagOverrides {
                bind: Some("127.0.0.1:9100".into()),
                ..Default::default()
            };
            let config = Config::load(None, &flags).unwrap();
            assert_eq!(config.bind, "127.0.0.1:9100");
            assert_eq!(config.data_dir, PathBuf::from("/from/env"));
            assert!(config.server.secure_cookies);
            Ok(())
        });
    }
}
