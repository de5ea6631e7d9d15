//! Shared helpers: fixture paths, reference JSON and relative comparison.

use std::path::PathBuf;

use aims_analytics::{CheckKind, CheckReport, CheckRequest, DatasetSpec, run_check_with_spec};
use serde_json::Value;

/// The credit-10k fixture directory (the repo is cloned with shared/ beside it).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/credit-10k")
        .join(name)
}

/// The example spec shipped with the crate.
pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/credit.spec.toml")
}

pub fn spec() -> DatasetSpec {
    DatasetSpec::from_path(&spec_path()).unwrap()
}

/// The `results` object of a reference file.
pub fn reference(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("reference/{name}"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["results"].clone()
}

pub fn run(
    kind: CheckKind,
    data: &str,
    reference: Option<&str>,
    spec: &DatasetSpec,
) -> CheckReport {
    let request = CheckRequest {
        kind,
        data: fixture(data),
        reference: reference.map(fixture),
        spec: spec_path(),
        now_unix_seconds: None,
    };
    run_check_with_spec(&request, spec).unwrap()
}

/// Asserts |actual - expected| <= tol * max(|actual|, |expected|), or both tiny.
#[track_caller]
pub fn close(actual: f64, expected: f64, tol: f64, what: &str) {
    let scale = actual.abs().max(expected.abs());
    let ok = (actual - expected).abs() <= tol * scale || (actual - expected).abs() < 1e-300;
    assert!(
        ok,
        "{what}: got {actual:e}, expected {expected:e} (relative {:e})",
        (actual - expected).abs() / scale
    );
}

/// As [`close`] for an optional value against a JSON number.
#[track_caller]
pub fn close_json(actual: Option<f64>, expected: &Value, tol: f64, what: &str) {
    let e = expected
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference is not a number: {expected}"));
    let a = actual.unwrap_or_else(|| panic!("{what}: undefined, expected {e}"));
    close(a, e, tol, what);
}
