//! A small seeded generator (xoshiro256** seeded by SplitMix64) so bootstrap intervals are
//! reproducible from the seed recorded in the report, whatever the platform.

/// xoshiro256**: fast, statistically strong, and defined by a few lines, so the stream for a seed
/// never changes under us the way library generators may between releases.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self {
            s: [next(), next(), next(), next()],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal draw (Marsaglia's polar method; the second value is discarded so the
    /// stream stays a pure function of the seed and the call sequence).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// A Gamma(shape, 1) draw (Marsaglia and Tsang; shapes below 1 by the boost u^(1/shape)).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform().max(f64::MIN_POSITIVE);
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if u < 1.0 - 0.0331 * x * x * x * x
                || u.max(f64::MIN_POSITIVE).ln() < 0.5 * x * x + d * (1.0 - v + v.ln())
            {
                return d * v;
            }
        }
    }

    /// A Beta(a, b) draw from two gammas.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        if x + y > 0.0 { x / (x + y) } else { 0.5 }
    }

    /// A Binomial(n, p) draw, exact: small n counts uniforms below p; large n draws the median
    /// order statistic of n uniforms (a Beta variable) and recurses into the side holding p
    /// (Devroye, Non-Uniform Random Variate Generation, X.4). O(log n) work per draw.
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if n < 64 {
            return (0..n).filter(|_| self.uniform() < p).count() as u64;
        }
        let i = n.div_ceil(2);
        let x = self.beta(i as f64, (n + 1 - i) as f64);
        if x >= p {
            // Of the i - 1 uniforms below x, each is below p with probability p / x.
            self.binomial(i - 1, p / x)
        } else {
            // The i uniforms up to x are all below p; the n - i above it are uniform on (x, 1).
            i + self.binomial(n - i, (p - x) / (1.0 - x))
        }
    }

    /// Multinomial counts of `n` draws over categories weighted by `counts`, by conditional
    /// binomials.
    pub fn multinomial(&mut self, n: u64, counts: &[u64]) -> Vec<u64> {
        let mut left_weight: u64 = counts.iter().sum();
        let mut left = n;
        let mut out = Vec::with_capacity(counts.len());
        for &c in counts {
            if left == 0 || left_weight == 0 {
                out.push(0);
                continue;
            }
            let draw = if c >= left_weight {
                left
            } else {
                self.binomial(left, c as f64 / left_weight as f64)
            };
            out.push(draw);
            left -= draw;
            left_weight -= c;
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn binomial_moments() {
        // 4,000 draws of Bin(10,000, 0.3): mean 3,000, sd 45.8; the sample mean is within
        // 4 standard errors (2.9) and the sample sd within 10 %.
        let mut rng = Rng::new(7);
        let draws: Vec<f64> = (0..4000)
            .map(|_| rng.binomial(10_000, 0.3) as f64)
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var =
            draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (draws.len() - 1) as f64;
        assert!(
            (mean - 3000.0).abs() < 4.0 * 45.83 / (4000f64).sqrt(),
            "{mean}"
        );
        assert!((var.sqrt() / 45.83 - 1.0).abs() < 0.1, "{}", var.sqrt());
        assert!(draws.iter().all(|d| *d >= 0.0 && *d <= 10_000.0));
    }

    #[test]
    fn multinomial_sums_to_n() {
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            let m = rng.multinomial(12_345, &[5, 0, 100, 7, 1]);
            assert_eq!(m.iter().sum::<u64>(), 12_345);
            assert_eq!(m[1], 0);
        }
    }
}
