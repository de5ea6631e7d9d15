//! The risk register: levels by methodology version, cascading through the graph,
//! acceptance authority, treatments, impact assessments and the import.

use std::collections::BTreeMap;

use aims_core::access::Role;
use aims_core::inventory::Kind;
use aims_core::risk::assessment::{AssessmentStatus, Template};
use aims_core::risk::methodology::Methodology;
use aims_core::risk::register::{RiskFields, RiskStatus, parse_csv};
use aims_store::{ActionFields, Decider, NewLink, StoreError};
use serde_json::json;
use uuid::Uuid;

use crate::contract;
use crate::inventory::system;
use crate::support::*;

fn risk(title: &str, subject: String, likelihood: u8, impact: u8) -> RiskFields {
    RiskFields {
        title: title.into(),
        description: String::new(),
        subject,
        risk_source: "C.3.4".into(),
        objective: "C.2.5".into(),
        category: String::new(),
        owner: "Rory".into(),
        inherent_likelihood: likelihood,
        inherent_impact: impact,
        residual_likelihood: None,
        residual_impact: None,
        status: RiskStatus::Open,
        treatment: String::new(),
        dimension_scores: Default::default(),
    }
}

fn person(role: Role) -> Decider {
    Decider {
        user_id: Uuid::new_v4(),
        role,
    }
}

