//! Model performance (ISO/IEC 42001 A.6.2.4, 9.1): confusion matrix, threshold metrics, ROC and PR
//! AUC with scikit-learn's tie handling, log loss, Brier, calibration, ECE, cost of errors.

use std::path::PathBuf;

use arrow::array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};

use crate::binary::{BinaryState, read_binary};
use crate::error::Result;
use crate::num::pairwise_sum;
use crate::stream::Partial;
use crate::values::{column, to_f64};

/// Columns the performance pass reads.
#[derive(Debug, Clone)]
pub(crate) struct PerformanceColumns {
    pub path: PathBuf,
    pub label: String,
    pub prediction: Option<String>,
    pub score: Option<String>,
    pub weight: Option<String>,
    pub positive: String,
    pub threshold: f64,
}

impl PerformanceColumns {
    pub fn needed(&self) -> Vec<String> {
        let mut out = vec![self.label.clone()];
        out.extend(self.prediction.iter().cloned());
        out.extend(self.score.iter().cloned());
        out.extend(self.weight.iter().cloned());
        out
    }
}

/// Rows gathered for the performance metrics, in file order: label, prediction, score, weight.
/// Scores are kept because ROC AUC needs their order; everything else is a sum.
#[derive(Debug, Clone, Default)]
pub(crate) struct PerformancePartial {
    pub path: PathBuf,
    pub label_column: String,
    pub positive: String,
    pub y: Vec<bool>,
    pub predicted: Vec<bool>,
    pub score: Vec<f64>,
    pub weight: Vec<f64>,
    pub label_state: BinaryState,
    pub prediction_state: BinaryState,
    pub dropped_rows: u64,
}

impl PerformancePartial {
    pub fn new(spec: &PerformanceColumns) -> Self {
        Self {
            path: spec.path.clone(),
            label_column: spec.label.clone(),
            positive: spec.positive.clone(),
            ..Default::default()
        }
    }

    pub fn update(
        &mut self,
        spec: &PerformanceColumns,
        batch: &RecordBatch,
        row_offset: u64,
    ) -> Result<()> {
        let y = read_binary(
            column(batch, &spec.label)?,
            &spec.label,
            &spec.positive,
            &mut self.label_state,
            &spec.path,
            row_offset,
        )?;
        let predicted = match &spec.prediction {
            Some(p) => Some(read_binary(
                column(batch, p)?,
                p,
                &spec.positive,
                &mut self.prediction_state,
                &spec.path,
                row_offset,
            )?),
            None => None,
        };
        let score = match &spec.score {
            Some(s) => Some(to_f64(column(batch, s)?, s)?),
            None => None,
        };
        let weight = match &spec.weight {
            Some(w) => Some(to_f64(column(batch, w)?, w)?),
            None => None,
        };
        for i in 0..batch.num_rows() {
            let Some(t) = y[i] else {
                self.dropped_rows += 1;
                continue;
            };
            let s = match &score {
                Some(a) if a.is_valid(i) && a.value(i).is_finite() => Some(a.value(i)),
                Some(_) => {
                    self.dropped_rows += 1;
                    continue;
                }
                None => None,
            };
            let p = match (&predicted, s) {
                (Some(v), _) => match v[i] {
                    Some(p) => p,
                    None => {
                        self.dropped_rows += 1;
                        continue;
                    }
                },
                (None, Some(s)) => s >= spec.threshold,
                (None, None) => {
                    self.dropped_rows += 1;
                    continue;
                }
            };
            let w = match &weight {
                Some(a) if a.is_valid(i) && a.value(i).is_finite() => a.value(i),
                Some(_) => {
                    self.dropped_rows += 1;
                    continue;
                }
                None => 1.0,
            };
            self.y.push(t);
            self.predicted.push(p);
            if let Some(s) = s {
                self.score.push(s);
            }
            self.weight.push(w);
        }
        Ok(())
    }
}

impl Partial for PerformancePartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        let path = self.path.clone();
        let column = self.label_column.clone();
        let positive = self.positive.clone();
        self.label_state
            .merge(&later.label_state, &column, &path, &positive)?;
        self.prediction_state
            .merge(&later.prediction_state, &column, &path, &positive)?;
        self.y.extend(later.y);
        self.predicted.extend(later.predicted);
        self.score.extend(later.score);
        self.weight.extend(later.weight);
        self.dropped_rows += later.dropped_rows;
        Ok(())
    }
}

