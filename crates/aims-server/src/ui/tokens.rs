//! The signed-in user's API tokens.

use aims_core::ValidationErrors;
use aims_core::user::NewApiToken;
use aims_store::StoreError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use crate::api::tokens::revoke_for;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::ui::render_status;
use crate::ui::systems::redirect;

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

async fn page(
    state: &AppState,
    current: &CurrentUser,
    secret: Option<String>,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let tokens = state.store().list_tokens(Some(current.user().id)).await?;
    let errors: std::collections::BTreeMap<_, _> = errors
        .errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    render_status(
        state,
        "tokens.html",
        Some(current),
        context! { nav => "tokens", tokens, secret, errors },
        status,
    )
}

pub async fn list(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    page(
        &state,
        &current,
        None,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Creates a token and shows its secret once, on this response only.
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    Form(form): Form<TokenForm>,
) -> ApiResult<Response> {
    let days = if form.expires_in_days.trim().is_empty() {
        Ok(90)
    } else {
        form.expires_in_days.trim().parse::<i64>()
    };
    let result = match days {
        Ok(days) => {
            let new_token = NewApiToken {
                name: form.name,
                expires_in_days: days,
            };
            state
                .store()
                .create_token(&current.ctx(&state), current.user().id, new_token)
                .await
        }
        Err(_) => Err(StoreError::Validation(ValidationErrors::single(
            "expires_in_days",
            "must be a whole number of days",
        ))),
    };
    match result {
        Ok((_, secret)) => {
            page(
                &state,
                &current,
                Some(secret),
                &ValidationErrors::new(),
                StatusCode::CREATED,
            )
            .await
        }
        Err(StoreError::Validation(errors)) => {
            page(
                &state,
                &current,
                None,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    revoke_for(&state, &current, &id).await?;
    Ok(redirect("/account/tokens"))
}
