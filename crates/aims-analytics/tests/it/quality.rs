//! Data quality against pandas 2.3.3 (reference/pandas_dq.json, checks on cur with ref as the
//! category domain). Counts are exact; shares and summary statistics within 1e-9 relative (pandas
//! sums with NaN filled as zero, a different order than ours: ~1e-16 apart).

use aims_analytics::CheckKind;

use crate::common::{close, close_json, reference, run, spec};

const TOL: f64 = 1e-9;

#[test]
fn matches_pandas() {
    let report = run(
        CheckKind::Quality,
        "cur.parquet",
        Some("ref.parquet"),
        &spec(),
    );
    let q = report.quality.unwrap();
    let e = reference("pandas_dq.json");
    let column = |name: &str| q.columns.iter().find(|c| c.column == name).unwrap();
    for (name, expected) in e["completeness"].as_object().unwrap() {
        close_json(Some(column(name).completeness), expected, TOL, name);
    }
    for c in &q.columns {
        if e["completeness"].get(&c.column).is_none() {
            assert_eq!(c.nulls, 0, "{}", c.column);
        }
    }
    close_json(
        Some(q.completeness),
        &e["completeness_dataset"],
        TOL,
        "dataset completeness",
    );
    assert_eq!(q.duplicate_rows, e["duplicate_rows"].as_u64().unwrap());
    let id = column("id");
    assert_eq!(id.duplicate_values, e["duplicate_ids"].as_u64());
    close_json(
        Some(id.distinct as f64 / q.rows as f64),
        &e["uniqueness_id"],
        TOL,
        "uniqueness",
    );
    for (name, expected) in e["range_violations"].as_object().unwrap() {
        assert_eq!(
            column(name).range_violations,
            expected.as_u64().unwrap(),
            "range {name}"
        );
    }
    for (name, expected) in e["domain_violations"].as_object().unwrap() {
        assert_eq!(
            column(name).unseen_values,
            expected.as_u64(),
            "domain {name}"
        );
    }
    let rule = |name: &str| q.rules.iter().find(|r| r.name == name).unwrap();
    close_json(
        rule("age_band_matches_age").pass_share,
        &e["consistency"]["age_band_matches_age"],
        TOL,
        "age band",
    );
    close_json(
        rule("prediction_matches_score").pass_share,
        &e["consistency"]["prediction_matches_score_ge_0.5"],
        TOL,
        "prediction rule",
    );
    let t = q.timeliness.unwrap();
    close_json(
        Some(t.oldest_age_days),
        &e["timeliness"]["max_age_days"],
        TOL,
        "max age",
    );
    close_json(
        Some(t.mean_age_days),
        &e["timeliness"]["mean_age_days"],
        TOL,
        "mean age",
    );
    close_json(
        t.stale_share,
        &e["timeliness"]["share_older_than_30d"],
        TOL,
        "stale share",
    );
    let s = column("income").summary.clone().unwrap();
    let d = &e["describe_income"];
    close(s.count as f64, d["count"].as_f64().unwrap(), 0.0, "count");
    close_json(Some(s.mean), &d["mean"], TOL, "mean");
    close_json(s.std, &d["std"], TOL, "std");
    close_json(Some(s.min), &d["min"], TOL, "min");
    close_json(Some(s.q25), &d["25%"], TOL, "q25");
    close_json(Some(s.q50), &d["50%"], TOL, "q50");
    close_json(Some(s.q75), &d["75%"], TOL, "q75");
    close_json(Some(s.max), &d["max"], TOL, "max");
    assert_eq!(
        column("region").distinct,
        e["nunique_region"].as_u64().unwrap()
    );

    // Evidently 0.7.23's DataSummaryPreset on the same table (reference/evidently_dq.json).
    let ev = reference("evidently_dq.json");
    let m = &ev["DatasetMissingValueCount()"];
    assert_eq!(q.missing_cells as f64, m["count"].as_f64().unwrap());
    close_json(
        Some(q.missing_cells_per_row),
        &m["share"],
        TOL,
        "evidently missing share",
    );
    assert_eq!(
        q.duplicate_rows as f64,
        ev["DuplicatedRowCount()"].as_f64().unwrap()
    );
    let constant = q.columns.iter().filter(|c| c.constant).count() as f64;
    assert_eq!(constant, ev["ConstantColumnsCount()"].as_f64().unwrap());
    close_json(
        Some(s.mean),
        &ev["MeanValue(column=income)"],
        TOL,
        "evidently mean",
    );
    close_json(s.std, &ev["StdValue(column=income)"], TOL, "evidently std");
    close_json(
        Some(s.q50),
        &ev["QuantileValue(column=income,quantile=0.5)"],
        TOL,
        "evidently median",
    );
    let income = column("income");
    assert_eq!(
        income.nulls as f64,
        ev["MissingValueCount(column=income)"]["count"]
            .as_f64()
            .unwrap()
    );
}

#[test]
fn csv_matches_parquet() {
    let a = run(
        CheckKind::Quality,
        "cur.parquet",
        Some("ref.parquet"),
        &spec(),
    )
    .quality
    .unwrap();
    let b = run(CheckKind::Quality, "cur.csv", Some("ref.csv"), &spec())
        .quality
        .unwrap();
    assert_eq!(a.duplicate_rows, b.duplicate_rows);
    assert_eq!(a.missing_cells, b.missing_cells);
    for (x, y) in a.columns.iter().zip(&b.columns) {
        assert_eq!(x.nulls, y.nulls, "{}", x.column);
        assert_eq!(x.range_violations, y.range_violations, "{}", x.column);
        assert_eq!(x.unseen_values, y.unseen_values, "{}", x.column);
    }
    for (x, y) in a.rules.iter().zip(&b.rules) {
        assert_eq!(x.passed, y.passed, "{}", x.name);
    }
}

