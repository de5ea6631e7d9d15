//! The dataset spec: a TOML file declaring columns, roles, validity rules and the threshold of every check.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A whole spec file. Unknown keys are errors everywhere, so a typo never silently disables a check.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// A name shown in reports.
    #[serde(default)]
    pub name: Option<String>,
    /// How to read the files.
    #[serde(default)]
    pub input: InputSpec,
    /// Per-column declarations, keyed by column name.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
    /// Data-quality thresholds and rules (ISO/IEC 42001 A.7.4).
    #[serde(default)]
    pub quality: QualitySpec,
    /// Fairness settings and thresholds (A.5.4, A.7.4).
    #[serde(default)]
    pub fairness: FairnessSpec,
    /// Drift settings and thresholds (A.6.2.6).
    #[serde(default)]
    pub drift: DriftSpec,
    /// Model performance thresholds (A.6.2.4, clause 9.1).
    #[serde(default)]
    pub performance: PerformanceSpec,
    /// k-anonymity and l-diversity (A.7).
    #[serde(default)]
    pub privacy: Option<PrivacySpec>,
}

/// File format and CSV dialect.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// `csv` or `parquet`; inferred from the extension when absent.
    #[serde(default)]
    pub format: Option<String>,
    /// CSV field delimiter (one byte).
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// CSV quote character (one byte).
    #[serde(default = "default_quote")]
    pub quote: String,
    /// Whether the first CSV line is a header.
    #[serde(default = "default_true")]
    pub header: bool,
    /// Strings read as null in CSV (the empty string always is).
    #[serde(default)]
    pub null_values: Vec<String>,
    /// Rows per Arrow batch.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Records read to infer undeclared CSV column types.
    #[serde(default = "default_infer_rows")]
    pub infer_rows: usize,
    /// Memory for the numeric values a pass keeps (drift samples, quantiles), in MiB; columns
    /// beyond it are read in further passes.
    #[serde(default = "default_sample_budget_mb")]
    pub sample_budget_mb: u64,
}

impl Default for InputSpec {
    fn default() -> Self {
        Self {
            format: None,
            delimiter: default_delimiter(),
            quote: default_quote(),
            header: true,
            null_values: Vec::new(),
            batch_size: default_batch_size(),
            infer_rows: default_infer_rows(),
            sample_budget_mb: default_sample_budget_mb(),
        }
    }
}

fn default_delimiter() -> String {
    ",".to_owned()
}
fn default_quote() -> String {
    "\"".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_batch_size() -> usize {
    65_536
}
fn default_infer_rows() -> usize {
    100_000
}
fn default_sample_budget_mb() -> u64 {
    512
}

/// The declared type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Integer,
    Float,
    String,
    Boolean,
    Timestamp,
}

/// How drift and summaries treat a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Numerical,
    Categorical,
    Text,
}

/// What a column means to the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Feature,
    Label,
    Prediction,
    Score,
    Sensitive,
    Timestamp,
    Id,
    Weight,
    Ignore,
}

/// One column's declaration.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    #[serde(default, rename = "type")]
    pub column_type: Option<ColumnType>,
    #[serde(default)]
    pub kind: Option<ColumnKind>,
    #[serde(default)]
    pub role: Option<Role>,
    /// Smallest valid value (inclusive).
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest valid value (inclusive).
    #[serde(default)]
    pub max: Option<f64>,
    /// The allowed values, compared as text.
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
    /// A regular expression every non-null value must match in full.
    #[serde(default)]
    pub regex: Option<String>,
    /// Largest share of nulls allowed in this column (overrides the quality default).
    #[serde(default)]
    pub max_null_share: Option<f64>,
    /// Values must be unique (a key).
    #[serde(default)]
    pub unique: bool,
    /// Excluded from drift.
    #[serde(default)]
    pub skip_drift: bool,
}

