//! Fairness (ISO/IEC 42001 A.5.4, A.7.4): Fairlearn's per-group metrics and aggregates and AIF360's
//! signed two-group metrics, all computed from one per-group 2 x 2 confusion tensor.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use arrow::array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};

use crate::binary::{BinaryState, read_binary};
use crate::error::Result;
use crate::num::quantile_sorted;
use crate::rng::Rng;
use crate::stream::Partial;
use crate::values::{Keys, TextDictionary, column, same_class, to_f64};

/// The value used for a null sensitive attribute: nulls form a group of their own rather than
/// vanishing, so their outcomes are visible.
pub const NULL_GROUP: &str = "<null>";

/// Weighted and unweighted confusion counts of one group, indexed `y * 2 + y_pred`:
/// 0 = TN, 1 = FP, 2 = FN, 3 = TP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub weight: [f64; 4],
    pub rows: [u64; 4],
}

impl Cell {
    fn add(&mut self, other: &Cell) {
        for i in 0..4 {
            self.weight[i] += other.weight[i];
            self.rows[i] += other.rows[i];
        }
    }

    /// Number of rows.
    pub fn count(&self) -> u64 {
        self.rows.iter().sum()
    }
}

/// What the streaming pass needs to know.
#[derive(Debug, Clone)]
pub(crate) struct FairnessColumns {
    pub path: PathBuf,
    pub label: String,
    pub prediction: String,
    pub weight: Option<String>,
    pub positive: String,
    pub groupings: Vec<Vec<String>>,
}

impl FairnessColumns {
    /// Every column the pass reads.
    pub fn needed(&self) -> Vec<String> {
        let mut out = vec![self.label.clone(), self.prediction.clone()];
        if let Some(w) = &self.weight {
            out.push(w.clone());
        }
        for g in &self.groupings {
            for c in g {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }
}

/// The confusion tensor of every grouping over some rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct FairnessPartial {
    pub path: PathBuf,
    pub label_column: String,
    pub prediction_column: String,
    pub positive: String,
    pub cells: Vec<BTreeMap<Vec<String>, Cell>>,
    pub label_state: BinaryState,
    pub prediction_state: BinaryState,
    pub dropped_rows: u64,
}

impl FairnessPartial {
    pub fn new(spec: &FairnessColumns) -> Self {
        Self {
            path: spec.path.clone(),
            label_column: spec.label.clone(),
            prediction_column: spec.prediction.clone(),
            positive: spec.positive.clone(),
            cells: vec![BTreeMap::new(); spec.groupings.len()],
            ..Default::default()
        }
    }

