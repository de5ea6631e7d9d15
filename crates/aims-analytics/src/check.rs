//! The public entry point: run a check described by a spec over data files and get a report with
//! `passed` and the list of failures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::drift::{DriftPartial, DriftResult, Sample};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::fairness::{FairnessColumns, FairnessOptions, FairnessPartial, GroupingResult};
use crate::input::DataSource;
use crate::performance::{PerformanceColumns, PerformancePartial, PerformanceResult};
use crate::privacy::{PrivacyPartial, PrivacyResult};
use crate::quality::{QualityColumn, QualityKind, QualityPartial, QualityResult, Room, Validity};
use crate::spec::{ColumnKind, ColumnType, DatasetSpec, Role};
use crate::stream::fold_batches;
use crate::tally::Sorted;
use crate::values::{is_integer, is_numeric, is_temporal};

/// Which check to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Quality,
    Fairness,
    Drift,
    Performance,
    Privacy,
    /// Every check the spec and inputs allow; drift only with a reference.
    All,
}

impl CheckKind {
    /// Parses `quality`, `fairness`, `drift`, `performance`, `privacy` or `all`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "quality" => CheckKind::Quality,
            "fairness" => CheckKind::Fairness,
            "drift" => CheckKind::Drift,
            "performance" => CheckKind::Performance,
            "privacy" => CheckKind::Privacy,
            "all" => CheckKind::All,
            _ => return None,
        })
    }
}

/// What to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRequest {
    pub kind: CheckKind,
    pub data: PathBuf,
    pub reference: Option<PathBuf>,
    pub spec: PathBuf,
    /// The caller's "now" in seconds since the Unix epoch, for timeliness when the spec gives no
    /// `as_of`. The library never reads the clock itself.
    pub now_unix_seconds: Option<f64>,
}

impl CheckReport {
    /// The process exit code for this report: 0 when every threshold holds, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.passed { 0 } else { 1 }
    }
}

/// One threshold that does not hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// quality, fairness, drift, performance or privacy.
    pub check: String,
    /// The column, grouping or rule concerned.
    pub subject: String,
    pub metric: String,
    pub value: Option<f64>,
    /// The requirement, for example `<= 0.05`.
    pub threshold: String,
    pub message: String,
}

/// The fairness section of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessResult {
    pub label: String,
    pub prediction: String,
    pub positive_label: String,
    pub rows: u64,
    /// Rows left out because label, prediction or weight was missing.
    pub dropped_rows: u64,
    pub weighted: bool,
    pub groupings: Vec<GroupingResult>,
}

/// Everything a check found. Serialises to JSON; `render_table` and `render_html` format it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub kind: CheckKind,
    pub dataset: Option<String>,
    pub data: String,
    pub reference: Option<String>,
    pub spec: String,
    pub rows: u64,
    pub reference_rows: Option<u64>,
    /// True when every threshold holds.
    pub passed: bool,
    pub failures: Vec<Failure>,
    /// Checks skipped and why, and other remarks.
    pub notes: Vec<String>,
    pub quality: Option<QualityResult>,
    pub fairness: Option<FairnessResult>,
    pub drift: Option<DriftResult>,
    pub performance: Option<PerformanceResult>,
    /// Regression metrics, when the spec sets a regression threshold.
    #[serde(default)]
    pub regression: Option<crate::performance::RegressionMetrics>,
    pub privacy: Option<PrivacyResult>,
    /// The engine and version that produced the report.
    pub engine: String,
}

/// Runs one check (or all) and returns the report. Errors are for inputs that cannot be read or
/// a spec that cannot be applied; failed thresholds are in the report, not errors.
pub fn run_check(request: &CheckRequest) -> Result<CheckReport> {
    let spec = DatasetSpec::from_path(&request.spec)?;
    run_check_with_spec(request, &spec)
}

/// As [`run_check`], calling `progress` after every batch read (from the reading thread), so a
/// terminal can show a progress bar. Each check makes its own passes over the files.
pub fn run_check_with_progress(
    request: &CheckRequest,
    progress: crate::input::ProgressSink,
) -> Result<CheckReport> {
    let spec = DatasetSpec::from_path(&request.spec)?;
    run(request, &spec, Some(progress))
}

/// As [`run_check`] with a spec already parsed.
pub fn run_check_with_spec(request: &CheckRequest, spec: &DatasetSpec) -> Result<CheckReport> {
    run(request, spec, None)
}

