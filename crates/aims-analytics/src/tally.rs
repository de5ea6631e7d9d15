//! A numeric column's values gathered for exact statistics (distinct count, quantiles, mean and
//! spread, range and set checks): counted per distinct value while there are few, kept to be
//! sorted once there are many.
//!
//! Most numeric columns of real tables hold a few hundred distinct values (ages, counts, scores,
//! rounded amounts); counting them in a small table that stays in cache costs a fraction of
//! keeping every value and sorting it, and needs no memory per row. Either way, every statistic is
//! computed from the same thing, the ascending runs of equal values `(value, count)` ([`Sorted`]),
//! so the result never depends on how the values were gathered, on batch size or on thread
//! count. A negative zero counts as zero (as `==` and pandas' `nunique` have it).

use crate::num::{interpolate_quantile, sort_floats_with};

/// Distinct values one batch may hold and still be counted; a batch with more is kept as it is.
pub(crate) const BATCH_DISTINCT: usize = 2048;
/// Distinct values a whole column may hold and still be counted; beyond, its values are kept.
pub(crate) const COLUMN_DISTINCT: usize = 1 << 16;

/// Fibonacci hashing's multiplier (2^64 divided by the golden ratio).
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

/// Counts per distinct value: open addressing on the value's bits, linear probing, at most half
/// full. A slot is empty while its count is zero.
#[derive(Debug, Clone)]
pub(crate) struct CountTable {
    keys: Vec<u64>,
    counts: Vec<u64>,
    len: usize,
    shift: u32,
}

impl Default for CountTable {
    fn default() -> Self {
        Self::with_capacity(8)
    }
}

impl CountTable {
    /// A table that holds `distinct` values before it grows.
    pub fn with_capacity(distinct: usize) -> Self {
        let slots = (distinct.max(8) * 2).next_power_of_two();
        Self {
            keys: vec![0; slots],
            counts: vec![0; slots],
            len: 0,
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// Adds `count` occurrences of `value` (finite); false, and nothing added, when it is a new
    /// value and the table already holds `limit`.
    #[inline]
    pub fn add(&mut self, value: f64, count: u64, limit: usize) -> bool {
        let key = (value + 0.0).to_bits();
        let mask = self.keys.len() - 1;
        let mut slot = (key.wrapping_mul(SPREAD) >> self.shift) as usize;
        loop {
            if self.counts[slot] == 0 {
                if self.len >= limit {
                    return false;
                }
                if (self.len + 1) * 2 > self.keys.len() {
                    self.grow();
                    return self.add(value, count, limit);
                }
                self.keys[slot] = key;
                self.counts[slot] = count;
                self.len += 1;
                return true;
            }
            if self.keys[slot] == key {
                self.counts[slot] += count;
                return true;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, Self::with_capacity(self.keys.len()));
        for (value, count) in old.iter() {
            self.add(value, count, usize::MAX);
        }
    }

    /// Every `(value, count)`, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.keys
            .iter()
            .zip(&self.counts)
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (f64::from_bits(*k), *c))
    }

    /// Every `(value, count)`, ascending by value.
    pub fn sorted(&self) -> Sorted {
        let mut runs: Vec<(f64, u64)> = self.iter().collect();
        runs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        Sorted::runs(runs)
    }
}

/// A column's values in ascending order: as runs of equal values with their counts, or as every
/// value (sorted). Both answer the same questions the same way.
#[derive(Debug, Clone)]
pub(crate) enum Sorted {
    Runs {
        runs: Vec<(f64, u64)>,
        /// Values before each run (for quantiles by rank).
        before: Vec<u64>,
    },
    Values(Vec<f64>),
}

impl Default for Sorted {
    fn default() -> Self {
        Sorted::Values(Vec::new())
    }
}

impl Sorted {
    fn runs(runs: Vec<(f64, u64)>) -> Self {
        let mut before = Vec::with_capacity(runs.len());
        let mut seen = 0u64;
        for (_, c) in &runs {
            before.push(seen);
            seen += c;
        }
        Sorted::Runs { runs, before }
    }

