//! Two servers writing to one database at once: the ledger must stay one verifiable tree.

use aims_core::ai_system::AiSystemFields;

use crate::contract;
use crate::support::*;

contract! {
    async fn two_stores_write_concurrently_and_the_ledger_verifies(backend: Backend) {
        let db = db(backend).await;
        let second = db.second_store().await.unwrap();
        let first = db.store.clone();
        let mut tasks = Vec::new();
        for (which, store) in [(0, first), (1, second)] {
            tasks.push(tokio::spawn(async move {
                for i in 0..15 {
                    let fields = AiSystemFields {
                        name: format!("server {which} system {i}"),
                        purpose: "load".into(),
                        ..AiSystemFields::blank()
                    };
                    store.create_ai_system(&TestDb::system_ctx(T0), fields).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries, 30);
    }
}
