//! Statistical process control over a metric's history (clause 9.1, retraining triggers):
//! EWMA, tabular CUSUM, Page-Hinkley and the Western Electric rules, each returning alarms with
//! the index of the point that triggered them.

use serde::{Deserialize, Serialize};

/// One alarm: which rule fired at which point of the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Index in the series of the point that triggered the alarm.
    pub index: usize,
    pub value: f64,
    pub rule: String,
    pub detail: String,
}

/// EWMA chart settings: smoothing `lambda`, limit width `l` in standard deviations, and the
/// in-control mean and standard deviation (estimated from the series when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwmaConfig {
    pub lambda: f64,
    pub l: f64,
    pub target: Option<f64>,
    pub sigma: Option<f64>,
}

impl Default for EwmaConfig {
    fn default() -> Self {
        Self {
            lambda: 0.2,
            l: 3.0,
            target: None,
            sigma: None,
        }
    }
}

fn mean_std(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let m = crate::num::mean(x);
    let s = if x.len() > 1 {
        crate::num::std(x, 1.0)
    } else {
        0.0
    };
    (m, s)
}

/// EWMA z_t = lambda x_t + (1 - lambda) z_{t-1}, z_0 = target, with exact time-varying limits
/// target +/- L sigma sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2t))).
pub fn ewma(series: &[f64], config: &EwmaConfig) -> (Vec<f64>, Vec<Alarm>) {
    let (m, s) = mean_std(series);
    let target = config.target.unwrap_or(m);
    let sigma = config.sigma.unwrap_or(s);
    let lambda = config.lambda;
    let mut z = target;
    let mut out = Vec::with_capacity(series.len());
    let mut alarms = Vec::new();
    for (t, &x) in series.iter().enumerate() {
        z = lambda * x + (1.0 - lambda) * z;
        out.push(z);
        let steps = (t + 1) as i32;
        let width = config.l
            * sigma
            * (lambda / (2.0 - lambda) * (1.0 - (1.0 - lambda).powi(2 * steps))).sqrt();
        if (z - target).abs() > width {
            alarms.push(Alarm {
                index: t,
                value: x,
                rule: "ewma".to_owned(),
                detail: format!("ewma {z:.6} outside {:.6} +/- {width:.6}", target),
            });
        }
    }
    (out, alarms)
}

/// Tabular CUSUM with reference value `k` and decision interval `h`, both in units of sigma:
/// C+_t = max(0, x_t - (target + k sigma) + C+_{t-1}), C-_t = max(0, (target - k sigma) - x_t + C-_{t-1});
/// an alarm when either exceeds h sigma, after which both restart from zero.
pub fn cusum(series: &[f64], target: f64, sigma: f64, k: f64, h: f64) -> Vec<Alarm> {
    let mut hi = 0.0f64;
    let mut lo = 0.0f64;
    let mut alarms = Vec::new();
    for (t, &x) in series.iter().enumerate() {
        hi = (x - (target + k * sigma) + hi).max(0.0);
        lo = ((target - k * sigma) - x + lo).max(0.0);
        if hi > h * sigma || lo > h * sigma {
            let upward = hi > h * sigma;
            alarms.push(Alarm {
                index: t,
                value: x,
                rule: if upward { "cusum_upper" } else { "cusum_lower" }.to_owned(),
                detail: format!("C+ {hi:.6}, C- {lo:.6}, limit {:.6}", h * sigma),
            });
            hi = 0.0;
            lo = 0.0;
        }
    }
    alarms
}

/// Page-Hinkley settings with the river library's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageHinkleyConfig {
    pub min_instances: usize,
    pub delta: f64,
    pub threshold: f64,
    pub alpha: f64,
}

impl Default for PageHinkleyConfig {
    fn default() -> Self {
        Self {
            min_instances: 30,
            delta: 0.005,
            threshold: 50.0,
            alpha: 1.0 - 1e-4,
        }
    }
}

