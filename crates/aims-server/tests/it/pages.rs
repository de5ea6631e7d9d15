//! The web UI's pages and forms, as a browser would use them (without JavaScript).

use aims_core::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::both_backends;
use crate::support::*;

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

fn system_form(name: &str, extra: &str, csrf: &str) -> Body {
    Body::from(format!(
        "name={name}&purpose=Scores+loans&lifecycle_stage=design&org_role=provider&autonomy_level=partial&human_oversight=human_in_the_loop&csrf_token={csrf}{extra}"
    ))
}

both_backends! {
    async fn register_edit_and_archive_through_forms(backend: Backend) {
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("ml-engineer", PASSWORD).await;
        let cookie = ("cookie", session.as_str());
        let new_form = app.send(Method::GET, "/systems/new", None, &[cookie], Body::empty()).await;
        assert_eq!(new_form.status, StatusCode::OK);
        assert!(new_form.body.contains(r#"<label for="name">"#));

        // Invalid input: the form comes back with the error next to the field.
        let invalid = app.send(Method::POST, "/systems", None, &[FORM, cookie], system_form("", "&next_review=someday", &csrf)).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains(r#"id="name-error""#));
        assert!(invalid.body.contains(r#"id="next_review-error""#));
        assert!(invalid.body.contains("Please correct 2 problems"));

        let created = app.send(Method::POST, "/systems", None, &[FORM, cookie], system_form("Credit+scoring", "", &csrf)).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        let location = created.headers["location"].to_str().unwrap().to_owned();
        let id = location.trim_start_matches("/systems/").split('?').next().unwrap().to_owned();
        let detail = app.send(Method::GET, &location, None, &[cookie], Body::empty()).await;
        assert!(detail.body.contains("Registered."));
        assert!(detail.body.contains("ai_system.created"));

        let list = app.send(Method::GET, "/systems?q=credit", None, &[cookie], Body::empty()).await;
        assert!(list.body.contains("Credit scoring"));
        let fragment = app.send(Method::GET, "/systems?q=credit", None, &[cookie, ("hx-request", "true")], Body::empty()).await;
        assert!(fragment.body.contains("Credit scoring") && !fragment.body.contains("<html"));

        let edit = app.send(Method::GET, &format!("/systems/{id}/edit"), None, &[cookie], Body::empty()).await;
        assert!(edit.body.contains(r#"name="version" value="1""#));
        let saved = app.send(Method::POST, &format!("/systems/{id}"), None, &[FORM, cookie], system_form("Credit+scoring+v2", "&version=1", &csrf)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let detail = app.send(Method::GET, &format!("/systems/{id}"), None, &[cookie], Body::empty()).await;
        assert!(detail.body.contains("changed name"), "the history says what changed");
        assert!(detail.body.contains(">ML engineer</span>"), "and who changed it, by name");
        let stale = app.send(Method::POST, &format!("/systems/{id}"), None, &[FORM, cookie], system_form("Lost+edit", "&version=1", &csrf)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Lost edit"), "the user's input is kept");

        // Archiving needs a role that may archive.
        let (lead, lead_csrf) = app.browser_login("governance-lead", PASSWORD).await;
        let archived = app.send(Method::POST, &format!("/systems/{id}/archive"), None, &[FORM, ("cookie", &lead)], Body::from(format!("version=2&csrf_token={lead_csrf}"))).await;
        assert_eq!(archived.status, StatusCode::SEE_OTHER);
        let history = app.db.store.history("ai_system", &id).await.unwrap();
        assert_eq!(history.len(), 3);
    }

    async fn dashboard_shows_real_counts(backend: Backend) {
        let app = app(backend).await;
        app.create_system("One").await;
        app.create_system("Two").await;
        let page = app.send(Method::GET, "/", Some(app.token(Role::Viewer)), &[], Body::empty()).await;
        assert!(page.body.contains(r#"<span class="figure">2</span><span>AI systems"#), "{}", page.body);
        assert!(!page.body.contains("Latest changes"), "viewers do not see the audit trail");
        let page = app.send(Method::GET, "/", Some(app.token(Role::Auditor)), &[], Body::empty()).await;
        assert!(page.body.contains("Latest changes"));
    }

    async fn admins_manage_users_and_everyone_their_tokens(backend: Backend) {
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("admin", PASSWORD).await;
        let cookie = ("cookie", session.as_str());
        let short = app.send(Method::POST, "/admin/users", None, &[FORM, cookie], Body::from(format!("username=newbie&display_name=&role=viewer&password=short&csrf_token={csrf}"))).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.body.contains("at least 12 characters"));
        let added = app.send(Method::POST, "/admin/users", None, &[FORM, cookie], Body::from(format!("username=newbie&display_name=New&role=viewer&password=long+enough+password&csrf_token={csrf}"))).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        let users = app.send(Method::GET, "/admin/users", None, &[cookie], Body::empty()).await;
        assert!(users.body.contains("newbie"));

        let created = app.send(Method::POST, "/account/tokens", None, &[FORM, cookie], Body::from(format!("name=ci&expires_in_days=30&csrf_token={csrf}"))).await;
        assert_eq!(created.status, StatusCode::CREATED);
        assert!(created.body.contains("aims_"), "the secret is shown once");
        let again = app.send(Method::GET, "/account/tokens", None, &[cookie], Body::empty()).await;
        assert!(!again.body.contains("id=\"new-secret\""), "and never again");
    }

    async fn the_ledger_page_shows_the_signed_head(backend: Backend) {
        let app = app(backend).await;
        let page = app.send(Method::GET, "/ledger", Some(app.token(Role::ExternalAuditor)), &[], Body::empty()).await;
        assert_eq!(page.status, StatusCode::OK);
        let head = app.db.store.ledger_head().await.unwrap();
        assert!(page.body.contains(&head.root), "the root is shown");
        assert!(page.body.contains("— aims.test&#x2f;ledger"), "the signed note is shown");
        assert!(page.body.contains("&#x2f;api&#x2f;v1&#x2f;ledger&#x2f;entries&#x2f;0&#x2f;proof") || page.body.contains("/api/v1/ledger/entries/0/proof"), "each entry offers its proof");
        assert!(page.body.contains("user.created"));
    }

    async fn errors_in_the_browser_are_pages(backend: Backend) {
        let app = app(backend).await;
        let page = app.send(Method::GET, "/systems/6f1c2e9a-0000-4000-8000-000000000000", Some(app.token(Role::Viewer)), &[("accept", "text/html")], Body::empty()).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("<h1>Not found</h1>"));
        let forbidden = app.send(Method::GET, "/admin/users", Some(app.token(Role::Viewer)), &[("accept", "text/html")], Body::empty()).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert!(forbidden.body.contains("Not allowed"));
    }
}

#[test]
fn the_committed_openapi_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = aims_server::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p aims-server openapi` and commit it"
    );
    let document: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    // Every API route in the table is documented.
    for spec in aims_server::route_table() {
        if spec.path.starts_with("/api/v1/") && spec.path != "/api/v1/openapi.json" {
            let documented = &document["paths"][spec.path][spec.method.to_lowercase()];
            assert!(
                documented.is_object(),
                "{} {} is not in the OpenAPI document",
                spec.method,
                spec.path
            );
        }
    }
}
