//! Benchmark of aims-analytics: generates a credit-like Parquet pair (or reads files named by
//! environment variables) and times each check, printing rows per second and peak memory.
//!
//! Run in release: `cargo bench -p aims-analytics --bench analytics`, with
//! `AIMS_BENCH_ROWS=1000000` (default 1,000,000) or `AIMS_BENCH_DATA`, `AIMS_BENCH_REFERENCE` and
//! `AIMS_BENCH_SPEC` pointing at existing files; `AIMS_BENCH_DIR` keeps generated files between runs
//! and `AIMS_BENCH_CHECKS` picks checks (comma list; `decode-fairness`, `decode-drift` and
//! `decode-quality` time merely decoding the Parquet columns that check reads; `decode-quality-dict`
//! the same with text columns read as dictionaries, as the quality check reads them). Numbers go
//! to docs/benchmarks.md by hand: a benchmark is a measurement, never a timed assertion.
//! `AIMS_BENCH_REPORT=<prefix>` writes each check's report to `<prefix>.<check>.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use aims_analytics::spec::Role;
use aims_analytics::{CheckKind, CheckRequest, DatasetSpec, run_check};
use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

/// SplitMix64: enough randomness for synthetic data, with no dependency.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NUMERIC: [&str; 13] = [
    "age",
    "income",
    "loan_amount",
    "credit_score",
    "num_credit_lines",
    "num_late_payments",
    "employment_years",
    "savings_balance",
    "utilization_ratio",
    "debt_to_income",
    "interest_rate",
    "months_since_last_delinquency",
    "score",
];

fn generate(path: &Path, rows: usize, shift: f64, seed: u64) {
    let mut fields = vec![
        Field::new("id", DataType::Int64, false),
        Field::new("sex", DataType::Utf8, false),
        Field::new("race", DataType::Utf8, false),
        Field::new("age_band", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("purpose", DataType::Utf8, true),
    ];
    for n in NUMERIC {
        fields.push(Field::new(n, DataType::Float64, true));
    }
    fields.push(Field::new("default", DataType::Int64, false));
    fields.push(Field::new("prediction", DataType::Int64, false));
    let schema = Arc::new(Schema::new(fields));
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), None).unwrap();
    let mut g = Gen(seed);
    let chunk = 65_536;
    let mut start = 0;
    while start < rows {
        let n = chunk.min(rows - start);
        let mut columns: Vec<ArrayRef> = Vec::new();
        columns.push(Arc::new(Int64Array::from_iter_values(
            (start..start + n).map(|i| i as i64),
        )));
        for (choices, _) in [
            (&["F", "M"][..], 0),
            (&["A", "B", "C", "D", "E"][..], 1),
            (&["18-25", "26-35", "36-45", "46-55", "56-65", "66+"][..], 2),
            (&["north", "south", "east", "west", "central"][..], 3),
        ] {
            let values: Vec<&str> = (0..n).map(|_| g.pick(choices)).collect();
            columns.push(Arc::new(StringArray::from(values)));
        }
        let purpose: Vec<Option<&str>> = (0..n)
            .map(|_| {
                (g.uniform() > 0.02).then(|| g.pick(&["car", "home", "business", "education"]))
            })
            .collect();
        columns.push(Arc::new(StringArray::from(purpose)));
        let mut score = Vec::with_capacity(n);
        for (k, _) in NUMERIC.iter().enumerate() {
            let values: Vec<Option<f64>> = (0..n)
                .map(|_| {
                    if k != 12 && g.uniform() < 0.02 {
                        return None;
                    }
                    let x = g.normal() + shift * (k % 3) as f64;
                    Some(match k {
                        0 => (40.0 + 12.0 * x).round(),
                        4 | 5 => (3.0 + x).abs().round(),
                        12 => {
                            let s = 1.0 / (1.0 + (-x).exp());
                            score.push(s);
                            s
                        }
                        _ => (x * 0.7).exp() * 1000.0,
                    })
                })
                .collect();
            columns.push(Arc::new(Float64Array::from(values)));
        }
        let default: Vec<i64> = score.iter().map(|s| i64::from(g.uniform() < *s)).collect();
        let prediction: Vec<i64> = score.iter().map(|s| i64::from(*s >= 0.5)).collect();
        columns.push(Arc::new(Int64Array::from(default)));
        columns.push(Arc::new(Int64Array::from(prediction)));
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
        start += n;
    }
    writer.close().unwrap();
}

