//! Drift (ISO/IEC 42001 A.6.2.6): reference against current, per column, under named definitions
//! (Evidently's stattests and preset, NannyML's univariate methods, quantile PSI, scipy's KS).

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ks::ks_2samp;
use crate::num::{
    BinRule, chi2_sf, histogram_bin_edges, histogram_runs, histogram_sorted, jensen_shannon,
    kl_divergence, linspace, ndtr, pairwise_sum, quantile_sorted, search_right, sort_floats, std,
};
use crate::spec::ColumnKind;
use crate::stream::Partial;
use crate::values::{Keys, column, to_f64};

/// Every drift method the engine knows, each with one fixed definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Psi,
    KlDiv,
    JensenShannon,
    Ks,
    Wasserstein,
    ChiSquare,
    Z,
    Hellinger,
    QuantilePsi,
    NannymlJensenShannon,
    NannymlKs,
    NannymlChi2,
}

impl Method {
    /// Parses the names used in specs (Evidently's where one exists).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "psi" => Method::Psi,
            "kl_div" => Method::KlDiv,
            "jensenshannon" | "jensen_shannon" => Method::JensenShannon,
            "ks" => Method::Ks,
            "wasserstein" | "wasserstein_norm" => Method::Wasserstein,
            "chisquare" => Method::ChiSquare,
            "z" => Method::Z,
            "hellinger" => Method::Hellinger,
            "quantile_psi" => Method::QuantilePsi,
            "nannyml_jensen_shannon" => Method::NannymlJensenShannon,
            "nannyml_ks" => Method::NannymlKs,
            "nannyml_chi2" => Method::NannymlChi2,
            _ => return None,
        })
    }

    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Psi => "psi",
            Method::KlDiv => "kl_div",
            Method::JensenShannon => "jensenshannon",
            Method::Ks => "ks",
            Method::Wasserstein => "wasserstein",
            Method::ChiSquare => "chisquare",
            Method::Z => "z",
            Method::Hellinger => "hellinger",
            Method::QuantilePsi => "quantile_psi",
            Method::NannymlJensenShannon => "nannyml_jensen_shannon",
            Method::NannymlKs => "nannyml_ks",
            Method::NannymlChi2 => "nannyml_chi2",
        }
    }

    /// The exact definition, recorded with every result so numbers can be compared with the
    /// tool they come from.
    pub fn definition(self) -> &'static str {
        match self {
            Method::Psi => {
                "Evidently PSI: numeric columns with more than 20 distinct reference values binned on Sturges equal-width edges over reference and current combined, otherwise one bin per value; zero shares replaced by 1e-4 (or the smallest share / 1e6 when that is below 1e-4); sum of (ref - cur) * ln(ref / cur)"
            }
            Method::KlDiv => {
                "Evidently Kullback-Leibler divergence KL(reference || current), natural log, on the same bins and zero floor as Evidently PSI"
            }
            Method::JensenShannon => {
                "Evidently Jensen-Shannon distance (square root of the divergence, natural log) on Evidently's PSI bins without the zero floor"
            }
            Method::Ks => {
                "two-sample Kolmogorov-Smirnov p-value as scipy.stats.ks_2samp(method='auto'): exact when both samples have at most 10,000 values, asymptotic beyond; drift when p <= threshold"
            }
            Method::Wasserstein => {
                "Evidently Wasserstein-1 distance (scipy) divided by the reference standard deviation (ddof 0, floored at 0.001)"
            }
            Method::ChiSquare => {
                "Evidently chi-square goodness-of-fit p-value of current counts against reference counts scaled to the current size; drift when p < threshold"
            }
            Method::Z => {
                "Evidently two-proportion Z test p-value, 2 * (1 - Phi(|z|)) with pooled variance; drift when p < threshold"
            }
            Method::Hellinger => {
                "Evidently Hellinger distance: categorical sqrt(1 - sum sqrt(p q)); numeric on density histograms over Sturges edges of the distinct values"
            }
            Method::QuantilePsi => {
                "quantile PSI: 10 bins at reference deciles (numpy linear quantiles, duplicate edges merged, open outer bins), shares clipped at 1e-4, sum of (cur - ref) * ln(cur / ref)"
            }
            Method::NannymlJensenShannon => {
                "NannyML Jensen-Shannon distance, log base 2: continuous on Doane bins of the reference, categorical on reference values, current mass outside them in one extra bin"
            }
            Method::NannymlKs => {
                "NannyML Kolmogorov-Smirnov statistic D: scipy ks_2samp below 10,000 reference values, otherwise on 10,000 equal-width reference bins"
            }
            Method::NannymlChi2 => {
                "NannyML chi-square statistic of the reference x current contingency table (scipy chi2_contingency, Yates correction at one degree of freedom)"
            }
        }
    }

    /// Default threshold and whether a larger value means drift (distances) or a smaller one
    /// (p-values).
    pub fn default_threshold(self) -> (f64, Direction) {
        match self {
            Method::Ks => (0.05, Direction::PValueAtMost),
            Method::ChiSquare | Method::Z => (0.05, Direction::PValueBelow),
            // Replaced per column by the statistic's 5 % critical value (see `apply`).
            Method::NannymlChi2 => (0.0, Direction::AtLeast),
            _ => (0.1, Direction::AtLeast),
        }
    }
}

