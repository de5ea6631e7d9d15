//! Bad inputs: each gives an error naming the file, line or column, and nothing panics.

use std::io::Write;
use std::path::{Path, PathBuf};

use aims_analytics::{CheckKind, CheckRequest, DatasetSpec, Error, run_check, run_check_with_spec};

use crate::common::{fixture, spec_path};

const SPEC: &str = r#"
[columns.y]
role = "label"
[columns.p]
role = "prediction"
[columns.g]
role = "sensitive"
"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(bytes).unwrap();
    path
}

fn check(
    kind: CheckKind,
    data: &Path,
    spec_text: &str,
) -> Result<aims_analytics::CheckReport, Error> {
    let spec = DatasetSpec::from_toml(spec_text, Path::new("test.spec.toml"))?;
    let request = CheckRequest {
        kind,
        data: data.to_path_buf(),
        reference: None,
        spec: PathBuf::from("test.spec.toml"),
        now_unix_seconds: None,
    };
    run_check_with_spec(&request, &spec)
}

#[test]
fn ragged_csv_row_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ragged.csv", b"y,p,g\n1,1,a\n0,1\n1,0,b\n");
    let err = check(CheckKind::Fairness, &path, SPEC)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ragged.csv"), "{err}");
    assert!(err.contains("line"), "{err}");
}

#[test]
fn bad_utf8_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", b"y,p,g\n1,1,a\n0,1,\xff\xfe\n");
    let err = check(CheckKind::Fairness, &path, SPEC)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.csv"), "{err}");
    assert!(err.to_lowercase().contains("utf"), "{err}");
    let path = write(dir.path(), "badhead.csv", b"y,\xff,g\n1,1,a\n");
    let err = check(CheckKind::Quality, &path, "")
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn wrong_delimiter_suggests_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "semi.csv", b"y;p;g\n1;1;a\n0;0;b\n");
    let err = check(CheckKind::Fairness, &path, SPEC)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column 'g'") || err.contains("column 'p'") || err.contains("column 'y'"),
        "{err}"
    );
    assert!(err.contains("delimiter"), "{err}");
}

#[test]
fn header_only_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "header.csv", b"y,p,g\n");
    let err = check(CheckKind::Fairness, &path, SPEC).unwrap_err();
    assert!(matches!(err, Error::NoRows { .. }), "{err}");
    assert!(err.to_string().contains("header.csv"));
    let path = write(dir.path(), "empty.csv", b"");
    let err = check(CheckKind::Fairness, &path, SPEC).unwrap_err();
    assert!(matches!(err, Error::EmptyFile { .. }), "{err}");
    assert!(err.to_string().contains("empty.csv"));
}

#[test]
fn spec_column_absent_from_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "data.csv", b"y,p\n1,1\n0,0\n");
    let err = check(CheckKind::Fairness, &path, SPEC).unwrap_err();
    assert!(
        matches!(err, Error::MissingColumn { ref column, .. } if column == "g"),
        "{err}"
    );
    assert!(err.to_string().contains("data.csv"));
}

#[test]
fn non_binary_label_names_row_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "three.csv", b"y,p,g\n1,1,a\n0,1,a\n2,0,b\n");
    let err = check(CheckKind::Fairness, &path, SPEC).unwrap_err();
    match &err {
        Error::NotBinary {
            column, row, value, ..
        } => {
            assert_eq!(column, "y");
            assert_eq!(*row, 3);
            assert_eq!(value, "2");
        }
        other => panic!("expected NotBinary, got {other}"),
    }
}

#[test]
fn truncated_and_corrupted_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("ref.parquet")).unwrap();
    let truncated = write(dir.path(), "truncated.parquet", &bytes[..bytes.len() / 2]);
    let err = check(CheckKind::Quality, &truncated, "").unwrap_err();
    assert!(matches!(err, Error::Parquet { .. }), "{err}");
    assert!(err.to_string().contains("truncated.parquet"));
    // Damage the footer metadata (just before its length and the closing magic): the schema can
    // no longer be decoded.
    let mut corrupted = bytes.clone();
    let end = corrupted.len() - 8;
    for b in &mut corrupted[end - 300..end - 100] {
        *b ^= 0x5A;
    }
    let path = write(dir.path(), "corrupted.parquet", &corrupted);
    let err = check(CheckKind::Quality, &path, "").unwrap_err();
    assert!(err.to_string().contains("corrupted.parquet"), "{err}");
    // Damage in the column data without page checksums may decode to other values; whatever
    // happens, it must not panic.
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 3;
    for b in &mut damaged[mid..mid + 4096] {
        *b ^= 0x5A;
    }
    let path = write(dir.path(), "damaged.parquet", &damaged);
    let _ = check(CheckKind::All, &path, "");
    let garbage = write(dir.path(), "garbage.parquet", b"this is not parquet at all");
    assert!(check(CheckKind::Quality, &garbage, "").is_err());
}