contract! {
    async fn vendor_risks_cascade_and_must_be_treated_or_accepted_with_authority(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let s = &db.store;
        let vendor = s.create_item(&ctx, Kind::Vendor, &json!({"name": "Bureau", "supplies": ["model"]})).await.unwrap();
        let model = s.create_item(&ctx, Kind::Model, &json!({"name": "pd", "vendor_id": vendor.id})).await.unwrap();
        let version = s.create_item(&ctx, Kind::ModelVersion, &json!({"model_id": model.id, "version": "1"})).await.unwrap();
        let a = s.create_ai_system(&ctx, system("A")).await.unwrap();
        let b = s.create_ai_system(&ctx, system("B")).await.unwrap();
        for sys in [a.id, b.id] {
            s.add_link(&ctx, NewLink { from: format!("ai_system:{sys}"), relation: "uses_model".into(), to: format!("model_version:{}", version.id), direction: None, data: String::new() }).await.unwrap();
        }
        // One risk on the vendor: high (4 x 4), above the default appetite (medium).
        let recorded = s.create_risk(&ctx, risk("Vendor stops patching", format!("vendor:{}", vendor.id), 4, 4)).await.unwrap();
        assert_eq!((recorded.inherent_level.as_str(), recorded.above_appetite, recorded.number), ("high", true, 1));
        // It shows on both systems, with the path, and is counted once.
        for sys in [a.id, b.id] {
            let reaching = s.risks_reaching(sys, T0.date()).await.unwrap();
            assert_eq!(reaching.len(), 1);
            assert_eq!(reaching[0].1.len(), 3, "system → version → model → vendor");
            assert_eq!(s.untreated_risks_for_system(sys, T0.date()).await.unwrap(), vec!["R-1 Vendor stops patching".to_owned()]);
        }
        assert_eq!(s.risks(None, T0.date()).await.unwrap().len(), 1);

        // Weighted dimensions give a score; an unknown dimension or a score above 4 is named.
        let mut scored = risk("Opaque vendor model", format!("vendor:{}", vendor.id), 2, 2);
        scored.dimension_scores = [("technical_uncertainty".to_owned(), 4), ("societal_impact".to_owned(), 2)].into();
        let scored = s.create_risk(&ctx, scored).await.unwrap();
        assert!((scored.weighted_score - (0.2 + 0.25 * 0.5)).abs() < 1e-9, "{}", scored.weighted_score);
        let mut bad = risk("x", format!("vendor:{}", vendor.id), 2, 2);
        bad.dimension_scores = [("vibes".to_owned(), 1), ("autonomy".to_owned(), 9)].into();
        match s.create_risk(&ctx, bad).await.unwrap_err() {
            StoreError::Validation(e) => {
                assert!(e.for_field("dimension_scores.vibes").is_some() && e.for_field("dimension_scores.autonomy").is_some(), "{e:?}");
            }
            other => panic!("{other:?}"),
        }
        // A critical risk is beyond a risk owner's authority to accept.
        let critical = s.create_risk(&ctx, risk("Discrimination", format!("ai_system:{}", a.id), 5, 5)).await.unwrap();
        assert_eq!(critical.residual_level, "critical");
        let refused = s.accept_risk(&ctx, person(Role::RiskOwner), critical.id, "business need", "2027-01-31").await.unwrap_err();
        assert!(matches!(refused, StoreError::Forbidden { code: "no_authority", .. }), "{refused:?}");
        let accepted = s.accept_risk(&ctx, person(Role::GovernanceLead), critical.id, "pilot with full human review", "2027-01-31").await.unwrap();
        assert_eq!(accepted.fields.status, RiskStatus::Accepted);
        // An acceptance counts until its last day, then the risk is untreated again.
        let key = format!("R-{}", accepted.number);
        assert!(s.risk(&key, time::macros::date!(2027 - 01 - 31)).await.unwrap().treated);
        assert!(!s.risk(&key, time::macros::date!(2027 - 02 - 01)).await.unwrap().treated);
        // The vendor risk is treated with an action linked to Annex A controls.
        let action = s.add_risk_action(&ctx, recorded.id, ActionFields {
            title: "Contractual patch SLA".into(), owner: "Procurement".into(), due: "2026-12-20".into(),
            status: aims_core::risk::register::ActionStatus::Planned, validation_criteria: "SLA signed".into(),
            validation_result: String::new(), controls: vec!["A.10.3".into()], applied_controls: Vec::new(),
        }).await.unwrap();
        assert!(s.untreated_risks_for_system(a.id, T0.date()).await.unwrap().is_empty());
        assert_eq!(s.risk("R-1", T0.date()).await.unwrap().risk.fields.status, RiskStatus::Treating);
        let bad = s.update_risk_action(&ctx, action.id, action.version, ActionFields { controls: vec!["7.4".into()], ..action.fields.clone() }).await.unwrap_err();
        assert!(matches!(bad, StoreError::Validation(ref e) if e.for_field("controls").is_some()));

        // A changed methodology changes new levels; the old risk keeps its version.
        let mut stricter = Methodology::default_methodology();
        stricter.matrix[3][3] = "critical".into();
        assert_eq!(s.approve_methodology(&ctx, stricter, 0).await.unwrap(), 1);
        let again = s.create_risk(&ctx, risk("Same again", format!("vendor:{}", vendor.id), 4, 4)).await.unwrap();
        assert_eq!((again.residual_level.as_str(), again.methodology_version), ("critical", 1));
        assert_eq!(s.risk("R-1", T0.date()).await.unwrap().risk.methodology_version, 0);
        // A methodology whose weights do not sum to 1 is refused too.
        let mut heavy = Methodology::default_methodology();
        heavy.dimensions[0].weight = 0.9;
        assert!(matches!(s.approve_methodology(&ctx, heavy, 1).await.unwrap_err(), StoreError::Validation(ref e) if e.errors.iter().any(|f| f.message.contains("sum to 1"))));
        // A methodology whose matrix has a gap is refused by field.
        let mut broken = Methodology::default_methodology();
        broken.matrix[1].pop();
        assert!(matches!(s.approve_methodology(&ctx, broken, 1).await.unwrap_err(), StoreError::Validation(_)));
        let report = s.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }

    async fn assessments_freeze_when_approved_and_imports_are_all_or_nothing(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let s = &db.store;
        let sys = s.create_ai_system(&ctx, system("Lending")).await.unwrap();
        let draft = s.start_assessment(&ctx, sys.id, Template::Lending).await.unwrap();
        let lead = person(Role::GovernanceLead);
        let incomplete = s.approve_assessment(&ctx, lead, draft.id).await.unwrap_err();
        assert!(matches!(incomplete, StoreError::Validation(ref e) if e.for_field("answers").is_some_and(|m| m.contains("Scope"))));
        let answers: BTreeMap<String, String> = Template::Lending.sections().iter().map(|s| (s.id.to_owned(), format!("{} answered", s.title))).collect();
        let saved = s.save_assessment(&ctx, draft.id, draft.version, answers.clone()).await.unwrap();
        let approved = s.approve_assessment(&ctx, lead, saved.id).await.unwrap();
        assert_eq!(approved.status, AssessmentStatus::Approved);
        assert_eq!(s.count_approved_assessments(sys.id).await.unwrap(), 1);
        let frozen = s.save_assessment(&ctx, approved.id, approved.version, answers).await.unwrap_err();
        assert!(matches!(frozen, StoreError::Conflict { .. }));
        let second = s.start_assessment(&ctx, sys.id, Template::Lending).await.unwrap();
        assert_eq!((second.number, second.answers.len()), (2, Template::Lending.sections().len()));

        // The daily trend: the last figure of a day wins, oldest first.
        for (day, untreated) in [("2026-11-30", 3), ("2026-12-01", 2), ("2026-12-01", 1)] {
            s.record_risk_point(&aims_store::RiskPoint { day: day.into(), open: 4, above_appetite: 3, untreated }).await.unwrap();
        }
        let trend = s.risk_history(30).await.unwrap();
        assert_eq!(trend.iter().map(|p| (p.day.as_str(), p.untreated)).collect::<Vec<_>>(), [("2026-11-30", 3), ("2026-12-01", 1)]);
        // Import: one bad row means nothing is imported.
        let m = Methodology::default_methodology();
        let subject = format!("ai_system:{}", sys.id);
        let good = format!("title,subject,inherent_likelihood,inherent_impact\nBias,{subject},3,4\nDrift,{subject},2,2\n");
        let rows = parse_csv(&good, &m).unwrap();
        assert_eq!(s.import_risks(&ctx, rows).await.unwrap(), (2, 0));
        let unknown = format!("id,title,subject,inherent_likelihood,inherent_impact\nR-1,Bias,{subject},3,5\nR-99,X,{subject},1,1\n");
        let rows = parse_csv(&unknown, &m).unwrap();
        let size = s.ledger_head().await.unwrap().size;
        assert!(s.import_risks(&ctx, rows).await.is_err());
        assert_eq!(s.ledger_head().await.unwrap().size, size);
        assert_eq!(s.risk("R-1", T0.date()).await.unwrap().risk.fields.inherent_impact, 4);
        let report = s.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }
}
