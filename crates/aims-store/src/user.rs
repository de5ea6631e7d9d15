//! Users, sign-in with throttling, browser sessions and API tokens.
//!
//! Secrets (session cookies, API tokens) are 32 random bytes shown to their owner once;
//! only their SHA-256 is stored. Sessions and the throttle live in the database so that
//! any server behind a load balancer sees the same ones.

use aims_core::ValidationErrors;
use aims_core::access::Role;
use aims_core::timefmt::format_instant;
use aims_core::user::{ApiToken, NewApiToken, NewUser, User, UserPatch, validate_password};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::ledger::{Actor, WriteCtx, WriteTx};
use crate::password::{decoy_hash, hash_password, verify_password};

const USER_COLUMNS: &str =
    "id, username, display_name, role, password_hash, disabled, version, created_at, updated_at";
const TOKEN_COLUMNS: &str =
    "id, user_id, name, token_hash, created_at, expires_at, last_used_at, revoked_at";
/// API tokens carry a prefix so that secret scanners and people can recognise them.
const TOKEN_PREFIX: &str = "aims_";

/// How sign-in failures slow an attacker down, and how long sessions last.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    /// Failures allowed before each further attempt is delayed.
    pub free_failures: i64,
    /// Failures after which the account is locked for `lockout`.
    pub lockout_after: i64,
    pub lockout: Duration,
    pub session_idle: Duration,
    pub session_absolute: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            free_failures: 3,
            lockout_after: 10,
            lockout: Duration::minutes(15),
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
        }
    }
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    Success(User),
    /// Wrong username or password; deliberately not saying which.
    Invalid,
    /// Too many failures: no attempt is checked until this instant.
    Throttled {
        until: OffsetDateTime,
    },
}

/// A new browser session: the cookie value (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionInfo {
    Browser { csrf_token: String },
    Token { token_id: Uuid },
}

/// A signed-in user and how they signed in.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedUser {
    pub user: User,
    pub via: SessionInfo,
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn user_from_row(row: &AnyRow) -> Result<(User, String), StoreError> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let user = User {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role)
            .map_err(|e| StoreError::Corrupt(format!("users.role of {id}: {e}")))?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    };
    Ok((user, row.try_get("password_hash")?))
}

/// The state the ledger hashes for a user: the public record plus a hash of the password
/// hash, so a password replaced directly in the database is caught by `verify` while no
/// password material enters the ledger.
fn user_state(user: &User, password_hash: &str) -> Result<serde_json::Value, StoreError> {
    let mut state = serde_json::to_value(user)?;
    if let Some(object) = state.as_object_mut() {
        object.insert(
            "password_hash_sha256".into(),
            sha256_hex(password_hash).into(),
        );
    }
    Ok(state)
}

fn token_from_row(row: &AnyRow) -> Result<(ApiToken, String), StoreError> {
    let parse =
        |text: String| Uuid::parse_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok((
        ApiToken {
            id: parse(row.try_get("id")?)?,
            user_id: parse(row.try_get("user_id")?)?,
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            last_used_at: row.try_get("last_used_at")?,
            revoked_at: row.try_get("revoked_at")?,
        },
        row.try_get("token_hash")?,
    ))
}

/// The state the ledger hashes for a token; its last use is operational and left out.
fn token_state(token: &ApiToken, token_hash: &str) -> Result<serde_json::Value, StoreError> {
    let mut state = serde_json::to_value(ApiToken {
        last_used_at: None,
        ..token.clone()
    })?;
    if let Some(object) = state.as_object_mut() {
        object.remove("last_used_at");
        object.insert("token_hash".into(), token_hash.into());
    }
    Ok(state)
}

