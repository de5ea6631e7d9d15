//! The AI system register through the API.

use aims_core::access::Role;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends! {
    async fn create_read_update_archive_with_history(backend: Backend) {
        let app = app(backend).await;
        let created = app.create_system("Credit scoring").await;
        let id = created["id"].as_str().unwrap();
        assert_eq!(created["lifecycle_stage"], "idea");
        assert_eq!(created["version"], 1);

        let reply = app.get(&format!("/api/v1/systems/{id}"), Role::Viewer).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["name"], "Credit scoring");

        // The stage is not an edit: it moves through change requests.
        let refused = json!({"version": 1, "lifecycle_stage": "deployed"});
        let reply = app.json(Method::PATCH, &format!("/api/v1/systems/{id}"), Role::RiskOwner, &refused).await;
        assert_eq!((reply.status, reply.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lifecycle_stage")));
        let patch = json!({"version": 1, "owner": "Lending"});
        let reply = app.json(Method::PATCH, &format!("/api/v1/systems/{id}"), Role::RiskOwner, &patch).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["version"], 2);

        let reply = app.json(Method::POST, &format!("/api/v1/systems/{id}/archive"), Role::GovernanceLead, &json!({"version": 2})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["archived"], true);

        let history = app.get(&format!("/api/v1/systems/{id}/history"), Role::Auditor).await.json();
        let actions: Vec<_> = history.as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(actions, ["ai_system.archived", "ai_system.updated", "ai_system.created"]);
        let risk_owner = app.users[&Role::RiskOwner].id;
        assert_eq!(history[1]["actor"], format!("user:{risk_owner}"));
        assert_eq!(history[1]["state"]["owner"], "Lending");
    }

    async fn list_filters_sorts_and_pages(backend: Backend) {
        let app = app(backend).await;
        for name in ["Alpha", "Beta", "Gamma"] {
            app.create_system(name).await;
        }
        let page = app.get("/api/v1/systems?limit=2&sort=name&order=desc", Role::Viewer).await.json();
        assert_eq!(page["total"], 3);
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        assert_eq!(page["items"][0]["name"], "Gamma");
        let page = app.get("/api/v1/systems?q=alp", Role::Viewer).await.json();
        assert_eq!(page["total"], 1);
        // Empty parameters (as a filter form sends them) mean "no filter".
        let page = app.get("/api/v1/systems?lifecycle_stage=&q=", Role::Viewer).await.json();
        assert_eq!(page["total"], 3);
        let reply = app.get("/api/v1/systems?lifecycle_stage=launched", Role::Viewer).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.code(), "invalid_query");
        let reply = app.get("/api/v1/systems?colour=red", Role::Viewer).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn stale_updates_conflict_and_lose_nothing(backend: Backend) {
        let app = app(backend).await;
        let created = app.create_system("Chatbot").await;
        let id = created["id"].as_str().unwrap();
        let path = format!("/api/v1/systems/{id}");
        let first = app.json(Method::PATCH, &path, Role::MlEngineer, &json!({"version": 1, "owner": "Team A"})).await;
        assert_eq!(first.status, StatusCode::OK);
        let second = app.json(Method::PATCH, &path, Role::RiskOwner, &json!({"version": 1, "owner": "Team B"})).await;
        assert_eq!(second.status, StatusCode::CONFLICT);
        assert_eq!(second.code(), "stale_version");
        assert_eq!(second.json()["error"]["field"], "version");
        assert_eq!(app.get(&path, Role::Viewer).await.json()["owner"], "Team A");
    }

    async fn tokens_are_shown_once_and_revocable(backend: Backend) {
        let app = app(backend).await;
        let reply = app.json(Method::POST, "/api/v1/tokens", Role::Auditor, &json!({"name": "evidence export"})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let secret = reply.json()["secret"].as_str().unwrap().to_owned();
        let id = reply.json()["token"]["id"].as_str().unwrap().to_owned();
        let me = app.send(Method::GET, "/api/v1/me", Some(&secret), &[], axum::body::Body::empty()).await;
        assert_eq!(me.json()["role"], "auditor");
        let listed = app.get("/api/v1/tokens", Role::Auditor).await;
        assert!(!listed.body.contains(&secret), "the secret must never be listed");
        // Someone else's token is invisible, even to revoke.
        let other = app.send(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(app.token(Role::Viewer)), &[], axum::body::Body::empty()).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let revoked = app.send(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(app.token(Role::Auditor)), &[], axum::body::Body::empty()).await;
        assert_eq!(revoked.status, StatusCode::OK);
        let me = app.send(Method::GET, "/api/v1/me", Some(&secret), &[], axum::body::Body::empty()).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
        let all = app.get("/api/v1/tokens?all=true", Role::Auditor).await;
        assert_eq!(all.status, StatusCode::FORBIDDEN);
    }

    async fn users_are_administered_over_the_api(backend: Backend) {
        let app = app(backend).await;
        let reply = app.json(Method::POST, "/api/v1/users", Role::Admin, &json!({"username": "New.Person", "role": "risk_owner", "password": PASSWORD})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert!(!reply.body.contains("argon2") && !reply.body.contains(PASSWORD));
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        let reply = app.json(Method::PATCH, &format!("/api/v1/users/{id}"), Role::Admin, &json!({"version": 1, "role": "viewer"})).await;
        assert_eq!(reply.json()["role"], "viewer");
        let reply = app.json(Method::POST, "/api/v1/users", Role::Admin, &json!({"username": "x", "role": "root", "password": PASSWORD})).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json()["error"]["field"], "role");
    }

    async fn the_ledger_api_serves_proofs_that_verify(backend: Backend) {
        let app = app(backend).await;
        app.create_system("Fraud detector").await;
        let head = app.get("/api/v1/ledger/head", Role::ExternalAuditor).await.json();
        assert!(head["size"].as_u64().unwrap() >= 15);
        let key = app.get("/api/v1/ledger/key", Role::ExternalAuditor).await.body;
        let verifier = aims_ledger::note::Verifier::from_vkey(key.trim()).unwrap();
        let proof = app.get("/api/v1/ledger/entries/3/proof", Role::ExternalAuditor).await;
        let bundle = aims_ledger::bundle::ProofBundle::parse(&proof.body).unwrap();
        let leaf = aims_ledger::merkle::leaf_hash(bundle.extra.as_ref().unwrap());
        bundle.verify(&leaf, &verifier).unwrap();
        let report = app.send(Method::POST, "/api/v1/ledger/verify", Some(app.token(Role::Auditor)), &[], axum::body::Body::empty()).await.json();
        assert_eq!(report["problems"].as_array().unwrap().len(), 0, "{report}");
        let missing = app.get("/api/v1/ledger/entries/99999/proof", Role::Auditor).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let entries = app.get("/api/v1/ledger/entries?limit=5", Role::Auditor).await.json();
        assert_eq!(entries.as_array().unwrap().len(), 5);
    }
}