/// How a value is compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Drift when value >= threshold (distances, divergences).
    AtLeast,
    /// Drift when p <= threshold (Evidently's KS).
    PValueAtMost,
    /// Drift when p < threshold (Evidently's chi-square and Z).
    PValueBelow,
    /// Drift when the value leaves [lower threshold, threshold] (NannyML's reference-chunk band).
    Outside,
}

impl Direction {
    pub fn drifted(self, value: f64, threshold: f64) -> bool {
        match self {
            Direction::AtLeast => value >= threshold,
            Direction::PValueAtMost => value <= threshold,
            Direction::PValueBelow => value < threshold,
            Direction::Outside => value > threshold,
        }
    }
}

/// One column's values from one file: numeric values (sorted after the pass) or category counts.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Finite numeric values (file order during the pass, ascending after `finish`).
    pub values: Vec<f64>,
    /// Category counts.
    pub counts: BTreeMap<String, u64>,
    /// Nulls and NaN.
    pub missing: u64,
    /// Positive or negative infinities (dropped, as Evidently does).
    pub infinite: u64,
    /// numpy would hold the column as an integer array (integer type, no missing values).
    pub integer: bool,
    pub numeric: bool,
}

impl Sample {
    fn finish(&mut self) {
        sort_floats(&mut self.values);
    }

    /// Non-missing, finite value count.
    pub fn len(&self) -> usize {
        if self.numeric {
            self.values.len()
        } else {
            self.counts.values().sum::<u64>() as usize
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Distinct value count, counted up to `limit` (enough to compare with a threshold).
    pub fn distinct_up_to(&self, limit: usize) -> usize {
        if self.numeric {
            let mut count = 0;
            let mut last: Option<f64> = None;
            for v in &self.values {
                if last != Some(*v) {
                    count += 1;
                    last = Some(*v);
                    if count >= limit {
                        break;
                    }
                }
            }
            count
        } else {
            self.counts.len().min(limit)
        }
    }

    /// Distinct value count.
    pub fn distinct(&self) -> usize {
        if self.numeric {
            let mut count = 0;
            let mut last: Option<f64> = None;
            for v in &self.values {
                if last != Some(*v) {
                    count += 1;
                    last = Some(*v);
                }
            }
            count
        } else {
            self.counts.len()
        }
    }
}

/// (value, count) runs of sorted values.
fn runs(sorted: &[f64]) -> Vec<(f64, u64)> {
    let mut out: Vec<(f64, u64)> = Vec::new();
    for &x in sorted {
        match out.last_mut() {
            Some((v, c)) if *v == x => *c += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}

/// Column samples of one file for drift.
#[derive(Debug, Clone, Default)]
pub(crate) struct DriftPartial {
    pub columns: Vec<String>,
    pub samples: Vec<Sample>,
}

impl DriftPartial {
    pub fn new(columns: &[String], numeric: &[bool]) -> Self {
        Self {
            columns: columns.to_vec(),
            samples: numeric
                .iter()
                .map(|n| Sample {
                    numeric: *n,
                    integer: true,
                    ..Default::default()
                })
                .collect(),
        }
    }

    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        for (name, sample) in self.columns.iter().zip(self.samples.iter_mut()) {
            let array = column(batch, name)?;
            if sample.numeric {
                let is_int = array.data_type().is_integer();
                let values = to_f64(array, name)?;
                sample.values.reserve(values.len());
                for i in 0..values.len() {
                    if values.is_null(i) || values.value(i).is_nan() {
                        sample.missing += 1;
                    } else if values.value(i).is_infinite() {
                        sample.infinite += 1;
                    } else {
                        sample.values.push(values.value(i));
                    }
                }
                if !is_int || values.null_count() > 0 {
                    sample.integer = false;
                }
            } else {
                let keys = Keys::new(array, name)?;
                let (local, nulls) = crate::values::count_keys(&keys);
                sample.missing += nulls;
                for (k, c) in local {
                    *sample.counts.entry(k).or_default() += c;
                }
                sample.integer = false;
            }
        }
        Ok(())
    }

    /// Sorts every column's values, columns in parallel.
    /// Reserves room for `rows` values in every numeric column.
    pub fn reserve(&mut self, rows: u64) {
        for s in &mut self.samples {
            if s.numeric {
                s.values.reserve_exact(usize::try_from(rows).unwrap_or(0));
            }
        }
    }

    pub fn finish(&mut self) {
        use rayon::prelude::*;
        self.samples.par_iter_mut().for_each(Sample::finish);
    }
}

impl Partial for DriftPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        for (mine, theirs) in self.samples.iter_mut().zip(later.samples) {
            mine.values.extend(theirs.values);
            for (k, c) in theirs.counts {
                *mine.counts.entry(k).or_default() += c;
            }
            mine.missing += theirs.missing;
            mine.infinite += theirs.infinite;
            mine.integer = mine.integer && theirs.integer;
        }
        Ok(())
    }
}

/// The reference split into NannyML's default chunks (10 by rows, the remainder joining the
/// last), per column, for the thresholds of the NannyML preset.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkPartial {
    pub chunks: Vec<DriftPartial>,
}