fn run(
    request: &CheckRequest,
    spec: &DatasetSpec,
    progress: Option<crate::input::ProgressSink>,
) -> Result<CheckReport> {
    let mut data = DataSource::open(&request.data, spec)?;
    let declared: Vec<String> = spec.columns.keys().cloned().collect();
    data.require(&declared)?;
    let mut reference = match &request.reference {
        Some(path) => Some(DataSource::open(path, spec)?),
        None => None,
    };
    if let Some(sink) = progress {
        data.set_progress(sink.clone());
        if let Some(r) = reference.as_mut() {
            r.set_progress(sink);
        }
    }
    let mut report = CheckReport {
        kind: request.kind,
        dataset: spec.name.clone(),
        data: request.data.display().to_string(),
        reference: request.reference.as_ref().map(|p| p.display().to_string()),
        spec: request.spec.display().to_string(),
        rows: 0,
        reference_rows: None,
        passed: true,
        failures: Vec::new(),
        notes: Vec::new(),
        quality: None,
        fairness: None,
        drift: None,
        performance: None,
        regression: None,
        privacy: None,
        engine: format!("aims-analytics {}", env!("CARGO_PKG_VERSION")),
    };
    let all = request.kind == CheckKind::All;
    if request.kind == CheckKind::Quality || all {
        let q = run_quality(
            spec,
            &data,
            reference.as_ref(),
            request.now_unix_seconds,
            &mut report,
        )?;
        report.rows = q.rows;
        report.quality = Some(q);
    }
    // A regression model's label is a number, not a class: fairness rates do not apply.
    let regression = {
        let p = &spec.performance;
        p.max_mae.is_some() || p.max_rmse.is_some() || p.min_r2.is_some()
    };
    if all && regression {
        report
            .notes
            .push("fairness skipped: the spec describes a regression model".to_owned());
    } else if request.kind == CheckKind::Fairness || all {
        match fairness_columns(spec, &data) {
            Ok(columns) => {
                let f = run_fairness(spec, &data, reference.as_ref(), &columns, &mut report)?;
                report.rows = report.rows.max(f.rows + f.dropped_rows);
                report.fairness = Some(f);
            }
            Err(e) if all => report.notes.push(format!("fairness skipped: {e}")),
            Err(e) => return Err(e),
        }
    }
    if (request.kind == CheckKind::Performance || all) && regression {
        report.regression = Some(run_regression(spec, &data, &mut report)?);
    } else if request.kind == CheckKind::Performance || all {
        match performance_columns(spec, &data) {
            Ok(columns) => {
                let p = run_performance(spec, &data, &columns, &mut report)?;
                report.rows = report.rows.max(p.rows + p.dropped_rows);
                report.performance = Some(p);
            }
            Err(e) if all => report.notes.push(format!("performance skipped: {e}")),
            Err(e) => return Err(e),
        }
    }
    if request.kind == CheckKind::Drift || all {
        match &reference {
            Some(r) => {
                let d = run_drift(spec, &data, r, &mut report)?;
                if let Some(c) = d.columns.first() {
                    report.rows = report.rows.max(c.current_rows + c.current_missing);
                }
                report.drift = Some(d);
            }
            None if all => report
                .notes
                .push("drift skipped: no reference data given".to_owned()),
            None => {
                return Err(Error::Missing(
                    "drift needs reference data (--reference <file>)".to_owned(),
                ));
            }
        }
    }
    if request.kind == CheckKind::Privacy || all {
        match &spec.privacy {
            Some(_) => {
                let p = run_privacy(spec, &data, &mut report)?;
                report.privacy = Some(p);
            }
            None if all => report
                .notes
                .push("privacy skipped: no [privacy] table in the spec".to_owned()),
            None => {
                return Err(Error::Missing(
                    "privacy needs a [privacy] table with quasi_identifiers in the spec".to_owned(),
                ));
            }
        }
    }
    report.passed = report.failures.is_empty();
    Ok(report)
}

fn fail(
    report: &mut CheckReport,
    check: &str,
    subject: &str,
    metric: &str,
    value: Option<f64>,
    threshold: String,
) {
    let shown = value
        .map(|v| format!("{v:.6}"))
        .unwrap_or_else(|| "undefined".to_owned());
    report.failures.push(Failure {
        check: check.to_owned(),
        subject: subject.to_owned(),
        metric: metric.to_owned(),
        value,
        message: format!("{check}: {subject} {metric} = {shown}, required {threshold}"),
        threshold,
    });
}

fn check_max(
    report: &mut CheckReport,
    check: &str,
    subject: &str,
    metric: &str,
    value: Option<f64>,
    max: Option<f64>,
) {
    if let Some(max) = max
        && value.is_none_or(|v| v.is_nan() || v > max)
    {
        fail(report, check, subject, metric, value, format!("<= {max}"));
    }
}

fn check_min(
    report: &mut CheckReport,
    check: &str,
    subject: &str,
    metric: &str,
    value: Option<f64>,
    min: Option<f64>,
) {
    if let Some(min) = min
        && value.is_none_or(|v| v.is_nan() || v < min)
    {
        fail(report, check, subject, metric, value, format!(">= {min}"));
    }
}

fn role_or_err(spec: &DatasetSpec, role: Role, purpose: &str) -> Result<String> {
    spec.role_column(role).map(str::to_owned).ok_or_else(|| {
        Error::Missing(format!(
            "{purpose} needs a column with role = \"{}\" in the spec",
            format!("{role:?}").to_lowercase()
        ))
    })
}

fn fairness_columns(spec: &DatasetSpec, data: &DataSource) -> Result<FairnessColumns> {
    let label = role_or_err(spec, Role::Label, "fairness")?;
    // Without a prediction column the check is the training-data view: the label is the outcome.
    let prediction = spec
        .role_column(Role::Prediction)
        .map(str::to_owned)
        .unwrap_or_else(|| label.clone());
    let groupings = spec.fairness_groupings();
    if groupings.is_empty() {
        return Err(Error::Missing(
            "fairness needs columns with role = \"sensitive\" or fairness.groupings in the spec"
                .to_owned(),
        ));
    }
    let columns = FairnessColumns {
        path: data.path().to_path_buf(),
        label,
        prediction,
        weight: spec.role_column(Role::Weight).map(str::to_owned),
        positive: spec.fairness.positive_label.clone(),
        groupings,
    };
    data.require(&columns.needed())?;
    Ok(columns)
}

