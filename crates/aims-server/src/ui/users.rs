//! User administration pages.

use aims_core::ValidationErrors;
use aims_core::access::Role;
use aims_core::user::{NewUser, UserPatch};
use aims_store::StoreError;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use crate::api::systems::parse_id;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::ui::systems::redirect;
use crate::ui::{form_outcome, render_status};

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default, skip_serializing)]
    password: String,
}

fn roles() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.code().to_owned(), r.label().to_owned()))
        .collect()
}

fn error_map(errors: &ValidationErrors) -> std::collections::BTreeMap<String, String> {
    errors
        .errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect()
}

async fn list_page(
    state: &AppState,
    current: &CurrentUser,
    form: &NewUserForm,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let users = state.store().list_users().await?;
    render_status(
        state,
        "users/list.html",
        Some(current),
        context! { nav => "users", users, roles => roles(), form, errors => error_map(errors) },
        status,
    )
}

pub async fn list(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let form = NewUserForm {
        role: Role::Viewer.code().into(),
        ..Default::default()
    };
    list_page(
        &state,
        &current,
        &form,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> ApiResult<Response> {
    let result = match Role::parse(&form.role) {
        Ok(role) => {
            let new_user = NewUser {
                username: form.username.clone(),
                display_name: form.display_name.clone(),
                role,
                password: form.password.clone(),
            };
            state
                .store()
                .create_user(&current.ctx(&state), new_user)
                .await
        }
        Err(message) => Err(StoreError::Validation(ValidationErrors::single(
            "role", message,
        ))),
    };
    form_outcome(
        result,
        |_| redirect("/admin/users"),
        |errors, status| async move { list_page(&state, &current, &form, &errors, status).await },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct EditUserForm {
    version: i64,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    disabled: Option<String>,
    #[serde(default)]
    password: String,
}

async fn edit_page(
    state: &AppState,
    current: &CurrentUser,
    id: uuid::Uuid,
    errors: &ValidationErrors,
    status: StatusCode,
) -> ApiResult<Response> {
    let user = state.store().get_user(id).await?;
    let history =
        crate::ui::history::rows(state, state.store().history("user", &id.to_string()).await?)
            .await?;
    let tokens = state.store().list_tokens(Some(id)).await?;
    render_status(
        state,
        "users/edit.html",
        Some(current),
        context! { nav => "users", user, roles => roles(), errors => error_map(errors), history, tokens },
        status,
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    edit_page(
        &state,
        &current,
        parse_id(&id)?,
        &ValidationErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<EditUserForm>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let result = match Role::parse(&form.role) {
        Ok(role) => {
            let patch = UserPatch {
                version: form.version,
                display_name: Some(form.display_name.clone()),
                role: Some(role),
                disabled: Some(form.disabled.is_some()),
                password: (!form.password.is_empty()).then(|| form.password.clone()),
            };
            state
                .store()
                .update_user(&current.ctx(&state), id, patch)
                .await
        }
        Err(message) => Err(StoreError::Validation(ValidationErrors::single(
            "role", message,
        ))),
    };
    // A conflict here is the last administrator, or a stale edit: both about the role form.
    form_outcome(
        result,
        |_| redirect("/admin/users"),
        |errors, status| async move {
            let errors = match errors.errors.first() {
                Some(first) if first.field == "version" => {
                    ValidationErrors::single("role", first.message.clone())
                }
                _ => errors,
            };
            edit_page(&state, &current, id, &errors, status).await
        },
    )
    .await
}