const SPEC: &str = r#"
[columns.id]
role = "id"
unique = true
[columns.sex]
role = "sensitive"
[columns.race]
role = "sensitive"
[columns.age_band]
role = "sensitive"
[columns.default]
role = "label"
kind = "categorical"
[columns.prediction]
role = "prediction"
kind = "categorical"
[columns.score]
role = "score"
[fairness]
groupings = [["sex"], ["race"], ["age_band"], ["sex", "race"]]
[drift]
preset = "evidently"
"#;

/// User + system CPU seconds of this process, so runs on a busy machine can still be compared.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the full line: 11 and 12 after the state field.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The columns each check reads from the data file (and from the reference, for drift and
/// quality), worked out from the spec as the checks do.
/// The columns the quality check treats as categories (and so reads from the reference): declared
/// string or boolean, declared categorical, or undeclared and stored as neither number nor time
/// (as `run_quality` decides).
fn quality_categories(spec: &DatasetSpec, fields: &[(String, DataType)]) -> Vec<String> {
    use aims_analytics::spec::{ColumnKind, ColumnType};
    fields
        .iter()
        .filter(|(name, data_type)| {
            let declared = spec.columns.get(name);
            match declared.and_then(|c| c.column_type) {
                Some(ColumnType::String) | Some(ColumnType::Boolean) => true,
                Some(_) => false,
                None => match declared.and_then(|c| c.kind) {
                    Some(ColumnKind::Categorical) => true,
                    Some(ColumnKind::Numerical) => false,
                    _ => !(data_type.is_numeric() || data_type.is_temporal()),
                },
            }
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn columns_read(spec: &DatasetSpec, all: &[String], check: &str) -> Vec<String> {
    let role = |name: &str| spec.columns.get(name).and_then(|c| c.role);
    match check {
        "fairness" => {
            let mut out: Vec<String> = all
                .iter()
                .filter(|n| {
                    matches!(
                        role(n),
                        Some(Role::Label) | Some(Role::Prediction) | Some(Role::Weight)
                    ) || spec.fairness.groupings.iter().flatten().any(|g| g == *n)
                        || (spec.fairness.groupings.is_empty() && role(n) == Some(Role::Sensitive))
                })
                .cloned()
                .collect();
            out.dedup();
            out
        }
        "performance" => all
            .iter()
            .filter(|n| {
                matches!(
                    role(n),
                    Some(Role::Label) | Some(Role::Prediction) | Some(Role::Score)
                )
            })
            .cloned()
            .collect(),
        "drift" if !spec.drift.columns.is_empty() => spec.drift.columns.clone(),
        "drift" => all
            .iter()
            .filter(|n| {
                !spec.columns.get(*n).is_some_and(|c| {
                    c.skip_drift
                        || matches!(
                            c.role,
                            Some(Role::Id)
                                | Some(Role::Timestamp)
                                | Some(Role::Weight)
                                | Some(Role::Ignore)
                        )
                })
            })
            .cloned()
            .collect(),
        _ => all.to_vec(),
    }
}

/// Time to merely decode `columns` of a Parquet file: one arrow reader, the checks' batch size,
/// every batch dropped as it comes. With `dictionaries`, UTF-8 columns are read as Arrow
/// dictionaries (as the quality check reads dictionary-encoded text). Returns (wall seconds,
/// CPU seconds, rows).
fn decode_only(path: &Path, columns: &[String], dictionaries: bool) -> (f64, f64, usize) {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    let t = Instant::now();
    let cpu = cpu_seconds();
    let file = std::fs::File::open(path).unwrap();
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file.try_clone().unwrap()).unwrap();
    if dictionaries {
        let fields: Vec<Field> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| {
                if f.data_type() == &DataType::Utf8 {
                    f.as_ref().clone().with_data_type(DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(DataType::Utf8),
                    ))
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
        builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).unwrap();
    }
    let indices: Vec<usize> = columns
        .iter()
        .filter_map(|c| builder.schema().index_of(c).ok())
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(65_536)
        .build()
        .unwrap();
    let mut rows = 0;
    for batch in reader {
        rows += batch.unwrap().num_rows();
    }
    (t.elapsed().as_secs_f64(), cpu_seconds() - cpu, rows)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reference, spec) = match std::env::var("AIMS_BENCH_DATA") {
        Ok(d) => (
            PathBuf::from(d),
            std::env::var("AIMS_BENCH_REFERENCE")
                .ok()
                .map(PathBuf::from),
            PathBuf::from(
                std::env::var("AIMS_BENCH_SPEC").expect("AIMS_BENCH_SPEC with AIMS_BENCH_DATA"),
            ),
        ),
        Err(_) => {
            let rows: usize = std::env::var("AIMS_BENCH_ROWS")
                .ok()
                .and_then(|r| r.parse().ok())
                .unwrap_or(1_000_000);
            let t = Instant::now();
            // AIMS_BENCH_DIR keeps the generated files for later runs (one check per process
            // gives each its own peak memory).
            let base = std::env::var("AIMS_BENCH_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| dir.path().to_path_buf());
            let cur = base.join(format!("cur_{rows}.parquet"));
            let refp = base.join(format!("ref_{rows}.parquet"));
            if !cur.exists() || !refp.exists() {
                generate(&refp, rows, 0.0, 1);
                generate(&cur, rows, 0.1, 2);
            }
            let spec = dir.path().join("bench.spec.toml");
            std::fs::write(&spec, SPEC).unwrap();
            eprintln!(
                "prepared 2 x {rows} rows in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            (cur, Some(refp), spec)
        }
    };
    // Only the checks named in AIMS_BENCH_CHECKS (comma list), all by default; each is timed alone.
    let wanted = std::env::var("AIMS_BENCH_CHECKS")
        .unwrap_or_else(|_| "fairness,performance,drift,quality".to_owned());
    for name in wanted.split(',') {
        let name = name.trim();
        // `decode-<check>`: only decode the Parquet columns that check reads (data file, and the
        // reference for drift and fairness), the floor the check's own time is compared with.
        if let Some(check) = name.strip_prefix("decode-") {
            // `decode-<check>-dict` reads text columns as dictionaries.
            let (check, dictionaries) = match check.strip_suffix("-dict") {
                Some(c) => (c, true),
                None => (check, false),
            };
            let spec = DatasetSpec::from_path(&spec).unwrap();
            let mut files = vec![(data.clone(), check.to_owned())];
            // Drift and fairness (representation) read the same columns of the reference;
            // quality reads its categorical columns (for values never seen in the reference).
            if check == "drift" || check == "fairness" {
                files.extend(reference.clone().map(|r| (r, check.to_owned())));
            }
            if check == "quality" {
                files.extend(
                    reference
                        .clone()
                        .map(|r| (r, "quality-reference".to_owned())),
                );
            }
            let (mut wall, mut cpu, mut rows) = (0.0, 0.0, 0);
            let mut count = 0;
            for (file, read) in &files {
                let fields: Vec<(String, DataType)> = {
                    let f = std::fs::File::open(file).unwrap();
                    let b =
                        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                            .unwrap();
                    b.schema()
                        .fields()
                        .iter()
                        .map(|f| (f.name().clone(), f.data_type().clone()))
                        .collect()
                };
                let columns = if read == "quality-reference" {
                    quality_categories(&spec, &fields)
                } else {
                    let all: Vec<String> = fields.iter().map(|f| f.0.clone()).collect();
                    columns_read(&spec, &all, check)
                };
                count += columns.len();
                let (w, c, r) = decode_only(file, &columns, dictionaries);
                wall += w;
                cpu += c;
                rows = rows.max(r);
            }
            println!(
                "{name:<12} {rows:>10} rows  {wall:>8.3} s wall  {cpu:>7.2} s CPU  {:>12.0} rows/s  peak RSS so far {:.0} MB  ({count} columns, {} file(s))",
                rows.max(1) as f64 / wall,
                peak_rss_mb().unwrap_or(f64::NAN),
                files.len()
            );
            continue;
        }
        let Some(kind) = CheckKind::parse(name) else {
            continue;
        };
        let request = CheckRequest {
            kind,
            data: data.clone(),
            reference: reference.clone(),
            spec: spec.clone(),
            now_unix_seconds: Some(0.0),
        };
        let t = Instant::now();
        let cpu = cpu_seconds();
        let report = run_check(&request).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        // `AIMS_BENCH_REPORT=<prefix>` keeps each report as `<prefix>.<check>.json`, so two
        // builds can be shown to give the same results on the benchmark's data.
        if let Ok(prefix) = std::env::var("AIMS_BENCH_REPORT") {
            let json = serde_json::to_string_pretty(&report).unwrap();
            std::fs::write(format!("{prefix}.{name}.json"), json).unwrap();
        }
        let rows = [
            report.rows,
            report.fairness.as_ref().map(|f| f.rows).unwrap_or(0),
            report.performance.as_ref().map(|p| p.rows).unwrap_or(0),
            report
                .drift
                .as_ref()
                .and_then(|d| d.columns.first())
                .map(|c| c.current_rows + c.current_missing)
                .unwrap_or(0),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        println!(
            "{name:<12} {rows:>10} rows  {secs:>8.3} s wall  {cpu:>7.2} s CPU  {:>12.0} rows/s  peak RSS so far {:.0} MB",
            rows.max(1) as f64 / secs,
            peak_rss_mb().unwrap_or(f64::NAN)
        );
    }
}