/// Rewrites a fixture's Parquet file into `dir` under `name`: `plain` turns dictionary encoding
/// off (every page plain), `arrow_dictionaries` stores the text columns as Arrow dictionaries
/// (with `Int8` keys, cast by the reader), `rows_per_group` cuts the file into row groups, each
/// with its own Parquet dictionary, and `dictionary_limit` bounds a dictionary page's bytes (past
/// it the writer falls back to plain pages).
fn rewrite(
    dir: &std::path::Path,
    fixture_name: &str,
    name: &str,
    plain: bool,
    arrow_dictionaries: bool,
    rows_per_group: usize,
    dictionary_limit: usize,
) -> std::path::PathBuf {
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::sync::Arc;
    let file = std::fs::File::open(crate::common::fixture(fixture_name)).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<arrow::array::RecordBatch> = reader.map(Result::unwrap).collect();
    let dictionary = DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8));
    let schema = batches[0].schema();
    let schema = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| {
                if arrow_dictionaries && f.data_type() == &DataType::Utf8 {
                    Field::new(f.name(), dictionary.clone(), f.is_nullable())
                } else {
                    f.as_ref().clone()
                }
            })
            .collect::<Vec<_>>(),
    ));
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_dictionary_enabled(!plain)
        .set_max_row_group_row_count(Some(rows_per_group))
        .set_dictionary_page_size_limit(dictionary_limit)
        .build();
    let path = dir.join(name);
    let out = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties)).unwrap();
    for batch in batches {
        let columns = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
            .collect();
        writer
            .write(&arrow::array::RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
    path
}

/// Text columns read as Parquet dictionaries (the fixture's own encoding), as plain pages, as
/// stored Arrow dictionaries, and with a dictionary per small row group all give the same
/// report, to the bit; CSV gives the same counts.
#[test]
fn parquet_encodings_give_the_same_report() {
    use aims_analytics::{CheckRequest, run_check_with_spec};
    let dir = tempfile::tempdir().unwrap();
    let run_on = |data: std::path::PathBuf, reference: std::path::PathBuf, batch: usize| {
        let mut spec = spec();
        spec.input.batch_size = batch;
        let request = CheckRequest {
            kind: CheckKind::Quality,
            data,
            reference: Some(reference),
            spec: crate::common::spec_path(),
            now_unix_seconds: None,
        };
        run_check_with_spec(&request, &spec)
            .unwrap()
            .quality
            .unwrap()
    };
    let fixture = crate::common::fixture;
    let base = run_on(fixture("cur.parquet"), fixture("ref.parquet"), 65_536);
    let mb = 1 << 20;
    for (label, plain, arrow_dictionaries, group, batch, limit, read_as) in [
        ("plain", true, false, mb, 65_536, mb, "Utf8"),
        (
            "arrow dictionaries",
            false,
            true,
            mb,
            1_000,
            mb,
            "Dictionary(Int8, Utf8)",
        ),
        (
            "small row groups",
            false,
            false,
            1_500,
            700,
            mb,
            "Dictionary(Int32, Utf8)",
        ),
        (
            "Arrow dictionaries in plain pages",
            true,
            true,
            2_000,
            4_096,
            mb,
            "Dictionary(Int8, Utf8)",
        ),
        // Dictionaries of 8 bytes fill up at once: plain pages follow, read as plain text.
        ("full dictionaries", false, false, mb, 3_000, 8, "Utf8"),
    ] {
        let cur = rewrite(
            dir.path(),
            "cur.parquet",
            "cur.parquet",
            plain,
            arrow_dictionaries,
            group,
            limit,
        );
        // The reference takes the other encoding where the two differ.
        let reference = rewrite(
            dir.path(),
            "ref.parquet",
            "ref.parquet",
            plain && !arrow_dictionaries,
            arrow_dictionaries,
            group,
            limit,
        );
        // The text column as the quality check reads it.
        let source = aims_analytics::input::DataSource::open(&cur, &spec()).unwrap();
        let names = vec!["region".to_owned()];
        let first = source
            .batches_with_dictionaries(&names, &names)
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(
            format!("{:?}", first.column(0).data_type()),
            read_as,
            "{label}"
        );
        assert_eq!(base, run_on(cur, reference, batch), "{label}");
    }
    // The fixture's own files (written by pyarrow) are read as dictionaries.
    let source = aims_analytics::input::DataSource::open(&fixture("cur.parquet"), &spec()).unwrap();
    let names = vec!["region".to_owned()];
    let first = source
        .batches_with_dictionaries(&names, &names)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert!(matches!(
        first.column(0).data_type(),
        arrow::datatypes::DataType::Dictionary(_, _)
    ));
    let csv = run_on(fixture("cur.csv"), fixture("ref.csv"), 65_536);
    assert_eq!(base.duplicate_rows, csv.duplicate_rows);
    assert_eq!(base.rows_with_missing, csv.rows_with_missing);
    for (x, y) in base.columns.iter().zip(&csv.columns) {
        assert_eq!(
            (
                x.nulls,
                x.distinct,
                x.set_violations,
                x.regex_violations,
                &x.unseen_values,
                &x.top_values
            ),
            (
                y.nulls,
                y.distinct,
                y.set_violations,
                y.regex_violations,
                &y.unseen_values,
                &y.top_values
            ),
            "{}",
            x.column
        );
    }
    for (x, y) in base.rules.iter().zip(&csv.rules) {
        assert_eq!(
            (x.applicable, x.passed),
            (y.applicable, y.passed),
            "{}",
            x.name
        );
    }
}