    /// Sorts kept values (with a caller's scratch buffer for the radix sort).
    pub fn values(mut values: Vec<f64>, scratch: &mut Vec<u64>) -> Self {
        sort_floats_with(&mut values, scratch);
        Sorted::Values(values)
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        match self {
            Sorted::Runs { runs, before } => {
                before.last().copied().unwrap_or(0) + runs.last().map_or(0, |r| r.1)
            }
            Sorted::Values(v) => v.len() as u64,
        }
    }

    /// The value of rank `rank` (0-based) in ascending order.
    fn at(&self, rank: u64) -> f64 {
        match self {
            Sorted::Runs { runs, before } => {
                let run = before.partition_point(|b| *b <= rank) - 1;
                runs[run].0
            }
            Sorted::Values(v) => v[rank as usize],
        }
    }

    /// The ascending runs of equal values, `(value, count)`.
    pub fn iter(&self) -> Runs<'_> {
        Runs {
            sorted: self,
            next: 0,
        }
    }

    /// The `q` quantile with linear interpolation (numpy's default), or NaN when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        interpolate_quantile(self.count() as usize, q, |i| self.at(i as u64))
    }

    /// The smallest and largest value.
    pub fn min_max(&self) -> Option<(f64, f64)> {
        match self {
            Sorted::Runs { runs, .. } => Some((runs.first()?.0, runs.last()?.0)),
            Sorted::Values(v) => Some((*v.first()? + 0.0, *v.last()? + 0.0)),
        }
    }

    /// Sum of `f(value) * count` over the runs, summed pairwise ([`StreamSum`]).
    pub fn sum_by(&self, f: impl Fn(f64) -> f64) -> f64 {
        let mut sum = StreamSum::default();
        for (v, c) in self.iter() {
            sum.add(run_term(f(v), c));
        }
        sum.total()
    }
}

/// Iterator over the runs of a [`Sorted`].
pub(crate) struct Runs<'a> {
    sorted: &'a Sorted,
    next: usize,
}

impl Iterator for Runs<'_> {
    type Item = (f64, u64);

    #[inline]
    fn next(&mut self) -> Option<(f64, u64)> {
        match self.sorted {
            Sorted::Runs { runs, .. } => {
                let run = runs.get(self.next).copied();
                self.next += 1;
                run
            }
            Sorted::Values(values) => {
                let v = *values.get(self.next)?;
                let mut end = self.next + 1;
                // Runs are short for most columns: a linear scan beats a binary search.
                while end < values.len() && values[end] == v {
                    end += 1;
                }
                let count = (end - self.next) as u64;
                self.next = end;
                Some((v + 0.0, count))
            }
        }
    }
}

/// Sums a stream of terms without storing them, with the error of a pairwise sum: blocks of 128
/// terms summed as [`crate::num::pairwise_sum`] does, and block sums combined in a binary cascade
/// (two sums of the same level make one of the next). The additions depend only on the sequence
/// of terms, so the total is deterministic.
#[derive(Debug, Clone)]
pub(crate) struct StreamSum {
    block: [f64; 128],
    len: usize,
    /// Sums of 128 * 2^level terms, levels strictly decreasing towards the end.
    levels: Vec<(f64, u32)>,
}

impl Default for StreamSum {
    fn default() -> Self {
        Self {
            block: [0.0; 128],
            len: 0,
            levels: Vec::new(),
        }
    }
}

impl StreamSum {
    #[inline]
    pub fn add(&mut self, term: f64) {
        self.block[self.len] = term;
        self.len += 1;
        if self.len == self.block.len() {
            let mut sum = crate::num::pairwise_sum(&self.block);
            self.len = 0;
            let mut level = 0;
            while let Some(&(below, l)) = self.levels.last() {
                if l != level {
                    break;
                }
                self.levels.pop();
                sum += below;
                level += 1;
            }
            self.levels.push((sum, level));
        }
    }

    pub fn total(&self) -> f64 {
        let mut total = crate::num::pairwise_sum(&self.block[..self.len]);
        for (sum, _) in self.levels.iter().rev() {
            total += sum;
        }
        total
    }
}

/// Mean and standard deviation (`ddof` 1) of sorted values: the mean is the pairwise sum of
/// `value * count` over the runs divided by the count, the deviation sums `count * (value -
/// mean)^2` the same way (two passes, as numpy's `std`).
#[cfg(test)]
fn mean_std(sorted: &Sorted) -> Option<(f64, Option<f64>)> {
    mean_std_from(sorted, sorted.sum_by(|v| v))
}

