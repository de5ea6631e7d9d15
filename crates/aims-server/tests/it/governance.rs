//! The inventory and governance over HTTP: registering a model version trained on a
//! registered dataset, the deployment request with its gates, segregation of duties, two
//! approvals, and the pages that show all of it.

use aims_core::access::Role;
use aims_core::user::{NewApiToken, NewUser};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    app.send(
        Method::POST,
        path,
        Some(token),
        &[("content-type", "application/json")],
        Body::from(body.to_string()),
    )
    .await
}

both_backends! {
    async fn a_transition_goes_through_gates_waivers_and_segregation_of_duties(backend: Backend) {
        let app = app(backend).await;
        let engineer = app.token(Role::MlEngineer).to_owned();
        let lead = app.token(Role::GovernanceLead).to_owned();
        // A second governance lead.
        let ctx = aims_store::testing::TestDb::system_ctx(T0);
        let second = app.db.store.create_user(&ctx, NewUser { username: "gil".into(), display_name: "Gil Lead".into(), role: Role::GovernanceLead, password: "a long enough password".into() }).await.unwrap();
        let (_, second_token) = app.db.store.create_token(&ctx, second.id, NewApiToken { name: "t".into(), expires_in_days: 5 }).await.unwrap();

        let dataset = post(&app, "/api/v1/inventory/dataset", &engineer, &json!({"name": "Loan applications", "sensitive_attributes": ["sex", "age"]})).await;
        assert_eq!(dataset.status, StatusCode::CREATED, "{}", dataset.body);
        let dv = post(&app, "/api/v1/inventory/dataset_version", &engineer, &json!({"dataset_id": dataset.json()["id"], "version": "2026-11", "row_count": 10000})).await.json();
        let model = post(&app, "/api/v1/inventory/model", &engineer, &json!({"name": "credit-pd", "owner": "Maya"})).await.json();
        let mv = post(&app, "/api/v1/inventory/model_version", &engineer, &json!({"model_id": model["id"], "version": "3", "training_datasets": [dv["id"]], "intended_use": "consumer credit", "limitations": "not for business loans"})).await;
        assert_eq!(mv.status, StatusCode::CREATED, "{}", mv.body);
        let mv = mv.json();
        // A bad reference is named.
        let bad = post(&app, "/api/v1/inventory/model_version", &engineer, &json!({"model_id": dataset.json()["id"], "version": "x"})).await;
        assert_eq!((bad.status, bad.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("model_id")));

        let system = post(&app, "/api/v1/systems", &engineer, &json!({"name": "Credit scoring", "purpose": "scores loan applications", "owner": "Rory", "lifecycle_stage": "design"})).await.json();
        let sid = system["id"].as_str().unwrap().to_owned();
        let link = post(&app, "/api/v1/links", &engineer, &json!({"from": format!("ai_system:{sid}"), "relation": "uses_model", "to": format!("model_version:{}", mv["id"].as_str().unwrap())})).await;
        assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);

        // Unclassified, the system is judged as high: the deploy gate lists what is missing.
        let checks = app.get(&format!("/api/v1/transitions/ai_system/{sid}"), Role::MlEngineer).await.json();
        let first = &checks[0];
        assert_eq!(first["transition"]["name"], "advance");
        assert_eq!(first["tier"], "high");
        let missing: Vec<&str> = first["gates"].as_array().unwrap().iter().filter(|g| g["met"] == false).map(|g| g["requirement"].as_str().unwrap()).collect();
        assert_eq!(missing, ["classified"]);
        let refused = post(&app, "/api/v1/changes", &engineer, &json!({"subject_type": "ai_system", "subject_id": sid, "transition": "advance", "reason": "start design"})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("Impact classification recorded"), "{}", refused.body);

        // A waiver from a governance lead lets it through; an engineer may not grant one.
        let waiver = json!({"subject_type": "ai_system", "subject_id": sid, "requirement": "classified", "reason": "classification workshop next week", "expires_on": "2026-12-20"});
        assert_eq!(post(&app, "/api/v1/waivers", &engineer, &waiver).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&app, "/api/v1/waivers", &lead, &waiver).await.status, StatusCode::CREATED);
        let request = post(&app, "/api/v1/changes", &engineer, &json!({"subject_type": "ai_system", "subject_id": sid, "transition": "advance", "reason": "start design"})).await;
        assert_eq!(request.status, StatusCode::CREATED, "{}", request.body);
        let number = request.json()["number"].as_i64().unwrap();
        assert_eq!(request.json()["rule"]["quorum"], 1);

        // The requester is refused with the reason; the pending request is on the lead's list.
        let own = post(&app, &format!("/api/v1/changes/{number}/decisions"), &engineer, &json!({"decision": "approve"})).await;
        assert_eq!((own.status, own.code()), (StatusCode::FORBIDDEN, "segregation_of_duties".to_owned()));
        let work = app.get("/api/v1/my-work", Role::GovernanceLead).await.json();
        assert!(work.as_array().unwrap().iter().any(|w| w["kind"] == "approve"), "{work}");
        let no_reason = post(&app, &format!("/api/v1/changes/{number}/decisions"), &lead, &json!({"decision": "reject"})).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let applied = post(&app, &format!("/api/v1/changes/{number}/decisions"), &second_token, &json!({"decision": "approve", "comment": "fine"})).await;
        assert_eq!(applied.json()["status"], "applied", "{}", applied.body);
        let system = app.get(&format!("/api/v1/systems/{sid}"), Role::Viewer).await.json();
        assert_eq!(system["lifecycle_stage"], "development");

        // The dependency graph from the dataset reaches the system, with the path.
        let graph = app.get(&format!("/api/v1/graph?node=dataset:{}&direction=dependents", dataset.json()["id"].as_str().unwrap()), Role::Viewer).await.json();
        let hit = graph["reached"].as_array().unwrap().iter().find(|r| r["node"]["kind"] == "ai_system").unwrap();
        assert_eq!(hit["depth"], 3, "system → model version → dataset version → dataset");

        // The pages render the records, the gates and the request.
        for path in ["/inventory", "/inventory/graph", "/inventory/model_version", &format!("/inventory/model_version/{}", mv["id"].as_str().unwrap()), &format!("/systems/{sid}"), &format!("/changes/{number}"), "/changes", "/waivers", "/my-work", &format!("/systems/{sid}/classification"), "/inventory/vendor/new"] {
            let page = app.get(path, Role::GovernanceLead).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        }
        let page = app.get(&format!("/systems/{sid}"), Role::MlEngineer).await.body;
        assert!(page.contains("credit-pd v3") && page.contains("Impact classification"));
        let verify = app.send(Method::POST, "/api/v1/ledger/verify", Some(app.token(Role::Auditor)), &[], Body::empty()).await.json();
        assert_eq!(verify["problems"].as_array().map(Vec::len), Some(0), "{verify}");
    }
}