    /// Adds one batch. Each sensitive column is dictionary-encoded once per batch and the codes
    /// are combined per grouping, so the per-row work is a few integer operations.
    pub fn update(
        &mut self,
        spec: &FairnessColumns,
        batch: &RecordBatch,
        row_offset: u64,
    ) -> Result<()> {
        let path = spec.path.as_path();
        let y = read_binary(
            column(batch, &spec.label)?,
            &spec.label,
            &spec.positive,
            &mut self.label_state,
            path,
            row_offset,
        )?;
        let yp = read_binary(
            column(batch, &spec.prediction)?,
            &spec.prediction,
            &spec.positive,
            &mut self.prediction_state,
            path,
            row_offset,
        )?;
        let weights = match &spec.weight {
            Some(w) => Some(to_f64(column(batch, w)?, w)?),
            None => None,
        };
        let mut encoded: HashMap<&str, (Vec<u32>, Vec<String>)> = HashMap::new();
        for grouping in &spec.groupings {
            for name in grouping {
                if !encoded.contains_key(name.as_str()) {
                    encoded.insert(name.as_str(), encode(column(batch, name)?, name)?);
                }
            }
        }
        let n = batch.num_rows();
        // A row counts only when label, prediction and weight are all present: its confusion cell
        // (y * 2 + y_pred), or DROPPED.
        const DROPPED: u8 = 4;
        let weight_of: Option<Vec<f64>> = weights.as_ref().map(|a| {
            (0..n)
                .map(|i| {
                    if a.is_null(i) || !a.value(i).is_finite() {
                        f64::NAN
                    } else {
                        a.value(i)
                    }
                })
                .collect()
        });
        let cell_of: Vec<u8> = (0..n)
            .map(|i| match (y[i], yp[i]) {
                (Some(t), Some(p)) if weight_of.as_ref().is_none_or(|w| !w[i].is_nan()) => {
                    u8::from(t) * 2 + u8::from(p)
                }
                _ => DROPPED,
            })
            .collect();
        let usable = |i: usize| -> Option<(usize, f64)> {
            let c = cell_of[i];
            (c != DROPPED).then(|| (usize::from(c), weight_of.as_ref().map_or(1.0, |w| w[i])))
        };
        self.dropped_rows += cell_of.iter().filter(|c| **c == DROPPED).count() as u64;
        for (g, grouping) in spec.groupings.iter().enumerate() {
            let parts: Vec<&(Vec<u32>, Vec<String>)> = grouping
                .iter()
                .filter_map(|name| encoded.get(name.as_str()))
                .collect();
            // Mixed-radix codes fit in a u64 unless the batch holds an enormous number of value
            // combinations; then the codes themselves are the key.
            let fits = parts
                .iter()
                .try_fold(1u64, |acc, (_, values)| {
                    acc.checked_mul(values.len() as u64)
                })
                .is_some();
            if !fits {
                let mut wide: crate::values::FastMap<Vec<u32>, Cell> = Default::default();
                for i in 0..n {
                    let Some((cell_index, w)) = usable(i) else {
                        continue;
                    };
                    let code: Vec<u32> = parts.iter().map(|(codes, _)| codes[i]).collect();
                    let cell = wide.entry(code).or_default();
                    cell.weight[cell_index] += w;
                    cell.rows[cell_index] += 1;
                }
                for (code, cell) in wide {
                    let key: Vec<String> = parts
                        .iter()
                        .zip(&code)
                        .map(|((_, values), c)| {
                            values.get(*c as usize).cloned().unwrap_or_default()
                        })
                        .collect();
                    self.cells[g].entry(key).or_default().add(&cell);
                }
                continue;
            }
            let product = parts
                .iter()
                .fold(1u64, |acc, (_, values)| acc * values.len().max(1) as u64);
            let mut combined: crate::values::FastMap<u64, Cell> = Default::default();
            if product <= 4096 {
                // Few combinations (the usual case): a dense table indexed by the code, the codes
                // of all rows built a part at a time.
                let mut code = vec![0u32; n];
                for (codes, values) in &parts {
                    let card = values.len() as u32;
                    for (c, k) in code.iter_mut().zip(codes) {
                        *c = *c * card + k;
                    }
                }
                let mut dense = vec![Cell::default(); product as usize];
                if weight_of.is_none() {
                    // Unweighted: rows counted per (combination, confusion cell), dropped rows
                    // in a last slot; a cell's weight is then its row count, as the sum of
                    // that many ones is (exactly, below 2^53).
                    let mut counts = vec![0u64; dense.len() * 4 + 1];
                    let dropped = counts.len() - 1;
                    for (c, cell) in code.iter().zip(&cell_of) {
                        let slot = if *cell == DROPPED {
                            dropped
                        } else {
                            *c as usize * 4 + usize::from(*cell)
                        };
                        if let Some(count) = counts.get_mut(slot) {
                            *count += 1;
                        }
                    }
                    for (cell, rows) in dense.iter_mut().zip(counts.chunks_exact(4)) {
                        cell.rows.copy_from_slice(rows);
                        cell.weight = cell.rows.map(|r| r as f64);
                    }
                } else {
                    for (i, c) in code.iter().enumerate() {
                        let Some((cell_index, w)) = usable(i) else {
                            continue;
                        };
                        let cell = &mut dense[*c as usize];
                        cell.weight[cell_index] += w;
                        cell.rows[cell_index] += 1;
                    }
                }
                // Every counted row adds to `rows`, so a combination was seen when it has any.
                for (code, cell) in dense.into_iter().enumerate() {
                    if cell.rows.iter().any(|r| *r > 0) {
                        combined.insert(code as u64, cell);
                    }
                }
            } else {
                for i in 0..n {
                    let Some((cell_index, w)) = usable(i) else {
                        continue;
                    };
                    let mut code: u64 = 0;
                    for (codes, values) in &parts {
                        code = code * values.len() as u64 + u64::from(codes[i]);
                    }
                    let cell = combined.entry(code).or_default();
                    cell.weight[cell_index] += w;
                    cell.rows[cell_index] += 1;
                }
            }
            for (code, cell) in combined {
                let mut rest = code;
                let mut key = vec![String::new(); parts.len()];
                for (slot, (_, values)) in parts.iter().enumerate().rev() {
                    let card = values.len().max(1) as u64;
                    let idx = (rest % card) as usize;
                    rest /= card;
                    key[slot] = values.get(idx).cloned().unwrap_or_default();
                }
                self.cells[g].entry(key).or_default().add(&cell);
            }
        }
        Ok(())
    }
}

impl Partial for FairnessPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        let path = self.path.clone();
        self.label_state.merge(
            &later.label_state,
            &self.label_column,
            &path,
            &self.positive,
        )?;
        self.prediction_state.merge(
            &later.prediction_state,
            &self.prediction_column,
            &path,
            &self.positive,
        )?;
        self.dropped_rows += later.dropped_rows;
        if self.cells.len() < later.cells.len() {
            self.cells.resize(later.cells.len(), BTreeMap::new());
        }
        for (mine, theirs) in self.cells.iter_mut().zip(later.cells) {
            for (key, cell) in theirs {
                mine.entry(key).or_default().add(&cell);
            }
        }
        Ok(())
    }
}