fn run_fairness(
    spec: &DatasetSpec,
    data: &DataSource,
    reference: Option<&DataSource>,
    columns: &FairnessColumns,
    report: &mut CheckReport,
) -> Result<FairnessResult> {
    // Sensitive text read as dictionaries where the file stores it so: each batch's groups are
    // then coded once per distinct value instead of once per row.
    let sensitive: Vec<String> = columns.groupings.iter().flatten().cloned().collect();
    let (partial, rows) = fold_batches(
        data.batches_with_dictionaries(&columns.needed(), &sensitive)?,
        || FairnessPartial::new(columns),
        |p, batch, offset| p.update(columns, batch, offset),
    )?;
    if rows == 0 {
        return Err(Error::NoRows {
            path: data.path().to_path_buf(),
        });
    }
    // Representation against the reference population, when one is given.
    let reference_cells = match reference {
        Some(r) if r.require(&columns.needed()).is_ok() => {
            let ref_columns = FairnessColumns {
                path: r.path().to_path_buf(),
                ..columns.clone()
            };
            let (rp, _) = fold_batches(
                r.batches_with_dictionaries(&ref_columns.needed(), &sensitive)?,
                || FairnessPartial::new(&ref_columns),
                |p, batch, offset| p.update(&ref_columns, batch, offset),
            )?;
            Some(rp.cells)
        }
        _ => None,
    };
    let f = &spec.fairness;
    let options = FairnessOptions {
        positive: f.positive_label.clone(),
        favourable: f.favourable_label.clone(),
        privileged: f.privileged.clone(),
        four_fifths: f.disparate_impact_bounds.unwrap_or([0.8, 1.25]),
        bootstrap: f
            .bootstrap
            .as_ref()
            .map(|b| (b.replicates, b.seed, b.level)),
    };
    let other_label = partial
        .prediction_state
        .other
        .as_ref()
        .map(|(s, _)| s.clone());
    // Groupings in parallel: each bootstrap draws from its own generator, seeded alike, so the
    // results do not depend on the order they are computed in.
    let results: Vec<crate::fairness::GroupingResult> = {
        use rayon::prelude::*;
        let empty = BTreeMap::new();
        columns
            .groupings
            .par_iter()
            .enumerate()
            .map(|(g, grouping)| {
                crate::fairness::grouping_result(
                    grouping,
                    partial.cells.get(g).unwrap_or(&empty),
                    reference_cells.as_ref().and_then(|r| r.get(g)),
                    &options,
                    other_label.as_deref(),
                )
            })
            .collect()
    };
    let mut groupings = Vec::new();
    for (grouping, result) in columns.groupings.iter().zip(results) {
        let subject = grouping.join("+");
        check_max(
            report,
            "fairness",
            &subject,
            "demographic_parity_difference",
            result.demographic_parity_difference,
            f.max_demographic_parity_difference,
        );
        check_min(
            report,
            "fairness",
            &subject,
            "demographic_parity_ratio",
            result.demographic_parity_ratio,
            f.min_demographic_parity_ratio,
        );
        check_max(
            report,
            "fairness",
            &subject,
            "equalized_odds_difference",
            result.equalized_odds_difference,
            f.max_equalized_odds_difference,
        );
        check_min(
            report,
            "fairness",
            &subject,
            "equalized_odds_ratio",
            result.equalized_odds_ratio,
            f.min_equalized_odds_ratio,
        );
        check_max(
            report,
            "fairness",
            &subject,
            "equal_opportunity_difference",
            result.equal_opportunity_difference,
            f.max_equal_opportunity_difference,
        );
        check_max(
            report,
            "fairness",
            &subject,
            "label_rate_difference",
            result.label_rate_difference,
            f.max_label_rate_difference,
        );
        if let Some(a) = &result.aif360
            && a.four_fifths_pass != Some(true)
        {
            fail(
                report,
                "fairness",
                &format!("{subject} (privileged {})", a.privileged),
                "disparate_impact",
                a.disparate_impact,
                format!(
                    "within [{}, {}] (four-fifths rule)",
                    a.four_fifths_bounds[0], a.four_fifths_bounds[1]
                ),
            );
        }
        if let Some(min) = f.min_group_count {
            for g in &result.by_group {
                if g.confusion.count() < min {
                    report.notes.push(format!(
                        "fairness: group {} of {subject} has {} rows, below {min}: its rates are unstable",
                        g.name,
                        g.confusion.count()
                    ));
                }
            }
        }
        if !result.undefined.is_empty() {
            report.notes.push(format!(
                "fairness: undefined metrics left out of the {subject} aggregates: {}",
                result.undefined.join(", ")
            ));
        }
        groupings.push(result);
    }
    if columns.label == columns.prediction {
        report.notes.push(
            "fairness: no prediction column, so outcomes are the labels (training-data view)"
                .to_owned(),
        );
    }
    Ok(FairnessResult {
        label: columns.label.clone(),
        prediction: columns.prediction.clone(),
        positive_label: columns.positive.clone(),
        rows: rows - partial.dropped_rows,
        dropped_rows: partial.dropped_rows,
        weighted: columns.weight.is_some(),
        groupings,
    })
}

fn performance_columns(spec: &DatasetSpec, data: &DataSource) -> Result<PerformanceColumns> {
    let label = role_or_err(spec, Role::Label, "performance")?;
    let prediction = spec.role_column(Role::Prediction).map(str::to_owned);
    let score = spec.role_column(Role::Score).map(str::to_owned);
    if prediction.is_none() && score.is_none() {
        return Err(Error::Missing(
            "performance needs a column with role = \"prediction\" or \"score\" in the spec"
                .to_owned(),
        ));
    }
    let columns = PerformanceColumns {
        path: data.path().to_path_buf(),
        label,
        prediction,
        score,
        weight: spec.role_column(Role::Weight).map(str::to_owned),
        positive: spec.fairness.positive_label.clone(),
        threshold: spec.performance.threshold,
    };
    data.require(&columns.needed())?;
    Ok(columns)
}

fn run_performance(
    spec: &DatasetSpec,
    data: &DataSource,
    columns: &PerformanceColumns,
    report: &mut CheckReport,
) -> Result<PerformanceResult> {
    let (partial, _) = fold_batches(
        data.batches(&columns.needed())?,
        || PerformancePartial::new(columns),
        |p, batch, offset| p.update(columns, batch, offset),
    )?;
    let p = &spec.performance;
    let result = crate::performance::evaluate(
        &partial,
        p.calibration_bins,
        p.value_matrix.as_ref(),
        p.threshold,
    );
    let s = "model";
    check_min(
        report,
        "performance",
        s,
        "accuracy",
        result.accuracy,
        p.min_accuracy,
    );
    check_min(
        report,
        "performance",
        s,
        "precision",
        result.precision,
        p.min_precision,
    );
    check_min(
        report,
        "performance",
        s,
        "recall",
        result.recall,
        p.min_recall,
    );
    check_min(report, "performance", s, "f1", result.f1, p.min_f1);
    check_min(
        report,
        "performance",
        s,
        "roc_auc",
        result.roc_auc,
        p.min_roc_auc,
    );
    check_max(
        report,
        "performance",
        s,
        "log_loss",
        result.log_loss,
        p.max_log_loss,
    );
    check_max(report, "performance", s, "brier", result.brier, p.max_brier);
    check_max(report, "performance", s, "ece", result.ece, p.max_ece);
    Ok(result)
}

