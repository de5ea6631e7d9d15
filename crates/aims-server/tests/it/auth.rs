//! Browser sign-in, sessions, CSRF, throttling and the security headers.

use aims_core::access::Role;
use aims_server::ServerConfig;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use time::Duration;

use crate::both_backends;
use crate::support::*;

fn form(body: String) -> Body {
    Body::from(body)
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

both_backends! {
    async fn sign_in_sets_a_strict_http_only_cookie(backend: Backend) {
        let app = app(backend).await;
        let (session, _) = app.browser_login("governance-lead", PASSWORD).await;
        assert!(session.starts_with("aims_session="));
        let page = app.send(Method::GET, "/login", None, &[], Body::empty()).await;
        let cookie = page.cookie("aims_login_csrf").unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"));
        let me = app.send(Method::GET, "/api/v1/me", None, &[("cookie", &session)], Body::empty()).await;
        assert_eq!(me.json()["role"], "governance_lead");
        let history = app.db.store.history("user", &app.users[&Role::GovernanceLead].id.to_string()).await.unwrap();
        assert_eq!(history[0].action, "user.login");
    }

    async fn cookies_are_secure_behind_tls(backend: Backend) {
        let app = app_with(backend, ServerConfig { secure_cookies: true, ..ServerConfig::default() }).await;
        let page = app.send(Method::GET, "/login", None, &[], Body::empty()).await;
        assert!(page.cookie("aims_login_csrf").unwrap().contains("; Secure"));
        assert!(page.headers["strict-transport-security"].to_str().unwrap().contains("max-age=31536000"));
    }

    async fn forms_without_the_csrf_token_are_refused(backend: Backend) {
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("ml-engineer", PASSWORD).await;
        let body = "name=Chatbot&purpose=Answers&lifecycle_stage=idea&org_role=deployer&autonomy_level=assistive&human_oversight=human_in_the_loop";
        let refused = app.send(Method::POST, "/systems", None, &[FORM, ("cookie", &session)], form(body.into())).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let wrong = app.send(Method::POST, "/systems", None, &[FORM, ("cookie", &session)], form(format!("{body}&csrf_token=forged"))).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let json_without_header = app.send(Method::POST, "/api/v1/systems", None, &[("content-type", "application/json"), ("cookie", &session)], Body::from(r#"{"name":"a","purpose":"b"}"#)).await;
        assert_eq!(json_without_header.code(), "csrf_failed");
        assert_eq!(app.db.store.list_ai_systems(&Default::default(), &Default::default()).await.unwrap().total, 0);
        let accepted = app.send(Method::POST, "/systems", None, &[FORM, ("cookie", &session)], form(format!("{body}&csrf_token={csrf}"))).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let with_header = app.send(Method::POST, "/api/v1/systems", None, &[("content-type", "application/json"), ("cookie", &session), ("x-csrf-token", &csrf)], Body::from(r#"{"name":"b","purpose":"c"}"#)).await;
        assert_eq!(with_header.status, StatusCode::CREATED);
    }

    async fn the_login_form_itself_needs_its_token(backend: Backend) {
        let app = app(backend).await;
        let body = format!("username=admin&password={}&csrf_token=x", PASSWORD.replace(' ', "+"));
        let reply = app.send(Method::POST, "/login", None, &[FORM, ("cookie", "aims_login_csrf=y")], form(body)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.cookie("aims_session").is_none());
    }

    async fn wrong_passwords_slow_down_then_lock(backend: Backend) {
        let app = app(backend).await;
        let page = app.send(Method::GET, "/login", None, &[], Body::empty()).await;
        let cookie = page.cookie("aims_login_csrf").unwrap().split(';').next().unwrap().to_owned();
        let token = cookie.split_once('=').unwrap().1.to_owned();
        let attempt = |password: &str| format!("username=viewer&password={password}&csrf_token={token}");
        let mut statuses = Vec::new();
        for _ in 0..5 {
            let reply = app.send(Method::POST, "/login", None, &[FORM, ("cookie", &cookie)], form(attempt("wrong"))).await;
            statuses.push(reply.status);
        }
        assert_eq!(statuses[..4], [StatusCode::UNAUTHORIZED; 4]);
        assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS);
        let right = app.send(Method::POST, "/login", None, &[FORM, ("cookie", &cookie)], form(attempt(&PASSWORD.replace(' ', "+")))).await;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "checked while throttled");
        app.clock.advance(Duration::seconds(5));
        let right = app.send(Method::POST, "/login", None, &[FORM, ("cookie", &cookie)], form(attempt(&PASSWORD.replace(' ', "+")))).await;
        assert_eq!(right.status, StatusCode::SEE_OTHER);
    }

    async fn sessions_end_on_logout_and_when_idle(backend: Backend) {
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("auditor", PASSWORD).await;
        let ok = app.send(Method::GET, "/", None, &[("cookie", &session)], Body::empty()).await;
        assert_eq!(ok.status, StatusCode::OK);
        app.clock.advance(Duration::minutes(31));
        let idle = app.send(Method::GET, "/", None, &[("cookie", &session)], Body::empty()).await;
        assert_eq!(idle.status, StatusCode::SEE_OTHER);
        let (session, csrf2) = app.browser_login("auditor", PASSWORD).await;
        assert_ne!(csrf, csrf2);
        let out = app.send(Method::POST, "/logout", None, &[FORM, ("cookie", &session)], form(format!("csrf_token={csrf2}"))).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after = app.send(Method::GET, "/api/v1/me", None, &[("cookie", &session)], Body::empty()).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    }

    async fn pages_carry_strict_security_headers(backend: Backend) {
        let app = app(backend).await;
        let page = app.send(Method::GET, "/login", None, &[], Body::empty()).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        assert_eq!(page.headers["cache-control"], "no-store");
        assert!(page.headers.contains_key("x-request-id"));
        assert!(!page.body.contains("<script>"), "no inline scripts");
        assert!(!page.body.contains(" style="), "no inline styles");
    }

    async fn open_redirects_are_refused(backend: Backend) {
        let app = app(backend).await;
        let page = app.send(Method::GET, "/login?next=//evil.example/x", None, &[], Body::empty()).await;
        // minijinja escapes `/` as `&#x2f;` inside attributes.
        assert!(page.body.contains(r#"name="next" value="&#x2f;""#), "{}", page.body);
        assert!(!page.body.contains("evil.example"));
    }
}