impl Store {
    /// Creates a user with an argon2id password hash.
    pub async fn create_user(&self, ctx: &WriteCtx, new_user: NewUser) -> Result<User, StoreError> {
        let new_user = new_user.validated()?;
        let password_hash = hash_password(&new_user.password)?;
        let mut tx = self.begin_write(ctx).await?;
        let user = tx.insert_user(&new_user, &password_hash).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn get_user(&self, id: Uuid) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: id.to_string(),
            })?;
        Ok(user_from_row(&row)?.0)
    }

    pub async fn get_user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(user_from_row(&row)?.0)).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(user_from_row(row)?.0)).collect()
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// Changes a user's name, role, status or password. A disabled user's sessions end.
    pub async fn update_user(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        patch: UserPatch,
    ) -> Result<User, StoreError> {
        let mut errors = ValidationErrors::new();
        let display_name = patch
            .display_name
            .as_deref()
            .map(|name| aims_core::text::required_line(&mut errors, "display_name", name));
        if let Some(password) = &patch.password {
            validate_password(&mut errors, "password", password);
        }
        errors.into_result(())?;
        let new_hash = patch.password.as_deref().map(hash_password).transpose()?;

        let mut tx = self.begin_write(ctx).await?;
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: id.to_string(),
            })?;
        let (current, current_hash) = user_from_row(&row)?;
        if current.version != patch.version {
            return Err(StoreError::StaleVersion {
                entity: "user",
                id: id.to_string(),
                expected: patch.version,
                actual: current.version,
            });
        }
        let role = patch.role.unwrap_or(current.role);
        let disabled = patch.disabled.unwrap_or(current.disabled);
        if current.role == Role::Admin && (role != Role::Admin || disabled) {
            let admins: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1",
            )
            .bind(id.to_string())
            .fetch_one(&mut *tx.tx)
            .await?
            .try_get("n")?;
            if admins == 0 {
                return Err(StoreError::Conflict {
                    message: "this is the last active administrator: make another user admin first"
                        .into(),
                    field: Some("role"),
                });
            }
        }
        let user = User {
            display_name: display_name.unwrap_or(current.display_name.clone()),
            role,
            disabled,
            version: current.version + 1,
            updated_at: ctx.now_text(),
            ..current.clone()
        };
        let password_hash = new_hash.unwrap_or(current_hash);
        sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, disabled = $3, password_hash = $4,
               version = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&user.display_name)
        .bind(user.role.code())
        .bind(i64::from(user.disabled))
        .bind(&password_hash)
        .bind(user.version)
        .bind(&user.updated_at)
        .bind(id.to_string())
        .execute(&mut *tx.tx)
        .await?;
        if user.disabled || patch.password.is_some() {
            // A disabled account or a changed password must not leave old sessions alive.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx.tx)
                .await?;
        }
        let action = if patch.password.is_some() {
            "user.password_changed"
        } else {
            "user.updated"
        };
        tx.append(
            action,
            "user",
            &id.to_string(),
            Some(&user_state(&user, &password_hash)?),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Checks a username and password, enforcing the throttle. Successful sign-ins and
    /// failures against known accounts are recorded in the ledger.
    pub async fn login(
        &self,
        now: OffsetDateTime,
        username: &str,
        password: &str,
        policy: &ThrottlePolicy,
    ) -> Result<LoginOutcome, StoreError> {
        let username = username.trim().to_lowercase();
        let now_secs = now.unix_timestamp();
        let throttle =
            sqlx::query("SELECT failures, locked_until FROM login_throttle WHERE username = $1")
                .bind(&username)
                .fetch_optional(&self.pool)
                .await?;
        let (failures, locked_until) = match throttle {
            Some(row) => (
                row.try_get::<i64, _>("failures")?,
                row.try_get::<i64, _>("locked_until")?,
            ),
            None => (0, 0),
        };
        if locked_until > now_secs {
            return Ok(LoginOutcome::Throttled {
                until: OffsetDateTime::from_unix_timestamp(locked_until).unwrap_or(now),
            });
        }
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(&username)
        .fetch_optional(&self.pool)
        .await?;
        let found = row.as_ref().map(user_from_row).transpose()?;
        // Hash even for unknown users, so timing does not reveal which usernames exist.
        let hash = found
            .as_ref()
            .map_or(decoy_hash(), |(_, hash)| hash.as_str());
        let password_ok = verify_password(password, hash);
        match found {
            Some((user, hash)) if password_ok && !user.disabled => {
                sqlx::query("DELETE FROM login_throttle WHERE username = $1")
                    .bind(&username)
                    .execute(&self.pool)
                    .await?;
                let ctx = WriteCtx::new(Actor::User(user.id), now);
                let mut tx = self.begin_write(&ctx).await?;
                tx.append(
                    "user.login",
                    "user",
                    &user.id.to_string(),
                    Some(&user_state(&user, &hash)?),
                )
                .await?;
                tx.commit().await?;
                Ok(LoginOutcome::Success(user))
            }
            found => {
                let failures = failures + 1;
                let delay = if failures >= policy.lockout_after {
                    policy.lockout.whole_seconds()
                } else if failures > policy.free_failures {
                    // Doubling delays: 2, 4, 8 ... seconds before the next attempt is checked.
                    1i64 << (failures - policy.free_failures).min(10)
                } else {
                    0
                };
                let until = if delay > 0 { now_secs + delay } else { 0 };
                sqlx::query(
                    "INSERT INTO login_throttle (username, failures, locked_until) VALUES ($1, $2, $3)
                     ON CONFLICT (username) DO UPDATE SET failures = $2, locked_until = $3",
                )
                .bind(&username)
                .bind(failures)
                .bind(until)
                .execute(&self.pool)
                .await?;
                if let Some((user, hash)) = found {
                    let ctx = WriteCtx::new(Actor::System("auth"), now);
                    let mut tx = self.begin_write(&ctx).await?;
                    let action = if failures == policy.lockout_after {
                        "user.locked_out"
                    } else {
                        "user.login_failed"
                    };
                    tx.append(
                        action,
                        "user",
                        &user.id.to_string(),
                        Some(&user_state(&user, &hash)?),
                    )
                    .await?;
                    tx.commit().await?;
                }
                Ok(LoginOutcome::Invalid)
            }
        }
    }

    /// Starts a browser session for a user who just signed in.
    pub async fn create_session(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
        policy: &ThrottlePolicy,
    ) -> Result<NewSession, StoreError> {
        let cookie = random_secret();
        let csrf_token = random_secret();
        let now_secs = now.unix_timestamp();
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, absolute_expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(sha256_hex(&cookie))
        .bind(user_id.to_string())
        .bind(&csrf_token)
        .bind(now_secs)
        .bind(now_secs + policy.session_absolute.whole_seconds())
        .execute(&self.pool)
        .await?;
        Ok(NewSession { cookie, csrf_token })
    }

    /// The user behind a session cookie, if the session is alive; extends its idle timer.
    pub async fn session_user(
        &self,
        cookie: &str,
        now: OffsetDateTime,
        policy: &ThrottlePolicy,
    ) -> Result<Option<AuthenticatedUser>, StoreError> {
        let id_hash = sha256_hex(cookie);
        let now_secs = now.unix_timestamp();
        let row = sqlx::query(
            "SELECT user_id, csrf_token, last_seen_at, absolute_expires_at FROM sessions WHERE id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let absolute: i64 = row.try_get("absolute_expires_at")?;
        if now_secs >= absolute || now_secs - last_seen >= policy.session_idle.whole_seconds() {
            self.delete_session(cookie).await?;
            return Ok(None);
        }
        // Touch at most once a minute: one write per page view would be wasteful.
        if now_secs - last_seen >= 60 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now_secs)
                .bind(&id_hash)
                .execute(&self.pool)
                .await?;
        }
        let user_id: String = row.try_get("user_id")?;
        let user = self
            .get_user(Uuid::parse_str(&user_id).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(AuthenticatedUser {
            user,
            via: SessionInfo::Browser {
                csrf_token: row.try_get("csrf_token")?,
            },
        }))
    }

    /// Ends a session (sign-out).
    pub async fn delete_session(&self, cookie: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(sha256_hex(cookie))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a sign-out in the ledger and ends the session.
    pub async fn logout(
        &self,
        ctx: &WriteCtx,
        user: &User,
        cookie: &str,
    ) -> Result<(), StoreError> {
        self.delete_session(cookie).await?;
        let mut tx = self.begin_write(ctx).await?;
        tx.append("user.logout", "user", &user.id.to_string(), None)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an API token for `user_id`; returns it with its secret, shown only now.
    pub async fn create_token(
        &self,
        ctx: &WriteCtx,
        user_id: Uuid,
        new_token: NewApiToken,
    ) -> Result<(ApiToken, String), StoreError> {
        let new_token = new_token.validated()?;
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let token_hash = sha256_hex(&secret);
        let token = ApiToken {
            id: Uuid::new_v4(),
            user_id,
            name: new_token.name,
            created_at: ctx.now_text(),
            expires_at: format_instant(ctx.now + Duration::days(new_token.expires_in_days)),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.begin_write(ctx).await?;
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)"
        ))
        .bind(token.id.to_string())
        .bind(user_id.to_string())
        .bind(&token.name)
        .bind(&token_hash)
        .bind(&token.created_at)
        .bind(&token.expires_at)
        .execute(&mut *tx.tx)
        .await?;
        tx.append(
            "api_token.created",
            "api_token",
            &token.id.to_string(),
            Some(&token_state(&token, &token_hash)?),
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// Tokens of one user, or of everyone when `user_id` is `None`.
    pub async fn list_tokens(&self, user_id: Option<Uuid>) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE ($1 IS NULL OR user_id = $1) ORDER BY created_at DESC"
        ))
        .bind(user_id.map(|id| id.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(token_from_row(row)?.0)).collect()
    }

    pub async fn get_token(&self, id: Uuid) -> Result<ApiToken, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "API token",
            id: id.to_string(),
        })?;
        Ok(token_from_row(&row)?.0)
    }

    /// Revokes a token at once; revoking twice is harmless.
    pub async fn revoke_token(&self, ctx: &WriteCtx, id: Uuid) -> Result<ApiToken, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *tx.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "API token",
            id: id.to_string(),
        })?;
        let (token, token_hash) = token_from_row(&row)?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let token = ApiToken {
            revoked_at: Some(ctx.now_text()),
            ..token
        };
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(&token.revoked_at)
            .bind(id.to_string())
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "api_token.revoked",
            "api_token",
            &id.to_string(),
            Some(&token_state(&token, &token_hash)?),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user behind an API token, if it is valid now; records its last use.
    pub async fn token_user(
        &self,
        secret: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AuthenticatedUser>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"
        ))
        .bind(sha256_hex(secret))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (token, _) = token_from_row(&row)?;
        let now_text = format_instant(now);
        if token.revoked_at.is_some() || token.expires_at <= now_text {
            return Ok(None);
        }
        let stale = token
            .last_used_at
            .as_deref()
            .and_then(|t| aims_core::timefmt::parse_instant(t).ok())
            .is_none_or(|last| now - last >= Duration::minutes(1));
        if stale {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(&now_text)
                .bind(token.id.to_string())
                .execute(&self.pool)
                .await?;
        }
        let user = self.get_user(token.user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(AuthenticatedUser {
            user,
            via: SessionInfo::Token { token_id: token.id },
        }))
    }

    /// Display names by ledger actor (`user:<id>`), for showing who did what. The ledger
    /// itself keeps only ids, so names can change or be erased without touching it.
    pub async fn actor_names(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT id, display_name FROM users")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                Ok((format!("user:{id}"), row.try_get("display_name")?))
            })
            .collect()
    }

    pub(crate) async fn all_user_states(
        &self,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let (user, hash) = user_from_row(row)?;
                Ok((user.id.to_string(), user_state(&user, &hash)?))
            })
            .collect()
    }

    pub(crate) async fn all_token_states(
        &self,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let (token, hash) = token_from_row(row)?;
                Ok((token.id.to_string(), token_state(&token, &hash)?))
            })
            .collect()
    }
}

impl WriteTx<'_> {
    /// Inserts a validated user with an already computed password hash.
    pub async fn insert_user(
        &mut self,
        new_user: &NewUser,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let now = self.ctx().now_text();
        let user = User {
            id: Uuid::new_v4(),
            username: new_user.username.clone(),
            display_name: new_user.display_name.clone(),
            role: new_user.role,
            disabled: false,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        let inserted = sqlx::query(&format!(
            "INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 0, 1, $6, $7)"
        ))
        .bind(user.id.to_string())
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.code())
        .bind(password_hash)
        .bind(&user.created_at)
        .bind(&user.updated_at)
        .execute(&mut *self.tx)
        .await;
        if let Err(error) = inserted {
            return Err(if StoreError::is_unique_violation(&error) {
                StoreError::Validation(ValidationErrors::single("username", "is already taken"))
            } else {
                error.into()
            });
        }
        self.append(
            "user.created",
            "user",
            &user.id.to_string(),
            Some(&user_state(&user, password_hash)?),
        )
        .await?;
        Ok(user)
    }
}