/// Page-Hinkley test in both directions (river's `PageHinkley(mode="both")` semantics): running
/// mean x̄; m+_t = alpha m+_{t-1} + (x_t - x̄_t - delta) and m-_t = alpha m-_{t-1} + (x_t - x̄_t + delta);
/// an alarm when m+_t - min m+ or max m- - m-_t exceeds the threshold once `min_instances` points
/// were seen. The detector restarts after an alarm.
pub fn page_hinkley(series: &[f64], config: &PageHinkleyConfig) -> Vec<Alarm> {
    let mut alarms = Vec::new();
    let mut n = 0usize;
    let mut mean = 0.0f64;
    let mut sum_up = 0.0f64;
    let mut sum_down = 0.0f64;
    let mut min_up = f64::INFINITY;
    let mut max_down = f64::NEG_INFINITY;
    for (t, &x) in series.iter().enumerate() {
        n += 1;
        mean += (x - mean) / n as f64;
        sum_up = config.alpha * sum_up + (x - mean - config.delta);
        sum_down = config.alpha * sum_down + (x - mean + config.delta);
        min_up = min_up.min(sum_up);
        max_down = max_down.max(sum_down);
        if n < config.min_instances {
            continue;
        }
        let up = sum_up - min_up;
        let down = max_down - sum_down;
        let fired = if up > config.threshold {
            Some(("page_hinkley_up", up))
        } else if down > config.threshold {
            Some(("page_hinkley_down", down))
        } else {
            None
        };
        if let Some((rule, statistic)) = fired {
            alarms.push(Alarm {
                index: t,
                value: x,
                rule: rule.to_owned(),
                detail: format!("statistic {statistic:.6} above {}", config.threshold),
            });
            n = 0;
            mean = 0.0;
            sum_up = 0.0;
            sum_down = 0.0;
            min_up = f64::INFINITY;
            max_down = f64::NEG_INFINITY;
        }
    }
    alarms
}

