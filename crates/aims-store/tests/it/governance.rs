//! Lifecycle transitions: gates, approvals, segregation of duties, waivers, escalation.

use aims_core::access::Role;
use aims_core::ai_system::LifecycleStage;
use aims_core::governance::{Decision, Requirement, Subject};
use aims_core::inventory::Kind;
use aims_core::risk::classification::{
    DecisionEffect, IntakeAnswers, Reversibility, Scale, Sector,
};
use aims_store::{Decider, NewLink, NewWaiver, StoreError};
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use crate::contract;
use crate::inventory::system;
use crate::support::*;

fn credit_answers() -> IntakeAnswers {
    IntakeAnswers::example_credit_scoring()
}

fn person(role: Role) -> Decider {
    Decider {
        user_id: Uuid::new_v4(),
        role,
    }
}

contract! {
    async fn a_high_risk_deployment_needs_its_gates_and_two_other_approvers(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let s = &db.store;
        let mut fields = system("Credit scoring");
        fields.lifecycle_stage = LifecycleStage::Validation;
        let sys = s.create_ai_system(&ctx, fields).await.unwrap();
        // A questionnaire with a required answer missing is refused by field, nothing written.
        let incomplete = IntakeAnswers { affected_people: " ".into(), ..credit_answers() };
        let size = s.ledger_head().await.unwrap().size;
        match s.classify_system(&ctx, sys.id, incomplete, 0, "1.0.0").await.unwrap_err() {
            StoreError::Validation(e) => assert_eq!(e.for_field("affected_people"), Some("is required")),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.ledger_head().await.unwrap().size, size);
        let classified = s.classify_system(&ctx, sys.id, credit_answers(), 0, "1.0.0").await.unwrap();
        assert_eq!(classified.classification.class.code(), "high");
        assert_eq!(classified.screening.annex_iii_area.as_deref(), Some("Annex III 5"));

        let today = T0.date();
        let checks = s.transition_checks(Subject::AiSystem, sys.id, today).await.unwrap();
        let deploy = checks.iter().find(|c| c.transition.name == "deploy").unwrap();
        assert!(!deploy.ready);
        let unmet: Vec<Requirement> = deploy.gates.iter().filter(|g| !g.satisfied()).map(|g| g.requirement).collect();
        assert!(unmet.contains(&Requirement::ImpactAssessmentApproved));
        assert!(unmet.contains(&Requirement::ModelsApproved));
        assert_eq!(deploy.rule.as_ref().map(|r| r.quorum), Some(2));

        let engineer = person(Role::MlEngineer);
        let error = s.request_change(&ctx, engineer, Subject::AiSystem, sys.id, "deploy", "ready to go").await.unwrap_err();
        match error { StoreError::Validation(e) => assert!(e.for_field("gates").unwrap().contains("impact assessment")), other => panic!("{other:?}") }

        // Meet the gates: an approved model version with a passing check, the SoA, and
        // waivers for what the organisation cannot show yet.
        let model = s.create_item(&ctx, Kind::Model, &json!({"name": "credit-pd", "owner": "Maya"})).await.unwrap();
        let mv = s.create_item(&ctx, Kind::ModelVersion, &json!({"model_id": model.id, "version": "3", "intended_use": "x", "limitations": "y"})).await.unwrap();
        s.add_link(&ctx, NewLink { from: format!("ai_system:{}", sys.id), relation: "uses_model".into(), to: format!("model_version:{}", mv.id), direction: None, data: String::new() }).await.unwrap();
        let lead = person(Role::GovernanceLead);
        for requirement in [Requirement::ModelsApproved, Requirement::ValidationCheckPassed, Requirement::ImpactAssessmentApproved, Requirement::SoaA625Approved] {
            s.grant_waiver(&ctx, lead, NewWaiver { subject_type: Subject::AiSystem, subject_id: sys.id, requirement, reason: "pilot under supervision".into(), expires_on: "2026-12-31".into() }).await.unwrap();
        }
        let request = s.request_change(&ctx, engineer, Subject::AiSystem, sys.id, "deploy", "ready to go").await.unwrap();
        assert_eq!((request.status.as_str(), request.number), ("pending", 1));
        // A second request for the same system waits for the first.
        assert!(matches!(s.request_change(&ctx, engineer, Subject::AiSystem, sys.id, "retire", "x").await.unwrap_err(), StoreError::Conflict { .. }));

        // The requester cannot approve; a role outside the rule cannot either.
        let own = s.decide_change(&ctx, engineer, request.id, Decision::Approve, "").await.unwrap_err();
        assert!(matches!(own, StoreError::Forbidden { code: "segregation_of_duties", .. }));
        let other = s.decide_change(&ctx, person(Role::RiskOwner), request.id, Decision::Approve, "").await.unwrap_err();
        assert!(matches!(other, StoreError::Forbidden { code: "not_an_approver", .. }));
        // A rejection needs a reason.
        let error = s.decide_change(&ctx, lead, request.id, Decision::Reject, " ").await.unwrap_err();
        assert!(matches!(error, StoreError::Validation(_)));

        let first = s.decide_change(&ctx, lead, request.id, Decision::Approve, "fine").await.unwrap();
        assert_eq!(first.status, "pending");
        assert!(matches!(s.decide_change(&ctx, lead, request.id, Decision::Approve, "").await.unwrap_err(), StoreError::Conflict { .. }));
        assert_eq!(s.get_ai_system(sys.id).await.unwrap().fields.lifecycle_stage, LifecycleStage::Validation);
        let second = s.decide_change(&ctx, person(Role::GovernanceLead), request.id, Decision::Approve, "agreed").await.unwrap();
        assert_eq!(second.status, "applied");
        assert_eq!(s.get_ai_system(sys.id).await.unwrap().fields.lifecycle_stage, LifecycleStage::Deployed);

        let history = s.history("change_request", &request.id.to_string()).await.unwrap();
        let actions: Vec<&str> = history.iter().rev().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["change_request.requested", "change_request.approved", "change_request.applied"]);
        assert!(s.history("ai_system", &sys.id.to_string()).await.unwrap().iter().any(|h| h.action == "ai_system.transitioned"));
        let report = s.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }

    async fn deadlines_escalate_and_waivers_expire(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let s = &db.store;
        let sys = s.create_ai_system(&ctx, system("Chat assistant")).await.unwrap();
        s.classify_system(&ctx, sys.id, IntakeAnswers { decision_effect: DecisionEffect::NoEffect, sector: Sector::General, profiling: false, scale: Scale::Small, reversibility: Reversibility::Easy, autonomy: aims_core::ai_system::AutonomyLevel::Assistive, ..credit_answers() }, 0, "1.0.0").await.unwrap();
        let requester = person(Role::MlEngineer);
        let request = s.request_change(&ctx, requester, Subject::AiSystem, sys.id, "advance", "design done").await.unwrap();
        // An administrator is not an approver until the deadline passes.
        let admin = person(Role::Admin);
        assert!(s.decide_change(&ctx, admin, request.id, Decision::Approve, "").await.is_err());
        let waiver = s.grant_waiver(&ctx, person(Role::GovernanceLead), NewWaiver { subject_type: Subject::AiSystem, subject_id: sys.id, requirement: Requirement::ValidationCheckPassed, reason: "r".into(), expires_on: "2026-12-03".into() }).await.unwrap();
        // Too long a waiver is refused by field.
        let long = s.grant_waiver(&ctx, person(Role::GovernanceLead), NewWaiver { subject_type: Subject::AiSystem, subject_id: sys.id, requirement: Requirement::ValidationCheckPassed, reason: "r".into(), expires_on: "2027-12-03".into() }).await.unwrap_err();
        assert!(matches!(long, StoreError::Validation(ref e) if e.for_field("expires_on").is_some()));

        let later = TestDb::system_ctx(T0 + Duration::days(10));
        let report = s.governance_sweep(&later).await.unwrap();
        assert_eq!(report.escalated, vec![request.number]);
        assert_eq!(report.waivers_expired, vec![waiver.id]);
        assert!(s.active_waivers(Subject::AiSystem, sys.id, (T0 + Duration::days(10)).date()).await.unwrap().is_empty());
        // Past the deadline the escalation role (governance lead for this rule) decides;
        // the admin still cannot, as the rule escalates to governance leads only.
        let applied = s.decide_change(&later, person(Role::GovernanceLead), request.id, Decision::Approve, "").await.unwrap();
        assert_eq!(applied.status, "applied");
        assert_eq!(s.get_ai_system(sys.id).await.unwrap().fields.lifecycle_stage, LifecycleStage::Design);
        let report = s.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }
}
