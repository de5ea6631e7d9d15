//! Readiness and the SoA page for a large organisation: 200 AI systems, 300 applied
//! controls and 5,000 evidence items, on SQLite (and PostgreSQL with BENCH_BACKENDS).
//!
//! `cargo bench -p aims-server --bench conformance` (release).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use aims_core::access::Role;
use aims_core::ai_system::AiSystemFields;
use aims_core::control::{ControlFields, RequirementRef};
use aims_core::evidence::{EvidenceFields, EvidenceLink, LinkTarget};
use aims_core::soa::{Applicability, ImplementationStatus, SoaRowFields};
use aims_core::user::{NewApiToken, NewUser};
use aims_server::{AppState, FixedClock, ServerConfig};
use aims_store::testing::{TestDb, fresh};
use aims_store::{Backend, ISO42001};
use axum::body::{Body, to_bytes};
use axum::http::Request;
use time::macros::datetime;
use tower::ServiceExt;

const SYSTEMS: usize = 200;
const CONTROLS: usize = 300;
const EVIDENCE: usize = 5_000;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

async fn run(backend: Backend) {
    let now = datetime!(2026-12-01 09:00:00 UTC);
    let db = fresh(backend).await.unwrap();
    let ctx = TestDb::system_ctx(now);
    let state = AppState::new(
        db.store.clone(),
        Arc::new(FixedClock::new(now)),
        ServerConfig::default(),
        None,
    )
    .unwrap();
    let annex_a = aims_server::conformance::control_ids(state.catalog()).unwrap();
    let clauses: Vec<String> = aims_server::conformance::clause_requirements(state.catalog())
        .unwrap()
        .iter()
        .map(|r| r.id.clone())
        .collect();

    let seeding = Instant::now();
    for i in 0..SYSTEMS {
        let fields = AiSystemFields {
            name: format!("System {i}"),
            purpose: "benchmark".into(),
            ..AiSystemFields::blank()
        };
        db.store.create_ai_system(&ctx, fields).await.unwrap();
    }
    let mut control_ids = Vec::new();
    for i in 0..CONTROLS {
        let requirements = (0..3)
            .map(|k| RequirementRef {
                framework: ISO42001.into(),
                requirement: annex_a[(i * 7 + k * 11) % annex_a.len()].clone(),
            })
            .chain(std::iter::once(RequirementRef {
                framework: ISO42001.into(),
                requirement: clauses[i % clauses.len()].clone(),
            }))
            .collect();
        let fields = ControlFields {
            name: format!("Control {i}"),
            cost_estimate: 1000,
            effort_days: 3,
            requirements,
            ..ControlFields::blank()
        };
        control_ids.push(db.store.create_control(&ctx, fields).await.unwrap().id);
    }
    for (i, id) in annex_a.iter().enumerate() {
        let fields = SoaRowFields {
            applicability: Applicability::Applicable,
            justification: "Needed".into(),
            implementation_status: if i % 3 == 0 {
                ImplementationStatus::Implemented
            } else {
                ImplementationStatus::Planned
            },
            owner: "Owner".into(),
        };
        db.store.update_soa_row(&ctx, id, 0, fields).await.unwrap();
    }
    for i in 0..EVIDENCE {
        let mut fields = EvidenceFields::titled(&format!("Evidence {i}"));
        fields.url = format!("https://dms.example.org/{i}");
        fields.reviewed_on = "2026-10-01".into();
        fields.expires_on = if i % 10 == 0 {
            "2026-11-01".into()
        } else {
            "2027-10-01".into()
        };
        fields.links = vec![
            EvidenceLink {
                target_type: LinkTarget::AppliedControl,
                target_id: control_ids[i % CONTROLS].to_string(),
            },
            EvidenceLink {
                target_type: LinkTarget::Requirement,
                target_id: format!("{ISO42001}:{}", annex_a[i % annex_a.len()]),
            },
        ];
        db.store.create_evidence(&ctx, fields, None).await.unwrap();
    }
    let seeded = seeding.elapsed().as_secs_f64();

    let user = db
        .store
        .create_user(
            &ctx,
            NewUser {
                username: "bench".into(),
                display_name: String::new(),
                role: Role::GovernanceLead,
                password: "benchmark password".into(),
            },
        )
        .await
        .unwrap();
    let (_, token) = db
        .store
        .create_token(
            &ctx,
            user.id,
            NewApiToken {
                name: "bench".into(),
                expires_in_days: 5,
            },
        )
        .await
        .unwrap();
    let app = aims_server::app(state.clone());

    let mut readiness = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let result = aims_server::readiness::compute(&state).await.unwrap();
        readiness.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(result.score > 0.0);
    }
    let timed = |path: &'static str| {
        let app = app.clone();
        let token = token.clone();
        async move {
            let mut samples = Vec::new();
            let mut bytes = 0;
            for _ in 0..5 {
                let request = Request::get(path)
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap();
                let started = Instant::now();
                let response = app.clone().oneshot(request).await.unwrap();
                assert!(
                    response.status().is_success(),
                    "{path}: {}",
                    response.status()
                );
                bytes = to_bytes(response.into_body(), usize::MAX)
                    .await
                    .unwrap()
                    .len();
                samples.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            (median(samples), bytes)
        }
    };
    let (soa_page, soa_bytes) = timed("/soa").await;
    let (readiness_page, _) = timed("/readiness").await;
    let (ssp, ssp_bytes) = timed("/api/v1/soa/export?format=oscal-ssp").await;
    let (evidence_list, _) = timed("/api/v1/evidence").await;
    let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
    assert!(report.ok());
    println!(
        "| {} | {SYSTEMS} systems, {CONTROLS} controls, {EVIDENCE} evidence (seeded in {seeded:.1} s, {} ledger entries) | {:.1} ms | {:.1} ms ({} kB) | {:.1} ms | {:.1} ms ({} kB) | {:.1} ms |",
        backend.name(),
        report.entries,
        median(readiness),
        soa_page,
        soa_bytes / 1024,
        readiness_page,
        ssp,
        ssp_bytes / 1024,
        evidence_list,
    );
}

fn main() {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "| backend | organisation | readiness computed | SoA page | readiness page | OSCAL SSP export | evidence list (API) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for backend in backends.split(',') {
        let backend = match backend.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("unknown backend {other}"),
        };
        runtime.block_on(run(backend));
    }
}
