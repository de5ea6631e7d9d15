//! Property tests: confusion counts sum to n, PSI is zero on identical inputs, and results do not
//! depend on batch size or thread count.

use std::io::Write;
use std::path::PathBuf;

use aims_analytics::drift::{Sample, evidently_psi, quantile_psi};
use aims_analytics::{CheckKind, CheckRequest, DatasetSpec, run_check_with_spec};
use proptest::prelude::*;

use crate::common::{fixture, spec, spec_path};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn confusion_counts_sum_to_n(rows in prop::collection::vec((0u8..2, 0u8..2, 0u8..3), 1..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "y,p,g").unwrap();
        for (y, p, g) in &rows {
            writeln!(f, "{y},{p},g{g}").unwrap();
        }
        drop(f);
        let spec = DatasetSpec::from_toml(
            "[columns.y]\nrole = \"label\"\n[columns.p]\nrole = \"prediction\"\n[columns.g]\nrole = \"sensitive\"\n",
            std::path::Path::new("s.toml"),
        ).unwrap();
        let request = CheckRequest {
            kind: CheckKind::Fairness,
            data: path,
            reference: None,
            spec: PathBuf::from("s.toml"),
            now_unix_seconds: None,
        };
        let report = run_check_with_spec(&request, &spec).unwrap();
        let g = &report.fairness.unwrap().groupings[0];
        let total: u64 = g.by_group.iter().map(|r| r.confusion.count()).sum();
        prop_assert_eq!(total, rows.len() as u64);
        let cells: f64 = g.by_group.iter().map(|r| r.confusion.weight.iter().sum::<f64>()).sum();
        prop_assert_eq!(cells, rows.len() as f64);
    }

    #[test]
    fn psi_is_zero_on_identical_inputs(values in prop::collection::vec(-1e6f64..1e6, 1..300)) {
        let mut sorted = values.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let s = Sample { values: sorted.clone(), numeric: true, ..Default::default() };
        prop_assert_eq!(evidently_psi(&s, &s).0, 0.0);
        prop_assert_eq!(quantile_psi(&sorted, &sorted).unwrap().0, 0.0);
    }
}

fn run_with(batch_size: usize, threads: usize) -> aims_analytics::CheckReport {
    let mut spec = spec();
    spec.input.batch_size = batch_size;
    spec.fairness.bootstrap = None;
    let request = CheckRequest {
        kind: CheckKind::All,
        data: fixture("cur.parquet"),
        reference: Some(fixture("ref.parquet")),
        spec: spec_path(),
        now_unix_seconds: None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| run_check_with_spec(&request, &spec).unwrap())
}

#[test]
fn results_do_not_depend_on_batch_size_or_threads() {
    let base = run_with(65_536, 2);
    for (batch, threads) in [(1_000, 1), (777, 3), (4_096, 2)] {
        let other = run_with(batch, threads);
        assert_eq!(
            base.fairness, other.fairness,
            "fairness, batch {batch}, threads {threads}"
        );
        assert_eq!(
            base.drift, other.drift,
            "drift, batch {batch}, threads {threads}"
        );
        assert_eq!(
            base.performance, other.performance,
            "performance, batch {batch}, threads {threads}"
        );
        assert_eq!(
            base.quality, other.quality,
            "quality, batch {batch}, threads {threads}"
        );
        assert_eq!(
            base.privacy, other.privacy,
            "privacy, batch {batch}, threads {threads}"
        );
    }
}

#[test]
fn several_passes_give_the_same_results_as_one() {
    // A 1 MiB budget holds 65,536 values: with 2 x 10,000 rows that is 3 numeric columns a pass.
    let one = run_with(65_536, 2);
    let mut spec = spec();
    spec.input.sample_budget_mb = 1;
    spec.fairness.bootstrap = None;
    let request = CheckRequest {
        kind: CheckKind::All,
        data: fixture("cur.parquet"),
        reference: Some(fixture("ref.parquet")),
        spec: spec_path(),
        now_unix_seconds: None,
    };
    let many = run_check_with_spec(&request, &spec).unwrap();
    assert!(
        many.notes.iter().any(|n| n.contains("passes")),
        "{:?}",
        many.notes
    );
    assert_eq!(one.drift, many.drift);
    assert_eq!(one.quality, many.quality);
    assert_eq!(one.failures, many.failures);
}