/// The four Western Electric rules against a centre line and sigma: 1 point beyond 3 sigma;
/// 2 of 3 beyond 2 sigma on one side; 4 of 5 beyond 1 sigma on one side; 8 in a row on one side.
/// Each alarm names the rule and the last point of the pattern.
pub fn western_electric(series: &[f64], center: f64, sigma: f64) -> Vec<Alarm> {
    let mut alarms = Vec::new();
    let z: Vec<f64> = series
        .iter()
        .map(|x| {
            if sigma > 0.0 {
                (x - center) / sigma
            } else {
                0.0
            }
        })
        .collect();
    let push = |alarms: &mut Vec<Alarm>, t: usize, rule: &str, detail: &str| {
        alarms.push(Alarm {
            index: t,
            value: series[t],
            rule: rule.to_owned(),
            detail: detail.to_owned(),
        });
    };
    for t in 0..z.len() {
        if z[t].abs() > 3.0 {
            push(&mut alarms, t, "we1", "one point beyond 3 sigma");
        }
        for side in [1.0f64, -1.0] {
            let beyond = |lo: usize, limit: f64| -> usize {
                z[lo..=t].iter().filter(|v| *v * side > limit).count()
            };
            if t >= 2 && z[t] * side > 2.0 && beyond(t - 2, 2.0) >= 2 {
                push(
                    &mut alarms,
                    t,
                    "we2",
                    "two of three points beyond 2 sigma on one side",
                );
            }
            if t >= 4 && z[t] * side > 1.0 && beyond(t - 4, 1.0) >= 4 {
                push(
                    &mut alarms,
                    t,
                    "we3",
                    "four of five points beyond 1 sigma on one side",
                );
            }
            if t >= 7 && z[t - 7..=t].iter().all(|v| *v * side > 0.0) {
                push(
                    &mut alarms,
                    t,
                    "we4",
                    "eight points in a row on one side of the centre",
                );
            }
        }
    }
    alarms
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn ewma_hand_computed() {
        // target 10, sigma 1, lambda 0.5, L 3. z1 = 0.5*10 + 0.5*10 = 10; z2 = 0.5*14 + 0.5*10 = 12;
        // limit at t=2: 3 sqrt(0.5/1.5 (1 - 0.5^4)) = 3 sqrt(0.3125) = 1.6771 -> alarm at index 1.
        let cfg = EwmaConfig {
            lambda: 0.5,
            l: 3.0,
            target: Some(10.0),
            sigma: Some(1.0),
        };
        let (z, alarms) = ewma(&[10.0, 14.0], &cfg);
        assert_eq!(z, vec![10.0, 12.0]);
        assert_eq!(alarms.len(), 1);
        assert_eq!(alarms[0].index, 1);
    }

    #[test]
    fn cusum_hand_computed() {
        // target 0, sigma 1, k 0.5, h 2: C+ = 0.5, 1.0, 1.5, 2.0, 2.5 -> alarm at index 4.
        let alarms = cusum(&[1.0, 1.0, 1.0, 1.0, 1.0], 0.0, 1.0, 0.5, 2.0);
        assert_eq!(alarms.len(), 1);
        assert_eq!(alarms[0].index, 4);
        assert_eq!(alarms[0].rule, "cusum_upper");
        // Downward shift: C- = 1.5, 3.0 -> alarm at index 1.
        let alarms = cusum(&[-2.0, -2.0], 0.0, 1.0, 0.5, 2.0);
        assert_eq!(alarms[0].index, 1);
        assert_eq!(alarms[0].rule, "cusum_lower");
    }

    #[test]
    fn page_hinkley_detects_a_jump() {
        // 40 zeros then 40 values of 10: with delta 0.005 and threshold 50 the statistic grows by
        // roughly 10 - mean each step after the jump; it first exceeds 50 a few points later.
        let mut s = vec![0.0; 40];
        s.extend(vec![10.0; 40]);
        let alarms = page_hinkley(&s, &PageHinkleyConfig::default());
        assert!(!alarms.is_empty());
        let first = alarms[0].index;
        assert!((40..50).contains(&first), "{first}");
        // Hand computation of the first alarm: after the jump at t = 40 (n = 41), the running mean
        // is 10 k / (40 + k) after k high points, and the sum adds about 10 - mean - delta.
        let mut mean = 0.0f64;
        let mut sum = 0.0f64;
        let mut min_sum = f64::INFINITY;
        let mut expected = None;
        for (t, x) in s.iter().enumerate() {
            let n = (t + 1) as f64;
            mean += (x - mean) / n;
            sum = (1.0 - 1e-4) * sum + (x - mean - 0.005);
            min_sum = min_sum.min(sum);
            if t + 1 >= 30 && sum - min_sum > 50.0 {
                expected = Some(t);
                break;
            }
        }
        assert_eq!(Some(first), expected);
        assert_eq!(alarms[0].rule, "page_hinkley_up");
        assert!(page_hinkley(&[0.0; 100], &PageHinkleyConfig::default()).is_empty());
        // The mirror image falls: the downward statistic fires at the same point.
        let falling: Vec<f64> = s.iter().map(|x| -x).collect();
        let down = page_hinkley(&falling, &PageHinkleyConfig::default());
        assert_eq!(down[0].rule, "page_hinkley_down");
        assert_eq!(down[0].index, first);
    }

    #[test]
    fn western_electric_rules() {
        let alarms = western_electric(&[0.0, 3.5, 0.0], 0.0, 1.0);
        assert_eq!(alarms.len(), 1);
        assert_eq!((alarms[0].index, alarms[0].rule.as_str()), (1, "we1"));
        let alarms = western_electric(&[2.5, 0.0, 2.5], 0.0, 1.0);
        assert_eq!((alarms[0].index, alarms[0].rule.as_str()), (2, "we2"));
        let alarms = western_electric(&[1.5, 1.5, 0.0, 1.5, 1.5], 0.0, 1.0);
        assert_eq!((alarms[0].index, alarms[0].rule.as_str()), (4, "we3"));
        let alarms = western_electric(&[0.5; 8], 0.0, 1.0);
        assert_eq!((alarms[0].index, alarms[0].rule.as_str()), (7, "we4"));
        assert!(western_electric(&[0.5, -0.5, 0.5, -0.5], 0.0, 1.0).is_empty());
    }
}
