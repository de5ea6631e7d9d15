//! `aims user` and `aims token`.

use std::path::PathBuf;
use std::process::ExitCode;

use aims_core::access::Role;
use aims_core::user::{NewApiToken, NewUser, User, UserPatch};
use aims_store::Store;
use anyhow::Result;
use clap::Subcommand;
use uuid::Uuid;

use crate::app::App;
use crate::init::read_password;
use crate::output::{emit, table};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        username: String,
        #[arg(long, value_parser = Role::parse)]
        role: Role,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Read the password from this file instead of a prompt.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List users.
    List,
    /// Change a user's role.
    SetRole {
        username: String,
        #[arg(value_parser = Role::parse)]
        role: Role,
    },
    /// Disable a user (ends their sessions; tokens stop working).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// Set a new password.
    Passwd {
        username: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; the secret is printed once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        /// Days until it expires (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List tokens (of one user, or everyone's).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by id.
    Revoke { id: Uuid },
}

async fn find_user(store: &Store, username: &str) -> Result<User> {
    store
        .get_user_by_name(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user named `{username}`"))
}

fn print_users(users: &[User]) {
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.username.clone(),
                u.display_name.clone(),
                u.role.to_string(),
                if u.disabled {
                    "disabled".into()
                } else {
                    "active".into()
                },
            ]
        })
        .collect();
    table(&["USERNAME", "NAME", "ROLE", "STATUS"], &rows);
}

pub async fn run_user(app: &App, command: UserCommand) -> Result<ExitCode> {
    let patch_user = |user: &User| UserPatch {
        version: user.version,
        ..UserPatch::default()
    };
    match command {
        UserCommand::Add {
            username,
            role,
            display_name,
            password_file,
        } => {
            let store = app.write_store().await?;
            let password = read_password(password_file.as_deref(), true)?;
            let user = store
                .create_user(
                    &app.cli_ctx(),
                    NewUser {
                        username,
                        display_name,
                        role,
                        password,
                    },
                )
                .await?;
            emit(app.json, &user, |u| {
                println!("Added `{}` as {}", u.username, u.role)
            })?;
        }
        UserCommand::List => {
            let store = app.read_store().await?;
            emit(app.json, &store.list_users().await?, |users| {
                print_users(users)
            })?;
        }
        UserCommand::SetRole { username, role } => {
            let store = app.write_store().await?;
            let user = find_user(&store, &username).await?;
            let patch = UserPatch {
                role: Some(role),
                ..patch_user(&user)
            };
            let user = store.update_user(&app.cli_ctx(), user.id, patch).await?;
            emit(app.json, &user, |u| {
                println!("`{}` is now {}", u.username, u.role)
            })?;
        }
        UserCommand::Disable { username } => set_disabled(app, &username, true).await?,
        UserCommand::Enable { username } => set_disabled(app, &username, false).await?,
        UserCommand::Passwd {
            username,
            password_file,
        } => {
            let store = app.write_store().await?;
            let user = find_user(&store, &username).await?;
            let password = read_password(password_file.as_deref(), true)?;
            let patch = UserPatch {
                password: Some(password),
                ..patch_user(&user)
            };
            let user = store.update_user(&app.cli_ctx(), user.id, patch).await?;
            emit(app.json, &user, |u| {
                println!("Password of `{}` changed; their sessions ended", u.username)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(app: &App, username: &str, disabled: bool) -> Result<()> {
    let store = app.write_store().await?;
    let user = find_user(&store, username).await?;
    let patch = UserPatch {
        version: user.version,
        disabled: Some(disabled),
        ..UserPatch::default()
    };
    let user = store.update_user(&app.cli_ctx(), user.id, patch).await?;
    emit(app.json, &user, |u| {
        println!(
            "`{}` is {}",
            u.username,
            if u.disabled { "disabled" } else { "enabled" }
        );
    })
}

pub async fn run_token(app: &App, command: TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Create { user, name, days } => {
            let store = app.write_store().await?;
            let user = find_user(&store, &user).await?;
            let (token, secret) = store
                .create_token(
                    &app.cli_ctx(),
                    user.id,
                    NewApiToken {
                        name,
                        expires_in_days: days,
                    },
                )
                .await?;
            let created = serde_json::json!({ "token": token, "secret": secret });
            emit(app.json, &created, |_| {
                println!("{secret}");
                eprintln!(
                    "Token `{}` for `{}` expires {}. The secret above is shown only now.",
                    token.name, user.username, token.expires_at
                );
            })?;
        }
        TokenCommand::List { user } => {
            let store = app.read_store().await?;
            let owner = match user {
                Some(name) => Some(find_user(&store, &name).await?.id),
                None => None,
            };
            let tokens = store.list_tokens(owner).await?;
            emit(app.json, &tokens, |tokens| {
                let rows: Vec<Vec<String>> = tokens
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.to_string(),
                            t.name.clone(),
                            t.expires_at.clone(),
                            t.last_used_at.clone().unwrap_or_else(|| "never".into()),
                            if t.revoked_at.is_some() {
                                "revoked".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                table(&["ID", "NAME", "EXPIRES", "LAST USED", ""], &rows);
            })?;
        }
        TokenCommand::Revoke { id } => {
            let store = app.write_store().await?;
            let token = store.revoke_token(&app.cli_ctx(), id).await?;
            emit(app.json, &token, |t| println!("Revoked `{}`", t.name))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