/// Data-quality thresholds.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QualitySpec {
    /// Default largest null share per column.
    #[serde(default)]
    pub max_null_share: Option<f64>,
    /// Largest share of duplicate rows (first occurrences not counted).
    #[serde(default)]
    pub max_duplicate_row_share: Option<f64>,
    /// Largest share of rows with a duplicate key (in `unique` or `id` columns).
    #[serde(default)]
    pub max_duplicate_key_share: Option<f64>,
    /// Largest share of non-null values out of range, set or regex, per column.
    #[serde(default)]
    pub max_invalid_share: Option<f64>,
    /// Largest share of values of categorical columns never seen in the reference.
    #[serde(default)]
    pub max_unseen_share: Option<f64>,
    /// Cross-field rules.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Timeliness requirement.
    #[serde(default)]
    pub freshness: Option<FreshnessSpec>,
}

/// A cross-field consistency rule, checked on the rows where every column it reads is non-null.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    /// A boolean expression over column names, e.g. `loan_amount <= income * 10`.
    pub expr: String,
    /// Smallest share of applicable rows that must satisfy it (Great Expectations' `mostly`).
    #[serde(default = "default_mostly")]
    pub mostly: f64,
}

fn default_mostly() -> f64 {
    1.0
}

/// Timeliness: how old the data may be.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FreshnessSpec {
    /// The fixed "now" (RFC 3339 or `YYYY-MM-DD HH:MM:SS`, UTC); the caller's clock when absent.
    #[serde(default)]
    pub as_of: Option<String>,
    /// The newest record must be at most this many days old.
    #[serde(default)]
    pub max_newest_age_days: Option<f64>,
    /// The oldest record must be at most this many days old.
    #[serde(default)]
    pub max_oldest_age_days: Option<f64>,
    /// Age in days above which a record counts as stale in `stale_share`.
    #[serde(default)]
    pub stale_after_days: Option<f64>,
    /// Largest share of stale records.
    #[serde(default)]
    pub max_stale_share: Option<f64>,
}

/// Fairness configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessSpec {
    /// Groupings to evaluate: each entry is one or more sensitive columns (several = intersectional).
    /// Defaults to each `sensitive` column alone.
    #[serde(default)]
    pub groupings: Vec<Vec<String>>,
    /// The label value that counts as positive (Fairlearn's pos_label).
    #[serde(default = "default_positive")]
    pub positive_label: String,
    /// The prediction value that is favourable to the person (AIF360's favourable label).
    #[serde(default)]
    pub favourable_label: Option<String>,
    /// Privileged group per sensitive column, for AIF360's signed two-group metrics.
    #[serde(default)]
    pub privileged: BTreeMap<String, String>,
    #[serde(default)]
    pub max_demographic_parity_difference: Option<f64>,
    #[serde(default)]
    pub min_demographic_parity_ratio: Option<f64>,
    #[serde(default)]
    pub max_equalized_odds_difference: Option<f64>,
    #[serde(default)]
    pub min_equalized_odds_ratio: Option<f64>,
    #[serde(default)]
    pub max_equal_opportunity_difference: Option<f64>,
    /// Largest difference in the share of positive labels between groups (training data).
    #[serde(default)]
    pub max_label_rate_difference: Option<f64>,
    /// Four-fifths rule bounds on disparate impact: `[0.8, 1.25]` by default when `privileged` is set.
    #[serde(default)]
    pub disparate_impact_bounds: Option<[f64; 2]>,
    /// Bootstrap confidence intervals.
    #[serde(default)]
    pub bootstrap: Option<BootstrapSpec>,
    /// Smallest group size reported without a warning.
    #[serde(default)]
    pub min_group_count: Option<u64>,
}

impl Default for FairnessSpec {
    fn default() -> Self {
        Self {
            groupings: Vec::new(),
            positive_label: default_positive(),
            favourable_label: None,
            privileged: BTreeMap::new(),
            max_demographic_parity_difference: None,
            min_demographic_parity_ratio: None,
            max_equalized_odds_difference: None,
            min_equalized_odds_ratio: None,
            max_equal_opportunity_difference: None,
            max_label_rate_difference: None,
            disparate_impact_bounds: None,
            bootstrap: None,
            min_group_count: None,
        }
    }
}

