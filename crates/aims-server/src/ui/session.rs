//! Sign-in and sign-out pages.

use aims_store::LoginOutcome;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use crate::auth::{
    CurrentUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE, constant_time_eq, cookie, safe_next,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::ui::render;

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf_token: String,
    next: Option<String>,
}

fn cookie_header(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> String {
    let secure = if state.config().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}")
}

fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The sign-in form. A fresh token in a cookie and in the form protects the sign-in itself
/// from cross-site submission.
pub async fn login_page(
    State(state): State<AppState>,
    Query(query): Query<NextQuery>,
) -> ApiResult<Response> {
    login_form(&state, query.next.as_deref(), None, "", StatusCode::OK)
}

fn login_form(
    state: &AppState,
    next: Option<&str>,
    error: Option<String>,
    username: &str,
    status: StatusCode,
) -> ApiResult<Response> {
    let token = random_token();
    let demo = state.config().demo_login.clone();
    let mut response = render(
        state,
        "login.html",
        None,
        context! { login_csrf => token.clone(), next => safe_next(next), error, username, demo },
    )?;
    *response.status_mut() = status;
    if let Ok(value) = cookie_header(state, LOGIN_CSRF_COOKIE, &token, Some(3600)).parse() {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

/// Checks the credentials, starts a session and goes where the user was heading.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> ApiResult<Response> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected, &form.csrf_token) {
        return login_form(
            &state,
            form.next.as_deref(),
            Some("The sign-in form expired. Please try again.".into()),
            &form.username,
            StatusCode::FORBIDDEN,
        );
    }
    let now = state.clock().now();
    let policy = &state.config().throttle;
    match state
        .store()
        .login(now, &form.username, &form.password, policy)
        .await?
    {
        LoginOutcome::Success(user) => {
            let session = state.store().create_session(user.id, now, policy).await?;
            let mut response = (
                StatusCode::SEE_OTHER,
                [(LOCATION, safe_next(form.next.as_deref()))],
            )
                .into_response();
            let max_age = policy.session_absolute.whole_seconds();
            for value in [
                cookie_header(&state, SESSION_COOKIE, &session.cookie, Some(max_age)),
                cookie_header(&state, LOGIN_CSRF_COOKIE, "", Some(0)),
            ] {
                if let Ok(value) = value.parse() {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            Ok(response)
        }
        LoginOutcome::Invalid => login_form(
            &state,
            form.next.as_deref(),
            Some("Wrong username or password.".into()),
            &form.username,
            StatusCode::UNAUTHORIZED,
        ),
        LoginOutcome::Throttled { until } => {
            let seconds = (until - now).whole_seconds().max(1);
            login_form(
                &state,
                form.next.as_deref(),
                Some(format!(
                    "Too many failed attempts. Try again in {seconds} seconds."
                )),
                &form.username,
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
    }
}

/// Ends the session and returns to the sign-in page.
pub async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        state
            .store()
            .logout(&current.ctx(&state), current.user(), session)
            .await?;
    }
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response();
    if let Ok(value) = cookie_header(&state, SESSION_COOKIE, "", Some(0)).parse() {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}