/// Dictionary-encodes one column of a batch: a code per row and the value of each code.
fn encode(array: &arrow::array::ArrayRef, name: &str) -> Result<(Vec<u32>, Vec<String>)> {
    let mut dict: crate::values::FastMap<String, u32> = Default::default();
    let mut values: Vec<String> = Vec::new();
    let mut code_of = |text: &str, values: &mut Vec<String>| -> u32 {
        match dict.get(text) {
            Some(c) => *c,
            None => {
                let c = values.len() as u32;
                dict.insert(text.to_owned(), c);
                values.push(text.to_owned());
                c
            }
        }
    };
    if let Some(dictionary) = TextDictionary::new(array, name)? {
        // Already dictionary-encoded (as Parquet stores such columns): a code per dictionary
        // value (a value listed twice gets one code), null rows the null group's.
        let table: Vec<u32> = dictionary
            .values()
            .iter()
            .map(|v| code_of(v.unwrap_or(NULL_GROUP), &mut values))
            .collect();
        let codes = match dictionary.valid() {
            None => dictionary.gather(&table, 0).collect(),
            Some(valid) => {
                let null = code_of(NULL_GROUP, &mut values);
                dictionary
                    .gather(&table, null)
                    .zip(valid.iter())
                    .map(|(c, v)| if v { c } else { null })
                    .collect()
            }
        };
        return Ok((codes, values));
    }
    let keys = Keys::new(array, name)?;
    let mut codes = Vec::with_capacity(keys.len());
    if let Keys::Text(strings) = &keys {
        // Sensitive columns hold a handful of short values. A value of up to 8 bytes is its
        // length and its bytes packed in a word, looked up in a short list of those seen; longer
        // values, nulls and new values go through the map. Codes are given in order of first
        // appearance either way.
        let mut short: Vec<(usize, u64, u32)> = Vec::new();
        let offsets = strings.value_offsets();
        let data = strings.value_data();
        let nulls = strings.nulls().filter(|n| n.null_count() > 0);
        for i in 0..strings.len() {
            if nulls.is_some_and(|n| n.is_null(i)) {
                codes.push(code_of(NULL_GROUP, &mut values));
                continue;
            }
            let start = usize::try_from(offsets[i]).unwrap_or(0);
            let end = usize::try_from(offsets[i + 1]).unwrap_or(0);
            let bytes = &data[start..end];
            if bytes.len() > 8 {
                codes.push(code_of(strings.value(i), &mut values));
                continue;
            }
            let mut word = 0u64;
            for (k, b) in bytes.iter().enumerate() {
                word |= u64::from(*b) << (8 * k);
            }
            let len = bytes.len();
            let code = match short.iter().find(|(l, w, _)| *l == len && *w == word) {
                Some((_, _, c)) => *c,
                None => {
                    let c = code_of(strings.value(i), &mut values);
                    if short.len() < 64 {
                        short.push((len, word, c));
                    }
                    c
                }
            };
            codes.push(code);
        }
        return Ok((codes, values));
    }
    for i in 0..keys.len() {
        let key = keys.get(i);
        codes.push(code_of(key.as_deref().unwrap_or(NULL_GROUP), &mut values));
    }
    Ok((codes, values))
}