#[test]
fn several_passes_over_csv_match_one_over_parquet() {
    let one = run_with(65_536, 2);
    let mut spec = spec();
    spec.input.sample_budget_mb = 1;
    spec.fairness.bootstrap = None;
    let request = CheckRequest {
        kind: CheckKind::All,
        data: fixture("cur.csv"),
        reference: Some(fixture("ref.csv")),
        spec: spec_path(),
        now_unix_seconds: None,
    };
    let many = run_check_with_spec(&request, &spec).unwrap();
    assert!(
        many.notes.iter().any(|n| n.contains("passes")),
        "{:?}",
        many.notes
    );
    let (a, b) = (one.drift.unwrap(), many.drift.unwrap());
    for (x, y) in a.columns.iter().zip(&b.columns) {
        assert_eq!((&x.column, &x.method), (&y.column, &y.method));
        let (p, q) = (x.value.unwrap(), y.value.unwrap());
        assert!(
            (p - q).abs() <= 1e-12 * p.abs().max(q.abs()),
            "{}: {p} vs {q}",
            x.column
        );
    }
    let (a, b) = (one.quality.unwrap(), many.quality.unwrap());
    assert_eq!(a.duplicate_rows, b.duplicate_rows);
    assert_eq!(a.missing_cells, b.missing_cells);
    for (x, y) in a.columns.iter().zip(&b.columns) {
        assert_eq!(
            (x.nulls, x.distinct, x.range_violations),
            (y.nulls, y.distinct, y.range_violations),
            "{}",
            x.column
        );
    }
}

/// Quality over a table whose numeric columns hold too many distinct values to count and too
/// many numbers for the memory budget: read again a column at a time, the results equal those of
/// a run that keeps everything from the first pass.
#[test]
fn deferred_numbers_give_the_same_quality_as_kept_ones() {
    // 150,000 rows: 1.2 MB of numbers a column, more than a 1 MiB budget holds.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(file, "id,amount,ratio,band").unwrap();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..150_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let amount = (x % 10_000_000) as f64 / 100.0;
        let ratio = (x >> 20) as f64 / (1u64 << 44) as f64;
        // A repeated id now and then, and a low-cardinality column that stays counted.
        let id = if i % 1000 == 999 { i - 1 } else { i };
        writeln!(file, "{id},{amount},{ratio},{}", x % 7).unwrap();
    }
    drop(file);
    let toml = |budget: u64| {
        format!(
            "[input]\nsample_budget_mb = {budget}\n[columns.id]\ntype = \"integer\"\nunique = true\n\
             [columns.amount]\nmin = 0\nmax = 50000\n[columns.band]\nkind = \"numerical\"\n"
        )
    };
    let run = |budget: u64| {
        let spec = DatasetSpec::from_toml(&toml(budget), &dir.path().join("s.toml")).unwrap();
        let request = CheckRequest {
            kind: CheckKind::Quality,
            data: path.clone(),
            reference: None,
            spec: dir.path().join("s.toml"),
            now_unix_seconds: Some(0.0),
        };
        run_check_with_spec(&request, &spec).unwrap()
    };
    let kept = run(512);
    let deferred = run(1);
    assert!(
        deferred.notes.iter().any(|n| n.contains("read again")),
        "{:?}",
        deferred.notes
    );
    assert!(!kept.notes.iter().any(|n| n.contains("read again")));
    let (a, b) = (kept.quality.unwrap(), deferred.quality.unwrap());
    assert_eq!(a, b);
    let id = a.columns.iter().find(|c| c.column == "id").unwrap();
    assert_eq!(id.duplicate_values, Some(150));
    assert_eq!(id.distinct, 149_850);
    let band = a.columns.iter().find(|c| c.column == "band").unwrap();
    assert_eq!(band.distinct, 7);
}
