//! Fairness against Fairlearn 0.15 and AIF360 0.6.1 (reference/fairlearn.json, aif360.json).
//! Every value is a ratio of integer counts, so the tolerance is 1e-9 relative (in practice the
//! values agree to the last bit or two).

use aims_analytics::CheckKind;
use aims_analytics::fairness::{METRICS, MetricSet};
use serde_json::Value;

use crate::common::{close, close_json, reference, run, spec};

const TOL: f64 = 1e-9;

fn compare_set(actual: &MetricSet, expected: &Value, what: &str) {
    for m in ["selection_rate", "tpr", "fpr", "accuracy", "count"] {
        close_json(actual.get(m), &expected[m], TOL, &format!("{what} {m}"));
    }
}

fn check_fairlearn(data: &str) {
    let report = run(CheckKind::Fairness, data, None, &spec());
    let fairness = report.fairness.unwrap();
    let expected = reference("fairlearn.json");
    assert_eq!(fairness.groupings.len(), 4);
    for g in &fairness.groupings {
        let key = g.columns.join("+");
        let e = &expected[&key];
        compare_set(&g.overall, &e["overall"], &format!("{key} overall"));
        let groups = e["by_group"].as_object().unwrap();
        assert_eq!(groups.len(), g.by_group.len(), "{key}: group count");
        for r in &g.by_group {
            compare_set(&r.metrics, &groups[&r.name], &format!("{key} {}", r.name));
        }
        compare_set(
            &g.difference_between_groups,
            &e["difference_between_groups"],
            &format!("{key} difference"),
        );
        compare_set(
            &g.ratio_between_groups,
            &e["ratio_between_groups"],
            &format!("{key} ratio"),
        );
        compare_set(
            &g.difference_to_overall,
            &e["difference_to_overall"],
            &format!("{key} difference to overall"),
        );
        if let Some(s) = e.get("scalars") {
            close_json(
                g.demographic_parity_difference,
                &s["demographic_parity_difference"],
                TOL,
                "dpd",
            );
            close_json(
                g.demographic_parity_ratio,
                &s["demographic_parity_ratio"],
                TOL,
                "dpr",
            );
            close_json(
                g.equalized_odds_difference,
                &s["equalized_odds_difference"],
                TOL,
                "eod",
            );
            close_json(
                g.equalized_odds_ratio,
                &s["equalized_odds_ratio"],
                TOL,
                "eor",
            );
            close_json(
                g.equal_opportunity_difference,
                &s["equal_opportunity_difference"],
                TOL,
                "eopp",
            );
        }
    }
}

#[test]
fn matches_fairlearn_on_parquet() {
    check_fairlearn("ref.parquet");
}

#[test]
fn matches_fairlearn_on_csv() {
    check_fairlearn("ref.csv");
}

#[test]
fn matches_numpy_fairness() {
    let report = run(CheckKind::Fairness, "ref.parquet", None, &spec());
    let expected = reference("numpy_fairness.json");
    for g in &report.fairness.unwrap().groupings {
        let key = g.columns.join("+");
        let e = &expected[&key];
        close_json(
            g.demographic_parity_difference,
            &e["demographic_parity_difference"],
            TOL,
            "dpd",
        );
        close_json(
            g.equalized_odds_difference,
            &e["equalized_odds_difference"],
            TOL,
            "eod",
        );
        close_json(
            g.equal_opportunity_difference,
            &e["equal_opportunity_difference"],
            TOL,
            "eopp",
        );
    }
}