/// Fairlearn's per-group metrics. `None` marks a metric that is undefined for the group (a rate
/// whose denominator is zero).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSet {
    pub selection_rate: Option<f64>,
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
    pub fnr: Option<f64>,
    pub precision: Option<f64>,
    pub accuracy: Option<f64>,
    pub count: Option<f64>,
}

/// The metric names in report order.
pub const METRICS: [&str; 7] = [
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "precision",
    "accuracy",
    "count",
];

impl MetricSet {
    /// The value of a metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "selection_rate" => self.selection_rate,
            "tpr" => self.tpr,
            "fpr" => self.fpr,
            "fnr" => self.fnr,
            "precision" => self.precision,
            "accuracy" => self.accuracy,
            "count" => self.count,
            _ => None,
        }
    }

    fn set(&mut self, name: &str, value: Option<f64>) {
        let value = value.filter(|v| !v.is_nan());
        match name {
            "selection_rate" => self.selection_rate = value,
            "tpr" => self.tpr = value,
            "fpr" => self.fpr = value,
            "fnr" => self.fnr = value,
            "precision" => self.precision = value,
            "accuracy" => self.accuracy = value,
            "count" => self.count = value,
            _ => {}
        }
    }

    /// Metrics of one confusion cell, with the same divisions as scikit-learn and Fairlearn.
    pub fn from_cell(cell: &Cell) -> Self {
        let [tn, fp, fn_, tp] = cell.weight;
        let ratio = |num: f64, den: f64| if den > 0.0 { Some(num / den) } else { None };
        let total = tn + fp + fn_ + tp;
        Self {
            selection_rate: ratio(fp + tp, total),
            tpr: ratio(tp, fn_ + tp),
            fpr: ratio(fp, tn + fp),
            fnr: ratio(fn_, fn_ + tp),
            precision: ratio(tp, fp + tp),
            accuracy: ratio(tn + tp, total),
            count: Some(cell.count() as f64),
        }
    }
}

/// One group's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    /// The group's values, one per sensitive column.
    pub key: Vec<String>,
    /// The name Fairlearn's `by_group` index prints: `F`, or `('F', 'A')` for several columns.
    pub name: String,
    pub metrics: MetricSet,
    /// Share of all rows in this group (representation).
    pub share: f64,
    /// Share of rows whose label is the positive class (training-data label rate).
    pub label_rate: Option<f64>,
    /// This group's share in the reference data, when a reference was given.
    pub reference_share: Option<f64>,
    pub confusion: Cell,
}

