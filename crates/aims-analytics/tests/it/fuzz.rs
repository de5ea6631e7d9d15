//! Fuzz-style robustness of the CSV and Parquet readers on stable Rust: arbitrary bytes and
//! mutated valid files (truncation, byte flips, inserted bytes, random delimiters and quotes) go
//! through the public API, which must return `Ok` or an `Error` and never panic.
//!
//! cargo-fuzz needs nightly; this runs in the normal suite and stays fast in debug builds (small
//! files, a few dozen cases per property).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aims_analytics::{CheckKind, CheckRequest, DatasetSpec, run_check_with_spec};
use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use proptest::prelude::*;

/// A spec naming the columns of the seed files, with the given CSV dialect.
fn spec_text(delimiter: char, quote: char, header: bool) -> String {
    let esc = |c: char| match c {
        '\\' => "\\\\".to_owned(),
        '"' => "\\\"".to_owned(),
        '\t' => "\\t".to_owned(),
        c => c.to_string(),
    };
    format!(
        r#"
[input]
delimiter = "{}"
quote = "{}"
header = {header}
batch_size = 7
infer_rows = 50

[columns.y]
role = "label"
[columns.p]
role = "prediction"
[columns.g]
role = "sensitive"
[columns.x]
kind = "numerical"
min = 0
max = 10

[[quality.rules]]
name = "x_small"
expr = "x < 5 or g == 'a'"
"#,
        esc(delimiter),
        esc(quote)
    )
}

/// Runs every check kind that reads the file; any outcome but a panic is fine.
fn exercise(path: &Path, spec_text: &str) {
    let Ok(spec) = DatasetSpec::from_toml(spec_text, Path::new("fuzz.spec.toml")) else {
        return;
    };
    for kind in [
        CheckKind::Quality,
        CheckKind::Fairness,
        CheckKind::Drift,
        CheckKind::Performance,
    ] {
        let request = CheckRequest {
            kind,
            data: path.to_path_buf(),
            reference: Some(path.to_path_buf()),
            spec: PathBuf::from("fuzz.spec.toml"),
            now_unix_seconds: Some(0.0),
        };
        // Ok or Err: both are acceptable; a panic fails the test.
        let _ = run_check_with_spec(&request, &spec);
    }
}

/// A small valid CSV in the given dialect.
fn seed_csv(rows: usize, delimiter: char, quote: char) -> Vec<u8> {
    let d = delimiter;
    let mut text = format!("y{d}p{d}g{d}x\n");
    for i in 0..rows {
        let g = ["a", "b", "c d", ""][i % 4];
        let g = if i % 5 == 0 {
            format!("{quote}{g}{d}q{quote}")
        } else {
            g.to_owned()
        };
        let x = if i % 7 == 0 {
            String::new()
        } else {
            format!("{}", (i as f64) * 0.37)
        };
        text.push_str(&format!("{}{d}{}{d}{g}{d}{x}\n", i % 2, (i / 2) % 2));
    }
    text.into_bytes()
}

/// A small valid Parquet file (two row groups).
fn seed_parquet(rows: usize) -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("y", DataType::Int64, false),
        Field::new("p", DataType::Int64, false),
        Field::new("g", DataType::Utf8, true),
        Field::new("x", DataType::Float64, true),
    ]));
    let mut buffer = Vec::new();
    {
        let mut writer = ArrowWriter::try_new(&mut buffer, schema.clone(), None).unwrap();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(
                (0..rows).map(|i| (i % 2) as i64),
            )),
            Arc::new(Int64Array::from_iter_values(
                (0..rows).map(|i| ((i / 3) % 2) as i64),
            )),
            Arc::new(StringArray::from_iter(
                (0..rows).map(|i| (i % 6 != 0).then(|| ["a", "b", "c"][i % 3])),
            )),
            Arc::new(Float64Array::from_iter(
                (0..rows).map(|i| (i % 9 != 0).then_some(i as f64 * 0.5)),
            )),
        ];
        let batch = RecordBatch::try_new(schema, columns).unwrap();
        // Two row groups: the first half, flushed, then the rest.
        let half = rows / 2;
        writer.write(&batch.slice(0, half)).unwrap();
        writer.flush().unwrap();
        writer.write(&batch.slice(half, rows - half)).unwrap();
        writer.close().unwrap();
    }
    buffer
}

