//! The ledger written by the store: verification, tampering, proofs.

use aims_core::ai_system::AiSystemFields;
use aims_ledger::bundle::ProofBundle;
use aims_ledger::merkle::leaf_hash;

use crate::contract;
use crate::support::*;

fn fields(name: &str) -> AiSystemFields {
    AiSystemFields {
        name: name.into(),
        purpose: "p".into(),
        ..AiSystemFields::blank()
    }
}

contract! {
    async fn a_clean_ledger_verifies(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        for i in 0..5 {
            db.store.create_ai_system(&ctx, fields(&format!("System {i}"))).await.unwrap();
        }
        db.store.publish_checkpoint(T0).await.unwrap();
        db.store.create_ai_system(&ctx, fields("After checkpoint")).await.unwrap();
        let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries, 6);
        assert_eq!(report.checkpoints_checked, 2);
        assert_eq!(report.records_checked, 6);
    }

    async fn a_row_edited_in_the_database_is_named(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let system = db.store.create_ai_system(&ctx, fields("Credit scoring")).await.unwrap();
        db.store.create_ai_system(&ctx, fields("Other")).await.unwrap();
        db.store.execute_raw(&format!("UPDATE ai_systems SET owner = 'mallory' WHERE id = '{}'", system.id)).await.unwrap();
        let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let problem = &report.problems[0];
        assert_eq!(problem.kind, "record_altered");
        assert_eq!(problem.entity_type.as_deref(), Some("ai_system"));
        assert_eq!(problem.entity_id.as_deref(), Some(system.id.to_string().as_str()));
        assert_eq!(problem.seq, Some(0));
    }

    async fn inserted_deleted_and_rewritten_rows_are_caught(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        let a = db.store.create_ai_system(&ctx, fields("A")).await.unwrap();
        db.store.create_ai_system(&ctx, fields("B")).await.unwrap();
        db.store.execute_raw(&format!("DELETE FROM ai_systems WHERE id = '{}'", a.id)).await.unwrap();
        db.store.execute_raw("UPDATE ledger_entries SET actor = 'user:someone-else' WHERE seq = 1").await.unwrap();
        let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
        let kinds: Vec<_> = report.problems.iter().map(|p| p.kind.as_str()).collect();
        assert!(kinds.contains(&"record_missing"), "{kinds:?}");
        assert!(kinds.contains(&"root_mismatch") || kinds.contains(&"checkpoint_mismatch"), "{kinds:?}");
    }

    async fn a_wrong_key_fails_verification(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        db.store.create_ai_system(&ctx, fields("A")).await.unwrap();
        let other = aims_ledger::note::Signer::generate("aims.test/ledger").unwrap();
        let report = db.store.verify_ledger(&other.verifier()).await.unwrap();
        assert!(report.problems.iter().any(|p| p.kind == "checkpoint_invalid"));
    }

    async fn proofs_verify_offline(backend: Backend) {
        let db = db(backend).await;
        let ctx = TestDb::system_ctx(T0);
        for i in 0..7 {
            db.store.create_ai_system(&ctx, fields(&format!("S{i}"))).await.unwrap();
        }
        for seq in 0..7 {
            let bundle = db.store.inclusion_proof(seq).await.unwrap();
            let parsed = ProofBundle::parse(&bundle.to_text()).unwrap();
            let entry = parsed.extra.clone().unwrap();
            let checkpoint = parsed.verify(&leaf_hash(&entry), &db.signer.verifier()).unwrap();
            assert_eq!(checkpoint.size, 7);
        }
        assert!(db.store.inclusion_proof(7).await.is_err());
    }

    async fn writes_without_a_key_are_refused(backend: Backend) {
        let db = db(backend).await;
        let read_only = aims_store::Store::connect(&aims_store::StoreOptions::from_url(&db.url)).await.unwrap();
        let error = read_only.create_ai_system(&TestDb::system_ctx(T0), fields("A")).await.unwrap_err();
        assert!(matches!(error, aims_store::StoreError::NoSigningKey));
        assert_eq!(db.store.ledger_head().await.unwrap().size, 0);
    }

    async fn migrations_are_idempotent(backend: Backend) {
        let db = db(backend).await;
        assert_eq!(db.store.migrate().await.unwrap(), 0);
        db.store.check_schema().await.unwrap();
    }
}