/// AIF360's signed two-group metrics: privileged group against everyone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aif360Result {
    pub column: String,
    pub privileged: String,
    pub favourable_label: String,
    /// P(favourable | unprivileged) - P(favourable | privileged).
    pub statistical_parity_difference: Option<f64>,
    /// P(favourable | unprivileged) / P(favourable | privileged).
    pub disparate_impact: Option<f64>,
    /// TPR(unprivileged) - TPR(privileged), with the favourable label as positive.
    pub equal_opportunity_difference: Option<f64>,
    /// Mean of the FPR and TPR differences.
    pub average_odds_difference: Option<f64>,
    /// Bounds of the four-fifths rule applied.
    pub four_fifths_bounds: [f64; 2],
    /// Whether disparate impact is within the bounds.
    pub four_fifths_pass: Option<bool>,
}

/// A bootstrap percentile interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub metric: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Bootstrap settings as run, so the interval can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    pub seed: u64,
    pub replicates: usize,
    pub level: f64,
    /// How rows were resampled.
    pub method: String,
    pub intervals: Vec<Interval>,
}

/// All results of one grouping (one sensitive column, or several for intersectional groups).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupingResult {
    pub columns: Vec<String>,
    pub overall: MetricSet,
    pub by_group: Vec<GroupResult>,
    pub difference_between_groups: MetricSet,
    pub ratio_between_groups: MetricSet,
    pub difference_to_overall: MetricSet,
    pub ratio_to_overall: MetricSet,
    pub demographic_parity_difference: Option<f64>,
    pub demographic_parity_ratio: Option<f64>,
    /// Larger of the TPR and FPR differences (Fairlearn's `agg="worst_case"`).
    pub equalized_odds_difference: Option<f64>,
    /// Mean of the TPR and FPR differences (Fairlearn's `agg="mean"`).
    pub equalized_odds_difference_mean: Option<f64>,
    pub equalized_odds_ratio: Option<f64>,
    pub equal_opportunity_difference: Option<f64>,
    /// Training-data bias: largest minus smallest share of positive labels over groups.
    pub label_rate_difference: Option<f64>,
    /// Smallest over largest share of positive labels over groups.
    pub label_rate_ratio: Option<f64>,
    /// Groups whose metric is undefined and so left out of that metric's aggregates,
    /// as `group: metric`.
    pub undefined: Vec<String>,
    pub aif360: Option<Aif360Result>,
    pub bootstrap: Option<BootstrapResult>,
}

/// Python's repr of a group key, as Fairlearn's JSON prints it.
pub fn group_name(key: &[String]) -> String {
    if key.len() == 1 {
        key[0].clone()
    } else {
        let inner: Vec<String> = key.iter().map(|k| format!("'{k}'")).collect();
        format!("({})", inner.join(", "))
    }
}

fn sub_one(x: f64) -> f64 {
    if x > 1.0 { 1.0 / x } else { x }
}

fn finite(x: f64) -> Option<f64> {
    if x.is_nan() { None } else { Some(x) }
}

/// Fairlearn's aggregates over groups, skipping undefined values as pandas' min and max do.
fn aggregates(overall: &MetricSet, groups: &[MetricSet]) -> [MetricSet; 4] {
    let mut diff = MetricSet::default();
    let mut ratio = MetricSet::default();
    let mut diff_overall = MetricSet::default();
    let mut ratio_overall = MetricSet::default();
    for name in METRICS {
        let values: Vec<f64> = groups.iter().filter_map(|g| g.get(name)).collect();
        if values.is_empty() {
            continue;
        }
        let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
        diff.set(name, Some(max - min));
        ratio.set(name, finite(min / max));
        if let Some(o) = overall.get(name) {
            let d = values
                .iter()
                .map(|v| (v - o).abs())
                .fold(f64::NEG_INFINITY, f64::max);
            diff_overall.set(name, Some(d));
            let r = values
                .iter()
                .map(|v| sub_one(v / o))
                .filter(|r| !r.is_nan())
                .fold(f64::INFINITY, f64::min);
            ratio_overall.set(name, if r.is_finite() { Some(r) } else { None });
        }
    }
    [diff, ratio, diff_overall, ratio_overall]
}

