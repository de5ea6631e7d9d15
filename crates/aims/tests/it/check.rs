//! `aims check` as a pipeline gate on the credit-10k fixture.

use std::process::Command;

fn fixture(name: &str) -> String {
    format!(
        "{}/../../../shared/fixtures/credit-10k/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn spec() -> String {
    format!(
        "{}/../aims-analytics/examples/credit.spec.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn check(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aims"))
        .arg("check")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_exit_code_says_whether_every_threshold_holds() {
    // The drifted current table against its reference fails the drift thresholds.
    let drift = check(&[
        "drift",
        &fixture("cur.parquet"),
        "--reference",
        &fixture("ref.parquet"),
        "--spec",
        &spec(),
        "--format",
        "json",
    ]);
    assert_eq!(
        drift.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&drift.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&drift.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert!(String::from_utf8_lossy(&drift.stderr).contains("FAIL"));

    // Each report format renders; the exit code is the same whatever the format.
    for format in ["table", "html"] {
        let output = check(&[
            "fairness",
            &fixture("ref.csv"),
            "--spec",
            &spec(),
            "--format",
            format,
        ]);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{format}");
        assert!(!output.stdout.is_empty());
    }
}

#[test]
fn a_check_that_cannot_run_exits_2_and_says_why() {
    let missing = check(&["quality", "/nonexistent/data.csv", "--spec", &spec()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("data.csv"));
    let bad_kind = check(&["colour", &fixture("ref.csv"), "--spec", &spec()]);
    assert_eq!(
        bad_kind.status.code(),
        Some(2),
        "clap refuses an unknown kind"
    );
}

mod recorded {
    use super::{fixture, spec};
    use crate::both_backends;
    use crate::support::*;

    both_backends! {
        async fn a_run_is_recorded_as_evidence_about_a_system(backend: Backend) {
            let install = Install::new(backend).await;
            install.init();
            install.ok(&["system", "add", "--name", "Credit scoring", "--purpose", "Scores loans"]);
            let output = install.run(&["check", "fairness", &fixture("ref.parquet"), "--spec", &spec(), "--record-for", "Credit scoring", "--control", "A.5.4"]);
            assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
            assert!(stderr(&output).contains("Recorded run"), "{}", stderr(&output));
            let store = install.raw_store().await;
            let runs = store.list_check_runs(None, 10).await.unwrap();
            assert_eq!(runs.len(), 1);
            assert_eq!(runs[0].run.controls, ["A.5.4"]);
            assert_eq!(runs[0].run.inputs["data"].len(), 64);
            assert!(runs[0].run.metrics.keys().any(|k| k.starts_with("fairness.")), "{:?}", runs[0].run.metrics.keys());
            assert!(install.ok(&["ledger", "verify"]).starts_with("OK"));
            let unknown = install.run(&["check", "fairness", &fixture("ref.parquet"), "--spec", &spec(), "--record-for", "No such system"]);
            assert!(stderr(&unknown).contains("No such system"), "{}", stderr(&unknown));
        }
    }
}
