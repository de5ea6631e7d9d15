use std::path::{Path, PathBuf};

use aims_analytics::{CheckKind, CheckRequest, DatasetSpec, run_check_with_spec};

const SPEC: &str = r#"
[input]
batch_size = 7
infer_rows = 50
[columns.y]
role = "label"
[columns.p]
role = "prediction"
[columns.g]
role = "sensitive"
[[quality.rules]]
name = "r"
expr = "x < 5 or g == 'a'"
"#;

/// libfuzzer-sys installs a panic hook that aborts, which would also end the run on panics the
/// engine catches and reports as errors (the Parquet decoder panics on some corrupt files; the
/// engine turns those into "corrupt file" errors). A quiet hook leaves caught panics alone; one
/// that escapes still aborts, as libfuzzer-sys aborts on any panic leaving the target.
pub fn init() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// Writes `bytes` to a file named `name` and runs every check on it: Ok or Err, never a panic.
pub fn run(bytes: &[u8], name: &str) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path: PathBuf = dir.path().join(name);
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let Ok(spec) = DatasetSpec::from_toml(SPEC, Path::new("fuzz.spec.toml")) else {
        return;
    };
    for kind in [CheckKind::Quality, CheckKind::Fairness, CheckKind::Drift, CheckKind::Performance] {
        let request = CheckRequest {
            kind,
            data: path.clone(),
            reference: Some(path.clone()),
            spec: PathBuf::from("fuzz.spec.toml"),
            now_unix_seconds: Some(0.0),
        };
        let _ = run_check_with_spec(&request, &spec);
    }
}
