//! The AI system register.

use aims_core::ai_system::{
    AiSystemFields, AiSystemFilter, AiSystemPatch, LifecycleStage, OrgRole,
};
use aims_store::{AiSystemSort, ListParams, SortOrder, StoreError};

use crate::contract;
use crate::support::*;

fn fields(name: &str) -> AiSystemFields {
    AiSystemFields {
        name: name.into(),
        purpose: format!("purpose of {name}"),
        ..AiSystemFields::blank()
    }
}

contract! {
    async fn create_get_and_list(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let created = db.store.create_ai_system(&ctx, fields("Credit scoring")).await.unwrap();
        assert_eq!(created.version, 1);
        let fetched = db.store.get_ai_system(created.id).await.unwrap();
        assert_eq!(fetched, created);
        let page = db.store.list_ai_systems(&AiSystemFilter::default(), &ListParams::default()).await.unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].fields.name, "Credit scoring");
    }

    async fn text_is_stored_as_given(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let nasty = "Robert'); DROP TABLE ai_systems;-- <script>alert(1)</script> ünïcødé 🚀";
        let created = db.store.create_ai_system(&ctx, fields(nasty)).await.unwrap();
        assert_eq!(db.store.get_ai_system(created.id).await.unwrap().fields.name, nasty);
        let filter = AiSystemFilter { q: Some("drop table".into()), ..Default::default() };
        let page = db.store.list_ai_systems(&filter, &ListParams::default()).await.unwrap();
        assert_eq!(page.total, 1);
        // LIKE wildcards in a search match only themselves.
        let filter = AiSystemFilter { q: Some("%".into()), ..Default::default() };
        assert_eq!(db.store.list_ai_systems(&filter, &ListParams::default()).await.unwrap().total, 0);
    }

    async fn invalid_input_names_fields_and_writes_nothing(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let error = db.store.create_ai_system(&ctx, fields("")).await.unwrap_err();
        match error {
            StoreError::Validation(errors) => assert!(errors.for_field("name").is_some()),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(db.store.ledger_head().await.unwrap().size, 0);
    }

    async fn duplicate_names_are_refused_with_nothing_written(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        db.store.create_ai_system(&ctx, fields("Chatbot")).await.unwrap();
        let error = db.store.create_ai_system(&ctx, fields("chatbot")).await.unwrap_err();
        assert!(matches!(error, StoreError::Validation(ref e) if e.for_field("name").is_some()));
        assert_eq!(db.store.ledger_head().await.unwrap().size, 1);
    }

    async fn updates_need_the_current_version(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let created = db.store.create_ai_system(&ctx, fields("Fraud detector")).await.unwrap();
        let patch = AiSystemPatch { version: 1, owner: Some("Fraud team".into()), ..Default::default() };
        let updated = db.store.update_ai_system(&ctx, created.id, patch.clone()).await.unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(updated.fields.owner, "Fraud team");
        let stale = db.store.update_ai_system(&ctx, created.id, AiSystemPatch { owner: Some("Other".into()), ..patch }).await.unwrap_err();
        assert!(matches!(stale, StoreError::StaleVersion { expected: 1, actual: 2, .. }));
        assert_eq!(db.store.get_ai_system(created.id).await.unwrap().fields.owner, "Fraud team");
    }

    async fn unknown_ids_are_not_found(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let id = uuid::Uuid::new_v4();
        assert!(matches!(db.store.get_ai_system(id).await, Err(StoreError::NotFound { .. })));
        let patch = AiSystemPatch { version: 1, ..Default::default() };
        assert!(matches!(db.store.update_ai_system(&ctx, id, patch).await, Err(StoreError::NotFound { .. })));
    }

    async fn archive_hides_and_restore_shows(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let created = db.store.create_ai_system(&ctx, fields("CV screening")).await.unwrap();
        let archived = db.store.set_ai_system_archived(&ctx, created.id, 1, true).await.unwrap();
        assert!(archived.archived);
        let page = db.store.list_ai_systems(&AiSystemFilter::default(), &ListParams::default()).await.unwrap();
        assert_eq!(page.total, 0);
        let all = AiSystemFilter { include_archived: Some(true), ..Default::default() };
        assert_eq!(db.store.list_ai_systems(&all, &ListParams::default()).await.unwrap().total, 1);
        // An archived name may be reused; restoring the old one then clashes.
        db.store.create_ai_system(&ctx, fields("CV screening")).await.unwrap();
        let clash = db.store.set_ai_system_archived(&ctx, created.id, 2, false).await.unwrap_err();
        assert!(matches!(clash, StoreError::Validation(_)));
        let history = db.store.history("ai_system", &created.id.to_string()).await.unwrap();
        assert_eq!(history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), ["ai_system.archived", "ai_system.created"]);
    }

    async fn filters_sorting_and_paging(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        for (name, stage, unit) in [
            ("Alpha", LifecycleStage::Deployed, "Retail"),
            ("beta", LifecycleStage::Design, "Retail"),
            ("Gamma", LifecycleStage::Deployed, "HR"),
        ] {
            let mut f = fields(name);
            f.lifecycle_stage = stage;
            f.business_unit = unit.into();
            f.org_role = OrgRole::Provider;
            db.store.create_ai_system(&ctx, f).await.unwrap();
        }
        let deployed = AiSystemFilter { lifecycle_stage: Some(LifecycleStage::Deployed), ..Default::default() };
        assert_eq!(db.store.list_ai_systems(&deployed, &ListParams::default()).await.unwrap().total, 2);
        let retail = AiSystemFilter { business_unit: Some("Retail".into()), ..Default::default() };
        assert_eq!(db.store.list_ai_systems(&retail, &ListParams::default()).await.unwrap().total, 2);
        let params = ListParams { limit: Some(2), offset: Some(0), sort: Some(AiSystemSort::Name), order: Some(SortOrder::Desc) };
        let page = db.store.list_ai_systems(&AiSystemFilter::default(), &params).await.unwrap();
        assert_eq!(page.total, 3);
        let names: Vec<_> = page.items.iter().map(|s| s.fields.name.as_str()).collect();
        assert_eq!(names, ["Gamma", "beta"]);
        let counts = db.store.counts("2026-12-01").await.unwrap();
        assert_eq!((counts.ai_systems, counts.ai_systems_deployed), (3, 2));
        assert_eq!(db.store.business_units().await.unwrap(), ["HR", "Retail"]);
    }
}
