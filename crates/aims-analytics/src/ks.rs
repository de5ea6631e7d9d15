//! The two-sample Kolmogorov-Smirnov test as `scipy.stats.ks_2samp(method="auto")`: the exact
//! distribution when both samples have at most 10,000 values, the asymptotic one beyond.

use serde::{Deserialize, Serialize};

/// scipy's switch from exact to asymptotic p-values in `method="auto"`.
pub const MAX_EXACT_N: usize = 10_000;

/// The statistic, its p-value and how the p-value was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KsResult {
    pub statistic: f64,
    pub p_value: f64,
    /// `exact` or `asymptotic`.
    pub method: String,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The largest gap between the two empirical CDFs, evaluated (as scipy does) with
/// `searchsorted(side="right") / n` at every observed value. Inputs must be sorted ascending.
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut max_diff = 0.0f64;
    let mut min_diff = 0.0f64;
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(*y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => break,
        };
        while i < a.len() && a[i] <= next {
            i += 1;
        }
        while j < b.len() && b[j] <= next {
            j += 1;
        }
        let diff = i as f64 / n1 - j as f64 / n2;
        max_diff = max_diff.max(diff);
        min_diff = min_diff.min(diff);
    }
    let min_s = (-min_diff).clamp(0.0, 1.0);
    if min_s > max_diff { min_s } else { max_diff }
}

/// `ks_2samp(a, b)` two-sided with `method="auto"`; inputs sorted ascending, non-empty.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<KsResult> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let d = ks_statistic(a, b);
    let (n1, n2) = (a.len() as u64, b.len() as u64);
    if n1.max(n2) as usize <= MAX_EXACT_N {
        let g = gcd(n1, n2);
        let lcm = (n1 / g) * n2;
        let h = round_half_even(d * lcm as f64) as u64;
        let d_exact = h as f64 / lcm as f64;
        if h == 0 {
            return Some(KsResult {
                statistic: d_exact,
                p_value: 1.0,
                method: "exact".to_owned(),
            });
        }
        let prob = if n1 == n2 {
            Some(prob_outside_square(n1, h))
        } else {
            outer_prob_inside(n1, n2, g, h)
        };
        if let Some(p) = prob.filter(|p| p.is_finite() && (0.0..=1.0).contains(p)) {
            return Some(KsResult {
                statistic: d_exact,
                p_value: p,
                method: "exact".to_owned(),
            });
        }
        // Like scipy, an exact computation that fails numerically falls back to asymptotic.
        return Some(asymptotic(d_exact, n1, n2));
    }
    Some(asymptotic(d, n1, n2))
}

fn asymptotic(d: f64, n1: u64, n2: u64) -> KsResult {
    let (m, n) = if n1 >= n2 {
        (n1 as f64, n2 as f64)
    } else {
        (n2 as f64, n1 as f64)
    };
    let en = m * n / (m + n);
    let p = crate::kolmogorov::kstwo_sf(d, round_half_even(en));
    KsResult {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
        method: "asymptotic".to_owned(),
    }
}

/// numpy's `np.round`: halves go to the even neighbour.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// P(D >= h/n) for two samples of equal size n: scipy's Horner-like alternating sum.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let (n, h) = (n as i64, h as i64);
    let mut p = 0.0f64;
    let mut k = n / h;
    while k >= 0 {
        let mut p1 = 1.0f64;
        for j in 0..h {
            p1 = ((n - k * h - j) as f64 * p1) / ((n + k * h + j + 1) as f64);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// P(D >= h/lcm) for unequal sizes: the share of lattice paths leaving the band, computed with
/// the recursion that yields 1 - (inside share) directly (Viehmann 2021), as scipy does.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> Option<f64> {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let mg = m / g;
    let ng = n / g;
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for slot in a.iter_mut().take(maxj.max(0) as usize) {
        *slot = 0.0;
    }
    for i in 1..=m {
        let lastminj = minj;
        let lastlen = curlen;
        minj = ((((ng * i - h) as f64) / mg as f64).floor() as i64 + 1).max(0);
        minj = minj.min(n);
        maxj = ((((ng * i + h) as f64) / mg as f64).ceil() as i64).min(n + 1);
        if maxj <= minj {
            return Some(1.0);
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            let prev = *a.get((jj + minj - lastminj) as usize)?;
            val = (prev * i as f64 + val * j as f64) / ((i + j) as f64);
            *a.get_mut(jj as usize)? = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let start = (maxj - minj) as usize;
            let end = (start + (lastlen - curlen) as usize).min(a.len());
            for slot in &mut a[start.min(end)..end] {
                *slot = 1.0;
            }
        }
    }
    a.get((maxj - minj - 1) as usize).copied()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn sample(n: usize, step: u64, modulus: u64, scale: f64, shift: f64) -> Vec<f64> {
        let mut v: Vec<f64> = (0..n as u64)
            .map(|i| ((i * step) % modulus) as f64 / modulus as f64 * scale + shift)
            .collect();
        crate::num::sort_floats(&mut v);
        v
    }

    #[test]
    fn matches_scipy_exact_and_asymptotic() {
        // Values from scipy 1.17.1 ks_2samp on the same integer-generated samples.
        let a = sample(12_000, 7919, 10_007, 1.0, 0.0);
        let b = sample(15_000, 104_729, 12_011, 0.9, 0.06);
        let r = ks_2samp(&a, &b).unwrap();
        assert_eq!(r.method, "asymptotic");
        assert!((r.statistic - 0.06053333333333333).abs() < 1e-15);
        assert!(
            (r.p_value / 1.115420519008442e-21 - 1.0).abs() < 1e-9,
            "{}",
            r.p_value
        );
        // The first 3,000 and 4,500 values of the same sequences: the exact distribution.
        let a2 = sample(3_000, 7919, 10_007, 1.0, 0.0);
        let b2 = sample(4_500, 104_729, 12_011, 0.9, 0.06);
        let r = ks_2samp(&a2, &b2).unwrap();
        assert_eq!(r.method, "exact");
        assert!((r.statistic - 0.06366666666666666).abs() < 1e-15);
        assert!(
            (r.p_value / 8.854907660460007e-07 - 1.0).abs() < 1e-9,
            "{}",
            r.p_value
        );
        let c = sample(20_000, 7919, 10_007, 1.0, 0.0);
        let d = sample(20_000, 7919, 10_009, 1.0, 0.0);
        let r = ks_2samp(&c, &d).unwrap();
        assert!((r.statistic - 0.0001500000000000945).abs() < 1e-15);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn identical_samples() {
        let a = [1.0, 2.0, 3.0];
        let r = ks_2samp(&a, &a).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn small_exact_values() {
        // scipy.stats.ks_2samp([1,2,3,4,5], [6,7,8,9,10]) -> statistic 1.0, pvalue 0.007936507936507936
        let r = ks_2samp(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert_eq!(r.statistic, 1.0);
        assert!((r.p_value - 0.007936507936507936).abs() < 1e-15);
        // ks_2samp([1,2,3], [1.5,2.5,3.5,4.5]) -> statistic 0.5, pvalue 0.6571428571428571
        let r = ks_2samp(&[1.0, 2.0, 3.0], &[1.5, 2.5, 3.5, 4.5]).unwrap();
        assert_eq!(r.statistic, 0.5);
        assert!(
            (r.p_value - 0.6571428571428571).abs() < 1e-12,
            "{}",
            r.p_value
        );
    }
}