/// The 2 x 2 confusion matrix (weighted counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    pub tn: f64,
    pub fp: f64,
    pub fn_: f64,
    pub tp: f64,
}

/// Calibration curve as scikit-learn's `calibration_curve(strategy="uniform")`: empty bins left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCurve {
    pub n_bins: usize,
    pub frac_pos: Vec<f64>,
    pub mean_pred: Vec<f64>,
    pub counts: Vec<f64>,
}

/// The cost-minimising (value-maximising) threshold found by a sweep over every distinct score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdSweep {
    /// Predict positive when score >= threshold; None means "never predict positive".
    pub best_threshold: Option<f64>,
    pub best_value: f64,
    pub value_at_current: f64,
}

/// Regression metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub mae: f64,
    pub rmse: f64,
    pub r2: Option<f64>,
}

/// Every binary-classification metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceResult {
    pub rows: u64,
    pub dropped_rows: u64,
    pub confusion: Confusion,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub roc_auc: Option<f64>,
    /// Average precision (scikit-learn's `average_precision_score`).
    pub pr_auc: Option<f64>,
    pub log_loss: Option<f64>,
    pub brier: Option<f64>,
    pub calibration: Option<CalibrationCurve>,
    /// Expected calibration error over 10 equal-width bins: sum of |sum y - sum p| / N.
    pub ece: Option<f64>,
    /// Total value of the outcomes under the value matrix [[TN, FP], [FN, TP]].
    pub value: Option<f64>,
    pub threshold_sweep: Option<ThresholdSweep>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    if b > 0.0 { Some(a / b) } else { None }
}

/// The confusion matrix of labels and predictions.
pub fn confusion(y: &[bool], predicted: &[bool], weight: &[f64]) -> Confusion {
    let mut c = Confusion::default();
    for ((t, p), w) in y.iter().zip(predicted).zip(weight) {
        match (t, p) {
            (false, false) => c.tn += w,
            (false, true) => c.fp += w,
            (true, false) => c.fn_ += w,
            (true, true) => c.tp += w,
        }
    }
    c
}

/// The points of scikit-learn's `_binary_clf_curve`: distinct scores in descending order with the
/// cumulative weight of positives (tps) and negatives (fps) scoring at or above each.
#[derive(Debug, Clone, Default)]
pub struct Curve {
    pub thresholds: Vec<f64>,
    pub tps: Vec<f64>,
    pub fps: Vec<f64>,
}

/// Builds the curve. Unweighted data (the usual case) sorts the two classes' scores apart with a
/// radix sort and merges them, much faster than sorting row indices by score.
pub fn clf_curve(y: &[bool], score: &[f64], weight: &[f64]) -> Curve {
    let mut curve = Curve::default();
    if weight.iter().all(|w| *w == 1.0) {
        let positives: Vec<f64> = y
            .iter()
            .zip(score)
            .filter(|(t, _)| **t)
            .map(|(_, s)| *s)
            .collect();
        let negatives: Vec<f64> = y
            .iter()
            .zip(score)
            .filter(|(t, _)| !**t)
            .map(|(_, s)| *s)
            .collect();
        let positives = crate::num::sorted_floats(positives);
        let negatives = crate::num::sorted_floats(negatives);
        // Walk both from the top score down.
        let (mut i, mut j) = (positives.len(), negatives.len());
        let (mut tp, mut fp) = (0.0f64, 0.0f64);
        while i > 0 || j > 0 {
            let top = match (
                i.checked_sub(1).map(|k| positives[k]),
                j.checked_sub(1).map(|k| negatives[k]),
            ) {
                (Some(a), Some(b)) => a.max(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => break,
            };
            while i > 0 && positives[i - 1] == top {
                tp += 1.0;
                i -= 1;
            }
            while j > 0 && negatives[j - 1] == top {
                fp += 1.0;
                j -= 1;
            }
            curve.thresholds.push(top);
            curve.tps.push(tp);
            curve.fps.push(fp);
        }
        return curve;
    }
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|a, b| score[*b].total_cmp(&score[*a]));
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    for (k, &i) in order.iter().enumerate() {
        if y[i] {
            tp += weight[i];
        } else {
            fp += weight[i];
        }
        let last_of_run = order
            .get(k + 1)
            .map(|&j| score[j] != score[i])
            .unwrap_or(true);
        if last_of_run {
            curve.thresholds.push(score[i]);
            curve.tps.push(tp);
            curve.fps.push(fp);
        }
    }
    curve
}