/// NannyML's default number of chunks.
pub const NANNYML_CHUNKS: u64 = 10;

impl ChunkPartial {
    pub fn new(columns: &[String], numeric: &[bool]) -> Self {
        Self {
            chunks: (0..NANNYML_CHUNKS)
                .map(|_| DriftPartial::new(columns, numeric))
                .collect(),
        }
    }

    /// Adds a batch whose first row is row `offset` of a file of `total` rows.
    pub fn update(&mut self, batch: &RecordBatch, offset: u64, total: u64) -> Result<()> {
        let chunk_size = (total / NANNYML_CHUNKS).max(1);
        let mut start = 0usize;
        let n = batch.num_rows();
        while start < n {
            let row = offset + start as u64;
            let chunk = (row / chunk_size).min(NANNYML_CHUNKS - 1);
            // Rows up to the next chunk boundary (the last chunk takes the rest).
            let end = if chunk == NANNYML_CHUNKS - 1 {
                n
            } else {
                (((chunk + 1) * chunk_size - offset) as usize).min(n)
            };
            let slice = batch.slice(start, end - start);
            if let Some(c) = self.chunks.get_mut(chunk as usize) {
                c.update(&slice)?;
            }
            start = end;
        }
        Ok(())
    }

    pub fn finish(&mut self) {
        for c in &mut self.chunks {
            c.finish();
        }
    }
}

impl Partial for ChunkPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        for (mine, theirs) in self.chunks.iter_mut().zip(later.chunks) {
            mine.merge(theirs)?;
        }
        Ok(())
    }
}

/// NannyML's standard-deviation band from the metric on each reference chunk: mean +/- 3 std
/// (numpy's std, ddof 0), the lower edge clipped at 0. Returns (lower, upper).
pub fn nannyml_band(
    reference: &Sample,
    chunks: &[&Sample],
    continuous: bool,
) -> Option<(f64, f64)> {
    let values: Vec<f64> = chunks
        .iter()
        .filter_map(|c| nannyml_js(reference, c, continuous).map(|r| r.0))
        .collect();
    if values.is_empty() {
        return None;
    }
    let m = crate::num::mean(&values);
    let s = std(&values, 0.0);
    Some(((m - 3.0 * s).max(0.0), m + 3.0 * s))
}

/// Shares of reference and current per bin, with bin labels: the data behind a drift chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub labels: Vec<String>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// One drift method applied to one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    pub column: String,
    pub kind: ColumnKind,
    pub method: String,
    pub definition: String,
    /// The value compared with the threshold (a distance, divergence or p-value).
    pub value: Option<f64>,
    /// The test statistic, where the value is a p-value.
    pub statistic: Option<f64>,
    /// How the p-value was obtained (`exact`, `asymptotic`), where relevant.
    pub detail: Option<String>,
    pub threshold: f64,
    /// Lower edge of the band, for band thresholds (NannyML).
    #[serde(default)]
    pub lower_threshold: Option<f64>,
    pub direction: Direction,
    pub drift: bool,
    pub reference_rows: u64,
    pub current_rows: u64,
    pub reference_missing: u64,
    pub current_missing: u64,
    /// Categories present in current but never in reference.
    pub unseen_categories: Vec<String>,
    pub histogram: Option<Histogram>,
}

/// Evidently's binning of a column into reference and current shares.
fn evidently_bins(
    reference: &Sample,
    current: &Sample,
    feel_zeroes: bool,
) -> (Vec<f64>, Vec<f64>, Vec<String>) {
    let (mut r, mut c, labels) = if reference.numeric && reference.distinct_up_to(21) > 20 {
        // Sturges needs only the range and size of the combined data: both samples are sorted,
        // so their ends give it without building the combined array.
        let integer = reference.integer && current.integer;
        let edges = sturges_edges_sorted(&reference.values, &current.values, integer);
        let nr = reference.values.len() as f64;
        let nc = current.values.len() as f64;
        let r: Vec<f64> = histogram_sorted(&reference.values, &edges)
            .iter()
            .map(|x| *x as f64 / nr)
            .collect();
        let c: Vec<f64> = histogram_sorted(&current.values, &edges)
            .iter()
            .map(|x| *x as f64 / nc)
            .collect();
        (r, c, edge_labels(&edges))
    } else {
        let (keys, rc, cc) = category_counts(reference, current);
        let nr = reference.len() as f64;
        let nc = current.len() as f64;
        (
            rc.iter().map(|x| *x as f64 / nr).collect(),
            cc.iter().map(|x| *x as f64 / nc).collect(),
            keys,
        )
    };
    if feel_zeroes {
        fill_zeroes(&mut r);
        fill_zeroes(&mut c);
    }
    (r, c, labels)
}

/// `np.histogram_bin_edges(concat(a, b), "sturges")` for two sorted samples.
fn sturges_edges_sorted(a: &[f64], b: &[f64], integer: bool) -> Vec<f64> {
    let lo = match (a.first(), b.first()) {
        (Some(x), Some(y)) => x.min(*y),
        (Some(x), None) | (None, Some(x)) => *x,
        (None, None) => return linspace(0.0, 1.0, 2),
    };
    let hi = match (a.last(), b.last()) {
        (Some(x), Some(y)) => x.max(*y),
        (Some(x), None) | (None, Some(x)) => *x,
        (None, None) => return linspace(0.0, 1.0, 2),
    };
    crate::num::sturges_edges(lo, hi, a.len() + b.len(), integer)
}