/// Regression: the label is a number and the `score` column the model's estimate of it.
fn run_regression(
    spec: &DatasetSpec,
    data: &DataSource,
    report: &mut CheckReport,
) -> Result<crate::performance::RegressionMetrics> {
    let label = role_or_err(spec, Role::Label, "regression")?;
    let estimate = role_or_err(spec, Role::Score, "regression")?;
    let needed = vec![label.clone(), estimate.clone()];
    data.require(&needed)?;
    let (pairs, _) = fold_batches(
        data.batches(&needed)?,
        RegressionPartial::default,
        |p, batch, _| {
            let y = crate::values::to_f64(crate::values::column(batch, &label)?, &label)?;
            let e = crate::values::to_f64(crate::values::column(batch, &estimate)?, &estimate)?;
            for (a, b) in y.iter().zip(e.iter()) {
                if let (Some(a), Some(b)) = (a, b)
                    && a.is_finite()
                    && b.is_finite()
                {
                    p.y.push(a);
                    p.estimate.push(b);
                }
            }
            Ok(())
        },
    )?;
    let metrics = crate::performance::regression(&pairs.y, &pairs.estimate).ok_or_else(|| {
        Error::Invalid(format!(
            "regression needs rows where both '{label}' and '{estimate}' are numbers"
        ))
    })?;
    let p = &spec.performance;
    check_max(
        report,
        "performance",
        "model",
        "mae",
        Some(metrics.mae),
        p.max_mae,
    );
    check_max(
        report,
        "performance",
        "model",
        "rmse",
        Some(metrics.rmse),
        p.max_rmse,
    );
    check_min(report, "performance", "model", "r2", metrics.r2, p.min_r2);
    Ok(metrics)
}

/// Label and estimate pairs, in file order.
#[derive(Debug, Default)]
struct RegressionPartial {
    y: Vec<f64>,
    estimate: Vec<f64>,
}

impl crate::stream::Partial for RegressionPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.y.extend(later.y);
        self.estimate.extend(later.estimate);
        Ok(())
    }
}

/// How drift treats a column: declared kind, else from the declared or stored type.
fn drift_kind(
    spec: &DatasetSpec,
    name: &str,
    data_type: &arrow::datatypes::DataType,
) -> Option<ColumnKind> {
    let column = spec.columns.get(name);
    if let Some(kind) = column.and_then(|c| c.kind) {
        return Some(kind);
    }
    match column.and_then(|c| c.column_type) {
        Some(ColumnType::Float) => return Some(ColumnKind::Numerical),
        Some(ColumnType::String) | Some(ColumnType::Boolean) => {
            return Some(ColumnKind::Categorical);
        }
        Some(ColumnType::Timestamp) => return None,
        _ => {}
    }
    if is_temporal(data_type) {
        None
    } else if is_numeric(data_type) {
        // Integers are decided after the pass: at most 10 distinct values makes them categorical.
        Some(ColumnKind::Numerical)
    } else {
        Some(ColumnKind::Categorical)
    }
}

fn drift_columns(spec: &DatasetSpec, data: &DataSource) -> Result<Vec<(String, ColumnKind, bool)>> {
    let excluded = |name: &str| {
        spec.columns.get(name).is_some_and(|c| {
            c.skip_drift
                || matches!(
                    c.role,
                    Some(Role::Id)
                        | Some(Role::Timestamp)
                        | Some(Role::Weight)
                        | Some(Role::Ignore)
                )
        })
    };
    let names: Vec<String> = if spec.drift.columns.is_empty() {
        data.column_names()
            .into_iter()
            .filter(|n| !excluded(n))
            .collect()
    } else {
        spec.drift.columns.clone()
    };
    data.require(&names)?;
    let mut out = Vec::new();
    for name in names {
        let data_type = data.data_type(&name)?.clone();
        let declared = spec.columns.get(&name).is_some_and(|c| c.kind.is_some());
        if let Some(kind) = drift_kind(spec, &name, &data_type) {
            // Undeclared integers may turn categorical after the pass.
            out.push((name, kind, !declared && is_integer(&data_type)));
        }
    }
    Ok(out)
}

/// Converts a numeric sample to category counts (integers with few values).
fn to_categorical(sample: &mut Sample) {
    let mut counts = BTreeMap::new();
    for v in &sample.values {
        *counts.entry(crate::values::format_number(*v)).or_default() += 1;
    }
    sample.counts = counts;
    sample.values.clear();
    sample.numeric = false;
    sample.integer = false;
}

/// Splits columns into passes whose numeric values fit the budget (`input.sample_budget_mb`);
/// other columns join the first. Each later pass reads only its own columns, so peak memory stays
/// flat whatever the number of columns.
fn plan_passes(numeric: &[bool], rows: u64, budget_mb: u64) -> Vec<Vec<usize>> {
    let per_column = rows.saturating_mul(8).max(1);
    let budget = budget_mb.saturating_mul(1024 * 1024);
    let per_pass = (budget / per_column).max(1) as usize;
    let mut passes: Vec<Vec<usize>> = vec![Vec::new()];
    let mut in_pass = 0usize;
    for (i, is_numeric) in numeric.iter().enumerate() {
        if !is_numeric {
            passes[0].push(i);
            continue;
        }
        if in_pass == per_pass {
            passes.push(Vec::new());
            in_pass = 0;
        }
        if let Some(last) = passes.last_mut() {
            last.push(i);
        }
        in_pass += 1;
    }
    passes.retain(|p| !p.is_empty());
    passes
}