/// One edit of a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b','),
                Just(b';'),
                Just(b'"'),
                Just(b'\n'),
                Just(b'\r'),
                Just(0u8),
                Just(0xFFu8),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..32).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        if let Mutation::Insert(_, b) = m {
            bytes.extend_from_slice(b);
        }
        return;
    }
    let len = bytes.len();
    match m {
        Mutation::Truncate(i) => bytes.truncate(i % len),
        Mutation::Flip(i, b) => bytes[i % len] ^= b,
        Mutation::Set(i, b) => bytes[i % len] = *b,
        Mutation::Insert(i, b) => {
            let at = i % (len + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let at = i % len;
            let end = (at + n).min(len);
            bytes.drain(at..end);
        }
    }
}

fn dialect() -> impl Strategy<Value = (char, char, bool)> {
    (
        prop_oneof![Just(','), Just(';'), Just('\t'), Just('|'), Just('"')],
        prop_oneof![Just('"'), Just('\''), Just(','), Just('\\')],
        prop::bool::weighted(0.9),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), parquet in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = bytes;
        if parquet {
            // Give the Parquet reader something that looks like a file: magic at both ends.
            let mut framed = b"PAR1".to_vec();
            framed.append(&mut bytes);
            framed.extend_from_slice(&(framed.len() as u32 / 2).to_le_bytes());
            framed.extend_from_slice(b"PAR1");
            bytes = framed;
        }
        let path = dir.path().join(if parquet { "f.parquet" } else { "f.csv" });
        std::fs::write(&path, &bytes).unwrap();
        exercise(&path, &spec_text(',', '"', true));
    }

    #[test]
    fn mutated_csv_never_panics(
        rows in 0usize..40,
        (seed_d, seed_q) in (prop_oneof![Just(','), Just(';'), Just('\t')], prop_oneof![Just('"'), Just('\'')]),
        (d, q, header) in dialect(),
        edits in prop::collection::vec(mutation(), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = seed_csv(rows, seed_d, seed_q);
        for m in &edits {
            apply(&mut bytes, m);
        }
        let path = dir.path().join("m.csv");
        std::fs::write(&path, &bytes).unwrap();
        // The reader may be told the right dialect or a wrong one.
        exercise(&path, &spec_text(seed_d, seed_q, true));
        exercise(&path, &spec_text(d, q, header));
    }

    #[test]
    fn mutated_parquet_never_panics(
        rows in 1usize..60,
        edits in prop::collection::vec(mutation(), 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = seed_parquet(rows);
        for m in &edits {
            apply(&mut bytes, m);
        }
        let path = dir.path().join("m.parquet");
        std::fs::write(&path, &bytes).unwrap();
        exercise(&path, &spec_text(',', '"', true));
    }
}

/// Inputs cargo-fuzz found (`fuzz/`, see its README section in this crate's README), kept as
/// regression cases: each must give an error naming the file, never a panic.
#[test]
fn inputs_found_by_cargo_fuzz_are_errors() {
    let found = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut seen = 0;
    for entry in std::fs::read_dir(&found).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("fuzz-")
        {
            continue;
        }
        seen += 1;
        let spec = DatasetSpec::from_toml(&spec_text(',', '"', true), Path::new("s.toml")).unwrap();
        let request = CheckRequest {
            kind: CheckKind::All,
            data: path.clone(),
            reference: Some(path.clone()),
            spec: PathBuf::from("s.toml"),
            now_unix_seconds: Some(0.0),
        };
        let error = run_check_with_spec(&request, &spec)
            .unwrap_err()
            .to_string();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(error.contains(&name), "{name}: {error}");
    }
    assert!(seen > 0);
}
