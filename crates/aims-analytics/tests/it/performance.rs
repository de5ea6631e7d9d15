//! Model performance against scikit-learn 1.9.1 (reference/reference_values.json,
//! `performance_ref`). Tolerance 1e-9 relative: ROC AUC, log loss and Brier are sums of
//! per-row terms, here in the same order numpy uses (pairwise), and agree to about 1e-15.

use aims_analytics::CheckKind;

use crate::common::{close, close_json, reference, run, spec};

const TOL: f64 = 1e-9;

#[test]
fn matches_scikit_learn() {
    let mut spec = spec();
    spec.performance.calibration_bins = 10;
    let report = run(CheckKind::Performance, "ref.parquet", None, &spec);
    let p = report.performance.unwrap();
    let e = &reference("reference_values.json")["performance_ref"];
    let c = &e["confusion"];
    assert_eq!(p.confusion.tn, c["tn"].as_f64().unwrap());
    assert_eq!(p.confusion.fp, c["fp"].as_f64().unwrap());
    assert_eq!(p.confusion.fn_, c["fn"].as_f64().unwrap());
    assert_eq!(p.confusion.tp, c["tp"].as_f64().unwrap());
    close_json(p.roc_auc, &e["roc_auc"], TOL, "roc_auc");
    close_json(p.brier, &e["brier"], TOL, "brier");
    close_json(p.log_loss, &e["log_loss"], TOL, "log_loss");
    close_json(p.ece, &e["ece_uniform10"], TOL, "ece");
    let cal = p.calibration.unwrap();
    let fp = e["calibration_curve_uniform10"]["frac_pos"]
        .as_array()
        .unwrap();
    let mp = e["calibration_curve_uniform10"]["mean_pred"]
        .as_array()
        .unwrap();
    assert_eq!(cal.frac_pos.len(), fp.len());
    for i in 0..fp.len() {
        close_json(Some(cal.frac_pos[i]), &fp[i], TOL, "frac_pos");
        close_json(Some(cal.mean_pred[i]), &mp[i], TOL, "mean_pred");
    }
    // cost_fp1_fn5 = FP * 1 + FN * 5; the value matrix gives the same as a negative value.
    close(
        -p.value.unwrap(),
        e["cost_fp1_fn5"].as_f64().unwrap(),
        0.0,
        "cost",
    );
    let sweep = p.threshold_sweep.unwrap();
    assert!(sweep.best_value >= sweep.value_at_current);
    close(
        sweep.value_at_current,
        p.value.unwrap(),
        0.0,
        "value at 0.5 equals the confusion value",
    );
    assert!(p.pr_auc.unwrap() > 0.0 && p.pr_auc.unwrap() <= 1.0);
}

#[test]
fn csv_and_parquet_agree() {
    let a = run(CheckKind::Performance, "ref.parquet", None, &spec())
        .performance
        .unwrap();
    let b = run(CheckKind::Performance, "ref.csv", None, &spec())
        .performance
        .unwrap();
    assert_eq!(a, b);
}