fn run_drift(
    spec: &DatasetSpec,
    data: &DataSource,
    reference: &DataSource,
    report: &mut CheckReport,
) -> Result<DriftResult> {
    let columns = drift_columns(spec, data)?;
    let names: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
    reference.require(&names)?;
    let numeric: Vec<bool> = columns
        .iter()
        .map(|c| c.1 == ColumnKind::Numerical)
        .collect();
    let rows =
        data.rows_hint().unwrap_or(u64::MAX / 16) + reference.rows_hint().unwrap_or(u64::MAX / 16);
    let passes = plan_passes(&numeric, rows, spec.input.sample_budget_mb);
    // Several passes over CSV would parse the text each time: convert it once instead.
    let (_data_spill, data_spilled, _reference_spill, reference_spilled);
    let (data, reference) = if passes.len() > 1 {
        (_data_spill, data_spilled) = data.spill(&names, spec)?;
        (_reference_spill, reference_spilled) = reference.spill(&names, spec)?;
        (&data_spilled, &reference_spilled)
    } else {
        (data, reference)
    };
    let d = &spec.drift;
    let mut merged: Option<DriftResult> = None;
    for pass_columns in &passes {
        let pass_names: Vec<String> = pass_columns.iter().map(|i| names[*i].clone()).collect();
        let pass_numeric: Vec<bool> = pass_columns.iter().map(|i| numeric[*i]).collect();
        let read = |source: &DataSource| -> Result<(Vec<Sample>, u64)> {
            let mut total = DriftPartial::new(&pass_names, &pass_numeric);
            total.reserve(source.rows_hint().unwrap_or(0));
            let (mut partial, rows) = crate::stream::fold_batches_into(
                total,
                source.batches(&pass_names)?,
                || DriftPartial::new(&pass_names, &pass_numeric),
                |p, batch, _| p.update(batch),
            )?;
            partial.finish();
            Ok((partial.samples, rows))
        };
        // Both files are read at once: decoding is single-threaded per file.
        let (ref_read, cur_read) = rayon::join(|| read(reference), || read(data));
        let (mut ref_samples, ref_rows) = ref_read?;
        let (mut cur_samples, _) = cur_read?;
        report.reference_rows = Some(ref_rows);
        // NannyML's thresholds come from the reference split into chunks: one more pass over the
        // reference, now that its row count is known.
        let mut chunk_samples: Option<Vec<Vec<Sample>>> = None;
        if d.preset == "nannyml" {
            let (mut chunks, _) = fold_batches(
                reference.batches(&pass_names)?,
                || crate::drift::ChunkPartial::new(&pass_names, &pass_numeric),
                |p, batch, offset| p.update(batch, offset, ref_rows),
            )?;
            chunks.finish();
            chunk_samples = Some(chunks.chunks.into_iter().map(|c| c.samples).collect());
        }
        let mut typed: Vec<(String, ColumnKind)> = Vec::new();
        let mut keep: Vec<usize> = Vec::new();
        for (slot, index) in pass_columns.iter().enumerate() {
            let (name, kind, undeclared_integer) = &columns[*index];
            let mut kind = *kind;
            if *undeclared_integer && ref_samples[slot].distinct_up_to(11) <= 10 {
                to_categorical(&mut ref_samples[slot]);
                to_categorical(&mut cur_samples[slot]);
                for chunk in chunk_samples.iter_mut().flatten() {
                    if let Some(sample) = chunk.get_mut(slot) {
                        to_categorical(sample);
                    }
                }
                kind = ColumnKind::Categorical;
            }
            if kind == ColumnKind::Categorical && !ref_samples[slot].numeric {
                let distinct = ref_samples[slot].counts.len();
                let total = ref_samples[slot].len();
                let declared = spec.columns.get(name).is_some_and(|c| c.kind.is_some());
                if !declared && total > 0 && distinct * 2 > total {
                    report.notes.push(format!(
                        "drift: {name} looks like free text (more than half its values distinct) and was skipped"
                    ));
                    continue;
                }
            }
            typed.push((name.clone(), kind));
            keep.push(slot);
        }
        let ref_kept: Vec<Sample> = keep
            .iter()
            .map(|i| std::mem::take(&mut ref_samples[*i]))
            .collect();
        let cur_kept: Vec<Sample> = keep
            .iter()
            .map(|i| std::mem::take(&mut cur_samples[*i]))
            .collect();
        drop(ref_samples);
        drop(cur_samples);
        let chunks_kept: Option<Vec<Vec<Sample>>> = chunk_samples.map(|chunks| {
            chunks
                .into_iter()
                .map(|mut c| keep.iter().map(|i| std::mem::take(&mut c[*i])).collect())
                .collect()
        });
        let part =
            crate::drift::run_preset(d, &typed, &ref_kept, &cur_kept, chunks_kept.as_deref());
        merged = Some(match merged {
            None => part,
            Some(mut m) => {
                m.columns.extend(part.columns);
                m.secondary.extend(part.secondary);
                m
            }
        });
    }
    let mut result = merged.unwrap_or(DriftResult {
        preset: d.preset.clone(),
        columns: Vec::new(),
        secondary: Vec::new(),
        drifted_columns: 0,
        drifted_share: 0.0,
        drift_share_threshold: d.drift_share,
        dataset_drift: false,
    });
    // Report columns in file order whatever pass computed them.
    let position = |name: &str| names.iter().position(|n| n == name).unwrap_or(usize::MAX);
    result.columns.sort_by_key(|c| position(&c.column));
    result.secondary.sort_by_key(|c| position(&c.column));
    result.drifted_columns = result.columns.iter().filter(|c| c.drift).count();
    result.drifted_share = if result.columns.is_empty() {
        0.0
    } else {
        result.drifted_columns as f64 / result.columns.len() as f64
    };
    result.dataset_drift = !result.columns.is_empty() && result.drifted_share >= d.drift_share;
    if passes.len() > 1 {
        report.notes.push(format!(
            "drift: read in {} passes to keep the numeric samples within {} MiB",
            passes.len(),
            spec.input.sample_budget_mb
        ));
    }
    if result.dataset_drift && d.fail_on_dataset_drift {
        let drifted: Vec<&str> = result
            .columns
            .iter()
            .filter(|c| c.drift)
            .map(|c| c.column.as_str())
            .collect();
        report.failures.push(Failure {
            check: "drift".to_owned(),
            subject: "dataset".to_owned(),
            metric: "drifted_share".to_owned(),
            value: Some(result.drifted_share),
            threshold: format!("< {}", d.drift_share),
            message: format!(
                "drift: {} of {} columns drifted ({:.3} >= {}): {}",
                result.drifted_columns,
                result.columns.len(),
                result.drifted_share,
                d.drift_share,
                drifted.join(", ")
            ),
        });
    }
    Ok(result)
}

/// Category counts of the reference's text columns (for unseen values), one map per column.
struct ReferenceCounts(Vec<BTreeMap<String, u64>>);