/// Derived scalars: (DPD, DPR, EOD worst case, EOD mean, EOR, EOpp).
type Derived = (
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

fn derived(diff: &MetricSet, ratio: &MetricSet) -> Derived {
    let eod = match (diff.tpr, diff.fpr) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let eod_mean = match (diff.tpr, diff.fpr) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        _ => None,
    };
    let eor = match (ratio.tpr, ratio.fpr) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    (
        diff.selection_rate,
        ratio.selection_rate,
        eod,
        eod_mean,
        eor,
        diff.tpr,
    )
}

/// Settings for turning a confusion tensor into results.
#[derive(Debug, Clone)]
pub(crate) struct FairnessOptions {
    pub positive: String,
    pub favourable: Option<String>,
    pub privileged: BTreeMap<String, String>,
    pub four_fifths: [f64; 2],
    pub bootstrap: Option<(usize, u64, f64)>,
}

/// Computes every fairness result of one grouping from its cells.
pub(crate) fn grouping_result(
    columns: &[String],
    cells: &BTreeMap<Vec<String>, Cell>,
    reference: Option<&BTreeMap<Vec<String>, Cell>>,
    options: &FairnessOptions,
    other_label: Option<&str>,
) -> GroupingResult {
    let mut total = Cell::default();
    for c in cells.values() {
        total.add(c);
    }
    let overall = MetricSet::from_cell(&total);
    let total_rows = total.count() as f64;
    let reference_total: Option<f64> =
        reference.map(|r| r.values().map(|c| c.count() as f64).sum());
    let mut by_group = Vec::new();
    let mut undefined = Vec::new();
    for (key, cell) in cells {
        let metrics = MetricSet::from_cell(cell);
        let name = group_name(key);
        for m in METRICS {
            if metrics.get(m).is_none() {
                undefined.push(format!("{name}: {m}"));
            }
        }
        let [_, _, fn_, tp] = cell.weight;
        let weight_total: f64 = cell.weight.iter().sum();
        by_group.push(GroupResult {
            key: key.clone(),
            name,
            share: cell.count() as f64 / total_rows,
            label_rate: if weight_total > 0.0 {
                Some((fn_ + tp) / weight_total)
            } else {
                None
            },
            reference_share: match (reference, reference_total) {
                (Some(r), Some(t)) if t > 0.0 => {
                    Some(r.get(key).map(|c| c.count() as f64).unwrap_or(0.0) / t)
                }
                _ => None,
            },
            metrics,
            confusion: *cell,
        });
    }
    let group_metrics: Vec<MetricSet> = by_group.iter().map(|g| g.metrics.clone()).collect();
    let [diff, ratio, diff_overall, ratio_overall] = aggregates(&overall, &group_metrics);
    let (dpd, dpr, eod, eod_mean, eor, eopp) = derived(&diff, &ratio);
    let aif360 = if columns.len() == 1 {
        options
            .privileged
            .get(&columns[0])
            .map(|privileged| aif360(&columns[0], privileged, cells, options, other_label))
    } else {
        None
    };
    let label_rates: Vec<f64> = by_group.iter().filter_map(|g| g.label_rate).collect();
    let (label_rate_difference, label_rate_ratio) = if label_rates.is_empty() {
        (None, None)
    } else {
        let max = label_rates
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        let min = label_rates.iter().cloned().fold(f64::INFINITY, f64::min);
        (Some(max - min), finite(min / max))
    };
    let bootstrap = options
        .bootstrap
        .map(|(replicates, seed, level)| bootstrap(cells, replicates, seed, level));
    GroupingResult {
        columns: columns.to_vec(),
        overall,
        by_group,
        difference_between_groups: diff,
        ratio_between_groups: ratio,
        difference_to_overall: diff_overall,
        ratio_to_overall: ratio_overall,
        demographic_parity_difference: dpd,
        demographic_parity_ratio: dpr,
        equalized_odds_difference: eod,
        equalized_odds_difference_mean: eod_mean,
        equalized_odds_ratio: eor,
        equal_opportunity_difference: eopp,
        label_rate_difference,
        label_rate_ratio,
        undefined,
        aif360,
        bootstrap,
    }
}

