//! Ledger throughput through the store: appends (batched, as an import does, and one
//! command per transaction, as people do), then a full `verify` over all entries.
//!
//! `cargo bench -p aims-store --bench ledger_store` (release). Set `BENCH_ENTRIES` to
//! change the size (default 100,000) and `BENCH_BACKENDS=sqlite,postgres` to choose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use aims_store::Backend;
use aims_store::testing::{TestDb, fresh};
use serde_json::json;
use time::OffsetDateTime;

const BATCH: u64 = 1_000;
const SINGLE_COMMITS: u64 = 2_000;

fn rate(count: u64, seconds: f64) -> String {
    format!("{:.0}/s", count as f64 / seconds)
}

async fn run(backend: Backend, entries: u64) {
    let db = fresh(backend).await.expect("database");
    let ctx = TestDb::system_ctx(OffsetDateTime::now_utc());
    let state = |i: u64| json!({"id": i, "name": format!("record {i}"), "purpose": "benchmark", "version": 1});

    let started = Instant::now();
    let mut written = 0;
    while written < entries - SINGLE_COMMITS {
        let mut tx = db.store.begin_write(&ctx).await.unwrap();
        for _ in 0..BATCH.min(entries - SINGLE_COMMITS - written) {
            tx.append(
                "bench.created",
                "bench",
                &written.to_string(),
                Some(&state(written)),
            )
            .await
            .unwrap();
            written += 1;
        }
        tx.commit().await.unwrap();
    }
    let batched = started.elapsed().as_secs_f64();
    let batched_count = written;

    let started = Instant::now();
    for _ in 0..SINGLE_COMMITS {
        let mut tx = db.store.begin_write(&ctx).await.unwrap();
        tx.append(
            "bench.created",
            "bench",
            &written.to_string(),
            Some(&state(written)),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        written += 1;
    }
    let single = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
    let verify = started.elapsed().as_secs_f64();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries, entries);

    let started = Instant::now();
    let bundle = db.store.inclusion_proof(entries / 2).await.unwrap();
    let proof = started.elapsed().as_secs_f64();
    assert!(!bundle.proof.is_empty());

    println!(
        "| {} | {entries} | {} ({batched_count} in batches of {BATCH}, {batched:.2} s) | {} ({SINGLE_COMMITS} one-entry commits, {:.2} ms each) | {} ({verify:.2} s) | {:.0} ms |",
        backend.name(),
        rate(batched_count, batched),
        rate(SINGLE_COMMITS, single),
        single * 1000.0 / SINGLE_COMMITS as f64,
        rate(entries, verify),
        proof * 1000.0,
    );
}

fn main() {
    let entries: u64 = std::env::var("BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "| backend | entries | append, batched | append, one command per commit | verify (tree, checkpoints, records) | one inclusion proof |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for backend in backends.split(',') {
        let backend = match backend.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("unknown backend {other}"),
        };
        runtime.block_on(run(backend, entries));
    }
}