/// Evidently's zero floor: 1e-4, or the smallest non-zero share / 1e6 when that share is tiny.
fn fill_zeroes(shares: &mut [f64]) {
    let min_nonzero = shares
        .iter()
        .cloned()
        .filter(|x| *x != 0.0)
        .fold(f64::INFINITY, f64::min);
    let fill = if min_nonzero <= 0.0001 {
        min_nonzero / 1e6
    } else {
        0.0001
    };
    for s in shares.iter_mut() {
        if *s == 0.0 {
            *s = fill;
        }
    }
}

fn edge_labels(edges: &[f64]) -> Vec<String> {
    edges
        .windows(2)
        .map(|w| format!("{}..{}", short(w[0]), short(w[1])))
        .collect()
}

fn short(x: f64) -> String {
    if x.abs() >= 1e5 || (x != 0.0 && x.abs() < 1e-3) {
        format!("{x:.3e}")
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Union of categories (or distinct numeric values) with the count on each side.
fn category_counts(reference: &Sample, current: &Sample) -> (Vec<String>, Vec<u64>, Vec<u64>) {
    if reference.numeric {
        let rr = runs(&reference.values);
        let cr = runs(&current.values);
        let mut keys: Vec<f64> = rr
            .iter()
            .map(|r| r.0)
            .chain(cr.iter().map(|r| r.0))
            .collect();
        sort_floats(&mut keys);
        keys.dedup();
        let lookup = |runs: &[(f64, u64)], k: f64| {
            runs.binary_search_by(|r| r.0.total_cmp(&k))
                .map(|i| runs[i].1)
                .unwrap_or(0)
        };
        let rc = keys.iter().map(|k| lookup(&rr, *k)).collect();
        let cc = keys.iter().map(|k| lookup(&cr, *k)).collect();
        (
            keys.iter()
                .map(|k| crate::values::format_number(*k))
                .collect(),
            rc,
            cc,
        )
    } else {
        let keys: BTreeSet<&String> = reference
            .counts
            .keys()
            .chain(current.counts.keys())
            .collect();
        let rc = keys
            .iter()
            .map(|k| reference.counts.get(*k).copied().unwrap_or(0))
            .collect();
        let cc = keys
            .iter()
            .map(|k| current.counts.get(*k).copied().unwrap_or(0))
            .collect();
        (keys.into_iter().cloned().collect(), rc, cc)
    }
}

/// Evidently PSI.
pub fn evidently_psi(reference: &Sample, current: &Sample) -> (f64, Histogram) {
    let (r, c, labels) = evidently_bins(reference, current, true);
    let terms: Vec<f64> = r
        .iter()
        .zip(&c)
        .map(|(a, b)| (a - b) * (a / b).ln())
        .collect();
    (
        pairwise_sum(&terms),
        Histogram {
            labels,
            reference: r,
            current: c,
        },
    )
}

/// Evidently KL divergence.
pub fn evidently_kl(reference: &Sample, current: &Sample) -> (f64, Histogram) {
    let (r, c, labels) = evidently_bins(reference, current, true);
    (
        kl_divergence(&r, &c),
        Histogram {
            labels,
            reference: r,
            current: c,
        },
    )
}

/// Evidently Jensen-Shannon distance.
pub fn evidently_js(reference: &Sample, current: &Sample) -> (f64, Histogram) {
    let (r, c, labels) = evidently_bins(reference, current, false);
    (
        jensen_shannon(&r, &c, None),
        Histogram {
            labels,
            reference: r,
            current: c,
        },
    )
}

/// scipy's `wasserstein_distance(u, v)` on sorted samples: the integral of |F_u - F_v|, summed
/// over the gaps between consecutive values of both samples merged (as scipy's `_cdf_distance`).
pub fn wasserstein(u: &[f64], v: &[f64]) -> Option<f64> {
    if u.is_empty() || v.is_empty() {
        return None;
    }
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    // A compensated running sum instead of scipy's stored terms: no buffer of 2n values.
    let mut total = crate::num::CompensatedSum::default();
    let mut prev: Option<f64> = None;
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        if let Some(p) = prev {
            // Between p and x both CDFs hold their value at p: counts of values <= p, which is
            // where the cursors stand (every value <= p has been passed).
            let cu = i as f64 / nu;
            let cv = j as f64 / nv;
            total.add((cu - cv).abs() * (x - p));
        }
        // Consume every copy of x (scipy's zero-width terms add nothing).
        while i < u.len() && u[i] == x {
            i += 1;
        }
        while j < v.len() && v[j] == x {
            j += 1;
        }
        prev = Some(x);
    }
    Some(total.value())
}

/// Evidently's normed Wasserstein distance.
pub fn wasserstein_norm(reference: &[f64], current: &[f64]) -> Option<f64> {
    let d = wasserstein(reference, current)?;
    let norm = std(reference, 0.0).max(0.001);
    Some(d / norm)
}

/// Evidently's chi-square p-value, with the statistic.
pub fn evidently_chisquare(reference: &Sample, current: &Sample) -> (f64, f64) {
    let (_, rc, cc) = category_counts(reference, current);
    let k_norm = current.len() as f64 / reference.len() as f64;
    let terms: Vec<f64> = rc
        .iter()
        .zip(&cc)
        .map(|(r, c)| {
            let expected = *r as f64 * k_norm;
            let d = *c as f64 - expected;
            d * d / expected
        })
        .collect();
    let stat = pairwise_sum(&terms);
    let dof = rc.len() as f64 - 1.0;
    (chi2_sf(stat, dof), stat)
}

/// Evidently's two-proportion Z test p-value, with the statistic.
pub fn evidently_z(reference: &Sample, current: &Sample) -> (f64, f64) {
    let (keys, rc, cc) = category_counts(reference, current);
    let r_distinct = rc.iter().filter(|c| **c > 0).count();
    let c_distinct = cc.iter().filter(|c| **c > 0).count();
    if keys.len() == 1 && r_distinct == 1 && c_distinct == 1 {
        return (1.0, 0.0);
    }
    // Rows equal to the first key map to 0, the rest to 1.
    let n1 = reference.len() as f64;
    let n2 = current.len() as f64;
    let p1 = (reference.len() as u64 - rc.first().copied().unwrap_or(0)) as f64 / n1;
    let p2 = (current.len() as u64 - cc.first().copied().unwrap_or(0)) as f64 / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    (2.0 * (1.0 - ndtr(z.abs())), z)
}

/// Evidently's Hellinger distance.
pub fn evidently_hellinger(reference: &Sample, current: &Sample) -> f64 {
    if !reference.numeric {
        let (_, rc, cc) = category_counts(reference, current);
        let nr = reference.len() as f64;
        let nc = current.len() as f64;
        let mut h = 0.0;
        for (r, c) in rc.iter().zip(&cc) {
            h += ((*r as f64 / nr) * (*c as f64 / nc)).sqrt();
        }
        return (1.0 - h.clamp(0.0, 1.0)).sqrt();
    }
    let mut keys: Vec<f64> = reference.values.clone();
    keys.extend(&current.values);
    sort_floats(&mut keys);
    keys.dedup();
    let edges = histogram_bin_edges(&keys, BinRule::Sturges, false);
    let density = |sorted: &[f64]| {
        let counts = histogram_sorted(sorted, &edges);
        let total: u64 = counts.iter().sum();
        counts
            .iter()
            .zip(edges.windows(2))
            .map(|(c, w)| *c as f64 / (w[1] - w[0]) / total as f64)
            .collect::<Vec<f64>>()
    };
    let h1 = density(&reference.values);
    let h2 = density(&current.values);
    let nb = (edges.len() - 1) as f64;
    let width = (edges[edges.len() - 1] - edges[0]) / nb;
    let mut h = 0.0;
    for (a, b) in h1.iter().zip(&h2) {
        h += (a * b).sqrt() * width;
    }
    (1.0 - h.clamp(0.0, 1.0)).sqrt()
}

/// Quantile PSI on 10 reference deciles.
pub fn quantile_psi(reference: &[f64], current: &[f64]) -> Option<(f64, Histogram)> {
    if reference.is_empty() || current.is_empty() {
        return None;
    }
    let eps = 1e-4;
    let qs = linspace(0.0, 1.0, 11);
    let mut edges: Vec<f64> = qs.iter().map(|q| quantile_sorted(reference, *q)).collect();
    sort_floats(&mut edges);
    edges.dedup();
    let nr = reference.len() as f64;
    let nc = current.len() as f64;
    let (p, q, labels) = if edges.len() < 3 {
        let rr = runs(reference);
        let cr = runs(current);
        let mut vals: Vec<f64> = rr.iter().chain(cr.iter()).map(|r| r.0).collect();
        sort_floats(&mut vals);
        vals.dedup();
        let share = |runs: &[(f64, u64)], v: f64, n: f64| {
            runs.binary_search_by(|r| r.0.total_cmp(&v))
                .map(|i| runs[i].1 as f64 / n)
                .unwrap_or(0.0)
        };
        (
            vals.iter().map(|v| share(&rr, *v, nr)).collect::<Vec<_>>(),
            vals.iter().map(|v| share(&cr, *v, nc)).collect::<Vec<_>>(),
            vals.iter()
                .map(|v| crate::values::format_number(*v))
                .collect::<Vec<_>>(),
        )
    } else {
        let inner = &edges[1..edges.len() - 1];
        let bin_counts = |sorted: &[f64]| {
            let mut counts = vec![0u64; inner.len() + 1];
            for x in sorted {
                counts[search_right(inner, *x)] += 1;
            }
            counts
        };
        let mut labels = vec![format!("<{}", short(inner[0]))];
        for w in inner.windows(2) {
            labels.push(format!("{}..{}", short(w[0]), short(w[1])));
        }
        labels.push(format!(">={}", short(inner[inner.len() - 1])));
        (
            bin_counts(reference)
                .iter()
                .map(|c| *c as f64 / nr)
                .collect(),
            bin_counts(current).iter().map(|c| *c as f64 / nc).collect(),
            labels,
        )
    };
    let p: Vec<f64> = p.iter().map(|x| x.max(eps)).collect();
    let q: Vec<f64> = q.iter().map(|x| x.max(eps)).collect();
    let terms: Vec<f64> = p
        .iter()
        .zip(&q)
        .map(|(a, b)| (b - a) * (b / a).ln())
        .collect();
    Some((
        pairwise_sum(&terms),
        Histogram {
            labels,
            reference: p,
            current: q,
        },
    ))
}

/// NannyML's Jensen-Shannon distance (base 2).
pub fn nannyml_js(
    reference: &Sample,
    current: &Sample,
    continuous: bool,
) -> Option<(f64, Histogram)> {
    if reference.is_empty() || current.is_empty() {
        return None;
    }
    let nr = reference.len() as f64;
    let nc = current.len() as f64;
    let (mut r, mut c, mut labels): (Vec<f64>, Vec<f64>, Vec<String>) =
        if continuous && reference.numeric {
            // NannyML casts to float64 first, so numpy's integer minimum bin width never applies.
            let edges = histogram_bin_edges(&reference.values, BinRule::Doane, false);
            (
                histogram_sorted(&reference.values, &edges)
                    .iter()
                    .map(|x| *x as f64 / nr)
                    .collect(),
                histogram_runs(&runs(&current.values), &edges)
                    .iter()
                    .map(|x| *x as f64 / nc)
                    .collect(),
                edge_labels(&edges),
            )
        } else {
            let (keys, rc, cc) = category_counts(reference, current);
            let mut r = Vec::new();
            let mut c = Vec::new();
            let mut labels = Vec::new();
            for ((k, a), b) in keys.iter().zip(&rc).zip(&cc) {
                if *a > 0 {
                    r.push(*a as f64 / nr);
                    c.push(*b as f64 / nc);
                    labels.push(k.clone());
                }
            }
            (r, c, labels)
        };
    let leftover = 1.0 - pairwise_sum(&c);
    if leftover > 0.0 {
        c.push(leftover);
        r.push(0.0);
        labels.push("outside reference".to_owned());
    }
    Some((
        jensen_shannon(&r, &c, Some(2.0)),
        Histogram {
            labels,
            reference: r,
            current: c,
        },
    ))
}

/// NannyML's KS statistic.
pub fn nannyml_ks(reference: &[f64], current: &[f64]) -> Option<f64> {
    if reference.is_empty() || current.is_empty() {
        return None;
    }
    if reference.len() < 10_000 {
        return ks_2samp(reference, current).map(|r| r.statistic);
    }
    let lo = reference[0];
    let hi = reference[reference.len() - 1];
    let edges = linspace(lo, hi, 10_001);
    let nr = reference.len() as f64;
    let nc = current.len() as f64;
    let ref_counts = histogram_sorted(reference, &edges);
    let cur_counts = histogram_runs(&runs(current), &edges);
    // np.cumsum of the shares, current starting from its mass below the first edge.
    let below = current.partition_point(|x| *x < lo) as f64 / nc;
    let mut ref_cum = 0.0;
    let mut cur_cum = below;
    let mut stat = 0.0f64;
    let mut first = true;
    for (r, c) in ref_counts.iter().zip(&cur_counts) {
        ref_cum += *r as f64 / nr;
        if first {
            cur_cum = below + *c as f64 / nc;
            first = false;
        } else {
            cur_cum += *c as f64 / nc;
        }
        stat = stat.max((ref_cum - cur_cum).abs());
    }
    Some(stat)
}

/// NannyML's chi-square contingency statistic.
pub fn nannyml_chi2(reference: &Sample, current: &Sample) -> Option<f64> {
    let (_, rc, cc) = category_counts(reference, current);
    // Rows are categories seen in either sample with a non-zero count.
    let rows: Vec<(f64, f64)> = rc
        .iter()
        .zip(&cc)
        .filter(|(r, c)| **r > 0 || **c > 0)
        .map(|(r, c)| (*r as f64, *c as f64))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let total_r: f64 = rows.iter().map(|r| r.0).sum();
    let total_c: f64 = rows.iter().map(|r| r.1).sum();
    let total = total_r + total_c;
    let dof = (rows.len() - 1) as f64;
    let mut terms = Vec::with_capacity(rows.len() * 2);
    for (r, c) in &rows {
        let row_total = r + c;
        for (observed, col_total) in [(*r, total_r), (*c, total_c)] {
            let expected = row_total * col_total / total;
            let mut o = observed;
            if dof == 1.0 {
                // Yates' correction moves each observed count half a unit towards expected.
                let diff = expected - o;
                o += diff.signum() * diff.abs().min(0.5);
            }
            terms.push((o - expected) * (o - expected) / expected);
        }
    }
    Some(pairwise_sum(&terms))
}

/// Applies one method to one column.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    method: Method,
    name: &str,
    kind: ColumnKind,
    reference: &Sample,
    current: &Sample,
    threshold: Option<f64>,
) -> ColumnDrift {
    let (default_threshold, direction) = method.default_threshold();
    let explicit_threshold = threshold;
    let threshold = threshold.unwrap_or(default_threshold);
    let empty = reference.is_empty() || current.is_empty();
    let mut statistic = None;
    let mut detail = None;
    let mut histogram = None;
    let value = if empty {
        None
    } else {
        match method {
            Method::Psi => {
                let (v, h) = evidently_psi(reference, current);
                histogram = Some(h);
                Some(v)
            }
            Method::KlDiv => {
                let (v, h) = evidently_kl(reference, current);
                histogram = Some(h);
                Some(v)
            }
            Method::JensenShannon => {
                let (v, h) = evidently_js(reference, current);
                histogram = Some(h);
                Some(v)
            }
            Method::Ks => {
                if reference.numeric {
                    ks_2samp(&reference.values, &current.values).map(|r| {
                        statistic = Some(r.statistic);
                        detail = Some(r.method);
                        r.p_value
                    })
                } else {
                    None
                }
            }
            Method::Wasserstein => {
                if reference.numeric {
                    wasserstein_norm(&reference.values, &current.values)
                } else {
                    None
                }
            }
            Method::ChiSquare => {
                let (p, s) = evidently_chisquare(reference, current);
                statistic = Some(s);
                Some(p)
            }
            Method::Z => {
                let (p, s) = evidently_z(reference, current);
                statistic = Some(s);
                Some(p)
            }
            Method::Hellinger => Some(evidently_hellinger(reference, current)),
            Method::QuantilePsi => {
                if reference.numeric {
                    quantile_psi(&reference.values, &current.values).map(|(v, h)| {
                        histogram = Some(h);
                        v
                    })
                } else {
                    None
                }
            }
            Method::NannymlJensenShannon => {
                nannyml_js(reference, current, kind == ColumnKind::Numerical).map(|(v, h)| {
                    histogram = Some(h);
                    v
                })
            }
            Method::NannymlKs => {
                if reference.numeric {
                    nannyml_ks(&reference.values, &current.values)
                } else {
                    None
                }
            }
            Method::NannymlChi2 => nannyml_chi2(reference, current),
        }
    };
    // NannyML alerts on chi-square when p < 0.05: as a threshold on the statistic that is the
    // 5 % critical value for the table's degrees of freedom.
    let threshold = if method == Method::NannymlChi2 && !empty && explicit_threshold.is_none() {
        let dof = category_counts(reference, current)
            .0
            .len()
            .saturating_sub(1)
            .max(1) as f64;
        chi2_critical(0.05, dof)
    } else {
        threshold
    };
    if histogram.is_none() && !empty {
        // Every result gets a chart: Evidently's PSI bins are the most readable.
        histogram =
            Some(evidently_bins(reference, current, false)).map(|(r, c, labels)| Histogram {
                labels,
                reference: r,
                current: c,
            });
    }
    let unseen_categories = if reference.numeric {
        Vec::new()
    } else {
        current
            .counts
            .keys()
            .filter(|k| !reference.counts.contains_key(*k))
            .cloned()
            .collect()
    };
    ColumnDrift {
        column: name.to_owned(),
        kind,
        method: method.name().to_owned(),
        definition: method.definition().to_owned(),
        value,
        statistic,
        detail,
        threshold,
        lower_threshold: None,
        direction,
        drift: value
            .map(|v| direction.drifted(v, threshold))
            .unwrap_or(false),
        reference_rows: reference.len() as u64,
        current_rows: current.len() as u64,
        reference_missing: reference.missing + reference.infinite,
        current_missing: current.missing + current.infinite,
        unseen_categories,
        histogram,
    }
}