both_backends! {
    async fn forms_register_records_link_them_and_reject_bad_input_by_field(backend: Backend) {
        const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("ml-engineer", PASSWORD).await;
        let cookie = ("cookie", session.as_str());
        let post = |path: String, body: String| {
            let app = &app;
            async move { app.send(Method::POST, &path, None, &[FORM, cookie], Body::from(body)).await }
        };
        // A vendor through the generic form: choices as repeated keys, tables as lines.
        let created = post("/inventory/vendor".into(), format!("csrf_token={csrf}&record_version=0&name=Bureau&supplies=data&supplies=service&responsibilities=Accuracy+%7C+vendor%0ALawful+basis+%7C+us&assessment.governance=3&assessment.security=4")).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let location = created.headers["location"].to_str().unwrap().to_owned();
        let page = app.send(Method::GET, &location, None, &[cookie], Body::empty()).await.body;
        assert!(page.contains("Lawful basis") && page.contains("conditional"), "{page}");
        // Bad input comes back with the problems next to their fields, nothing written.
        let size = app.db.store.ledger_head().await.unwrap().size;
        let invalid = post("/inventory/vendor".into(), format!("csrf_token={csrf}&record_version=0&name=&contract_end=31%2F12&assessment.governance=9")).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        for id in ["name-error", "supplies-error", "contract_end-error", "assessment-error"] {
            assert!(invalid.body.contains(&format!("id=\"{id}\"")), "{id}: {}", invalid.body);
        }
        assert_eq!(app.db.store.ledger_head().await.unwrap().size, size);

        // A system depends on the vendor through the dependency form.
        let system = app.create_system("Scoring").await;
        let sid = system["id"].as_str().unwrap().to_owned();
        let vendor_id = location.trim_start_matches("/inventory/vendor/").split('?').next().unwrap().to_owned();
        let linked = post(format!("/systems/{sid}/links"), format!("csrf_token={csrf}&relation=supplied_by&to=vendor%3A{vendor_id}&direction=&data=")).await;
        assert_eq!(linked.status, StatusCode::SEE_OTHER);
        assert!(linked.headers["location"].to_str().unwrap().contains("notice=linked"));
        let wrong = post(format!("/systems/{sid}/links"), format!("csrf_token={csrf}&relation=uses_model&to=vendor%3A{vendor_id}")).await;
        assert!(wrong.headers["location"].to_str().unwrap().contains("error="), "a vendor is not a model");
        let page = app.send(Method::GET, &format!("/systems/{sid}"), None, &[cookie], Body::empty()).await.body;
        assert!(page.contains("supplied by") && page.contains("Bureau"));
        // Without the CSRF token the form is refused.
        let forged = app.send(Method::POST, &format!("/systems/{sid}/links"), None, &[FORM, cookie], Body::from(format!("relation=supplied_by&to=vendor%3A{vendor_id}"))).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
}