fn default_positive() -> String {
    "1".to_owned()
}

/// Bootstrap settings; the seed is recorded in the report so the interval can be reproduced.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapSpec {
    #[serde(default = "default_replicates")]
    pub replicates: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_level")]
    pub level: f64,
}

fn default_replicates() -> usize {
    200
}
fn default_seed() -> u64 {
    42
}
fn default_level() -> f64 {
    0.95
}

/// Drift configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DriftSpec {
    /// `evidently` (default), `nannyml` or `quantile_psi`.
    #[serde(default = "default_preset")]
    pub preset: String,
    /// Columns to test; every column not in another role when empty.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Per-column method override: psi, kl_div, jensenshannon, ks, wasserstein, chisquare, z, hellinger, quantile_psi.
    #[serde(default)]
    pub methods: BTreeMap<String, String>,
    /// Per-method threshold override.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
    /// Dataset drift when the drifted share of columns reaches this.
    #[serde(default = "default_drift_share")]
    pub drift_share: f64,
    /// Fail the check when the dataset drifts (true) or only report it (false).
    #[serde(default = "default_true")]
    pub fail_on_dataset_drift: bool,
}

impl Default for DriftSpec {
    fn default() -> Self {
        Self {
            preset: default_preset(),
            columns: Vec::new(),
            methods: BTreeMap::new(),
            thresholds: BTreeMap::new(),
            drift_share: default_drift_share(),
            fail_on_dataset_drift: true,
        }
    }
}

fn default_preset() -> String {
    "evidently".to_owned()
}
fn default_drift_share() -> f64 {
    0.5
}

/// Performance thresholds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PerformanceSpec {
    /// Threshold turning scores into predictions when no prediction column is declared.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    #[serde(default)]
    pub min_accuracy: Option<f64>,
    #[serde(default)]
    pub min_precision: Option<f64>,
    #[serde(default)]
    pub min_recall: Option<f64>,
    #[serde(default)]
    pub min_f1: Option<f64>,
    #[serde(default)]
    pub min_roc_auc: Option<f64>,
    #[serde(default)]
    pub max_log_loss: Option<f64>,
    #[serde(default)]
    pub max_brier: Option<f64>,
    #[serde(default)]
    pub max_ece: Option<f64>,
    /// Value of each outcome, [[TN, FP], [FN, TP]] as NannyML's business value (costs negative).
    #[serde(default)]
    pub value_matrix: Option<[[f64; 2]; 2]>,
    /// Calibration curve bins (scikit-learn's default is 5).
    #[serde(default = "default_calibration_bins")]
    pub calibration_bins: usize,
    /// Regression thresholds, when the label is numeric and not binary.
    #[serde(default)]
    pub max_mae: Option<f64>,
    #[serde(default)]
    pub max_rmse: Option<f64>,
    #[serde(default)]
    pub min_r2: Option<f64>,
}

impl Default for PerformanceSpec {
    fn default() -> Self {
        Self {
            threshold: default_threshold(),
            min_accuracy: None,
            min_precision: None,
            min_recall: None,
            min_f1: None,
            min_roc_auc: None,
            max_log_loss: None,
            max_brier: None,
            max_ece: None,
            value_matrix: None,
            calibration_bins: default_calibration_bins(),
            max_mae: None,
            max_rmse: None,
            min_r2: None,
        }
    }
}

fn default_threshold() -> f64 {
    0.5
}
fn default_calibration_bins() -> usize {
    5
}

/// k-anonymity and l-diversity settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySpec {
    pub quasi_identifiers: Vec<String>,
    #[serde(default)]
    pub sensitive: Option<String>,
    #[serde(default)]
    pub k: Option<u64>,
    #[serde(default)]
    pub l: Option<u64>,
}

