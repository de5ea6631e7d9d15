//! Bad input of every kind gets a clear error naming the field and writes nothing.

use aims_core::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both_backends;
use crate::support::*;

async fn post_raw(app: &TestApp, body: impl Into<Body>, content_type: &str) -> Reply {
    app.send(
        Method::POST,
        "/api/v1/systems",
        Some(app.token(Role::Admin)),
        &[("content-type", content_type)],
        body.into(),
    )
    .await
}

async fn ledger_size(app: &TestApp) -> u64 {
    app.db.store.ledger_head().await.unwrap().size
}

both_backends! {
    async fn malformed_and_mistyped_json_names_the_problem(backend: Backend) {
        let app = app(backend).await;
        let before = ledger_size(&app).await;
        let cases: Vec<(Vec<u8>, StatusCode, &str, Option<&str>)> = vec![
            (b"{\"name\": ".to_vec(), StatusCode::BAD_REQUEST, "malformed_json", None),
            (b"[1, 2]".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", None),
            (br#"{"name": 5, "purpose": "p"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("name")),
            (br#"{"purpose": "p"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("name")),
            (br#"{"name": "a", "purpose": "p", "colour": "red"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("colour")),
            (br#"{"name": "a", "purpose": "p", "lifecycle_stage": "launched"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("lifecycle_stage")),
            (b"{\"name\": \"\xff\xfe\", \"purpose\": \"p\"}".to_vec(), StatusCode::BAD_REQUEST, "malformed_json", None),
            (br#"{"name": "", "purpose": "  "}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", Some("name")),
            (format!(r#"{{"name": "{}", "purpose": "p"}}"#, "n".repeat(5000)).into_bytes(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", Some("name")),
            (br#"{"name": "a", "purpose": "p", "next_review": "31/12/2026"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", Some("next_review")),
        ];
        for (body, status, code, field) in cases {
            let reply = post_raw(&app, body.clone(), "application/json").await;
            assert_eq!(reply.status, status, "{}: {}", String::from_utf8_lossy(&body), reply.body);
            assert_eq!(reply.code(), code, "{}", reply.body);
            let error = &reply.json()["error"];
            if let Some(field) = field {
                assert_eq!(error["field"], field, "{}", reply.body);
            }
            assert!(!error["message"].as_str().unwrap().is_empty());
            // The body's request id is the one in the response header, for support.
            assert_eq!(error["request_id"], reply.headers["x-request-id"].to_str().unwrap());
        }
        assert_eq!(ledger_size(&app).await, before, "a rejected request wrote something");
    }

    async fn validation_reports_every_field(backend: Backend) {
        let app = app(backend).await;
        let reply = app.json(Method::POST, "/api/v1/systems", Role::Admin, &json!({"name": "", "purpose": "", "owner": "x".repeat(300)})).await;
        let details = reply.json()["error"]["details"].as_array().unwrap().clone();
        let fields: Vec<_> = details.iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, ["name", "purpose", "owner"]);
    }

    async fn oversized_bodies_are_refused(backend: Backend) {
        let app = app(backend).await;
        let huge = format!(r#"{{"name": "a", "purpose": "{}"}}"#, "p".repeat(2 * 1024 * 1024));
        let reply = post_raw(&app, huge, "application/json").await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(reply.code(), "payload_too_large");
    }

    async fn wrong_content_type_is_refused(backend: Backend) {
        let app = app(backend).await;
        let reply = post_raw(&app, r#"{"name": "a", "purpose": "p"}"#, "text/plain").await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    async fn sql_and_html_are_stored_as_text_and_shown_escaped(backend: Backend) {
        let app = app(backend).await;
        let name = "x'); DROP TABLE ai_systems; -- <script>alert('x')</script>";
        let reply = app.json(Method::POST, "/api/v1/systems", Role::Admin, &json!({"name": name, "purpose": "<b>bold</b> & \"quoted\""})).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(app.get(&format!("/api/v1/systems/{id}"), Role::Viewer).await.json()["name"], name);
        let page = app.send(Method::GET, &format!("/systems/{id}"), Some(app.token(Role::Viewer)), &[("accept", "text/html")], Body::empty()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<script>alert"), "unescaped HTML in the page");
        assert!(page.body.contains("&lt;script&gt;alert("));
        assert!(page.body.contains("&lt;b&gt;bold&lt;&#x2f;b&gt;") || page.body.contains("&lt;b&gt;bold&lt;/b&gt;"));
        let list = app.get("/api/v1/systems", Role::Viewer).await.json();
        assert_eq!(list["total"], 1);
    }

    async fn unknown_and_malformed_ids_are_not_found(backend: Backend) {
        let app = app(backend).await;
        for path in ["/api/v1/systems/6f1c2e9a-0000-4000-8000-000000000000", "/api/v1/systems/not-a-uuid", "/api/v1/systems/1%27%20OR%201=1"] {
            let reply = app.get(path, Role::Admin).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(reply.code(), "not_found");
        }
        let reply = app.json(Method::PATCH, "/api/v1/systems/6f1c2e9a-0000-4000-8000-000000000000", Role::Admin, &json!({"version": 1})).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = app.get("/api/v1/nothing-here", Role::Admin).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = app.send(Method::PUT, "/api/v1/systems", Some(app.token(Role::Admin)), &[], Body::empty()).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(reply.code(), "method_not_allowed");
    }
}
