//! Drift against Evidently 0.7.23, NannyML 0.13.1 and numpy/scipy (reference/evidently_drift.json,
//! reference_values.json, numpy_psi_ks.json, nannyml_drift.json), cur against ref.
//!
//! Tolerances: 1e-9 relative for every deterministic value. The exceptions, with reasons:
//! - Evidently's categorical bins follow Python set order, so sums run in another order: values
//!   agree to ~1e-14, still inside 1e-9.
//! - Chi-square and Z p-values below 1e-300 or exactly 0 in the reference are compared exactly
//!   (both underflow to 0).

use std::collections::BTreeMap;

use aims_analytics::CheckKind;
use aims_analytics::drift::ColumnDrift;
use aims_analytics::spec::DatasetSpec;

use crate::common::{close, close_json, reference, run, spec};

const TOL: f64 = 1e-9;

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
const CATEGORICAL: [&str; 11] = [
    "age_band",
    "sex",
    "race",
    "region",
    "employment_type",
    "home_ownership",
    "purpose",
    "loan_term_months",
    "has_cosigner",
    "default",
    "prediction",
];

/// Runs drift with one method forced on the given columns.
fn with_method(method: &str, columns: &[&str], preset: &str) -> BTreeMap<String, ColumnDrift> {
    let mut spec: DatasetSpec = spec();
    spec.drift.preset = preset.to_owned();
    spec.drift.columns = columns.iter().map(|c| (*c).to_owned()).collect();
    for c in columns {
        spec.drift
            .methods
            .insert((*c).to_owned(), method.to_owned());
    }
    let report = run(CheckKind::Drift, "cur.parquet", Some("ref.parquet"), &spec);
    report
        .drift
        .unwrap()
        .columns
        .into_iter()
        .map(|c| (c.column.clone(), c))
        .collect()
}

#[test]
fn evidently_preset_matches() {
    let report = run(
        CheckKind::Drift,
        "cur.parquet",
        Some("ref.parquet"),
        &spec(),
    );
    let d = report.drift.unwrap();
    let e = reference("evidently_drift.json");
    assert_eq!(d.columns.len(), 24);
    for c in &d.columns {
        let ec = &e["columns"][&c.column];
        let expected_method = match ec["method"].as_str().unwrap() {
            "Wasserstein distance (normed)" => "wasserstein",
            "Jensen-Shannon distance" => "jensenshannon",
            other => panic!("unexpected method {other}"),
        };
        assert_eq!(c.method, expected_method, "{}", c.column);
        close_json(c.value, &ec["value"], TOL, &c.column);
    }
    assert_eq!(
        d.drifted_columns as f64,
        e["drifted_columns"]["count"].as_f64().unwrap()
    );
    close_json(
        Some(d.drifted_share),
        &e["drifted_columns"]["share"],
        TOL,
        "share",
    );
    assert!(d.dataset_drift);
    assert!(!report.passed);
}

#[test]
fn evidently_named_methods_numeric() {
    let e = &reference("reference_values.json")["evidently_numeric"];
    for (method, key) in [
        ("psi", "psi"),
        ("kl_div", "kl_div"),
        ("jensenshannon", "jensenshannon"),
        ("ks", "ks_pvalue"),
        ("wasserstein", "wasserstein_norm"),
    ] {
        let got = with_method(method, &NUMERIC, "evidently");
        for c in NUMERIC {
            close_json(got[c].value, &e[c][key], TOL, &format!("{method} {c}"));
        }
    }
}

#[test]
fn evidently_named_methods_categorical() {
    let e = &reference("reference_values.json")["evidently_categorical"];
    for (method, key) in [
        ("psi", "psi"),
        ("jensenshannon", "jensenshannon"),
        ("chisquare", "chisquare_pvalue"),
    ] {
        let got = with_method(method, &CATEGORICAL, "evidently");
        for c in CATEGORICAL {
            let expected = e[c][key].as_f64().unwrap();
            if expected == 0.0 {
                assert_eq!(got[c].value, Some(0.0), "{method} {c}");
            } else {
                close(
                    got[c].value.unwrap(),
                    expected,
                    TOL,
                    &format!("{method} {c}"),
                );
            }
        }
    }
    let binary: Vec<&str> = CATEGORICAL
        .iter()
        .copied()
        .filter(|c| e[*c].get("z_pvalue").is_some())
        .collect();
    let got = with_method("z", &binary, "evidently");
    for c in binary {
        let expected = e[c]["z_pvalue"].as_f64().unwrap();
        if expected == 0.0 {
            assert_eq!(got[c].value, Some(0.0), "z {c}");
        } else {
            // 2 * (1 - Phi(|z|)) cancels to a multiple of 2^-53 in the tail (sex: 2.4e-10): both
            // tools round 1 - Phi to the same double, so the p-values agree to the last bit.
            close(got[c].value.unwrap(), expected, TOL, &format!("z {c}"));
        }
    }
}

#[test]
fn quantile_psi_and_scipy_ks() {
    let e = reference("numpy_psi_ks.json");
    let psi = with_method("quantile_psi", &NUMERIC, "evidently");
    let ks = with_method("ks", &NUMERIC, "evidently");
    for c in NUMERIC {
        close_json(
            psi[c].value,
            &e[c]["psi_q10"],
            TOL,
            &format!("quantile psi {c}"),
        );
        close_json(
            ks[c].statistic,
            &e[c]["ks_stat"],
            TOL,
            &format!("ks statistic {c}"),
        );
        close_json(
            ks[c].value,
            &e[c]["ks_pvalue"],
            TOL,
            &format!("ks p-value {c}"),
        );
        assert_eq!(
            ks[c].detail.as_deref(),
            Some("exact"),
            "{c}: both samples have at most 10,000 values"
        );
    }
}