impl crate::stream::Partial for ReferenceCounts {
    fn merge(&mut self, later: Self) -> Result<()> {
        for (mine, theirs) in self.0.iter_mut().zip(later.0) {
            for (k, c) in theirs {
                *mine.entry(k).or_default() += c;
            }
        }
        Ok(())
    }
}

/// The "now" of timeliness: the spec's `as_of`, else the caller's clock.
/// A column's results: its index, quality and timeliness (for the timestamp column).
type ColumnDone = (
    usize,
    crate::quality::ColumnQuality,
    Option<crate::quality::Timeliness>,
);

/// Runs `summarise` on every column on every worker of the pool, taking columns from one queue:
/// those whose numbers are in memory first (the most work first, so no worker is left with a
/// long one at the end), the deferred ones (read again from the file) last and at most
/// `deferred_at_once` at a time. A deferred column starts only once every column in memory has
/// started, so at most one worker's kept numbers are still held while others read. Each worker
/// keeps one sorting buffer (fresh memory costs page faults).
fn summarise_in_order(
    mut work: Vec<(usize, crate::quality::ColumnAgg, Validity)>,
    deferred_at_once: usize,
    summarise: impl Fn(
        (usize, crate::quality::ColumnAgg, Validity),
        &mut Vec<u64>,
    ) -> Result<ColumnDone>
    + Sync,
) -> Result<Vec<ColumnDone>> {
    use std::sync::{Condvar, Mutex};
    // Deferred last, then the largest first: a stable sort keeps column order among equals.
    work.sort_by_key(|(_, agg, _)| (agg.deferred(), std::cmp::Reverse(agg.weight())));
    let queue = Mutex::new(std::collections::VecDeque::from(work));
    let done: Mutex<Vec<ColumnDone>> = Mutex::new(Vec::new());
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    let reading = (Mutex::new(0usize), Condvar::new());
    let worker = || {
        let mut scratch = Vec::new();
        loop {
            let Some(item) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                return;
            };
            if failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                return;
            }
            let deferred = item.1.deferred();
            if deferred {
                let (count, freed) = &reading;
                let Ok(mut n) = count.lock() else { return };
                while *n >= deferred_at_once.max(1) {
                    n = match freed.wait(n) {
                        Ok(n) => n,
                        Err(_) => return,
                    };
                }
                *n += 1;
            }
            let result = summarise(item, &mut scratch);
            if deferred {
                let (count, freed) = &reading;
                if let Ok(mut n) = count.lock() {
                    *n -= 1;
                }
                freed.notify_one();
            }
            match result {
                Ok(r) => {
                    if let Ok(mut d) = done.lock() {
                        d.push(r);
                    }
                }
                Err(e) => {
                    if let Ok(mut f) = failed.lock() {
                        f.get_or_insert(e);
                    }
                    return;
                }
            }
        }
    };
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().max(1) {
            s.spawn(|_| worker());
        }
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut done = done.into_inner().unwrap_or_default();
    done.sort_by_key(|d| d.0);
    Ok(done)
}

fn freshness_as_of(
    fresh: &crate::spec::FreshnessSpec,
    now: Option<f64>,
    spec_path: &std::path::Path,
) -> Result<(f64, String)> {
    match &fresh.as_of {
        Some(t) => Ok((
            crate::time::parse_timestamp(t).ok_or_else(|| Error::SpecRule {
                path: spec_path.to_path_buf(),
                message: format!("quality.freshness.as_of '{t}' is not a timestamp"),
            })?,
            t.clone(),
        )),
        None => match now {
            Some(n) => Ok((n, format!("{n} (unix seconds, caller's clock)"))),
            None => Err(Error::Missing(
                "timeliness needs quality.freshness.as_of or the caller's clock".to_owned(),
            )),
        },
    }
}

