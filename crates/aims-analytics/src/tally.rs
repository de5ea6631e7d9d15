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

use crate::num::{interpolate_quantile, sort_unsorted_floats_with};

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

/// A column's values in ascending order: as runs of equal values with their counts, as every
/// value (sorted), or as counts by offset from the smallest (whole numbers in a short range). All
/// answer the same questions the same way.
#[derive(Debug, Clone)]
pub(crate) enum Sorted {
    Runs {
        runs: Vec<(f64, u64)>,
        /// Values before each run (for quantiles by rank).
        before: Vec<u64>,
    },
    Values(Vec<f64>),
    /// Whole numbers in a range not much wider than their count (ids, times in seconds, counts):
    /// `upto[i]` is how many are at most `min + i`, counted instead of sorted.
    Dense {
        min: f64,
        upto: Vec<u32>,
    },
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

    /// Orders kept values: counted by offset when they are whole numbers in a short range (one
    /// pass over them and one over the range, with a third of the sort's memory traffic), else
    /// sorted (with a caller's scratch buffer for the radix sort).
    pub fn values(values: Vec<f64>, scratch: &mut Vec<u64>) -> Self {
        // One read finds the order, whether all are whole numbers, and their range.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        let mut in_order = true;
        let mut whole = true;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut previous = f64::NEG_INFINITY;
        for v in &values {
            in_order &= previous.total_cmp(v).is_le();
            previous = *v;
            whole &= v.fract() == 0.0 && v.abs() < EXACT;
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        // Already in order (an id or a time in an append-only log): nothing to do.
        if in_order {
            return Sorted::Values(values);
        }
        let n = values.len();
        // Infinities and NaN are not whole, so for whole numbers the span is finite.
        if whole && n >= 4096 && hi - lo < 2.0 * n as f64 && n <= u32::MAX as usize {
            return Self::dense(&values, lo, hi);
        }
        Sorted::Values(sort_unsorted_floats_with(values, scratch))
    }

    /// [`Sorted::Dense`] of whole numbers (below 2^53 in size, so `min + i` is exact) from `lo`
    /// to `hi`.
    fn dense(values: &[f64], lo: f64, hi: f64) -> Self {
        let mut upto = vec![0u32; (hi - lo) as usize + 1];
        for v in values {
            if let Some(c) = upto.get_mut((v - lo) as usize) {
                *c += 1;
            }
        }
        let mut seen = 0u32;
        for c in upto.iter_mut() {
            seen += *c;
            *c = seen;
        }
        Sorted::Dense {
            min: lo + 0.0,
            upto,
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        match self {
            Sorted::Runs { runs, before } => {
                before.last().copied().unwrap_or(0) + runs.last().map_or(0, |r| r.1)
            }
            Sorted::Values(v) => v.len() as u64,
            Sorted::Dense { upto, .. } => upto.last().map_or(0, |u| u64::from(*u)),
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
            Sorted::Dense { min, upto } => {
                min + upto.partition_point(|u| u64::from(*u) <= rank) as f64
            }
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
            Sorted::Dense { min, upto } => Some((*min, min + (upto.len().checked_sub(1)?) as f64)),
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
            Sorted::Dense { min, upto } => {
                // Skip the offsets no value has.
                let before = |i: usize| if i == 0 { 0 } else { upto[i - 1] };
                while self.next < upto.len() && upto[self.next] == before(self.next) {
                    self.next += 1;
                }
                let i = self.next;
                let count = upto.get(i)? - before(i);
                self.next += 1;
                Some((min + i as f64 + 0.0, u64::from(count)))
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

/// Mean and standard deviation (`ddof` 1) of sorted values, from one pass over their runs
/// ([`Moments`] shifted by the median).
#[cfg(test)]
fn mean_std(sorted: &Sorted) -> Option<(f64, Option<f64>)> {
    let mut moments = Moments::new(sorted);
    for (v, c) in sorted.iter() {
        moments.add(v, c);
    }
    moments.mean_std()
}

/// Mean and standard deviation (`ddof` 1) in one pass over the runs: the sums of `count * d` and
/// `count * d^2`, `d = value - median`, each summed pairwise ([`StreamSum`]). Shifting by the
/// median keeps the one-pass variance accurate: the mean never lies more than one standard
/// deviation from the median, so `sum d^2 - (sum d)^2 / n` loses at most about one digit
/// (a two-pass numpy `std` agrees to about 1e-15 relative).
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    shift: f64,
    n: u64,
    first: StreamSum,
    second: StreamSum,
}

impl Moments {
    pub fn new(sorted: &Sorted) -> Self {
        let shift = if sorted.count() > 0 {
            sorted.quantile(0.5)
        } else {
            0.0
        };
        Self {
            shift,
            n: 0,
            first: StreamSum::default(),
            second: StreamSum::default(),
        }
    }

    #[inline]
    pub fn add(&mut self, value: f64, count: u64) {
        let d = value - self.shift;
        self.n += count;
        self.first.add(run_term(d, count));
        self.second.add(run_term(d * d, count));
    }

    pub fn mean_std(&self) -> Option<(f64, Option<f64>)> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let (s1, s2) = (self.first.total(), self.second.total());
        let std = (self.n > 1).then(|| ((s2 - s1 * s1 / n).max(0.0) / (n - 1.0)).sqrt());
        Some((self.shift + s1 / n, std))
    }
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
    fn whole_numbers_in_a_short_range_are_counted_with_the_same_results() {
        // Shuffled ids with repeats and gaps, negative and positive, and times in seconds.
        let ids: Vec<f64> = (0..20_000u64)
            .map(|i| ((i * 7919) % 20_011) as f64 - 5_000.0)
            .chain([3.0, 3.0, -0.0])
            .collect();
        let times: Vec<f64> = (0..9_000u64)
            .map(|i| 1.7e9 + ((i * 104_729) % 17_000) as f64)
            .collect();
        for values in [ids, times] {
            let dense = Sorted::values(values.clone(), &mut Vec::new());
            assert!(matches!(dense, Sorted::Dense { .. }));
            let mut plain = values.clone();
            plain.sort_by(f64::total_cmp);
            let sorted = Sorted::Values(plain);
            assert_eq!(dense.count(), sorted.count());
            assert_eq!(
                dense.iter().collect::<Vec<_>>(),
                sorted.iter().collect::<Vec<_>>()
            );
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                assert_eq!(dense.quantile(q), sorted.quantile(q), "q {q}");
            }
            assert_eq!(dense.min_max(), sorted.min_max());
            assert_eq!(mean_std(&dense), mean_std(&sorted));
        }
        // Fractions, or a range much wider than the count, are sorted.
        let fractions: Vec<f64> = (0..5_000).map(|i| (4_999 - i) as f64 + 0.5).collect();
        assert!(matches!(
            Sorted::values(fractions, &mut Vec::new()),
            Sorted::Values(_)
        ));
        let sparse: Vec<f64> = (0..5_000).map(|i| ((4_999 - i) * 1_000) as f64).collect();
        assert!(matches!(
            Sorted::values(sparse, &mut Vec::new()),
            Sorted::Values(_)
        ));
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
