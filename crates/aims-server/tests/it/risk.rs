//! The risk register over HTTP: cascading from a vendor, acceptance authority, treatments,
//! impact assessments feeding the deployment gate, and the CSV and JSON round trips.

use aims_core::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

async fn send(app: &TestApp, method: Method, path: &str, role: Role, body: &Value) -> Reply {
    app.json(method, path, role, body).await
}

both_backends! {
    async fn the_register_cascades_treats_assesses_and_round_trips(backend: Backend) {
        let app = app(backend).await;
        let vendor = send(&app, Method::POST, "/api/v1/inventory/vendor", Role::MlEngineer, &json!({"name": "Bureau", "supplies": ["data"]})).await.json();
        let dataset = send(&app, Method::POST, "/api/v1/inventory/dataset", Role::MlEngineer, &json!({"name": "Bureau records", "vendor_id": vendor["id"]})).await.json();
        let system = app.create_system("Credit scoring").await;
        let sid = system["id"].as_str().unwrap().to_owned();
        let link = send(&app, Method::POST, "/api/v1/links", Role::MlEngineer, &json!({"from": format!("ai_system:{sid}"), "relation": "uses_dataset", "to": format!("dataset:{}", dataset["id"].as_str().unwrap())})).await;
        assert_eq!(link.status, StatusCode::CREATED);

        let risk = |title: &str, subject: String, l: u8, i: u8| json!({"title": title, "subject": subject, "risk_source": "C.3.4", "objective": "C.2.5", "inherent_likelihood": l, "inherent_impact": i});
        let vendor_risk = send(&app, Method::POST, "/api/v1/risks", Role::RiskOwner, &risk("Bureau data errors", format!("vendor:{}", vendor["id"].as_str().unwrap()), 4, 4)).await;
        assert_eq!(vendor_risk.status, StatusCode::CREATED, "{}", vendor_risk.body);
        assert_eq!(vendor_risk.json()["residual_level"], "high");
        let bad = send(&app, Method::POST, "/api/v1/risks", Role::RiskOwner, &risk("x", format!("ai_system:{sid}"), 7, 1)).await;
        assert_eq!((bad.status, bad.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("inherent_likelihood")));
        // Viewers read but do not write.
        assert_eq!(send(&app, Method::POST, "/api/v1/risks", Role::Viewer, &risk("x", format!("ai_system:{sid}"), 1, 1)).await.status, StatusCode::FORBIDDEN);

        // The vendor's risk shows on the system, with the path, and holds its deploy gate.
        let on_system = app.get(&format!("/api/v1/systems/{sid}/risks"), Role::Viewer).await.json();
        assert_eq!(on_system.as_array().unwrap().len(), 1);
        assert_eq!(on_system[0]["path"].as_array().unwrap().len(), 2, "system → dataset → vendor");
        let critical = send(&app, Method::POST, "/api/v1/risks", Role::RiskOwner, &risk("Unlawful refusals", format!("ai_system:{sid}"), 5, 5)).await.json();
        let refused = send(&app, Method::POST, &format!("/api/v1/risks/R-{}/acceptance", critical["number"]), Role::RiskOwner, &json!({"reason": "business need", "expires_on": "2027-01-31"})).await;
        assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "no_authority".to_owned()));
        let accepted = send(&app, Method::POST, &format!("/api/v1/risks/R-{}/acceptance", critical["number"]), Role::GovernanceLead, &json!({"reason": "pilot with human review", "expires_on": "2027-01-31"})).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let action = send(&app, Method::POST, "/api/v1/risks/R-1/actions", Role::RiskOwner, &json!({"title": "Reconcile bureau records monthly", "owner": "Data ops", "due": "2026-12-20", "validation_criteria": "error rate under 0.5%", "controls": ["A.7.4", "A.10.3"]})).await;
        assert_eq!(action.status, StatusCode::CREATED, "{}", action.body);
        assert_eq!(app.get("/api/v1/risks/R-1", Role::Viewer).await.json()["treated"], true);

        // The impact assessment: frozen once approved, and then the gate holds.
        let started = send(&app, Method::POST, &format!("/api/v1/systems/{sid}/assessments"), Role::RiskOwner, &json!({"template": "lending"})).await.json();
        let aid = started["id"].as_str().unwrap().to_owned();
        let sections: serde_json::Map<String, Value> = aims_core::risk::assessment::Template::Lending.sections().iter().map(|s| (s.id.to_owned(), json!(format!("{} covered", s.title)))).collect();
        let saved = send(&app, Method::PUT, &format!("/api/v1/assessments/{aid}"), Role::RiskOwner, &json!({"version": 1, "answers": sections})).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(send(&app, Method::POST, &format!("/api/v1/assessments/{aid}/approve"), Role::RiskOwner, &json!({})).await.status, StatusCode::FORBIDDEN);
        let approved = send(&app, Method::POST, &format!("/api/v1/assessments/{aid}/approve"), Role::GovernanceLead, &json!({})).await;
        assert_eq!(approved.json()["status"], "approved", "{}", approved.body);
        let frozen = send(&app, Method::PUT, &format!("/api/v1/assessments/{aid}"), Role::RiskOwner, &json!({"version": 3, "answers": {}})).await;
        assert_eq!(frozen.status, StatusCode::CONFLICT);

        // CSV round trip: export, re-import, nothing changes.
        let csv = app.get("/api/v1/risks/export?format=csv", Role::Auditor).await.body;
        assert!(csv.starts_with("id,title,description,subject"));
        let reimport = app.send(Method::POST, "/api/v1/risks/import", Some(app.token(Role::RiskOwner)), &[("content-type", "text/csv")], Body::from(csv.clone())).await;
        assert_eq!(reimport.status, StatusCode::OK, "{}", reimport.body);
        assert_eq!(reimport.json(), json!({"created": 0, "updated": 0}));
        assert_eq!(app.get("/api/v1/risks/export?format=csv", Role::Auditor).await.body, csv);
        // JSON round trip the same way.
        let rows = app.get("/api/v1/risks/export?format=json", Role::Auditor).await.body;
        let again = app.send(Method::POST, "/api/v1/risks/import", Some(app.token(Role::RiskOwner)), &[("content-type", "application/json")], Body::from(rows)).await;
        assert_eq!(again.json(), json!({"created": 0, "updated": 0}), "{}", again.body);
        // Bad files name the line and column and import nothing.
        let bad = format!("id,title,subject,inherent_likelihood,inherent_impact,colour\n,New,ai_system:{sid},1,1,red\n");
        let reply = app.send(Method::POST, "/api/v1/risks/import", Some(app.token(Role::RiskOwner)), &[("content-type", "text/csv")], Body::from(bad)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("line 1, column colour"), "{}", reply.body);
        let bad = format!("id,title,subject,inherent_likelihood,inherent_impact\nR-1,Dup,ai_system:{sid},1,1\nR-1,Dup,ai_system:{sid},9,1\n");
        let reply = app.send(Method::POST, "/api/v1/risks/import", Some(app.token(Role::RiskOwner)), &[("content-type", "text/csv")], Body::from(bad)).await;
        assert!(reply.body.contains("line 3, column id") && reply.body.contains("line 3, column inherent_likelihood"), "{}", reply.body);
        assert_eq!(app.get("/api/v1/risks", Role::Viewer).await.json().as_array().unwrap().len(), 2);

        for path in ["/risks", "/risks/R-1", "/risks/1/edit", "/risks/new", "/risks/methodology", &format!("/assessments/{aid}"), &format!("/systems/{sid}")] {
            let page = app.get(path, Role::GovernanceLead).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        }
        let register = app.get("/risks", Role::Viewer).await.body;
        assert!(register.contains("Residual risk heat map") && register.contains("R-1 Bureau data errors"));
        assert!(register.contains("Trend over 1 day"), "the register records today's figures");
        let trend = app.db.store.risk_history(30).await.unwrap();
        assert_eq!((trend.len(), trend[0].above_appetite, trend[0].untreated), (1, 2, 0));
        let svg = app.get("/api/v1/risks/heatmap", Role::Viewer).await;
        assert!(svg.body.starts_with("<svg"));
        let verify = app.send(Method::POST, "/api/v1/ledger/verify", Some(app.token(Role::Auditor)), &[], Body::empty()).await.json();
        assert_eq!(verify["problems"].as_array().map(Vec::len), Some(0), "{verify}");
    }
}