#[test]
fn spec_with_unknown_key_names_it() {
    let err = DatasetSpec::from_toml(
        "[drift]\npreset = \"evidently\"\nthreshhold = 0.1\n",
        Path::new("typo.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("typo.toml"), "{err}");
    assert!(err.contains("threshhold"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn bad_rules_and_methods_are_spec_errors() {
    assert!(
        DatasetSpec::from_toml(
            "[[quality.rules]]\nname = \"r\"\nexpr = \"a <= \"\n",
            Path::new("s.toml")
        )
        .is_err()
    );
    assert!(
        DatasetSpec::from_toml("[drift.methods]\nage = \"magic\"\n", Path::new("s.toml")).is_err()
    );
    assert!(DatasetSpec::from_toml("[columns.a]\nregex = \"(\"\n", Path::new("s.toml")).is_err());
    let err = DatasetSpec::from_toml(
        "[quality.freshness]\nas_of = \"last week\"\n",
        Path::new("s.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("as_of") && err.contains("s.toml"), "{err}");
}

#[test]
fn missing_files_and_reference() {
    let request = CheckRequest {
        kind: CheckKind::Drift,
        data: fixture("cur.parquet"),
        reference: None,
        spec: spec_path(),
        now_unix_seconds: None,
    };
    let err = run_check(&request).unwrap_err();
    assert!(err.to_string().contains("reference"), "{err}");
    let request = CheckRequest {
        data: PathBuf::from("/nonexistent/data.csv"),
        ..request
    };
    let err = run_check(&request).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/data.csv"), "{err}");
}

#[test]
fn edge_cases_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    // One group only, a group with no positives, an all-null column, a constant column, NaN and
    // infinities in a numeric column.
    let csv = b"y,p,g,empty,constant,x\n0,0,a,,1,1.5\n0,1,a,,1,NaN\n0,0,a,,1,inf\n0,1,a,,1,-inf\n";
    let path = write(dir.path(), "edge.csv", csv);
    let report = check(CheckKind::Fairness, &path, SPEC).unwrap();
    let g = &report.fairness.unwrap().groupings[0];
    assert_eq!(g.by_group.len(), 1);
    assert_eq!(
        g.by_group[0].metrics.tpr, None,
        "no positives: TPR undefined"
    );
    assert!(g.undefined.iter().any(|u| u.contains("tpr")));
    assert_eq!(g.difference_between_groups.tpr, None);
    assert_eq!(g.demographic_parity_difference, Some(0.0));
    let report = check(CheckKind::Quality, &path, "").unwrap();
    let q = report.quality.clone().unwrap();
    let empty = q.columns.iter().find(|c| c.column == "empty").unwrap();
    assert_eq!(empty.nulls, 4);
    // x holds 1.5, NaN, inf, -inf: NaN is missing, the infinities invalid, the summary finite.
    let x = q.columns.iter().find(|c| c.column == "x").unwrap();
    assert_eq!((x.nulls, x.infinite), (1, 2));
    assert_eq!(x.summary.as_ref().unwrap().mean, 1.5);
    let json = serde_json::to_string(&report).unwrap();
    let back: aims_analytics::CheckReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.quality, report.quality);
    assert!(
        q.columns
            .iter()
            .find(|c| c.column == "constant")
            .unwrap()
            .constant
    );
    // Drift with a category present only in current, NaN and infinities.
    let reference = write(dir.path(), "ref.csv", b"g,x\na,1.0\na,2.0\nb,3.0\n");
    let current = write(dir.path(), "cur.csv", b"g,x\na,1.0\nc,NaN\nc,inf\n");
    let spec = DatasetSpec::from_toml(
        "[columns.x]\nkind = \"numerical\"\n[columns.g]\nkind = \"categorical\"\n",
        Path::new("s.toml"),
    )
    .unwrap();
    for preset in ["evidently", "nannyml", "quantile_psi"] {
        let mut spec = spec.clone();
        spec.drift.preset = preset.to_owned();
        let request = CheckRequest {
            kind: CheckKind::Drift,
            data: current.clone(),
            reference: Some(reference.clone()),
            spec: PathBuf::from("s.toml"),
            now_unix_seconds: None,
        };
        let report = run_check_with_spec(&request, &spec).unwrap();
        let d = report.drift.unwrap();
        let g = d.columns.iter().find(|c| c.column == "g").unwrap();
        assert_eq!(g.unseen_categories, vec!["c".to_owned()]);
        let x = d.columns.iter().find(|c| c.column == "x").unwrap();
        assert_eq!(x.current_missing, 2);
    }
}

#[test]
fn csv_dialect_from_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    // Semicolons, a quoted field holding the delimiter, "NA" as null, no header.
    let path = write(
        dir.path(),
        "dialect.csv",
        b"1;\"a;b\";NA\n0;c;2.5\n1;c;3.5\n",
    );
    let spec = "[input]\ndelimiter = \";\"\nheader = false\nnull_values = [\"NA\"]\n";
    let report = check(CheckKind::Quality, &path, spec).unwrap();
    let q = report.quality.unwrap();
    assert_eq!(q.rows, 3);
    let names: Vec<&str> = q.columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(names, ["column_1", "column_2", "column_3"]);
    let text = &q.columns[1];
    assert_eq!(text.distinct, 2);
    assert!(text.top_values.iter().any(|(v, _)| v == "a;b"));
    assert_eq!(q.columns[2].nulls, 1);
    assert_eq!(q.columns[2].summary.as_ref().unwrap().mean, 3.0);
}

#[test]
fn numbers_stored_as_text_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    // "x" is text in the file (one value is not a number): declared numerical, the bad value is a
    // type violation and the rest are summarised as numbers.
    let path = write(dir.path(), "text.csv", b"x,y\n1.5,a\n2.5,b\noops,c\n,d\n");
    let report = check(
        CheckKind::Quality,
        &path,
        "[columns.x]\nkind = \"numerical\"\n",
    )
    .unwrap();
    let q = report.quality.unwrap();
    let x = &q.columns[0];
    assert_eq!(x.type_violations, 1);
    assert_eq!(x.nulls, 1);
    assert_eq!(x.summary.as_ref().unwrap().mean, 2.0);
    assert!(
        !report.passed,
        "a type violation fails the default invalid share of 0"
    );
}

#[test]
fn all_null_and_zero_rate_columns() {
    let dir = tempfile::tempdir().unwrap();
    // Nobody is selected: selection rates are 0, so their ratio is 0/0 and undefined.
    let path = write(dir.path(), "zero.csv", b"y,p,g,n\n1,0,a,\n0,0,b,\n1,0,b,\n");
    let report = check(CheckKind::Fairness, &path, SPEC).unwrap();
    let g = &report.fairness.unwrap().groupings[0];
    assert_eq!(g.demographic_parity_difference, Some(0.0));
    assert_eq!(g.demographic_parity_ratio, None);
    // Drift on a column that is null everywhere: no value, no drift, no panic.
    let spec = DatasetSpec::from_toml(
        "[columns.n]\nkind = \"numerical\"\n[drift]\ncolumns = [\"n\"]\n",
        Path::new("s.toml"),
    )
    .unwrap();
    let request = CheckRequest {
        kind: CheckKind::Drift,
        data: path.clone(),
        reference: Some(path),
        spec: PathBuf::from("s.toml"),
        now_unix_seconds: None,
    };
    let report = run_check_with_spec(&request, &spec).unwrap();
    let d = report.drift.unwrap();
    assert_eq!(d.columns[0].value, None);
    assert!(!d.columns[0].drift);
}

#[test]
fn error_messages_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, &[u8], &str)> = vec![
        ("ragged.csv", b"y,p,g\n1,1,a\n0,1\n", SPEC),
        ("utf8.csv", b"y,p,g\n1,1,a\n0,1,\xff\n", SPEC),
        ("semi.csv", b"y;p;g\n1;1;a\n", SPEC),
        ("header.csv", b"y,p,g\n", SPEC),
        ("empty.csv", b"", SPEC),
        ("three.csv", b"y,p,g\n1,1,a\n0,1,a\n2,0,b\n", SPEC),
        ("bad.parquet", b"PAR1 this is not parquet PAR1", ""),
    ];
    for (name, bytes, spec) in cases {
        let path = write(dir.path(), name, bytes);
        let err = check(CheckKind::Fairness, &path, spec)
            .unwrap_err()
            .to_string();
        eprintln!("{name}: {err}");
        assert!(err.contains(name), "{err}");
        let first = err.chars().next().unwrap();
        assert!(
            !first.is_uppercase() || err.starts_with('/'),
            "lowercase: {err}"
        );
        assert!(!err.ends_with('.'), "no trailing period: {err}");
    }
}

#[test]
fn a_late_value_of_another_type_names_line_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    // Inference sees only the first record (infer_rows = 1): the float on line 4 does not parse.
    let path = write(
        dir.path(),
        "late.csv",
        b"y,p,g,x\n1,1,a,1\n0,0,b,2\n1,0,b,2.5\n",
    );
    let err = check(CheckKind::Quality, &path, "[input]\ninfer_rows = 1\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("late.csv") && err.contains("line"), "{err}");
    assert!(err.contains("declare the column's type"), "{err}");
    // Declaring the type fixes it.
    let report = check(
        CheckKind::Quality,
        &path,
        "[input]\ninfer_rows = 1\n[columns.x]\ntype = \"float\"\n",
    )
    .unwrap();
    assert_eq!(report.quality.unwrap().rows, 3);
}