fn run_quality(
    spec: &DatasetSpec,
    data: &DataSource,
    reference: Option<&DataSource>,
    now: Option<f64>,
    report: &mut CheckReport,
) -> Result<QualityResult> {
    let spec_path = PathBuf::from(&report.spec);
    let names = data.column_names();
    let mut columns = Vec::new();
    for name in &names {
        let data_type = data.data_type(name)?;
        let declared = spec.columns.get(name);
        let declared_type = declared.and_then(|c| c.column_type);
        let kind = match declared_type {
            Some(ColumnType::Integer) | Some(ColumnType::Float) => QualityKind::Numeric,
            Some(ColumnType::Timestamp) => QualityKind::Temporal,
            Some(ColumnType::String) | Some(ColumnType::Boolean) => QualityKind::Text,
            None if is_temporal(data_type) => QualityKind::Temporal,
            None if declared.and_then(|c| c.kind) == Some(ColumnKind::Categorical) => {
                QualityKind::Text
            }
            // Declared numerical but stored as text: parse it, counting what does not parse.
            None if declared.and_then(|c| c.kind) == Some(ColumnKind::Numerical) => {
                QualityKind::Numeric
            }
            None if is_numeric(data_type) => QualityKind::Numeric,
            None => QualityKind::Text,
        };
        columns.push(QualityColumn {
            name: name.clone(),
            kind,
            integer: declared_type == Some(ColumnType::Integer),
        });
    }
    let rules: Vec<Expr> = spec
        .quality
        .rules
        .iter()
        .map(|r| Expr::parse(&r.name, &r.expr))
        .collect::<Result<_>>()?;
    for (rule, parsed) in spec.quality.rules.iter().zip(&rules) {
        let needed: Vec<String> = parsed.columns().into_iter().collect();
        data.require(&needed).map_err(|e| Error::Rule {
            rule: rule.name.clone(),
            position: 1,
            message: e.to_string(),
        })?;
    }
    // Numbers are counted per distinct value while a column holds few (`tally`); columns with
    // many keep every number (exact quantiles and distinct counts sort them) within the memory
    // budget; those beyond it are read again on their own afterwards, a few columns at a time,
    // each column by its own reader (so in parallel), gathered, sorted and summarised.
    let holds_values: Vec<bool> = columns
        .iter()
        .map(|c| c.kind != QualityKind::Text)
        .collect();
    // Reading CSV again would parse the text again: when that may be needed (keeping every
    // numeric column would not fit), convert it once first.
    let (_spill, spilled);
    let data = if plan_passes(
        &holds_values,
        data.rows_hint().unwrap_or(u64::MAX / 16),
        spec.input.sample_budget_mb,
    )
    .len()
        > 1
    {
        (_spill, spilled) = data.spill(&names, spec)?;
        &spilled
    } else {
        data
    };
    let rows_hint = usize::try_from(data.rows_hint().unwrap_or(0)).unwrap_or(0);
    let budget = spec.input.sample_budget_mb.saturating_mul(1024 * 1024);
    let counting: std::sync::Arc<[std::sync::atomic::AtomicBool]> = (0..columns.len())
        .map(|_| std::sync::atomic::AtomicBool::new(true))
        .collect();
    let mut total = QualityPartial::total(
        columns.len(),
        rules.len(),
        Room {
            bytes: budget,
            rows: rows_hint,
        },
        counting.clone(),
    );
    // Sized up front: growing a table of millions of row hashes would briefly hold two.
    total.row_hashes.reserve(rows_hint);
    // Text columns come as dictionaries where the file stores them so: counting, validity and
    // row hashes then work once per distinct value of a batch (same results as plain text).
    let text_names: Vec<String> = columns
        .iter()
        .filter(|c| c.kind == QualityKind::Text)
        .map(|c| c.name.clone())
        .collect();
    // Categories of the reference, for unseen values.
    let text_columns: Vec<String> = columns
        .iter()
        .filter(|c| c.kind == QualityKind::Text)
        .map(|c| c.name.clone())
        .filter(|n| reference.is_some_and(|r| r.require(std::slice::from_ref(n)).is_ok()))
        .collect();
    let mut reference_counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let read_reference = || -> Result<Option<ReferenceCounts>> {
        let (Some(r), false) = (reference, text_columns.is_empty()) else {
            return Ok(None);
        };
        let (counts, _) = fold_batches(
            r.batches_with_dictionaries(&text_columns, &text_columns)?,
            || ReferenceCounts(vec![BTreeMap::new(); text_columns.len()]),
            |p, batch, _| {
                for (name, into) in text_columns.iter().zip(p.0.iter_mut()) {
                    crate::quality::text_counts(batch, name, into)?;
                }
                Ok(())
            },
        )?;
        Ok(Some(counts))
    };
    // The reference's categories are read (mostly decoding, on one thread) while the data pass
    // runs; the data pass is bound by its own decoding thread, so the pool has room.
    let (pass, counts) = rayon::join(
        || {
            crate::stream::fold_batches_into(
                total,
                data.batches_with_dictionaries(&names, &text_names)?,
                || QualityPartial::new(columns.len(), rules.len()),
                |p, batch, _| p.update(&columns, &holds_values, &rules, &counting, batch),
            )
        },
        read_reference,
    );
    let (mut partial, rows) = pass?;
    if rows == 0 {
        return Err(Error::NoRows {
            path: data.path().to_path_buf(),
        });
    }
    let distinct_rows = partial.distinct_rows();
    if let Some(counts) = counts? {
        reference_counts.extend(text_columns.iter().cloned().zip(counts.0));
    }
    let key_columns: Vec<String> = spec
        .columns
        .iter()
        .filter(|(_, c)| c.unique || c.role == Some(Role::Id))
        .map(|(n, _)| n.clone())
        .collect();
    // Deferred columns are read again at most `per_group` at a time, to stay within the budget.
    let deferred = (0..columns.len())
        .filter(|i| partial.columns[*i].deferred())
        .count();
    let per_group = (budget / (rows.max(1) * 8)).max(1) as usize;
    let timestamp_column = spec.role_column(Role::Timestamp).map(str::to_owned);
    let freshness = match (&spec.quality.freshness, &timestamp_column) {
        (Some(fresh), Some(_)) => Some((fresh, freshness_as_of(fresh, now, &spec_path)?)),
        _ => None,
    };
    // Validity settings and the aggregates of every column, then the per-column results
    // (sorting, quantiles, set and regex checks) on every worker from one queue.
    let mut work: Vec<(usize, crate::quality::ColumnAgg, Validity)> = Vec::new();
    for (i, spec_column) in columns.iter().enumerate() {
        let declared = spec.columns.get(&spec_column.name);
        let validity = Validity {
            min: declared.and_then(|c| c.min),
            max: declared.and_then(|c| c.max),
            allowed: declared.and_then(|c| c.allowed.clone()),
            regex: match declared.and_then(|c| c.regex.as_deref()) {
                Some(p) => Some(regex::Regex::new(p).map_err(|e| Error::SpecRule {
                    path: spec_path.clone(),
                    message: format!("column '{}': bad regex: {e}", spec_column.name),
                })?),
                None => None,
            },
            key: key_columns.contains(&spec_column.name),
            reference: reference_counts.get(&spec_column.name).cloned(),
        };
        work.push((i, std::mem::take(&mut partial.columns[i]), validity));
    }
    let summarise = |(i, mut agg, validity): (usize, crate::quality::ColumnAgg, Validity),
                     scratch: &mut Vec<u64>|
     -> Result<ColumnDone> {
        let sorted = if !holds_values[i] {
            Sorted::default()
        } else if agg.deferred() {
            // Read again, this column alone.
            let mut values = Vec::with_capacity(rows_hint);
            for batch in data.batches(std::slice::from_ref(&columns[i].name))? {
                crate::quality::gather(&columns[i], &batch?, &mut values)?;
            }
            Sorted::values(values, scratch)
        } else {
            agg.sorted(scratch)
        };
        let result = crate::quality::column_result(&columns[i], &agg, &sorted, rows, &validity);
        let fresh = match (&freshness, &timestamp_column) {
            (Some((fresh, (as_of, text))), Some(t)) if *t == columns[i].name => {
                crate::quality::timeliness(t, &sorted, *as_of, text, fresh.stale_after_days)
            }
            _ => None,
        };
        Ok((i, result, fresh))
    };
    let mut slots: Vec<Option<crate::quality::ColumnQuality>> = vec![None; columns.len()];
    let mut timeliness = None;
    for (i, result, fresh) in summarise_in_order(work, per_group, summarise)? {
        slots[i] = Some(result);
        timeliness = timeliness.or(fresh);
    }
    let results: Vec<crate::quality::ColumnQuality> = slots.into_iter().flatten().collect();
    if deferred > 0 {
        report.notes.push(format!(
            "quality: {} numeric columns with many distinct values read again, {} at a time, to \
             stay within {} MiB",
            deferred, per_group, spec.input.sample_budget_mb
        ));
    }
    let missing_cells: u64 = results.iter().map(|c| c.nulls).sum();
    let cells = rows as f64 * columns.len() as f64;
    let duplicate_rows = rows - distinct_rows;
    let rule_results: Vec<crate::quality::RuleResult> = spec
        .quality
        .rules
        .iter()
        .zip(&partial.rules)
        .map(|(r, (applicable, passed))| {
            let share = if *applicable > 0 {
                Some(*passed as f64 / *applicable as f64)
            } else {
                None
            };
            crate::quality::RuleResult {
                name: r.name.clone(),
                expr: r.expr.clone(),
                applicable: *applicable,
                passed: *passed,
                pass_share: share,
                mostly: r.mostly,
                pass: share.is_none_or(|s| s >= r.mostly),
            }
        })
        .collect();
    if spec.quality.freshness.is_some() && timestamp_column.is_none() {
        report
            .notes
            .push("timeliness skipped: no column with role = \"timestamp\"".to_owned());
    }
    let result = QualityResult {
        rows,
        column_count: columns.len(),
        missing_cells,
        missing_cells_per_row: missing_cells as f64 / rows as f64,
        completeness: if cells > 0.0 {
            1.0 - missing_cells as f64 / cells
        } else {
            0.0
        },
        rows_with_missing: partial.rows_with_missing,
        rows_with_missing_share: partial.rows_with_missing as f64 / rows as f64,
        duplicate_rows,
        duplicate_row_share: duplicate_rows as f64 / rows as f64,
        columns: results,
        rules: rule_results,
        timeliness,
    };
    quality_failures(spec, &result, report);
    Ok(result)
}

