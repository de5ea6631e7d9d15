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
