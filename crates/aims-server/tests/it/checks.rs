//! Analytics check runs recorded as evidence, their metric history and alarms.

use aims_core::access::Role;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both_backends;
use crate::support::*;

fn report(roc_auc: f64, passed: bool) -> serde_json::Value {
    json!({
        "kind": "performance", "data": "scores.parquet", "spec": "spec.toml", "rows": 1000, "passed": passed,
        "failures": if passed { json!([]) } else { json!([{"check": "performance", "subject": "model", "metric": "roc_auc", "value": roc_auc, "threshold": ">= 0.7", "message": "roc_auc too low"}]) },
        "notes": [], "performance": {"rows": 1000, "accuracy": 0.8, "roc_auc": roc_auc, "ece": 0.02}, "engine": "aims-analytics"
    })
}

both_backends! {
    async fn runs_are_recorded_with_metrics_and_alarms(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Credit scoring").await;
        let system_id = system["id"].as_str().unwrap().to_owned();
        let sha = "a".repeat(64);
        let mut ids = Vec::new();
        for (i, auc) in [0.81, 0.80, 0.82, 0.81, 0.80, 0.81, 0.55].iter().enumerate() {
            let body = json!({"report": report(*auc, *auc > 0.7), "subject_type": "ai_system", "subject_id": system_id, "inputs": {"data": sha}});
            let reply = app.json(Method::POST, "/api/v1/checks", Role::MlEngineer, &body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{i}: {}", reply.body);
            ids.push(reply.json()["id"].as_str().unwrap().to_owned());
        }
        let run = app.get(&format!("/api/v1/checks/{}", ids[0]), Role::ExternalAuditor).await.json();
        assert_eq!(run["controls"], json!(["A.6.2.4"]), "performance supports A.6.2.4 by default");
        assert_eq!(run["metrics"]["performance.roc_auc"], 0.81);
        let last = app.get(&format!("/api/v1/checks/{}", ids[6]), Role::Viewer).await.json();
        assert_eq!(last["passed"], false);
        assert_eq!(last["failures"], 1);

        let history = app.get(&format!("/api/v1/checks/history?subject_type=ai_system&subject_id={system_id}&metric=performance.roc_auc"), Role::Viewer).await.json();
        assert_eq!(history["points"].as_array().unwrap().len(), 7);
        assert!(history["alarms"].as_array().unwrap().iter().any(|a| a["index"] == 6), "the drop at the last run raises an alarm: {history}");

        let page = app.get(&format!("/checks/history?subject_type=ai_system&subject_id={system_id}&metric=performance.roc_auc"), Role::Viewer).await;
        assert!(page.body.contains("<svg") && page.body.contains("Alarms"));
        let list = app.get("/checks", Role::Viewer).await;
        assert!(list.body.contains("Credit scoring"));

        // The ledger covers the report through its hash: editing it is caught.
        app.db.store.execute_raw(&format!("UPDATE check_runs SET report = REPLACE(report, '0.55', '0.95') WHERE id = '{}'", ids[6])).await.unwrap();
        let report = app.db.store.verify_ledger(&app.db.signer.verifier()).await.unwrap();
        assert!(report.problems.iter().any(|p| p.entity_type.as_deref() == Some("check_run")), "{:?}", report.problems);
    }

    async fn bad_submissions_name_the_field(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Chatbot").await;
        let id = system["id"].as_str().unwrap();
        let cases = [
            (json!({"report": report(0.8, true), "subject_type": "ai_system", "subject_id": "6f1c2e9a-0000-4000-8000-000000000000"}), "subject_id"),
            (json!({"report": report(0.8, true), "subject_type": "planet", "subject_id": id}), "subject_type"),
            (json!({"report": {"passed": true}, "subject_type": "ai_system", "subject_id": id}), "report.kind"),
            (json!({"report": report(0.8, true), "subject_type": "ai_system", "subject_id": id, "controls": ["A.99"]}), "controls"),
            (json!({"report": report(0.8, true), "subject_type": "ai_system", "subject_id": id, "inputs": {"data": "not-a-hash"}}), "inputs.data"),
        ];
        for (body, field) in cases {
            let reply = app.json(Method::POST, "/api/v1/checks", Role::MlEngineer, &body).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", reply.body);
            assert_eq!(reply.json()["error"]["field"], field, "{}", reply.body);
        }
        assert_eq!(app.get("/api/v1/checks", Role::Viewer).await.json().as_array().unwrap().len(), 0);
    }
}

both_backends! {
    async fn a_passed_run_is_evidence_for_its_controls(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Credit scoring").await;
        let decision = json!({"version": 0, "applicability": "applicable", "justification": "Data quality matters", "implementation_status": "implemented", "owner": "Data office"});
        app.json(Method::PUT, "/api/v1/soa/A.7.4", Role::RiskOwner, &decision).await;
        let evidence_met = |readiness: &serde_json::Value| {
            let item = readiness["items"].as_array().unwrap().iter().find(|i| i["id"] == "A.7.4").unwrap().clone();
            item["criteria"].as_array().unwrap().iter().any(|c| c["key"].as_str().unwrap_or_default().contains("evidence") && c["met"] == true)
        };
        assert!(!evidence_met(&app.get("/api/v1/readiness", Role::Viewer).await.json()));
        let quality = json!({"kind": "quality", "data": "d.csv", "spec": "s.toml", "rows": 10, "passed": true, "failures": [], "notes": [],
            "quality": {"completeness": 0.99}, "engine": "aims-analytics"});
        let body = json!({"report": quality, "subject_type": "ai_system", "subject_id": system["id"]});
        let reply = app.json(Method::POST, "/api/v1/checks", Role::MlEngineer, &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert!(evidence_met(&app.get("/api/v1/readiness", Role::Viewer).await.json()), "the passed quality run evidences A.7.4");
        let page = app.get("/soa/controls/A.7.4", Role::RiskOwner).await;
        assert!(page.body.contains("quality check"), "the SoA row lists the run");
    }
}
