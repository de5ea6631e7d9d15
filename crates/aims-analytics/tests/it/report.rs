//! The report API: passed/failures, JSON round trip, table and HTML renderings.

use aims_analytics::{CheckKind, CheckReport};

use crate::common::{run, spec};

#[test]
fn all_checks_on_the_fixture() {
    let report = run(CheckKind::All, "cur.parquet", Some("ref.parquet"), &spec());
    assert!(report.quality.is_some());
    assert!(report.fairness.is_some());
    assert!(report.performance.is_some());
    assert!(report.drift.is_some());
    assert!(report.privacy.is_some());
    // The current table drifts and has injected faults: the check fails and says why.
    assert!(!report.passed);
    assert!(report.failures.iter().any(|f| f.check == "drift"));
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.check == "quality" && f.metric == "duplicate_row_share")
    );
    let json = serde_json::to_string(&report).unwrap();
    let back: CheckReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.failures, report.failures);
    let table = report.render_table();
    assert!(table.contains("FAILED"));
    assert!(table.contains("FAILURES"));
    let html = report.render_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script"));
}

#[test]
fn passing_check_has_no_failures() {
    let mut spec = spec();
    spec.fairness.max_demographic_parity_difference = Some(0.5);
    spec.fairness.max_equalized_odds_difference = Some(0.5);
    let report = run(CheckKind::Fairness, "ref.parquet", None, &spec);
    assert!(report.passed, "{:?}", report.failures);
    assert!(report.render_table().contains("PASSED"));
}

#[test]
fn html_escapes_text() {
    assert_eq!(
        aims_analytics::esc("<a href=\"x\">&'"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    );
}

fn write_csv(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn privacy_k_anonymity_and_l_diversity() {
    // Classes (x, 1): 3 rows with sensitive {s1, s2}; (y, 2): 2 rows with {s1}.
    let dir = tempfile::tempdir().unwrap();
    let data = write_csv(
        dir.path(),
        "p.csv",
        "a,b,s\nx,1,s1\nx,1,s2\nx,1,s1\ny,2,s1\ny,2,s1\n",
    );
    let spec = aims_analytics::DatasetSpec::from_toml(
        "[privacy]\nquasi_identifiers = [\"a\", \"b\"]\nsensitive = \"s\"\nk = 3\nl = 2\n",
        std::path::Path::new("p.toml"),
    )
    .unwrap();
    let request = aims_analytics::CheckRequest {
        kind: CheckKind::Privacy,
        data,
        reference: None,
        spec: "p.toml".into(),
        now_unix_seconds: None,
    };
    let report = aims_analytics::run_check_with_spec(&request, &spec).unwrap();
    let p = report.privacy.as_ref().unwrap();
    assert_eq!(p.classes, 2);
    assert_eq!(p.k_anonymity, 2);
    assert_eq!(p.l_diversity, Some(1));
    assert_eq!(p.rows_below_k, 2);
    assert!((p.share_below_k - 0.4).abs() < 1e-15);
    assert_eq!(p.classes_below_l, 1);
    assert!(!report.passed);
    let metrics: Vec<&str> = report.failures.iter().map(|f| f.metric.as_str()).collect();
    assert_eq!(metrics, vec!["k_anonymity", "l_diversity"]);
}

#[test]
fn regression_metrics() {
    // y = [1, 2, 3, 4], estimate = [1, 2, 3, 5]: MAE 0.25, RMSE 0.5, R2 = 1 - 1/5 = 0.8.
    let dir = tempfile::tempdir().unwrap();
    let data = write_csv(dir.path(), "r.csv", "y,e\n1,1\n2,2\n3,3\n4,5\n");
    let spec = aims_analytics::DatasetSpec::from_toml(
        "[columns.y]\nrole = \"label\"\n[columns.e]\nrole = \"score\"\n[performance]\nmax_mae = 0.2\nmin_r2 = 0.5\n",
        std::path::Path::new("r.toml"),
    )
    .unwrap();
    let request = aims_analytics::CheckRequest {
        kind: CheckKind::Performance,
        data,
        reference: None,
        spec: "r.toml".into(),
        now_unix_seconds: None,
    };
    let report = aims_analytics::run_check_with_spec(&request, &spec).unwrap();
    let r = report.regression.as_ref().unwrap();
    assert!((r.mae - 0.25).abs() < 1e-15);
    assert!((r.rmse - 0.5).abs() < 1e-15);
    assert!((r.r2.unwrap() - 0.8).abs() < 1e-15);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].metric, "mae");
}

#[test]
fn renderings_cover_every_section() {
    let report = run(CheckKind::All, "cur.parquet", Some("ref.parquet"), &spec());
    let table = report.render_table();
    for section in [
        "DATA QUALITY",
        "FAIRNESS",
        "PERFORMANCE",
        "DRIFT",
        "PRIVACY",
        "FAILURES",
    ] {
        assert!(table.contains(section), "table lacks {section}");
    }
    assert!(table.starts_with("aims check all: FAILED"));
    let html = report.render_html();
    // For a human look at the page: AIMS_REPORT_HTML=/tmp/report.html cargo test -p aims-analytics.
    if let Ok(path) = std::env::var("AIMS_REPORT_HTML") {
        std::fs::write(path, &html).unwrap();
    }
    for heading in [
        "Data quality",
        "Fairness",
        "Performance",
        "Drift",
        "Privacy",
        "Failures",
    ] {
        assert!(
            html.contains(&format!("<h2>{heading}")),
            "html lacks {heading}"
        );
    }
    // One drift histogram per column, one selection-rate chart per grouping, one calibration curve.
    assert_eq!(
        html.matches("aria-label=\"reference and current shares\"")
            .count(),
        24
    );
    assert_eq!(
        html.matches("aria-label=\"selection rate by group\"")
            .count(),
        4
    );
    assert_eq!(html.matches("aria-label=\"calibration curve\"").count(), 1);
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert_eq!(json["passed"], serde_json::Value::Bool(false));
    assert_eq!(
        json["failures"].as_array().unwrap().len(),
        report.failures.len()
    );
}

#[test]
fn progress_reports_rows_read() {
    use std::sync::{Arc, Mutex};
    type Seen = Vec<(String, u64, Option<u64>)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let sink_seen = seen.clone();
    let sink = aims_analytics::ProgressSink(Arc::new(move |p: &aims_analytics::Progress| {
        if let Ok(mut v) = sink_seen.lock() {
            v.push((p.file.display().to_string(), p.rows, p.total_rows));
        }
    }));
    let request = aims_analytics::CheckRequest {
        kind: CheckKind::Fairness,
        data: crate::common::fixture("ref.parquet"),
        reference: None,
        spec: crate::common::spec_path(),
        now_unix_seconds: None,
    };
    let report = aims_analytics::run_check_with_progress(&request, sink).unwrap();
    assert!(report.fairness.is_some());
    let seen = seen.lock().unwrap();
    let last = seen.last().unwrap();
    assert!(last.0.ends_with("ref.parquet"));
    assert_eq!((last.1, last.2), (10_000, Some(10_000)));
}