/// AIF360's metrics with `pos_label` = the favourable prediction and `priv_group` = privileged.
fn aif360(
    column: &str,
    privileged: &str,
    cells: &BTreeMap<Vec<String>, Cell>,
    options: &FairnessOptions,
    other_label: Option<&str>,
) -> Aif360Result {
    let mut privileged_cell = Cell::default();
    let mut other_cell = Cell::default();
    for (key, cell) in cells {
        if key
            .first()
            .map(|k| same_class(k, privileged))
            .unwrap_or(false)
        {
            privileged_cell.add(cell);
        } else {
            other_cell.add(cell);
        }
    }
    let favourable = options
        .favourable
        .clone()
        .unwrap_or_else(|| options.positive.clone());
    // The favourable outcome is either the positive class or the other one.
    let favourable_is_positive = same_class(&favourable, &options.positive)
        || other_label
            .map(|o| !same_class(&favourable, o))
            .unwrap_or(false);
    let rates = |c: &Cell| {
        let [tn, fp, fn_, tp] = c.weight;
        let ratio = |a: f64, b: f64| if b > 0.0 { Some(a / b) } else { None };
        if favourable_is_positive {
            (
                ratio(fp + tp, tn + fp + fn_ + tp),
                ratio(tp, tp + fn_),
                ratio(fp, fp + tn),
            )
        } else {
            (
                ratio(tn + fn_, tn + fp + fn_ + tp),
                ratio(tn, tn + fp),
                ratio(fn_, fn_ + tp),
            )
        }
    };
    let (base_p, tpr_p, fpr_p) = rates(&privileged_cell);
    let (base_u, tpr_u, fpr_u) = rates(&other_cell);
    let sub = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Some(a - b),
        _ => None,
    };
    let di = match (base_u, base_p) {
        (Some(u), Some(p)) if p > 0.0 => Some(u / p),
        _ => None,
    };
    let eod = sub(tpr_u, tpr_p);
    let aod = match (sub(fpr_u, fpr_p), eod) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        _ => None,
    };
    Aif360Result {
        column: column.to_owned(),
        privileged: privileged.to_owned(),
        favourable_label: favourable,
        statistical_parity_difference: sub(base_u, base_p),
        disparate_impact: di,
        equal_opportunity_difference: eod,
        average_odds_difference: aod,
        four_fifths_bounds: options.four_fifths,
        four_fifths_pass: di.map(|d| d >= options.four_fifths[0] && d <= options.four_fifths[1]),
    }
}

