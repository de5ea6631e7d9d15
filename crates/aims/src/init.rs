//! `aims init` and `aims migrate`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aims_core::access::Role;
use aims_core::user::NewUser;
use aims_ledger::note::Signer;
use aims_store::{Store, WriteCtx};
use anyhow::{Context, Result};
use clap::Args;

use crate::app::App;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Username of the first administrator.
    #[arg(long, value_name = "USERNAME")]
    pub admin: String,
    /// Read the administrator's password from this file (first line) instead of a prompt.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// Reads a password from a file or, on a terminal, from a prompt without echo.
pub fn read_password(file: Option<&Path>, confirm: bool) -> Result<String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the password file {}", path.display()))?;
        return Ok(text.lines().next().unwrap_or_default().to_owned());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no terminal to ask for a password: pass --password-file");
    }
    let password = rpassword::prompt_password("Password: ")?;
    if confirm && rpassword::prompt_password("Repeat the password: ")? != password {
        anyhow::bail!("the passwords do not match");
    }
    Ok(password)
}

/// Writes a file only the owner can read, refusing to replace an existing one.
pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

fn create_data_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path)
        .with_context(|| format!("cannot create the data directory {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Everything `init` creates, for `--json` and for the demo.
#[derive(Debug, serde::Serialize)]
pub struct Initialised {
    pub data_dir: PathBuf,
    pub database: String,
    pub key_file: PathBuf,
    pub public_key: String,
    pub admin: String,
}

/// Creates the data directory, database, key and administrator. Validates everything
/// first, so a bad password or an existing installation leaves nothing behind.
pub async fn initialise(app: &App, admin: &str, password: String) -> Result<(Store, Initialised)> {
    let new_admin = NewUser {
        username: admin.to_owned(),
        display_name: String::new(),
        role: Role::Admin,
        password,
    }
    .validated()
    .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let key_file = app.config.key_file();
    if key_file.exists() {
        anyhow::bail!(
            "{} already exists: this data directory is initialised (use `aims migrate` to upgrade it)",
            key_file.display()
        );
    }
    create_data_dir(&app.config.data_dir)?;
    let store = Store::connect(&app.config.store_options())
        .await
        .with_context(|| format!("cannot open the database ({})", app.database_label()))?;
    store.migrate().await?;
    if store.user_count().await? > 0 {
        anyhow::bail!("the database already has users: it was initialised before");
    }
    let signer = Signer::generate(&app.config.ledger.origin).map_err(|e| {
        anyhow::anyhow!(
            "ledger.origin `{}` cannot name a key: {e}",
            app.config.ledger.origin
        )
    })?;
    if let Some(parent) = key_file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    write_private(&key_file, &format!("{}\n", signer.to_skey()))?;
    let public_key = signer.verifier().to_vkey();
    std::fs::write(key_file.with_extension("pub"), format!("{public_key}\n"))?;
    let store = store.with_signer(signer);
    let ctx = WriteCtx::new(
        aims_store::Actor::System("init"),
        time::OffsetDateTime::now_utc(),
    );
    store.create_user(&ctx, new_admin).await?;
    Ok((
        store,
        Initialised {
            data_dir: app.config.data_dir.clone(),
            database: app.database_label(),
            key_file,
            public_key,
            admin: admin.trim().to_lowercase(),
        },
    ))
}

pub async fn run(app: &App, args: InitArgs) -> Result<ExitCode> {
    let password = read_password(args.password_file.as_deref(), true)?;
    let (store, done) = initialise(app, &args.admin, password).await?;
    store.close().await;
    if app.json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        println!("AIMS is initialised.");
        println!("  data directory  {}", done.data_dir.display());
        println!("  database        {}", done.database);
        println!(
            "  signing key     {} (keep it secret, back it up)",
            done.key_file.display()
        );
        println!("  public key      {}", done.public_key);
        println!("  administrator   {}", done.admin);
        println!("Next: aims serve");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn migrate(app: &App) -> Result<ExitCode> {
    let store = Store::connect(&app.config.store_options())
        .await
        .with_context(|| format!("cannot open the database ({})", app.database_label()))?;
    let applied = store.migrate().await?;
    store.close().await;
    if app.json {
        println!("{}", serde_json::json!({ "applied": applied }));
    } else {
        println!("{applied} migration(s) applied; the schema is current.");
    }
    Ok(ExitCode::SUCCESS)
}
