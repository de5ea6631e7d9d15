//! The inventory registers and the dependency graph.

use aims_core::ai_system::AiSystemFields;
use aims_core::inventory::Kind;
use aims_core::inventory::graph::{Direction, NodeRef, reach};
use aims_store::{ItemFilter, NewLink, StoreError};
use serde_json::json;

use crate::contract;
use crate::support::*;

pub fn system(name: &str) -> AiSystemFields {
    AiSystemFields {
        name: name.into(),
        purpose: format!("purpose of {name}"),
        owner: "Rory Risk".into(),
        ..AiSystemFields::blank()
    }
}

fn field_error(error: StoreError, field: &str) -> String {
    match error {
        StoreError::Validation(errors) => errors
            .for_field(field)
            .unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
            .to_owned(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

contract! {
    async fn records_validate_link_and_verify(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let s = &db.store;
        let vendor = s.create_item(&ctx, Kind::Vendor, &json!({"name": "Bureau Data Ltd", "supplies": ["data"]})).await.unwrap();
        assert_eq!(vendor.status, "active");
        let dataset = s.create_item(&ctx, Kind::Dataset, &json!({"name": "Applications", "vendor_id": vendor.id, "retention_days": 30})).await.unwrap();
        let v1 = s.create_item(&ctx, Kind::DatasetVersion, &json!({"dataset_id": dataset.id, "version": "2026-11"})).await.unwrap();
        // Retention defaults from the dataset.
        assert_eq!(v1.text("retain_until"), "2026-12-31");
        assert_eq!(v1.display_name(), "Applications v2026-11");
        let model = s.create_item(&ctx, Kind::Model, &json!({"name": "credit-pd", "owner": "Maya"})).await.unwrap();
        let mv = s.create_item(&ctx, Kind::ModelVersion, &json!({"model_id": model.id, "version": "3", "training_datasets": [v1.id]})).await.unwrap();
        assert_eq!(mv.status, "candidate");
        let system = s.create_ai_system(&ctx, system("Credit scoring")).await.unwrap();
        s.add_link(&ctx, NewLink { from: format!("ai_system:{}", system.id), relation: "uses_model".into(), to: format!("model_version:{}", mv.id), direction: None, data: String::new() }).await.unwrap();

        // The vendor's dependents include the system, through the data it supplies.
        let edges: Vec<_> = s.all_links().await.unwrap().into_iter().map(|l| l.edge).collect();
        let reached = reach(&edges, vendor.node(), Direction::Dependents);
        let hit = reached.iter().find(|r| r.node == NodeRef::new(Kind::AiSystem, system.id)).expect("system depends on vendor");
        assert_eq!(hit.depth, 4, "system → model version → dataset version → dataset → vendor: {:?}", hit.path);

        // Editing rewrites the implied edges.
        let updated = s.update_item(&ctx, Kind::ModelVersion, mv.id, mv.version, &json!({"model_id": model.id, "version": "3"})).await.unwrap();
        assert_eq!(updated.version, 2);
        assert!(!s.links_of(mv.id).await.unwrap().iter().any(|l| l.edge.relation == "trained_on"));
        // A stale edit is refused.
        let stale = s.update_item(&ctx, Kind::ModelVersion, mv.id, 1, &json!({"model_id": model.id, "version": "4"})).await.unwrap_err();
        assert!(matches!(stale, StoreError::StaleVersion { .. }));

        let page = s.list_items(Kind::DatasetVersion, &ItemFilter { q: Some("applications".into()), ..Default::default() }).await.unwrap();
        assert_eq!(page.total, 1);
        let report = s.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(s.history("model_version", &mv.id.to_string()).await.unwrap().len(), 2);
    }

    async fn bad_references_and_cycles_are_refused_with_nothing_written(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let s = &db.store;
        let missing = uuid::Uuid::new_v4();
        let size = s.ledger_head().await.unwrap().size;
        let error = s.create_item(&ctx, Kind::ModelVersion, &json!({"model_id": missing, "version": "1"})).await.unwrap_err();
        assert!(field_error(error, "model_id").contains("no Model has the id"));
        assert_eq!(s.ledger_head().await.unwrap().size, size);

        // Lineage: a → b → c, then making a derive from c closes a cycle.
        let dataset = s.create_item(&ctx, Kind::Dataset, &json!({"name": "D"})).await.unwrap();
        let a = s.create_item(&ctx, Kind::DatasetVersion, &json!({"dataset_id": dataset.id, "version": "a"})).await.unwrap();
        let b = s.create_item(&ctx, Kind::DatasetVersion, &json!({"dataset_id": dataset.id, "version": "b", "parents": [a.id]})).await.unwrap();
        let c = s.create_item(&ctx, Kind::DatasetVersion, &json!({"dataset_id": dataset.id, "version": "c", "parents": [b.id]})).await.unwrap();
        let error = s.update_item(&ctx, Kind::DatasetVersion, a.id, a.version, &json!({"dataset_id": dataset.id, "version": "a", "parents": [c.id]})).await.unwrap_err();
        assert!(field_error(error, "parents").contains("cycle"));

        // Business units: a unit cannot sit under its own descendant.
        let group = s.create_item(&ctx, Kind::BusinessUnit, &json!({"name": "Group"})).await.unwrap();
        let retail = s.create_item(&ctx, Kind::BusinessUnit, &json!({"name": "Retail", "parent_id": group.id})).await.unwrap();
        let error = s.update_item(&ctx, Kind::BusinessUnit, group.id, group.version, &json!({"name": "Group", "parent_id": retail.id})).await.unwrap_err();
        assert!(field_error(error, "parent_id").contains("Retail"));
        let error = s.update_item(&ctx, Kind::BusinessUnit, group.id, group.version, &json!({"name": "Group", "parent_id": group.id})).await.unwrap_err();
        assert!(field_error(error, "parent_id").contains("cycle"));

        // Explicit links: the relation must fit the target.
        let system = s.create_ai_system(&ctx, system("S")).await.unwrap();
        let error = s.add_link(&ctx, NewLink { from: format!("ai_system:{}", system.id), relation: "uses_model".into(), to: format!("dataset:{}", dataset.id), direction: None, data: String::new() }).await.unwrap_err();
        assert!(field_error(error, "to").contains("model_version"));
        let report = s.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }
}
