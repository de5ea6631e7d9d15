//! Frameworks, applied controls, the Statement of Applicability and its exports, clauses.

use aims_core::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

fn decide(applicable: bool) -> Value {
    if applicable {
        json!({"version": 0, "applicability": "applicable", "justification": "Needed to treat our AI risks.", "implementation_status": "implemented", "owner": "Governance office"})
    } else {
        json!({"version": 0, "applicability": "not_applicable", "justification": "We do not develop AI systems in-house.", "implementation_status": "not_applicable"})
    }
}

async fn decide_all(app: &TestApp) -> Vec<String> {
    let rows = app.get("/api/v1/soa", Role::Viewer).await.json();
    let mut ids = Vec::new();
    for (index, row) in rows.as_array().unwrap().iter().enumerate() {
        let id = row["control_id"].as_str().unwrap().to_owned();
        let mut decision = decide(index % 5 != 0);
        decision["version"] = row["version"].clone();
        let reply = app
            .json(
                Method::PUT,
                &format!("/api/v1/soa/{id}"),
                Role::RiskOwner,
                &decision,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{id}: {}", reply.body);
        ids.push(id);
    }
    ids
}

fn schema_validator(name: &str) -> jsonschema::Validator {
    let path = format!(
        "{}/../../../shared/schemas/oscal-1.2.3/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, document: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "OSCAL schema errors: {errors:#?}");
}

both_backends! {
    async fn the_soa_lists_all_38_controls_and_needs_justifications(backend: Backend) {
        let app = app(backend).await;
        let rows = app.get("/api/v1/soa", Role::ExternalAuditor).await.json();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 38);
        assert_eq!(rows[0]["control_id"], "A.2.2");
        assert_eq!(rows[37]["control_id"], "A.10.4");
        assert!(rows.iter().all(|r| r["applicability"] == "undecided" && r["version"] == 0));

        let excluded = json!({"version": 0, "applicability": "not_applicable", "justification": "", "implementation_status": "not_applicable"});
        let reply = app.json(Method::PUT, "/api/v1/soa/A.6.2.4", Role::RiskOwner, &excluded).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json()["error"]["field"], "justification");

        let reply = app.json(Method::PUT, "/api/v1/soa/A.6.2.4", Role::RiskOwner, &decide(true)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["version"], 1);
        let stale = app.json(Method::PUT, "/api/v1/soa/A.6.2.4", Role::MlEngineer, &decide(false)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let unknown = app.json(Method::PUT, "/api/v1/soa/A.6.1.1", Role::RiskOwner, &decide(true)).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "A.6.1 is an objective, not a control");
        let no_version = app.json(Method::PUT, "/api/v1/soa/A.2.2", Role::RiskOwner, &json!({"applicability": "applicable"})).await;
        assert_eq!(no_version.json()["error"]["field"], "version");
        let unknown_field = app.json(Method::PUT, "/api/v1/soa/A.2.2", Role::RiskOwner, &json!({"version": 0, "applicability": "applicable", "implementation_status": "planned", "justification": "x", "colour": 1})).await;
        assert_eq!(unknown_field.json()["error"]["field"], "colour");
    }

    async fn approval_needs_every_control_decided_then_freezes_a_version(backend: Backend) {
        let app = app(backend).await;
        app.json(Method::PUT, "/api/v1/soa/A.2.2", Role::RiskOwner, &decide(true)).await;
        let incomplete = app.json(Method::POST, "/api/v1/soa/approve", Role::GovernanceLead, &json!({})).await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(incomplete.code(), "soa_incomplete");
        assert_eq!(incomplete.json()["error"]["details"].as_array().unwrap().len(), 37);

        decide_all(&app).await;
        let approved = app.json(Method::POST, "/api/v1/soa/approve", Role::GovernanceLead, &json!({"note": "Stage 1 audit"})).await;
        assert_eq!(approved.status, StatusCode::CREATED, "{}", approved.body);
        assert_eq!(approved.json()["number"], 1);
        let frozen_justification = approved.json()["rows"][1]["justification"].clone();

        // Later edits change the working SoA, never the approved version.
        let row = app.get("/api/v1/soa", Role::Viewer).await.json()[1].clone();
        let mut change = decide(true);
        change["version"] = row["version"].clone();
        change["justification"] = json!("Changed after approval.");
        let reply = app.json(Method::PUT, &format!("/api/v1/soa/{}", row["control_id"].as_str().unwrap()), Role::RiskOwner, &change).await;
        assert_eq!(reply.status, StatusCode::OK);
        let version = app.get("/api/v1/soa/versions/1", Role::Auditor).await.json();
        assert_eq!(version["rows"][1]["justification"], frozen_justification);
        assert_eq!(version["note"], "Stage 1 audit");
        let edit = app.json(Method::PUT, "/api/v1/soa/versions/1", Role::GovernanceLead, &json!({})).await;
        assert_eq!(edit.status, StatusCode::METHOD_NOT_ALLOWED, "approved versions cannot be edited");

        // Editing the frozen snapshot in the database is caught by verify.
        app.db.store.execute_raw("UPDATE soa_versions SET note = 'rewritten' WHERE number = 1").await.unwrap();
        let report = app.db.store.verify_ledger(&app.db.signer.verifier()).await.unwrap();
        assert!(report.problems.iter().any(|p| p.entity_type.as_deref() == Some("soa_version")), "{:?}", report.problems);
    }

    async fn exports_validate_against_the_oscal_schemas(backend: Backend) {
        let app = app(backend).await;
        decide_all(&app).await;
        app.json(Method::POST, "/api/v1/soa/approve", Role::GovernanceLead, &json!({})).await;
        for version in ["", "&version=1"] {
            let ssp = app.get(&format!("/api/v1/soa/export?format=oscal-ssp{version}"), Role::ExternalAuditor).await;
            assert_eq!(ssp.status, StatusCode::OK);
            let ssp = ssp.json();
            assert_valid(&schema_validator("oscal_ssp_schema.json"), &ssp);
            let requirements = ssp["system-security-plan"]["control-implementation"]["implemented-requirements"].as_array().unwrap().clone();
            assert_eq!(requirements.len(), 38);
            let excluded = requirements.iter().find(|r| r["control-id"] == "a.2.2").unwrap();
            assert_eq!(excluded["by-components"][0]["implementation-status"]["state"], "not-applicable");
            assert!(excluded["remarks"].as_str().unwrap().contains("in-house"));
            let included = requirements.iter().find(|r| r["control-id"] == "a.2.3").unwrap();
            assert_eq!(included["by-components"][0]["implementation-status"]["state"], "implemented");
            assert!(included["props"].as_array().unwrap().iter().any(|p| p["name"] == "justification"));

            let profile = app.get(&format!("/api/v1/soa/export?format=oscal-profile{version}"), Role::ExternalAuditor).await.json();
            assert_valid(&schema_validator("oscal_profile_schema.json"), &profile);
            let selected = profile["profile"]["imports"][0]["include-controls"][0]["with-ids"].as_array().unwrap().len();
            assert_eq!(selected, 38 - 8, "8 of 38 were excluded");
        }
        let catalog = app.get("/api/v1/frameworks/iso-iec-42001-2023/oscal", Role::Viewer).await.json();
        assert_valid(&schema_validator("oscal_catalog_schema.json"), &catalog);

        let csv = app.get("/api/v1/soa/export?format=csv", Role::Viewer).await;
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert_eq!(csv.body.lines().count(), 39);
        assert!(csv.body.starts_with("control_id,title,area,applicability,justification"));
        let md = app.get("/api/v1/soa/export?format=md&version=1", Role::Viewer).await;
        assert!(md.body.contains("| A.6.2.4 |"));
        let html = app.get("/api/v1/soa/export?format=html", Role::Viewer).await;
        assert!(html.body.contains("<table>") && html.headers["content-disposition"].to_str().unwrap().contains("soa-draft.html"));
        let bad = app.get("/api/v1/soa/export?format=pdf", Role::Viewer).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"]["field"], "format");
    }

    async fn applied_controls_link_requirements_of_any_framework(backend: Backend) {
        let app = app(backend).await;
        let control = json!({
            "name": "Pre-release model validation",
            "owner": "Model risk",
            "status": "implemented",
            "frequency": "per_change",
            "cost_estimate": 12000,
            "effort_days": 15,
            "requirements": [
                {"framework": "iso-iec-42001-2023", "requirement": "A.6.2.4"},
                {"framework": "nist-ai-rmf-1.0", "requirement": "MEASURE 2.3"}
            ]
        });
        let created = app.json(Method::POST, "/api/v1/controls", Role::MlEngineer, &control).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let soa = app.get("/api/v1/soa", Role::Viewer).await.json();
        let row = soa.as_array().unwrap().iter().find(|r| r["control_id"] == "A.6.2.4").unwrap().clone();
        assert_eq!(row["linked_controls"][0]["name"], "Pre-release model validation");
        // Evidence linked to the applied control counts for every requirement it implements.
        let evidence = json!({"title": "Validation log", "url": "https://ci.example.org/run/1",
            "links": [{"target_type": "applied_control", "target_id": id}]});
        app.json(Method::POST, "/api/v1/evidence", Role::MlEngineer, &evidence).await;
        let soa = app.get("/api/v1/soa", Role::Viewer).await.json();
        let row = soa.as_array().unwrap().iter().find(|r| r["control_id"] == "A.6.2.4").unwrap().clone();
        assert_eq!(row["evidence"][0]["title"], "Validation log");

        let mut bad = control.clone();
        bad["requirements"] = json!([{"framework": "iso-iec-42001-2023", "requirement": "A.99"}, {"framework": "cobit", "requirement": "x"}]);
        let reply = app.json(Method::POST, "/api/v1/controls", Role::MlEngineer, &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let details = reply.json()["error"]["details"].clone();
        assert_eq!(details[0]["field"], "requirements[0]");
        assert_eq!(details[1]["field"], "requirements[1]");

        let mut update = control.clone();
        update["version"] = json!(1);
        update["requirements"] = json!([]);
        let reply = app.json(Method::PUT, &format!("/api/v1/controls/{id}"), Role::RiskOwner, &update).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let soa = app.get("/api/v1/soa", Role::Viewer).await.json();
        assert!(soa.as_array().unwrap().iter().all(|r| r["linked_controls"].as_array().unwrap().is_empty()));
        let stale = app.json(Method::PUT, &format!("/api/v1/controls/{id}"), Role::RiskOwner, &update).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let report = app.db.store.verify_ledger(&app.db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }

    async fn clause_conformance_is_recorded_per_requirement(backend: Backend) {
        let app = app(backend).await;
        let clauses = app.get("/api/v1/clauses", Role::Viewer).await.json();
        let ids: Vec<&str> = clauses.as_array().unwrap().iter().map(|c| c["requirement_id"].as_str().unwrap()).collect();
        assert!(ids.contains(&"6.1.3") && ids.contains(&"9.3.2") && ids.contains(&"4.1"));
        assert!(!ids.contains(&"6.1") && !ids.contains(&"4"), "only leaf requirements: {ids:?}");
        let soa_clause = clauses.as_array().unwrap().iter().find(|c| c["requirement_id"] == "6.1.3").unwrap();
        assert!(soa_clause["documented_information"].as_str().unwrap().contains("Statement of Applicability"));
        let update = json!({"version": 0, "status": "partially_met", "responsible_role": "AI governance lead", "notes": "SoA drafted"});
        let reply = app.json(Method::PUT, "/api/v1/clauses/6.1.3", Role::RiskOwner, &update).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let reply = app.json(Method::PUT, "/api/v1/clauses/6.1", Role::RiskOwner, &update).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }

    async fn the_soa_is_worked_through_in_the_browser(backend: Backend) {
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("risk-owner", PASSWORD).await;
        let cookie = ("cookie", session.as_str());
        let form = ("content-type", "application/x-www-form-urlencoded");
        let page = app.send(Method::GET, "/soa", None, &[cookie], Body::empty()).await;
        assert!(page.body.contains("A.6.2.4") && page.body.contains("0 / 38"));
        assert!(!page.body.contains("action=\"/soa/approve\""), "risk owners cannot approve");
        let edit = app.send(Method::GET, "/soa/controls/A.5.2", None, &[cookie], Body::empty()).await;
        assert!(edit.body.contains("name=\"justification\""));
        let invalid = app.send(Method::POST, "/soa/controls/A.5.2", None, &[cookie, form],
            Body::from(format!("csrf_token={csrf}&version=0&applicability=not_applicable&justification=&implementation_status=not_applicable&owner="))).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("say why this control is excluded"));
        let saved = app.send(Method::POST, "/soa/controls/A.5.2", None, &[cookie, form],
            Body::from(format!("csrf_token={csrf}&version=0&applicability=applicable&justification=We+assess+impacts&implementation_status=planned&owner=Risk"))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        let control = app.send(Method::POST, "/controls", None, &[cookie, form],
            Body::from(format!("csrf_token={csrf}&version=0&name=Impact+assessment+procedure&status=planned&frequency=per_change&cost_estimate=5000&effort_days=10&annex_a=A.5.2&annex_a=A.5.3&other_requirements=nist-ai-rmf-1.0%3A+MAP+1.1"))).await;
        assert_eq!(control.status, StatusCode::SEE_OTHER, "{}", control.body);
        let soa = app.send(Method::GET, "/soa", None, &[cookie], Body::empty()).await;
        assert!(soa.body.contains("Impact assessment procedure"));
        assert!(soa.body.contains("1 / 38"));

        decide_all(&app).await;
        let (lead, lead_csrf) = app.browser_login("governance-lead", PASSWORD).await;
        let approved = app.send(Method::POST, "/soa/approve", None, &[("cookie", &lead), form], Body::from(format!("csrf_token={lead_csrf}&note=Stage+2"))).await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
        let version = app.send(Method::GET, "/soa/versions/1", None, &[("cookie", &lead)], Body::empty()).await;
        assert!(version.body.contains("Approved by Governance lead") || version.body.contains("Approved by AI governance lead"), "{}", version.body);
        for page in ["/clauses", "/clauses/6.1.3", "/frameworks", "/frameworks/nist-ai-rmf-1.0", "/controls"] {
            let reply = app.send(Method::GET, page, None, &[cookie], Body::empty()).await;
            assert_eq!(reply.status, StatusCode::OK, "{page}");
        }
    }
}

both_backends! {
    async fn readiness_changes_as_work_is_done(backend: Backend) {
        let app = app(backend).await;
        let blank = app.get("/api/v1/readiness", Role::ExternalAuditor).await.json();
        assert_eq!(blank["score"], 0.0);
        let gaps = blank["gaps"].as_array().unwrap();
        // Every requirement of a blank organisation has at least one high-severity gap.
        for item in blank["items"].as_array().unwrap() {
            assert!(
                gaps.iter().any(|g| g["requirement_id"] == item["id"] && g["severity"] == "high"),
                "no high gap for {}", item["id"]
            );
        }
        assert!(gaps.iter().any(|g| g["requirement_id"] == "A.6.2.4"));
        assert!(blank["documented_information"].as_array().unwrap().iter().any(|d| d["requirement_id"] == "6.1.3" && d["present"] == false));

        decide_all(&app).await;
        let decided = app.get("/api/v1/readiness", Role::Viewer).await.json();
        let annex_a = decided["annex_a"]["score"].as_f64().unwrap();
        assert!(annex_a > 50.0, "deciding and implementing raises Annex A: {annex_a}");

        // Current evidence for the SoA clause turns its documented information "present".
        let evidence = json!({"title": "Statement of Applicability v1", "url": "https://dms.example.org/soa", "reviewed_on": "2026-11-30",
            "links": [{"target_type": "requirement", "target_id": "iso-iec-42001-2023:6.1.3"}]});
        app.json(Method::POST, "/api/v1/evidence", Role::RiskOwner, &evidence).await;
        let clause = json!({"version": 0, "status": "met", "responsible_role": "AI governance lead"});
        app.json(Method::PUT, "/api/v1/clauses/6.1.3", Role::RiskOwner, &clause).await;
        let later = app.get("/api/v1/readiness", Role::Viewer).await.json();
        let doc = later["documented_information"].as_array().unwrap().iter().find(|d| d["requirement_id"] == "6.1.3").unwrap().clone();
        assert_eq!(doc["present"], true);
        let item = later["items"].as_array().unwrap().iter().find(|i| i["id"] == "6.1.3").unwrap().clone();
        assert_eq!(item["score"], 100.0, "{item}");
        assert!(later["score"].as_f64().unwrap() > decided["score"].as_f64().unwrap());
        let clauses = app.get("/api/v1/clauses", Role::Viewer).await.json();
        let soa_clause = clauses.as_array().unwrap().iter().find(|c| c["requirement_id"] == "6.1.3").unwrap().clone();
        assert_eq!(soa_clause["evidence"][0]["title"], "Statement of Applicability v1");
        assert_eq!(soa_clause["evidence"][0]["status"], "current");
        let history = app.get("/api/v1/readiness/history", Role::Viewer).await.json();
        assert_eq!(history.as_array().unwrap().len(), 1, "one figure per day");

        let page = app.get("/readiness", Role::Auditor).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<svg") && page.body.contains("Gaps and next actions"));
        let report = app.get("/readiness/report", Role::ExternalAuditor).await;
        assert!(report.body.contains("certification readiness") && report.body.contains("<svg"));
        assert!(report.headers["content-security-policy"].to_str().unwrap().contains("style-src 'unsafe-inline'"));
    }

    async fn crosswalk_coverage_keeps_every_source(backend: Backend) {
        let app = app(backend).await;
        decide_all(&app).await;
        let coverage = app.get("/api/v1/crosswalk/nist-ai-rmf-1.0", Role::Viewer).await.json();
        let rows = coverage.as_array().unwrap();
        assert_eq!(rows.len(), 72, "every NIST AI RMF subcategory, and nothing else");
        assert!(rows.iter().any(|r| r["supports"].as_array().unwrap().len() > 1), "an N-to-N mapping keeps all its sources");
        assert!(rows.iter().any(|r| r["coverage"] == "covered" || r["coverage"] == "partial"));
        assert!(rows.iter().all(|r| r["requirement_id"].as_str().unwrap().contains('.')), "headings are not listed");
        // An applied control linked straight to a NIST requirement covers it.
        let control = json!({"name": "Legal register", "status": "implemented",
            "requirements": [{"framework": "nist-ai-rmf-1.0", "requirement": "GOVERN 1.1"}]});
        app.json(Method::POST, "/api/v1/controls", Role::RiskOwner, &control).await;
        let coverage = app.get("/api/v1/crosswalk/nist-ai-rmf-1.0", Role::Viewer).await.json();
        let govern = coverage.as_array().unwrap().iter().find(|r| r["requirement_id"] == "GOVERN 1.1").unwrap().clone();
        assert_eq!(govern["coverage"], "covered", "{govern}");
        assert!(govern["supports"].as_array().unwrap().iter().any(|s| s["source_id"] == "Legal register"));
        let missing = app.get("/api/v1/crosswalk/cobit", Role::Viewer).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let page = app.get("/crosswalk?framework=eu-ai-act-2024", Role::Viewer).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
}

const CUSTOM: &str = "id: acme-ai-policy
name: Acme AI policy
version: \"3\"
publisher: Acme Ltd
library_version: \"3.0.0\"
requirements:
  - {id: P1, kind: section, title: Inventory}
  - {id: P1.1, parent: P1, kind: control, title: Keep an AI inventory}
";

both_backends! {
    async fn custom_frameworks_are_imported_through_the_same_validator(backend: Backend) {
        let app = app(backend).await;
        let import = |body: &str, name: &str| {
            let body = body.to_owned();
            let path = format!("/api/v1/frameworks?file_name={name}");
            let token = app.token(Role::GovernanceLead).to_owned();
            let app = &app;
            async move { app.send(Method::POST, &path, Some(&token), &[("content-type", "application/yaml")], Body::from(body)).await }
        };
        let created = import(CUSTOM, "acme.yaml").await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let list = app.get("/api/v1/frameworks", Role::Viewer).await.json();
        assert!(list.as_array().unwrap().iter().any(|f| f["id"] == "acme-ai-policy" && f["custom"] == true));
        let again = import(CUSTOM, "acme.yaml").await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        let broken = CUSTOM.replace("acme-ai-policy", "acme-2").replace("parent: P1,", "parent: P9,") + "  - {id: P1, kind: section, title: Again}\n";
        let refused = import(&broken, "acme-2.yaml").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert_eq!(refused.code(), "invalid_framework");
        let messages: Vec<String> = refused.json()["error"]["details"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap().to_owned()).collect();
        assert!(messages.iter().any(|m| m.starts_with("acme-2.yaml:8:") && m.contains("parent")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("acme-2.yaml:9:") && m.contains("P1")), "{messages:?}");
        let invalid_yaml = import("id: [unclosed", "bad.yaml").await;
        assert_eq!(invalid_yaml.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid_yaml.body.contains("bad.yaml:"));

        // Applied controls can serve the imported framework too.
        let control = json!({"name": "Inventory", "requirements": [{"framework": "acme-ai-policy", "requirement": "P1.1"}]});
        let reply = app.json(Method::POST, "/api/v1/controls", Role::RiskOwner, &control).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let shown = app.get("/frameworks/acme-ai-policy", Role::Viewer).await;
        assert!(shown.body.contains("Keep an AI inventory"));
        let report = app.db.store.verify_ledger(&app.db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }
}