impl DatasetSpec {
    /// Reads and validates a spec file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses spec text; `path` only names the file in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        let spec: DatasetSpec = toml::from_str(text).map_err(|e| Error::Spec {
            path: path.to_path_buf(),
            // toml's message carries the line and column and quotes the offending key.
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        spec.validate(path)?;
        Ok(spec)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |message: String| Error::SpecRule {
            path: path.to_path_buf(),
            message,
        };
        if self.input.delimiter.len() != 1 {
            return Err(bad(format!(
                "input.delimiter must be one byte, got '{}'",
                self.input.delimiter
            )));
        }
        if self.input.quote.len() != 1 {
            return Err(bad(format!(
                "input.quote must be one byte, got '{}'",
                self.input.quote
            )));
        }
        if self.input.batch_size == 0 {
            return Err(bad("input.batch_size must be positive".to_owned()));
        }
        for single in [
            Role::Label,
            Role::Prediction,
            Role::Score,
            Role::Timestamp,
            Role::Weight,
        ] {
            let named: Vec<&String> = self
                .columns
                .iter()
                .filter(|(_, c)| c.role == Some(single))
                .map(|(n, _)| n)
                .collect();
            if named.len() > 1 {
                return Err(bad(format!(
                    "role {single:?} is given to several columns: {}",
                    named
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        for (name, column) in &self.columns {
            if let Some(pattern) = &column.regex {
                regex::Regex::new(pattern)
                    .map_err(|e| bad(format!("column '{name}': bad regex: {e}")))?;
            }
            if let (Some(lo), Some(hi)) = (column.min, column.max)
                && lo > hi
            {
                return Err(bad(format!("column '{name}': min {lo} is above max {hi}")));
            }
        }
        for grouping in &self.fairness.groupings {
            if grouping.is_empty() {
                return Err(bad("fairness.groupings has an empty grouping".to_owned()));
            }
        }
        for rule in &self.quality.rules {
            if !(0.0..=1.0).contains(&rule.mostly) {
                return Err(bad(format!(
                    "rule '{}': mostly must be between 0 and 1",
                    rule.name
                )));
            }
            crate::expr::Expr::parse(&rule.name, &rule.expr)?;
        }
        if let Some(fresh) = &self.quality.freshness
            && let Some(as_of) = &fresh.as_of
            && crate::time::parse_timestamp(as_of).is_none()
        {
            return Err(bad(format!(
                "quality.freshness.as_of '{as_of}' is not a timestamp (use YYYY-MM-DDTHH:MM:SS)"
            )));
        }
        match self.drift.preset.as_str() {
            "evidently" | "nannyml" | "quantile_psi" => {}
            other => {
                return Err(bad(format!(
                    "drift.preset '{other}' is not one of evidently, nannyml, quantile_psi"
                )));
            }
        }
        for (column, method) in &self.drift.methods {
            if crate::drift::Method::from_name(method).is_none() {
                return Err(bad(format!(
                    "drift.methods.{column}: unknown method '{method}'"
                )));
            }
        }
        Ok(())
    }

    /// The column holding a role, if declared.
    pub fn role_column(&self, role: Role) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, c)| c.role == Some(role))
            .map(|(n, _)| n.as_str())
    }

    /// Every column holding a role, in name order.
    pub fn role_columns(&self, role: Role) -> Vec<String> {
        self.columns
            .iter()
            .filter(|(_, c)| c.role == Some(role))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The groupings fairness evaluates: declared ones, else each sensitive column alone.
    pub fn fairness_groupings(&self) -> Vec<Vec<String>> {
        if self.fairness.groupings.is_empty() {
            self.role_columns(Role::Sensitive)
                .into_iter()
                .map(|c| vec![c])
                .collect()
        } else {
            self.fairness.groupings.clone()
        }
    }
}