/// The statistic whose chi-square survival probability is `alpha` (bisection on `chi2_sf`).
fn chi2_critical(alpha: f64, dof: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, dof.max(1.0));
    while chi2_sf(hi, dof) > alpha {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if chi2_sf(mid, dof) > alpha {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// Evidently's default method for a column in DataDriftPreset.
pub fn evidently_default_method(kind: ColumnKind, reference: &Sample, current: &Sample) -> Method {
    // Only "more than 5" matters, so counting stops at 6.
    let n_values = union_distinct(reference, current, 6);
    let numeric = kind == ColumnKind::Numerical;
    if reference.len() <= 1000 {
        if numeric && n_values > 5 {
            Method::Ks
        } else if n_values > 2 {
            Method::ChiSquare
        } else {
            Method::Z
        }
    } else if numeric && n_values > 5 {
        Method::Wasserstein
    } else {
        Method::JensenShannon
    }
}

/// Distinct values of both samples together, counted up to `limit`.
fn union_distinct(reference: &Sample, current: &Sample, limit: usize) -> usize {
    if !reference.numeric {
        return category_counts(reference, current).0.len();
    }
    // Merge the two sorted samples, counting value changes: no strings, no allocation.
    let (a, b) = (&reference.values, &current.values);
    let (mut i, mut j, mut distinct) = (0usize, 0usize, 0usize);
    let mut last: Option<f64> = None;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(p), Some(q)) if p <= q => {
                i += 1;
                *p
            }
            (Some(_), Some(q)) => {
                j += 1;
                *q
            }
            (Some(p), None) => {
                i += 1;
                *p
            }
            (None, Some(q)) => {
                j += 1;
                *q
            }
            (None, None) => break,
        };
        if last != Some(x) {
            distinct += 1;
            last = Some(x);
            if distinct >= limit {
                break;
            }
        }
    }
    distinct
}

