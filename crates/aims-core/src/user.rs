//! Users and API tokens: who may sign in, with which role.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Role;
use crate::error::ValidationErrors;
use crate::text::optional_line;

/// Shortest password we accept: long enough that guessing online is hopeless given the
/// lock-out, without forcing composition rules that push people to predictable patterns.
pub const PASSWORD_MIN: usize = 12;
/// Longest password we hash; argon2 accepts more, but a megabyte "password" is an attack.
pub const PASSWORD_MAX: usize = 256;

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Input for creating a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

/// A partial update of a user by an administrator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub version: i64,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new password; the old one stops working at once.
    pub password: Option<String>,
}

/// Normalises and checks a username: lowercase letters, digits, `.`, `_`, `-`, 2 to 64.
pub fn validate_username(errors: &mut ValidationErrors, value: &str) -> String {
    let username = value.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if username.len() < 2 || username.len() > 64 {
        errors.add("username", "must be 2 to 64 characters");
    } else if !username.chars().all(allowed) {
        errors.add(
            "username",
            "may contain only letters, digits, dots, underscores and hyphens",
        );
    }
    username
}

/// Checks a new password against the length policy.
pub fn validate_password(errors: &mut ValidationErrors, field: &str, password: &str) {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        errors.add(field, format!("must be at least {PASSWORD_MIN} characters"));
    } else if length > PASSWORD_MAX {
        errors.add(field, format!("must be at most {PASSWORD_MAX} characters"));
    }
}

impl NewUser {
    /// Normalises the username and display name and checks the password policy.
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let username = validate_username(&mut errors, &self.username);
        let display_name = optional_line(&mut errors, "display_name", &self.display_name);
        validate_password(&mut errors, "password", &self.password);
        errors.into_result(Self {
            display_name: if display_name.is_empty() {
                username.clone()
            } else {
                display_name
            },
            username,
            ..self
        })
    }
}

/// An API token as listed: never the secret, which is shown once at creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Input for creating an API token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
    /// Days until the token stops working (1 to 366, default 90).
    #[serde(default = "default_token_days")]
    pub expires_in_days: i64,
}

fn default_token_days() -> i64 {
    90
}

impl NewApiToken {
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = crate::text::required_line(&mut errors, "name", &self.name);
        if !(1..=366).contains(&self.expires_in_days) {
            errors.add("expires_in_days", "must be between 1 and 366");
        }
        errors.into_result(Self { name, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_checked() {
        let mut errors = ValidationErrors::new();
        assert_eq!(validate_username(&mut errors, " Alice.B "), "alice.b");
        assert!(errors.is_empty());
        validate_username(&mut errors, "bob smith");
        assert!(errors.for_field("username").is_some());
    }

    #[test]
    fn short_passwords_are_refused() {
        let user = NewUser {
            username: "alice".into(),
            display_name: String::new(),
            role: Role::Viewer,
            password: "short".into(),
        };
        let errors = user.validated().err().unwrap_or_default();
        assert!(errors.for_field("password").is_some());
    }

    #[test]
    fn token_lifetime_is_bounded() {
        let token = NewApiToken {
            name: "ci".into(),
            expires_in_days: 1000,
        };
        assert!(token.validated().is_err());
    }
}