fn quality_failures(spec: &DatasetSpec, q: &QualityResult, report: &mut CheckReport) {
    let qs = &spec.quality;
    check_max(
        report,
        "quality",
        "dataset",
        "duplicate_row_share",
        Some(q.duplicate_row_share),
        qs.max_duplicate_row_share,
    );
    for c in &q.columns {
        let declared = spec.columns.get(&c.column);
        let max_null = declared
            .and_then(|d| d.max_null_share)
            .or(qs.max_null_share);
        check_max(
            report,
            "quality",
            &c.column,
            "null_share",
            Some(c.null_share),
            max_null,
        );
        if let Some(d) = c.duplicate_values {
            let share = d as f64 / q.rows as f64;
            let max = qs
                .max_duplicate_key_share
                .or_else(|| declared.filter(|d| d.unique).map(|_| 0.0));
            check_max(
                report,
                "quality",
                &c.column,
                "duplicate_key_share",
                Some(share),
                max,
            );
        }
        let validated = declared.is_some_and(|d| {
            d.min.is_some() || d.max.is_some() || d.allowed.is_some() || d.regex.is_some()
        });
        if validated || c.type_violations > 0 || c.infinite > 0 {
            check_max(
                report,
                "quality",
                &c.column,
                "invalid_share",
                Some(c.invalid_share),
                qs.max_invalid_share.or(Some(0.0)),
            );
        }
        if let Some(unseen) = c.unseen_values {
            let non_null = q.rows - c.nulls;
            let share = if non_null > 0 {
                unseen as f64 / non_null as f64
            } else {
                0.0
            };
            check_max(
                report,
                "quality",
                &c.column,
                "unseen_share",
                Some(share),
                qs.max_unseen_share,
            );
        }
    }
    for r in &q.rules {
        if !r.pass {
            fail(
                report,
                "quality",
                &r.name,
                "rule_pass_share",
                r.pass_share,
                format!(">= {} (mostly)", r.mostly),
            );
        }
    }
    if let (Some(t), Some(f)) = (&q.timeliness, &qs.freshness) {
        check_max(
            report,
            "quality",
            &t.column,
            "newest_age_days",
            Some(t.newest_age_days),
            f.max_newest_age_days,
        );
        check_max(
            report,
            "quality",
            &t.column,
            "oldest_age_days",
            Some(t.oldest_age_days),
            f.max_oldest_age_days,
        );
        check_max(
            report,
            "quality",
            &t.column,
            "stale_share",
            t.stale_share,
            f.max_stale_share,
        );
    }
}

fn run_privacy(
    spec: &DatasetSpec,
    data: &DataSource,
    report: &mut CheckReport,
) -> Result<PrivacyResult> {
    let Some(p) = &spec.privacy else {
        return Err(Error::Missing(
            "privacy needs a [privacy] table in the spec".to_owned(),
        ));
    };
    let mut needed = p.quasi_identifiers.clone();
    needed.extend(p.sensitive.iter().cloned());
    data.require(&needed)?;
    let (partial, _) = fold_batches(
        data.batches(&needed)?,
        PrivacyPartial::default,
        |acc, batch, _| acc.update(&p.quasi_identifiers, p.sensitive.as_deref(), batch),
    )?;
    let result = crate::privacy::evaluate(
        &partial,
        &p.quasi_identifiers,
        p.sensitive.as_deref(),
        p.k,
        p.l,
    );
    let subject = p.quasi_identifiers.join("+");
    check_min(
        report,
        "privacy",
        &subject,
        "k_anonymity",
        Some(result.k_anonymity as f64),
        p.k.map(|k| k as f64),
    );
    if p.sensitive.is_some() {
        check_min(
            report,
            "privacy",
            &subject,
            "l_diversity",
            result.l_diversity.map(|l| l as f64),
            p.l.map(|l| l as f64),
        );
    }
    Ok(result)
}

/// Convenience for callers holding paths as strings.
pub fn request(
    kind: CheckKind,
    data: &Path,
    reference: Option<&Path>,
    spec: &Path,
) -> CheckRequest {
    CheckRequest {
        kind,
        data: data.to_path_buf(),
        reference: reference.map(Path::to_path_buf),
        spec: spec.to_path_buf(),
        now_unix_seconds: None,
    }
}