/// ROC AUC as `sklearn.metrics.roc_auc_score`: the trapezoidal area under the ROC curve built on
/// distinct thresholds (tied scores form one step), after dropping collinear points.
pub fn roc_auc(y: &[bool], score: &[f64], weight: &[f64]) -> Option<f64> {
    roc_auc_of(&clf_curve(y, score, weight))
}

/// ROC AUC of a built curve.
pub fn roc_auc_of(curve: &Curve) -> Option<f64> {
    let (tps, fps) = (&curve.tps, &curve.fps);
    let (&tp_total, &fp_total) = (tps.last()?, fps.last()?);
    if tp_total <= 0.0 || fp_total <= 0.0 {
        return None;
    }
    // Prepend the origin and keep only the corners, as roc_curve(drop_intermediate=True).
    let n = tps.len() + 1;
    let t = |i: usize| if i == 0 { 0.0 } else { tps[i - 1] };
    let f = |i: usize| if i == 0 { 0.0 } else { fps[i - 1] };
    let mut fpr: Vec<f64> = Vec::new();
    let mut tpr: Vec<f64> = Vec::new();
    for i in 0..n {
        // numpy's np.diff(x, 2) is (x[i+1] - x[i]) - (x[i] - x[i-1]).
        let corner = i == 0
            || i + 1 == n
            || ((f(i + 1) - f(i)) - (f(i) - f(i - 1))) != 0.0
            || ((t(i + 1) - t(i)) - (t(i) - t(i - 1))) != 0.0;
        if corner {
            fpr.push(f(i) / fp_total);
            tpr.push(t(i) / tp_total);
        }
    }
    let areas: Vec<f64> = (1..fpr.len())
        .map(|i| (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2.0)
        .collect();
    Some(pairwise_sum(&areas))
}

/// Average precision as `sklearn.metrics.average_precision_score`: sum over thresholds of
/// (R_n - R_{n-1}) * P_n.
pub fn average_precision(y: &[bool], score: &[f64], weight: &[f64]) -> Option<f64> {
    average_precision_of(&clf_curve(y, score, weight))
}

/// Average precision of a built curve.
pub fn average_precision_of(curve: &Curve) -> Option<f64> {
    let (tps, fps) = (&curve.tps, &curve.fps);
    let tp_total = *tps.last()?;
    if tp_total <= 0.0 {
        return None;
    }
    // scikit-learn reverses the curve and appends (precision 1, recall 0), then takes
    // -sum(diff(recall) * precision[:-1]); in ascending-threshold order that is this sum.
    let n = tps.len();
    let mut precision: Vec<f64> = Vec::with_capacity(n + 1);
    let mut recall: Vec<f64> = Vec::with_capacity(n + 1);
    for i in (0..n).rev() {
        let ps = tps[i] + fps[i];
        precision.push(if ps != 0.0 { tps[i] / ps } else { 0.0 });
        recall.push(tps[i] / tp_total);
    }
    precision.push(1.0);
    recall.push(0.0);
    let terms: Vec<f64> = (0..n)
        .map(|i| (recall[i + 1] - recall[i]) * precision[i])
        .collect();
    Some(-pairwise_sum(&terms))
}

fn weighted_mean(values: &[f64], weight: &[f64]) -> Option<f64> {
    if weight.iter().all(|w| *w == 1.0) {
        if values.is_empty() {
            return None;
        }
        return Some(pairwise_sum(values) / values.len() as f64);
    }
    let products: Vec<f64> = values.iter().zip(weight).map(|(v, w)| v * w).collect();
    ratio(pairwise_sum(&products), pairwise_sum(weight))
}

/// Log loss as `sklearn.metrics.log_loss`: probabilities clipped to [eps, 1 - eps].
pub fn log_loss(y: &[bool], score: &[f64], weight: &[f64]) -> Option<f64> {
    let eps = f64::EPSILON;
    let losses: Vec<f64> = y
        .iter()
        .zip(score)
        .map(|(t, s)| {
            let p = s.clamp(eps, 1.0 - eps);
            if *t { -p.ln() } else { -(1.0 - p).ln() }
        })
        .collect();
    weighted_mean(&losses, weight)
}

/// Brier score as `sklearn.metrics.brier_score_loss`.
pub fn brier(y: &[bool], score: &[f64], weight: &[f64]) -> Option<f64> {
    let squares: Vec<f64> = y
        .iter()
        .zip(score)
        .map(|(t, s)| {
            let d = f64::from(u8::from(*t)) - s;
            d * d
        })
        .collect();
    weighted_mean(&squares, weight)
}

/// Calibration curve as `sklearn.calibration.calibration_curve(strategy="uniform")`.
pub fn calibration_curve(y: &[bool], score: &[f64], n_bins: usize) -> CalibrationCurve {
    let n_bins = n_bins.max(1);
    let edges = crate::num::linspace(0.0, 1.0, n_bins + 1);
    let inner = &edges[1..n_bins];
    let mut sums = vec![0.0; n_bins];
    let mut trues = vec![0.0; n_bins];
    let mut totals = vec![0.0; n_bins];
    for (t, s) in y.iter().zip(score) {
        // np.searchsorted(bins[1:-1], y_prob) (left side): a score on an edge goes to the lower bin.
        let b = crate::num::search_left(inner, *s);
        sums[b] += s;
        trues[b] += f64::from(u8::from(*t));
        totals[b] += 1.0;
    }
    let mut curve = CalibrationCurve {
        n_bins,
        frac_pos: Vec::new(),
        mean_pred: Vec::new(),
        counts: Vec::new(),
    };
    for b in 0..n_bins {
        if totals[b] > 0.0 {
            curve.frac_pos.push(trues[b] / totals[b]);
            curve.mean_pred.push(sums[b] / totals[b]);
            curve.counts.push(totals[b]);
        }
    }
    curve
}

/// Expected calibration error over `n_bins` equal-width bins, bin = floor(p * n_bins) clipped to
/// the last bin: sum over bins of |sum y - sum p| / N.
pub fn ece(y: &[bool], score: &[f64], n_bins: usize) -> Option<f64> {
    if y.is_empty() {
        return None;
    }
    let n_bins = n_bins.max(1);
    let mut conf = vec![0.0; n_bins];
    let mut acc = vec![0.0; n_bins];
    let mut count = vec![0u64; n_bins];
    for (t, s) in y.iter().zip(score) {
        let raw = (s * n_bins as f64) as i64;
        let b = raw.clamp(0, n_bins as i64 - 1) as usize;
        conf[b] += s;
        acc[b] += f64::from(u8::from(*t));
        count[b] += 1;
    }
    let gaps: Vec<f64> = (0..n_bins)
        .filter(|b| count[*b] > 0)
        .map(|b| (acc[b] - conf[b]).abs())
        .collect();
    Some(pairwise_sum(&gaps) / y.len() as f64)
}

/// Total value of a confusion matrix under [[TN, FP], [FN, TP]].
pub fn value_of(c: &Confusion, matrix: &[[f64; 2]; 2]) -> f64 {
    c.tn * matrix[0][0] + c.fp * matrix[0][1] + c.fn_ * matrix[1][0] + c.tp * matrix[1][1]
}

/// Sweeps every distinct score as the threshold and returns the one with the highest value.
pub fn threshold_sweep(
    y: &[bool],
    score: &[f64],
    weight: &[f64],
    matrix: &[[f64; 2]; 2],
    current: f64,
) -> Option<ThresholdSweep> {
    threshold_sweep_of(&clf_curve(y, score, weight), matrix, current)
}

/// The sweep over a built curve.
pub fn threshold_sweep_of(
    curve: &Curve,
    matrix: &[[f64; 2]; 2],
    current: f64,
) -> Option<ThresholdSweep> {
    let (thresholds, tps, fps) = (&curve.thresholds, &curve.tps, &curve.fps);
    let pos_total = *tps.last()?;
    let neg_total = *fps.last()?;
    let at = |tp: f64, fp: f64| {
        value_of(
            &Confusion {
                tn: neg_total - fp,
                fp,
                fn_: pos_total - tp,
                tp,
            },
            matrix,
        )
    };
    let mut best_threshold = None;
    let mut best_value = at(0.0, 0.0);
    let mut value_at_current = best_value;
    for i in 0..thresholds.len() {
        let v = at(tps[i], fps[i]);
        if v > best_value {
            best_value = v;
            best_threshold = Some(thresholds[i]);
        }
        if thresholds[i] >= current {
            value_at_current = v;
        }
    }
    Some(ThresholdSweep {
        best_threshold,
        best_value,
        value_at_current,
    })
}

/// Regression metrics as scikit-learn's MAE, RMSE and R2.
pub fn regression(y: &[f64], predicted: &[f64]) -> Option<RegressionMetrics> {
    if y.is_empty() || y.len() != predicted.len() {
        return None;
    }
    let abs: Vec<f64> = y
        .iter()
        .zip(predicted)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let sq: Vec<f64> = y
        .iter()
        .zip(predicted)
        .map(|(a, b)| (a - b) * (a - b))
        .collect();
    let n = y.len() as f64;
    let mean_y = pairwise_sum(y) / n;
    let total: Vec<f64> = y.iter().map(|a| (a - mean_y) * (a - mean_y)).collect();
    let ss_res = pairwise_sum(&sq);
    let ss_tot = pairwise_sum(&total);
    Some(RegressionMetrics {
        mae: pairwise_sum(&abs) / n,
        rmse: (ss_res / n).sqrt(),
        r2: if ss_tot > 0.0 {
            Some(1.0 - ss_res / ss_tot)
        } else {
            None
        },
    })
}

/// Computes every metric from the gathered rows.
pub(crate) fn evaluate(
    partial: &PerformancePartial,
    calibration_bins: usize,
    value_matrix: Option<&[[f64; 2]; 2]>,
    threshold: f64,
) -> PerformanceResult {
    let c = confusion(&partial.y, &partial.predicted, &partial.weight);
    let precision = ratio(c.tp, c.tp + c.fp);
    let recall = ratio(c.tp, c.tp + c.fn_);
    let f1 = ratio(2.0 * c.tp, 2.0 * c.tp + c.fp + c.fn_);
    let has_scores = !partial.score.is_empty() && partial.score.len() == partial.y.len();
    let (roc, ap, ll, br, cal, e, sweep) = if has_scores {
        let (y, s, w) = (&partial.y, &partial.score, &partial.weight);
        // One curve serves ROC AUC, average precision and the threshold sweep.
        let curve = clf_curve(y, s, w);
        (
            roc_auc_of(&curve),
            average_precision_of(&curve),
            log_loss(y, s, w),
            brier(y, s, w),
            Some(calibration_curve(y, s, calibration_bins)),
            ece(y, s, 10),
            value_matrix.and_then(|m| threshold_sweep_of(&curve, m, threshold)),
        )
    } else {
        (None, None, None, None, None, None, None)
    };
    PerformanceResult {
        rows: partial.y.len() as u64,
        dropped_rows: partial.dropped_rows,
        confusion: c,
        accuracy: ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn_),
        precision,
        recall,
        f1,
        roc_auc: roc,
        pr_auc: ap,
        log_loss: ll,
        brier: br,
        calibration: cal,
        ece: e,
        value: value_matrix.map(|m| value_of(&c, m)),
        threshold_sweep: sweep,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn auc_with_ties_is_half_credit() {
        // Positive and negative tied at 0.5: the tie counts 1/2, as scikit-learn does.
        let y = [true, false, true, false];
        let s = [0.9, 0.5, 0.5, 0.1];
        let w = [1.0; 4];
        assert!((roc_auc(&y, &s, &w).unwrap() - 0.875).abs() < 1e-15);
    }

    #[test]
    fn auc_undefined_for_one_class() {
        assert!(roc_auc(&[true, true], &[0.1, 0.2], &[1.0, 1.0]).is_none());
    }

    #[test]
    fn average_precision_perfect() {
        let y = [true, false];
        let ap = average_precision(&y, &[0.9, 0.1], &[1.0, 1.0]).unwrap();
        assert!((ap - 1.0).abs() < 1e-15);
    }
}
