//! Analytics check runs as evidence: headline metrics taken from a report, the Annex A
//! controls each kind of check supports, and metric history with process-control alarms.

use std::collections::BTreeMap;

use aims_store::CheckRun;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

/// The Annex A controls a kind of check is evidence for, when the caller names none:
/// data quality A.7.4; fairness A.5.4 and A.6.2.4; performance A.6.2.4; drift A.6.2.6;
/// privacy A.7.4 and A.7.6.
pub fn default_controls(kind: &str) -> Vec<String> {
    let ids: &[&str] = match kind {
        "quality" => &["A.7.4"],
        "fairness" => &["A.5.4", "A.6.2.4"],
        "performance" => &["A.6.2.4"],
        "drift" => &["A.6.2.6"],
        "privacy" => &["A.7.4", "A.7.6"],
        _ => &["A.5.4", "A.6.2.4", "A.6.2.6", "A.7.4"],
    };
    ids.iter().map(|id| (*id).to_owned()).collect()
}

/// Headline metrics of a report: every number directly under each section (such as
/// `performance.roc_auc`, `drift.drifted_share`, `quality.completeness`), each fairness
/// grouping's numbers (`fairness.sex+race.demographic_parity_difference`), and the value
/// of every failed threshold. Computed by the server from the report, never taken from
/// the client.
pub fn headline_metrics(report: &serde_json::Value) -> BTreeMap<String, f64> {
    let mut metrics = BTreeMap::new();
    for section in ["quality", "performance", "drift", "privacy", "regression"] {
        if let Some(object) = report.get(section).and_then(|s| s.as_object()) {
            for (key, value) in object {
                if let Some(number) = value.as_f64().filter(|n| n.is_finite()) {
                    metrics.insert(format!("{section}.{key}"), number);
                }
            }
        }
    }
    let groupings = report
        .get("fairness")
        .and_then(|f| f.get("groupings"))
        .and_then(|g| g.as_array())
        .cloned()
        .unwrap_or_default();
    for grouping in &groupings {
        let columns: Vec<&str> = grouping
            .get("columns")
            .and_then(|c| c.as_array())
            .map(|c| c.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let name = columns.join("+");
        for holder in [
            Some(grouping),
            grouping.get("scalars"),
            grouping.get("summary"),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(object) = holder.as_object() {
                for (key, value) in object {
                    if let Some(number) = value.as_f64().filter(|n| n.is_finite()) {
                        metrics.insert(format!("fairness.{name}.{key}"), number);
                    }
                }
            }
        }
    }
    for failure in report
        .get("failures")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
    {
        let part = |key: &str| {
            failure
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        if let Some(value) = failure
            .get("value")
            .and_then(|v| v.as_f64())
            .filter(|n| n.is_finite())
        {
            metrics.insert(
                format!("{}.{}.{}", part("check"), part("subject"), part("metric")),
                value,
            );
        }
    }
    metrics
}

/// One metric over a subject's runs, oldest first, with the alarms process control raises.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MetricHistory {
    pub metric: String,
    pub points: Vec<MetricPoint>,
    pub alarms: Vec<MetricAlarm>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MetricPoint {
    pub run_id: String,
    pub recorded_at: String,
    pub value: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MetricAlarm {
    /// Index of the point that triggered the alarm.
    pub index: usize,
    pub run_id: String,
    pub value: f64,
    pub rule: String,
    pub detail: String,
}

/// The history of one metric with EWMA (lambda 0.2, L 3) and Western Electric alarms.
/// The centre line and sigma come from every run before the latest (the baseline), so the
/// newest run is judged against history rather than diluting it.
pub async fn history(
    state: &AppState,
    subject: (&str, &str),
    metric: &str,
) -> ApiResult<MetricHistory> {
    let mut runs: Vec<CheckRun> = state.store().list_check_runs(Some(subject), 1000).await?;
    runs.reverse();
    let points: Vec<MetricPoint> = runs
        .iter()
        .filter_map(|run| {
            run.run.metrics.get(metric).map(|value| MetricPoint {
                run_id: run.id.to_string(),
                recorded_at: run.recorded_at.clone(),
                value: *value,
            })
        })
        .collect();
    let series: Vec<f64> = points.iter().map(|p| p.value).collect();
    let mut alarms = Vec::new();
    if series.len() >= 3 {
        let baseline = &series[..series.len() - 1];
        let mean = baseline.iter().sum::<f64>() / baseline.len() as f64;
        let spread = (baseline.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
            / baseline.len() as f64)
            .sqrt();
        // A perfectly flat baseline would make every change infinitely significant.
        let sigma = spread.max(mean.abs() * 1e-6).max(f64::EPSILON);
        let config = aims_analytics::spc::EwmaConfig {
            lambda: 0.2,
            l: 3.0,
            target: Some(mean),
            sigma: Some(sigma),
        };
        let (_, ewma) = aims_analytics::spc::ewma(&series, &config);
        let rules = aims_analytics::spc::western_electric(&series, mean, sigma);
        for alarm in ewma.into_iter().chain(rules) {
            alarms.push(MetricAlarm {
                run_id: points
                    .get(alarm.index)
                    .map(|p| p.run_id.clone())
                    .unwrap_or_default(),
                index: alarm.index,
                value: alarm.value,
                rule: alarm.rule,
                detail: alarm.detail,
            });
        }
    }
    Ok(MetricHistory {
        metric: metric.to_owned(),
        points,
        alarms,
    })
}
