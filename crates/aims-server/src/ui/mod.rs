//! The server-rendered web UI: minijinja templates embedded in the binary, htmx for the
//! few dynamic parts, no JavaScript build step. Handlers call the store directly, the
//! same functions the JSON API calls.

pub mod assets;
pub mod checks;
pub mod conformance;
pub mod evidence;
pub(crate) mod form;
pub mod governance;
pub mod history;
pub mod inventory;
pub mod ledger;
pub mod readiness;
pub mod risk;
pub mod session;
pub mod systems;
pub mod tokens;
pub mod users;

use aims_core::access::Permission;
use aims_core::timefmt::format_date;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value, context};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

macro_rules! embed_templates {
    ($env:ident, $($name:literal),+) => {
        $( let _ = $env.add_template($name, include_str!(concat!("../../templates/", $name))); )+
    };
}

/// The template set, compiled once at start-up.
pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    embed_templates!(
        env,
        "base.html",
        "login.html",
        "dashboard.html",
        "error.html",
        "systems/list.html",
        "systems/table.html",
        "systems/form.html",
        "systems/show.html",
        "history.html",
        "users/list.html",
        "users/edit.html",
        "tokens.html",
        "ledger.html",
        "frameworks/list.html",
        "frameworks/show.html",
        "soa/list.html",
        "soa/edit.html",
        "soa/version.html",
        "soa/table.html",
        "soa/export.html",
        "controls/list.html",
        "controls/form.html",
        "clauses/list.html",
        "clauses/edit.html",
        "evidence/list.html",
        "evidence/new.html",
        "evidence/show.html",
        "evidence/fields.html",
        "evidence/targets.html",
        "readiness/page.html",
        "readiness/report.html",
        "readiness/gaps.html",
        "readiness/crosswalk.html",
        "checks/list.html",
        "checks/show.html",
        "checks/history.html",
        "inventory/overview.html",
        "inventory/list.html",
        "inventory/form.html",
        "inventory/show.html",
        "inventory/graph.html",
        "inventory/graph_part.html",
        "governance/classify.html",
        "governance/system.html",
        "governance/transitions.html",
        "governance/changes.html",
        "governance/change.html",
        "governance/waivers.html",
        "governance/my_work.html",
        "governance/policy.html",
        "risk/register.html",
        "risk/form.html",
        "risk/show.html",
        "risk/methodology.html",
        "risk/assessment.html"
    );
    env
}

/// Renders a page for a signed-in user, adding what every page needs.
pub(crate) fn render(
    state: &AppState,
    name: &str,
    current: Option<&CurrentUser>,
    page: Value,
) -> ApiResult<Response> {
    let perms: Vec<&str> = current
        .map(|c| {
            Permission::ALL
                .iter()
                .filter(|p| c.can(**p))
                .map(|p| p.code())
                .collect()
        })
        .unwrap_or_default();
    let ctx = context! {
        me => current.map(|c| c.user().clone()),
        csrf => current.map(|c| c.csrf_token().to_owned()),
        perms => perms,
        ..page
    };
    let template = state.templates().get_template(name).map_err(|error| {
        tracing::error!(%error, name, "missing template");
        ApiError::internal()
    })?;
    let html = template.render(ctx).map_err(|error| {
        tracing::error!(%error, name, "template failed");
        ApiError::internal()
    })?;
    Ok(Html(html).into_response())
}

/// The page shown for an error in the browser.
pub(crate) fn error_page(state: &AppState, error: &ApiError, request_id: &str) -> Response {
    let title = match error.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::UNAUTHORIZED => "Please sign in",
        StatusCode::CONFLICT => "Changed by someone else",
        StatusCode::SERVICE_UNAVAILABLE => "Temporarily unavailable",
        status if status.is_client_error() => "That did not work",
        _ => "Something went wrong",
    };
    let page = context! { title, message => error.message.clone(), code => error.code, request_id };
    let html = state
        .templates()
        .get_template("error.html")
        .and_then(|t| t.render(page))
        .unwrap_or_else(|_| format!("{title}: request {request_id}"));
    let mut response = Html(html).into_response();
    *response.status_mut() = error.status;
    response
}

/// The dashboard: real counts and the latest changes.
pub async fn dashboard(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let today = format_date(state.clock().now().date());
    let counts = state.store().counts(&today).await?;
    let recent = if current.can(Permission::LedgerRead) {
        history::rows(&state, state.store().recent_entries(None, 8).await?).await?
    } else {
        Vec::new()
    };
    let readiness = if current.can(Permission::ConformanceRead) {
        Some(crate::readiness::current(&state).await?)
    } else {
        None
    };
    let risk = if current.can(Permission::SystemRead) {
        let risks = state
            .store()
            .risks(None, state.clock().now().date())
            .await?;
        Some(crate::risk::dashboard(&risks, &today))
    } else {
        None
    };
    let user = current.user();
    let work = crate::inventory::my_work(
        state.store(),
        user.id,
        user.role,
        state.clock().now().date(),
        &crate::inventory::law_version(state.catalog()),
    )
    .await?;
    let work_overdue = work.iter().filter(|w| w.overdue).count();
    let pending = if current.can(Permission::SystemRead) {
        state
            .store()
            .change_requests(Some("pending"), None)
            .await?
            .len()
    } else {
        0
    };
    render(
        &state,
        "dashboard.html",
        Some(&current),
        context! { nav => "dashboard", counts, recent, readiness, risk, work => work.len(), work_overdue, pending },
    )
}

/// What became of a form: `saved` on success; otherwise the form again, with the problems
/// next to their fields (422) or the conflict explained (409). Other errors become pages.
pub(crate) async fn form_outcome<T, Again, Fut>(
    result: Result<T, aims_store::StoreError>,
    saved: impl FnOnce(T) -> Response,
    again: Again,
) -> ApiResult<Response>
where
    Again: FnOnce(aims_core::ValidationErrors, StatusCode) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Response>>,
{
    use aims_core::ValidationErrors;
    use aims_store::StoreError;
    match result {
        Ok(value) => Ok(saved(value)),
        Err(StoreError::Validation(errors)) => {
            again(errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error @ StoreError::StaleVersion { .. }) => {
            again(
                ValidationErrors::single("version", error.to_string()),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(StoreError::Conflict { message, field }) => {
            again(
                ValidationErrors::single(field.unwrap_or("version"), message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Renders a page with a status other than 200, such as a form shown again with its errors.
pub(crate) fn render_status(
    state: &AppState,
    name: &str,
    current: Option<&CurrentUser>,
    page: Value,
    status: StatusCode,
) -> ApiResult<Response> {
    let mut response = render(state, name, current, page)?;
    *response.status_mut() = status;
    Ok(response)
}