both_backends! {
    async fn classifications_come_up_for_review_when_the_law_data_or_methodology_changes(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Screening").await;
        let sid: uuid::Uuid = system["id"].as_str().unwrap().parse().unwrap();
        let ctx = aims_store::testing::TestDb::system_ctx(T0);
        let answers = aims_core::risk::classification::IntakeAnswers::example_credit_scoring();
        // Classified against older EU AI Act data than the catalogue now holds.
        app.db.store.classify_system(&ctx, sid, answers.clone(), 0, "0.9.0").await.unwrap();
        let work = app.get("/api/v1/my-work", Role::RiskOwner).await.json();
        let review = work.as_array().unwrap().iter().find(|w| w["title"] == "Review the classification of Screening").expect("a review");
        assert!(review["detail"].as_str().unwrap().contains("EU AI Act data changed"), "{review}");
        // Re-classifying through the API records the current data: the review goes away.
        let reply = send(&app, Method::PUT, &format!("/api/v1/systems/{sid}/classification"), Role::RiskOwner, &json!({"version": 1, "answers": answers})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let work = app.get("/api/v1/my-work", Role::RiskOwner).await.json();
        assert!(!work.as_array().unwrap().iter().any(|w| w["title"] == "Review the classification of Screening"), "{work}");
        // A new methodology brings it back.
        let methodology = app.get("/api/v1/risk-methodology", Role::Viewer).await.json();
        let later = aims_store::testing::TestDb::system_ctx(T0 + time::Duration::hours(1));
        let m: aims_core::risk::methodology::Methodology = serde_json::from_value(methodology["methodology"].clone()).unwrap();
        app.db.store.approve_methodology(&later, m, 0).await.unwrap();
        let work = app.get("/api/v1/my-work", Role::RiskOwner).await.json();
        let review = work.as_array().unwrap().iter().find(|w| w["title"] == "Review the classification of Screening").expect("a review");
        assert!(review["detail"].as_str().unwrap().contains("methodology changed"), "{review}");
        // Viewers have no risk work.
        assert!(app.get("/api/v1/my-work", Role::Viewer).await.json().as_array().unwrap().iter().all(|w| w["kind"] != "review" || !w["title"].as_str().unwrap().contains("classification")));
    }
}