/// Percentile bootstrap of the derived scalars. Every metric is a function of the cell counts, so
/// resampling n rows with replacement is the same as drawing n rows from the cells in proportion
/// to their counts: the bootstrap needs the aggregates only, never the rows.
fn bootstrap(
    cells: &BTreeMap<Vec<String>, Cell>,
    replicates: usize,
    seed: u64,
    level: f64,
) -> BootstrapResult {
    let flat: Vec<(Vec<String>, usize, u64, f64)> = cells
        .iter()
        .flat_map(|(key, c)| {
            (0..4).map(move |i| {
                let mean_weight = if c.rows[i] > 0 {
                    c.weight[i] / c.rows[i] as f64
                } else {
                    0.0
                };
                (key.clone(), i, c.rows[i], mean_weight)
            })
        })
        .filter(|(_, _, n, _)| *n > 0)
        .collect();
    let counts: Vec<u64> = flat.iter().map(|(_, _, n, _)| *n).collect();
    let total: u64 = counts.iter().sum();
    let mut rng = Rng::new(seed);
    let names = [
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "equal_opportunity_difference",
    ];
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(replicates); names.len()];
    for _ in 0..replicates {
        // Drawing n rows with replacement = multinomial counts over the cells: O(cells log n)
        // per replicate instead of O(n).
        let drawn = rng.multinomial(total, &counts);
        let mut resampled: BTreeMap<Vec<String>, Cell> = BTreeMap::new();
        for ((key, i, _, w), n) in flat.iter().zip(&drawn) {
            let cell = resampled.entry(key.clone()).or_default();
            cell.rows[*i] += n;
            cell.weight[*i] += *n as f64 * w;
        }
        let mut total_cell = Cell::default();
        for c in resampled.values() {
            total_cell.add(c);
        }
        let overall = MetricSet::from_cell(&total_cell);
        let groups: Vec<MetricSet> = resampled.values().map(MetricSet::from_cell).collect();
        let [diff, ratio, _, _] = aggregates(&overall, &groups);
        let (dpd, dpr, eod, _, eor, eopp) = derived(&diff, &ratio);
        for (slot, value) in [dpd, dpr, eod, eor, eopp].into_iter().enumerate() {
            if let Some(v) = value {
                samples[slot].push(v);
            }
        }
    }
    let alpha = (1.0 - level) / 2.0;
    let intervals = names
        .iter()
        .zip(samples.iter_mut())
        .map(|(name, s)| {
            crate::num::sort_floats(s);
            Interval {
                metric: (*name).to_owned(),
                low: (!s.is_empty()).then(|| quantile_sorted(s, alpha)),
                high: (!s.is_empty()).then(|| quantile_sorted(s, 1.0 - alpha)),
            }
        })
        .collect();
    BootstrapResult {
        seed,
        replicates,
        level,
        method: "percentile bootstrap, rows resampled from the per-group confusion counts"
            .to_owned(),
        intervals,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The packed-word path of `encode` gives the codes of a plain first-appearance dictionary,
    /// for short and long values, the empty string, nulls and a literal "<null>".
    #[test]
    fn encode_matches_a_plain_dictionary() {
        let raw: Vec<Option<&str>> = (0..500)
            .map(|i| match (i * 7 + i / 5) % 9 {
                0 => None,
                1 => Some(""),
                2 => Some("<null>"),
                3 => Some("a much longer group name"),
                4 => Some("12345678"),
                5 => Some("123456789"),
                6 => Some("b"),
                7 => Some("ab"),
                _ => Some("a"),
            })
            .collect();
        let array: arrow::array::ArrayRef =
            std::sync::Arc::new(arrow::array::StringArray::from(raw.clone()));
        let (codes, values) = encode(&array, "g").unwrap();
        let mut expected_values: Vec<String> = Vec::new();
        let expected_codes: Vec<u32> = raw
            .iter()
            .map(|v| {
                let text = v.unwrap_or(NULL_GROUP);
                match expected_values.iter().position(|k| k == text) {
                    Some(c) => c as u32,
                    None => {
                        expected_values.push(text.to_owned());
                        (expected_values.len() - 1) as u32
                    }
                }
            })
            .collect();
        assert_eq!(values, expected_values);
        assert_eq!(codes, expected_codes);
        // A sliced array (non-zero offset) too.
        let sliced = array.slice(37, 200);
        let (codes, values) = encode(&sliced, "g").unwrap();
        let decoded: Vec<&str> = codes.iter().map(|c| values[*c as usize].as_str()).collect();
        let want: Vec<&str> = raw[37..237]
            .iter()
            .map(|v| v.unwrap_or(NULL_GROUP))
            .collect();
        assert_eq!(decoded, want);
        // Dictionary-encoded (as Parquet text is read), whole and sliced: each row decodes to its
        // own value, nulls to the null group.
        let dictionary: arrow::array::ArrayRef = std::sync::Arc::new(
            raw.iter()
                .copied()
                .collect::<arrow::array::DictionaryArray<arrow::datatypes::Int32Type>>(),
        );
        for (start, len) in [(0, raw.len()), (37, 200)] {
            let (codes, values) = encode(&dictionary.slice(start, len), "g").unwrap();
            let decoded: Vec<&str> = codes.iter().map(|c| values[*c as usize].as_str()).collect();
            let want: Vec<&str> = raw[start..start + len]
                .iter()
                .map(|v| v.unwrap_or(NULL_GROUP))
                .collect();
            assert_eq!(decoded, want);
        }
    }
}