#[test]
fn matches_aif360() {
    let report = run(CheckKind::Fairness, "ref.parquet", None, &spec());
    let expected = reference("aif360.json");
    let fairness = report.fairness.unwrap();
    for (column, privileged) in [("race", "A"), ("sex", "F")] {
        let g = fairness
            .groupings
            .iter()
            .find(|g| g.columns == [column])
            .unwrap();
        let a = g.aif360.as_ref().unwrap();
        assert_eq!(a.privileged, privileged);
        let e = &expected[format!("{column}(priv={privileged},pos_label=0)")];
        close_json(
            a.statistical_parity_difference,
            &e["statistical_parity_difference"],
            TOL,
            "spd",
        );
        close_json(a.disparate_impact, &e["disparate_impact_ratio"], TOL, "di");
        close_json(
            a.equal_opportunity_difference,
            &e["equal_opportunity_difference"],
            TOL,
            "eod",
        );
        close_json(
            a.average_odds_difference,
            &e["average_odds_difference"],
            TOL,
            "aod",
        );
        assert_eq!(a.four_fifths_pass, Some(true));
    }
}

#[test]
fn bootstrap_is_reproducible_from_its_seed() {
    let a = run(CheckKind::Fairness, "ref.parquet", None, &spec())
        .fairness
        .unwrap();
    let b = run(CheckKind::Fairness, "ref.parquet", None, &spec())
        .fairness
        .unwrap();
    let ba = a.groupings[0].bootstrap.as_ref().unwrap();
    assert_eq!(ba, b.groupings[0].bootstrap.as_ref().unwrap());
    assert_eq!(ba.seed, 42);
    let dpd = &ba.intervals[0];
    let point = a.groupings[0].demographic_parity_difference.unwrap();
    assert!(
        dpd.low.unwrap() <= point && point <= dpd.high.unwrap(),
        "{dpd:?} around {point}"
    );
}

#[test]
fn reference_population_shares() {
    let report = run(
        CheckKind::Fairness,
        "cur.parquet",
        Some("ref.parquet"),
        &spec(),
    );
    let g = &report.fairness.unwrap().groupings[0];
    for r in &g.by_group {
        assert!(r.reference_share.is_some());
        assert!(r.label_rate.is_some());
    }
    let total: f64 = g.by_group.iter().map(|r| r.share).sum();
    close(total, 1.0, 1e-12, "shares sum to one");
    let _ = METRICS;
}

#[test]
fn sample_weights_follow_fairlearn() {
    use std::io::Write;
    // Hand computation. Group a: TP weight 2, FP 1, TN 1 -> selection 3/4, TPR 1, FPR 1/2.
    // Group b: FN weight 3, TN 1 -> selection 0, TPR 0, FPR 0. Counts stay row counts.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(b"y,p,g,w\n1,1,a,2\n0,1,a,1\n0,0,a,1\n1,0,b,3\n0,0,b,1\n")
        .unwrap();
    drop(f);
    let spec = aims_analytics::DatasetSpec::from_toml(
        "[columns.y]\nrole = \"label\"\n[columns.p]\nrole = \"prediction\"\n[columns.g]\nrole = \"sensitive\"\n[columns.w]\nrole = \"weight\"\n",
        std::path::Path::new("w.toml"),
    )
    .unwrap();
    let request = aims_analytics::CheckRequest {
        kind: CheckKind::Fairness,
        data: path,
        reference: None,
        spec: "w.toml".into(),
        now_unix_seconds: None,
    };
    let report = aims_analytics::run_check_with_spec(&request, &spec).unwrap();
    let f = report.fairness.unwrap();
    assert!(f.weighted);
    let g = &f.groupings[0];
    let a = &g.by_group[0].metrics;
    let b = &g.by_group[1].metrics;
    assert_eq!(
        (a.selection_rate, a.tpr, a.fpr, a.count),
        (Some(0.75), Some(1.0), Some(0.5), Some(3.0))
    );
    assert_eq!(
        (b.selection_rate, b.tpr, b.fpr, b.count),
        (Some(0.0), Some(0.0), Some(0.0), Some(2.0))
    );
    assert_eq!(g.demographic_parity_difference, Some(0.75));
    assert_eq!(g.equalized_odds_difference, Some(1.0));
    // Overall: weights 8, selected 3 -> 3/8.
    close(
        g.overall.selection_rate.unwrap(),
        3.0 / 8.0,
        1e-15,
        "weighted overall selection",
    );
}