/// The drift section of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftResult {
    pub preset: String,
    pub columns: Vec<ColumnDrift>,
    /// Further methods computed for information (NannyML's KS and chi-square statistics).
    pub secondary: Vec<ColumnDrift>,
    pub drifted_columns: usize,
    pub drifted_share: f64,
    pub drift_share_threshold: f64,
    pub dataset_drift: bool,
}

/// Runs a preset over prepared samples.
pub(crate) fn run_preset(
    spec: &crate::spec::DriftSpec,
    columns: &[(String, ColumnKind)],
    reference: &[Sample],
    current: &[Sample],
    chunks: Option<&[Vec<Sample>]>,
) -> DriftResult {
    use rayon::prelude::*;
    let preset = spec.preset.as_str();
    let overrides = &spec.methods;
    let thresholds = &spec.thresholds;
    let drift_share = spec.drift_share;
    // Columns are independent: compute them in parallel, keeping column order.
    let per_column: Vec<(ColumnDrift, Option<ColumnDrift>)> = columns
        .par_iter()
        .enumerate()
        .map(|(i, (name, kind))| {
            let (r, c) = (&reference[i], &current[i]);
            let method = overrides
                .get(name)
                .and_then(|m| Method::from_name(m))
                .unwrap_or_else(|| match preset {
                    "nannyml" => Method::NannymlJensenShannon,
                    "quantile_psi" if *kind == ColumnKind::Numerical => Method::QuantilePsi,
                    "quantile_psi" => Method::Psi,
                    _ => evidently_default_method(*kind, r, c),
                });
            let threshold = thresholds.get(method.name()).copied();
            let mut main = apply(method, name, *kind, r, c, threshold);
            // NannyML alerts when the value leaves the band of the reference chunks, unless the
            // spec fixes a threshold.
            if method == Method::NannymlJensenShannon
                && threshold.is_none()
                && let Some(chunks) = chunks
            {
                let parts: Vec<&Sample> = chunks.iter().filter_map(|c| c.get(i)).collect();
                if let Some((lower, upper)) =
                    nannyml_band(r, &parts, *kind == ColumnKind::Numerical)
                {
                    main.threshold = upper;
                    main.lower_threshold = Some(lower);
                    main.direction = Direction::Outside;
                    main.drift = main.value.is_some_and(|v| v > upper || v < lower);
                    main.definition.push_str(&format!(
                        "; alert outside mean +/- 3 std of the {NANNYML_CHUNKS} reference chunks"
                    ));
                }
            }
            let extra = (preset == "nannyml").then(|| {
                let extra = if *kind == ColumnKind::Numerical {
                    Method::NannymlKs
                } else {
                    Method::NannymlChi2
                };
                let mut d = apply(
                    extra,
                    name,
                    *kind,
                    r,
                    c,
                    thresholds.get(extra.name()).copied(),
                );
                d.histogram = None;
                d
            });
            (main, extra)
        })
        .collect();
    let mut results = Vec::new();
    let mut secondary = Vec::new();
    for (main, extra) in per_column {
        results.push(main);
        secondary.extend(extra);
    }
    let drifted = results.iter().filter(|r| r.drift).count();
    let share = if results.is_empty() {
        0.0
    } else {
        drifted as f64 / results.len() as f64
    };
    DriftResult {
        preset: preset.to_owned(),
        drifted_columns: drifted,
        drifted_share: share,
        drift_share_threshold: drift_share,
        dataset_drift: !results.is_empty() && share >= drift_share,
        columns: results,
        secondary,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn numeric(values: &[f64]) -> Sample {
        let mut s = Sample {
            values: values.to_vec(),
            numeric: true,
            ..Default::default()
        };
        s.finish();
        s
    }

    #[test]
    fn wasserstein_simple() {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0
        assert!((wasserstein(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]).unwrap() - 5.0).abs() < 1e-12);
    }

    #[test]
    fn psi_zero_on_identical() {
        let s = numeric(&(0..100).map(|i| i as f64).collect::<Vec<_>>());
        assert_eq!(evidently_psi(&s, &s).0, 0.0);
        assert_eq!(quantile_psi(&s.values, &s.values).unwrap().0, 0.0);
    }

    #[test]
    fn constant_column_does_not_break() {
        let s = numeric(&[1.0; 50]);
        let d = apply(
            Method::Wasserstein,
            "c",
            ColumnKind::Numerical,
            &s,
            &s,
            None,
        );
        assert_eq!(d.value, Some(0.0));
        let d = apply(
            Method::QuantilePsi,
            "c",
            ColumnKind::Numerical,
            &s,
            &s,
            None,
        );
        assert_eq!(d.value, Some(0.0));
        let d = apply(
            Method::NannymlJensenShannon,
            "c",
            ColumnKind::Numerical,
            &s,
            &s,
            None,
        );
        assert_eq!(d.value, Some(0.0));
    }
}