/// [`mean_std`] given the first pass's sum (a caller's own pass over the runs adds
/// [`run_term`] of each run to a [`StreamSum`]).
pub(crate) fn mean_std_from(sorted: &Sorted, sum: f64) -> Option<(f64, Option<f64>)> {
    let n = sorted.count();
    if n == 0 {
        return None;
    }
    let mean = sum / n as f64;
    let std =
        (n > 1).then(|| (sorted.sum_by(|v| (v - mean) * (v - mean)) / (n as f64 - 1.0)).sqrt());
    Some((mean, std))
}

/// A run's term in [`Sorted::sum_by`]: `f(value)` times its count.
#[inline]
pub(crate) fn run_term(fv: f64, count: u64) -> f64 {
    if count == 1 { fv } else { fv * count as f64 }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn sorted_both(values: &[f64]) -> (Sorted, Sorted) {
        let mut table = CountTable::default();
        for v in values {
            assert!(table.add(*v, 1, usize::MAX));
        }
        (
            table.sorted(),
            Sorted::values(values.to_vec(), &mut Vec::new()),
        )
    }

    #[test]
    fn counted_and_kept_values_give_the_same_statistics() {
        let values: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 313) as f64 * 0.25 - 20.0)
            .chain([-0.0, 0.0, 0.0])
            .collect();
        let (counted, kept) = sorted_both(&values);
        assert_eq!(counted.count(), values.len() as u64);
        assert_eq!(
            counted.iter().collect::<Vec<_>>(),
            kept.iter().collect::<Vec<_>>()
        );
        for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
            assert_eq!(counted.quantile(q), kept.quantile(q), "q {q}");
        }
        assert_eq!(mean_std(&counted), mean_std(&kept));
        assert_eq!(counted.min_max(), kept.min_max());
        // Zero and negative zero are one value.
        let zeros = counted.iter().filter(|(v, _)| *v == 0.0).count();
        assert_eq!(zeros, 1);
    }

    #[test]
    fn statistics_match_the_sorted_definitions() {
        let values: Vec<f64> = (0..5_000).map(|i| ((i * 31) % 977) as f64 / 7.0).collect();
        let (counted, kept) = sorted_both(&values);
        let mut plain = values.clone();
        plain.sort_by(f64::total_cmp);
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            assert_eq!(counted.quantile(q), crate::num::quantile_sorted(&plain, q));
        }
        let (mean, std) = mean_std(&kept).unwrap();
        let expected_mean = crate::num::mean(&plain);
        let expected_std = crate::num::std(&plain, 1.0);
        assert!((mean - expected_mean).abs() <= 1e-12 * expected_mean.abs());
        assert!((std.unwrap() - expected_std).abs() <= 1e-12 * expected_std);
    }

    #[test]
    fn a_table_refuses_a_value_beyond_its_limit_and_keeps_counting_known_ones() {
        let mut table = CountTable::with_capacity(2);
        assert!(table.add(1.0, 1, 2));
        assert!(table.add(2.0, 1, 2));
        assert!(!table.add(3.0, 1, 2));
        assert!(table.add(1.0, 5, 2));
        assert_eq!(table.iter().count(), 2);
        let runs: Vec<_> = table.sorted().iter().collect();
        assert_eq!(runs, vec![(1.0, 6), (2.0, 1)]);
    }

    #[test]
    fn a_stream_sum_is_exact_on_integers_and_close_to_the_pairwise_sum() {
        for n in [0usize, 1, 127, 128, 129, 1000, 100_000] {
            let mut s = StreamSum::default();
            for i in 0..n {
                s.add(i as f64);
            }
            assert_eq!(s.total(), (n * n.saturating_sub(1) / 2) as f64, "n {n}");
        }
        let terms: Vec<f64> = (0..100_000).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let mut s = StreamSum::default();
        terms.iter().for_each(|t| s.add(*t));
        let pairwise = crate::num::pairwise_sum(&terms);
        assert!((s.total() - pairwise).abs() <= 1e-13 * pairwise);
    }
}
