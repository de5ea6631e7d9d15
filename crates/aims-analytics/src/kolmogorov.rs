//! The one-sample two-sided Kolmogorov distribution for finite n (`scipy.stats.kstwo.sf`), used
//! for the asymptotic p-value of the two-sample test beyond 10,000 values per sample.
//!
//! Following the regions of Simard and L'Ecuyer (2011) that scipy also uses: exact tails, the
//! one-sided Smirnov formula doubled where the two tails do not overlap, and the Pelz-Good
//! expansion elsewhere.

use statrs::function::gamma::ln_gamma;

const PI2: f64 = std::f64::consts::PI * std::f64::consts::PI;

/// `kstwo.sf(x, n)`: P(D_n >= x).
pub fn kstwo_sf(x: f64, n: f64) -> f64 {
    if x.is_nan() || n.is_nan() || n < 1.0 {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = n * x;
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        // Ruben-Gambino: P(D_n <= x) = n! / n^n (2t - 1)^n for 1/2n <= x <= 1/n.
        let log_cdf = ln_gamma(n + 1.0) - n * n.ln() + n * (2.0 * t - 1.0).ln();
        return 1.0 - log_cdf.exp();
    }
    if t >= n - 1.0 {
        return (2.0 * (1.0 - x).powf(n)).clamp(0.0, 1.0);
    }
    let nx2 = t * x;
    if x >= 0.5 || nx2 >= 2.2 {
        if nx2 >= 370.0 {
            return 0.0;
        }
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    (1.0 - pelz_good_cdf(n, x)).clamp(0.0, 1.0)
}

/// One-sided Smirnov tail P(D+_n >= x), Birnbaum and Tingey's exact sum, evaluated in logs.
fn smirnov_sf(n: f64, x: f64) -> f64 {
    let jmax = (n * (1.0 - x)).floor() as i64;
    let ln_n_fact = ln_gamma(n + 1.0);
    let mut logs = Vec::with_capacity((jmax + 1).max(0) as usize);
    for j in 0..=jmax {
        let jf = j as f64;
        let a = 1.0 - x - jf / n;
        let b = x + jf / n;
        if a <= 0.0 || b <= 0.0 {
            continue;
        }
        let log_binom = ln_n_fact - ln_gamma(jf + 1.0) - ln_gamma(n - jf + 1.0);
        logs.push(log_binom + (n - jf) * a.ln() + (jf - 1.0) * b.ln());
    }
    let max = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return 0.0;
    }
    let sum: f64 = logs.iter().map(|l| (l - max).exp()).sum();
    x * (max + sum.ln()).exp()
}

/// Pelz and Good's (1976) expansion of P(D_n <= x) in powers of 1/sqrt(n), with the theta-function
/// forms of the K_i terms that converge fast for small z = x sqrt(n).
fn pelz_good_cdf(n: f64, x: f64) -> f64 {
    let z = n.sqrt() * x;
    let z2 = z * z;
    let z4 = z2 * z2;
    let z6 = z4 * z2;
    let qlog = -PI2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let pi4 = PI2 * PI2;
    let pi6 = pi4 * PI2;
    let sqrt2pi = (2.0 * std::f64::consts::PI).sqrt();
    let kmax = (16.0 * z / std::f64::consts::PI).ceil().max(1.0) as i64;
    // Sums over odd m = 2k - 1 of coefficient_i(m) * q^(m^2).
    let mut k = [0.0f64; 4];
    for kk in 1..=kmax {
        let m = (2 * kk - 1) as f64;
        let m2 = m * m;
        let weight = q.powf(m2);
        k[0] += weight;
        k[1] += (PI2 * m2 / 4.0 - z2) * weight;
        k[2] += (6.0 * z6
            + 2.0 * z4
            + PI2 * (2.0 * z4 - 5.0 * z2) * m2 / 4.0
            + pi4 * (1.0 - 2.0 * z2) * m2 * m2 / 16.0)
            * weight;
        k[3] += (-30.0 * z6 - 90.0 * z6 * z2
            + PI2 * (135.0 * z4 - 96.0 * z6) * m2 / 4.0
            + pi4 * (212.0 * z4 - 60.0 * z2) * m2 * m2 / 16.0
            + pi6 * (5.0 - 30.0 * z2) * m2 * m2 * m2 / 64.0)
            * weight;
    }
    k[0] *= sqrt2pi / z;
    k[1] *= sqrt2pi / (6.0 * z4);
    k[2] *= sqrt2pi / (72.0 * z6 * z);
    k[3] *= sqrt2pi / (6480.0 * z6 * z4);
    // Terms over all integers k for K2 and K3.
    let q2 = (-PI2 / 2.0 / z2).exp();
    let mut extra2 = 0.0;
    let mut extra3 = 0.0;
    for kk in 1..=kmax {
        let kf = kk as f64;
        let w = q2.powf(kf * kf);
        extra2 += kf * kf * w;
        let s3z = 3.0f64.sqrt() * z;
        extra3 +=
            (s3z + std::f64::consts::PI * kf) * (s3z - std::f64::consts::PI * kf) * kf * kf * w;
    }
    k[2] += extra2 * PI2 * sqrt2pi / (-36.0 * z2 * z);
    k[3] += extra3 * PI2 * sqrt2pi / (216.0 * z6);
    k[0] + k[1] / n.sqrt() + k[2] / n + k[3] / (n * n.sqrt())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy_kstwo_sf() {
        // scipy 1.17.1 stats.kstwo.sf(d, n).
        let cases = [
            (0.01, 50_000.0, 9.018048811843602e-05),
            (0.005, 50_000.0, 0.16353363492434803),
            (0.02, 500_000.0, 3.6481966551764204e-174),
            (0.001, 500_000.0, 0.6989801443663661),
            (0.003, 200_000.0, 0.0545369786611305),
            (0.0088, 5_000.0, 0.8301456222165162),
            (0.2, 20_000.0, 0.0),
        ];
        for (d, n, expected) in cases {
            let p = kstwo_sf(d, n);
            let rel = if expected == 0.0 {
                p
            } else {
                (p - expected).abs() / expected
            };
            eprintln!("d {d} n {n}: {p:e} vs {expected:e}, relative {rel:e}");
            assert!(rel < 1e-9, "d {d} n {n}: {p:e} vs {expected:e}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(kstwo_sf(0.0, 100.0), 1.0);
        assert_eq!(kstwo_sf(1.0, 100.0), 0.0);
    }

    #[test]
    fn close_to_kolmogorov_limit_for_large_n() {
        // For large n, P(D_n >= x) approaches the Kolmogorov distribution Q(x sqrt(n)).
        // Q(1.0) = 0.26999967167735456, Q(1.5) = 0.02221743888637812.
        let n: f64 = 1.0e6;
        let p = kstwo_sf(1.0 / n.sqrt(), n);
        assert!((p - 0.26999967167735456).abs() < 2e-3, "{p}");
        let p = kstwo_sf(1.5 / n.sqrt(), n);
        assert!((p - 0.02221743888637812).abs() < 5e-4, "{p}");
    }
}