#[test]
fn nannyml_preset_matches() {
    let mut spec = spec();
    spec.drift.preset = "nannyml".to_owned();
    let report = run(CheckKind::Drift, "cur.parquet", Some("ref.parquet"), &spec);
    // Every number is finite, so the JSON report reads back (serde writes infinities as null).
    let json = serde_json::to_string(&report).unwrap();
    let back: aims_analytics::CheckReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.drift, report.drift);
    let d = report.drift.unwrap();
    let sex = d.secondary.iter().find(|c| c.column == "sex").unwrap();
    // chi2.isf(0.05, 1) = 3.841458820694124: alert exactly when p < 0.05.
    close(sex.threshold, 3.841458820694124, 1e-9, "critical value");
    let e = reference("nannyml_drift.json");
    for c in &d.columns {
        close_json(
            c.value,
            &e[&c.column]["jensen_shannon"],
            TOL,
            &format!("nannyml js {}", c.column),
        );
    }
    for c in &d.columns {
        // Band from the 10 reference chunks: finite, ordered, recorded with the result.
        let lower = c.lower_threshold.unwrap();
        assert!(lower >= 0.0 && lower <= c.threshold, "{}", c.column);
        assert!(c.definition.contains("reference chunks"));
    }
    assert!(
        d.columns
            .iter()
            .find(|c| c.column == "utilization_ratio")
            .unwrap()
            .drift
    );
    for c in &d.secondary {
        let key = if c.method == "nannyml_ks" {
            "kolmogorov_smirnov"
        } else {
            "chi2"
        };
        close_json(
            c.value,
            &e[&c.column][key],
            TOL,
            &format!("nannyml {key} {}", c.column),
        );
    }
}

#[test]
fn every_result_names_its_definition() {
    let report = run(
        CheckKind::Drift,
        "cur.parquet",
        Some("ref.parquet"),
        &spec(),
    );
    for c in report.drift.unwrap().columns {
        assert!(!c.definition.is_empty());
        assert!(c.histogram.is_some());
    }
}

#[test]
fn unseen_category_in_current_is_reported() {
    let got = with_method("jensenshannon", &["region"], "evidently");
    assert!(!got["region"].unseen_categories.is_empty());
}

#[test]
fn hellinger_follows_evidently() {
    // Not in the stored fixtures: Evidently 0.7.23's `_hellinger_distance` re-run with numpy
    // 2.4.6 on the same tables (density histograms on Sturges edges of the distinct values for
    // numeric columns, sqrt(1 - sum sqrt(p q)) for categorical ones).
    let got = with_method(
        "hellinger",
        &["age", "income", "credit_score", "region", "sex"],
        "evidently",
    );
    for (column, expected) in [
        ("age", 0.07213914493305955),
        ("income", 0.06891741307025515),
        ("credit_score", 0.09951192776039972),
        ("region", 0.14292409663345912),
        ("sex", 0.03168780213663276),
    ] {
        close(
            got[column].value.unwrap(),
            expected,
            TOL,
            &format!("hellinger {column}"),
        );
    }
}

#[test]
fn evidently_small_sample_methods() {
    // With at most 1,000 reference rows Evidently tests numeric columns with KS (p <= 0.05) and
    // categorical ones with chi-square or, for two values, the Z test (p < 0.05). Expected values:
    // scipy 1.17.1 on the first 800 rows of each table, with Evidently's formulas.
    let dir = tempfile::tempdir().unwrap();
    let head = |name: &str| {
        let text = std::fs::read_to_string(crate::common::fixture(name)).unwrap();
        let lines: Vec<&str> = text.lines().take(801).collect();
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    };
    let reference = head("ref.csv");
    let current = head("cur.csv");
    let request = aims_analytics::CheckRequest {
        kind: CheckKind::Drift,
        data: current,
        reference: Some(reference),
        spec: crate::common::spec_path(),
        now_unix_seconds: None,
    };
    let report = aims_analytics::run_check_with_spec(&request, &spec()).unwrap();
    let d = report.drift.unwrap();
    let get = |c: &str| d.columns.iter().find(|x| x.column == c).unwrap();
    for (column, method, p) in [
        ("age", "ks", 2.972813476721824e-07),
        ("income", "ks", 2.150540621515518e-05),
        ("num_late_payments", "ks", 1.945489181577468e-05),
        ("purpose", "chisquare", 0.019481166867454526),
        ("sex", "z", 0.8414566243274426),
        ("has_cosigner", "z", 0.701127132160682),
    ] {
        assert_eq!(get(column).method, method, "{column}");
        close(get(column).value.unwrap(), p, TOL, column);
    }
    assert_eq!(get("region").method, "chisquare");
    assert_eq!(
        get("region").value,
        Some(0.0),
        "an unseen category makes the statistic infinite"
    );
    assert!(get("region").drift && !get("sex").drift);
}

#[test]
fn csv_and_parquet_give_the_same_drift() {
    let a = run(
        CheckKind::Drift,
        "cur.parquet",
        Some("ref.parquet"),
        &spec(),
    )
    .drift
    .unwrap();
    let b = run(CheckKind::Drift, "cur.csv", Some("ref.csv"), &spec())
        .drift
        .unwrap();
    assert_eq!(a.columns.len(), b.columns.len());
    for (x, y) in a.columns.iter().zip(&b.columns) {
        assert_eq!(x.column, y.column);
        assert_eq!(x.method, y.method, "{}", x.column);
        close(x.value.unwrap(), y.value.unwrap(), 1e-12, &x.column);
    }
    assert_eq!(a.drifted_columns, b.drifted_columns);
}
