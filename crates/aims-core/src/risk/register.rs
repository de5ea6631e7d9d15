//! The risk register's rules (ISO/IEC 42001 6.1.2, 6.1.3, 8.2, 8.3): a risk's fields and
//! their validation, levels from the methodology, whether a risk is above appetite and
//! treated, who may accept it, and the CSV layout for enterprise risk tools.

use serde::{Deserialize, Serialize};

use super::methodology::Methodology;
use crate::access::Role;
use crate::error::ValidationErrors;
use crate::text::{long_text, optional_line, required_line};

vocabulary! {
    /// Where a risk stands.
    pub enum RiskStatus {
        Open => ("open", "Open"),
        Treating => ("treating", "Being treated"),
        Accepted => ("accepted", "Accepted"),
        Closed => ("closed", "Closed"),
    }
}

vocabulary! {
    /// Where a treatment action stands.
    pub enum ActionStatus {
        Planned => ("planned", "Planned"),
        InProgress => ("in_progress", "In progress"),
        Done => ("done", "Done"),
        Cancelled => ("cancelled", "Cancelled"),
    }
}

/// The editable fields of a risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RiskFields {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// What the risk is about, `kind:id`: an AI system, model, model version, dataset,
    /// dataset version or vendor.
    pub subject: String,
    /// The Annex C risk source, such as `C.3.4` (free text allowed for custom sources).
    #[serde(default)]
    pub risk_source: String,
    /// The Annex C objective at stake, such as `C.2.5`.
    #[serde(default)]
    pub objective: String,
    /// The appetite category (`default` when empty).
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub owner: String,
    pub inherent_likelihood: u8,
    pub inherent_impact: u8,
    /// After treatment; defaults to the inherent values.
    #[serde(default)]
    pub residual_likelihood: Option<u8>,
    #[serde(default)]
    pub residual_impact: Option<u8>,
    #[serde(default = "default_status")]
    pub status: RiskStatus,
    /// The treatment option chosen (from the methodology).
    #[serde(default)]
    pub treatment: String,
    /// Ratings of the methodology's weighted dimensions, 0 (none) to 4 (very high).
    #[serde(default)]
    pub dimension_scores: std::collections::BTreeMap<String, u8>,
}

/// The highest rating of a weighted dimension.
pub const DIMENSION_MAX: u8 = 4;

fn default_status() -> RiskStatus {
    RiskStatus::Open
}

impl RiskFields {
    /// Trims and checks every field against the methodology's scales and options.
    pub fn validated(self, methodology: &Methodology) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let scale = |errors: &mut ValidationErrors, field: &str, value: u8, steps: usize| {
            if value == 0 || usize::from(value) > steps {
                errors.add(field, format!("must be a step from 1 to {steps}"));
            }
        };
        let (l, i) = (methodology.likelihood.len(), methodology.impact.len());
        scale(
            &mut errors,
            "inherent_likelihood",
            self.inherent_likelihood,
            l,
        );
        scale(&mut errors, "inherent_impact", self.inherent_impact, i);
        if let Some(value) = self.residual_likelihood {
            scale(&mut errors, "residual_likelihood", value, l);
        }
        if let Some(value) = self.residual_impact {
            scale(&mut errors, "residual_impact", value, i);
        }
        let subject = self.subject.trim().to_owned();
        if let Err(message) = crate::inventory::graph::NodeRef::parse(&subject) {
            errors.add("subject", message);
        }
        for (id, score) in &self.dimension_scores {
            if !methodology.dimensions.iter().any(|d| d.id == *id) {
                errors.add(
                    &format!("dimension_scores.{id}"),
                    format!(
                        "is not a dimension of the methodology; they are: {}",
                        methodology
                            .dimensions
                            .iter()
                            .map(|d| d.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            } else if *score > DIMENSION_MAX {
                errors.add(
                    &format!("dimension_scores.{id}"),
                    format!("must be from 0 to {DIMENSION_MAX}"),
                );
            }
        }
        let treatment = self.treatment.trim().to_owned();
        if !treatment.is_empty() && !methodology.treatments.contains(&treatment) {
            errors.add(
                "treatment",
                format!("must be one of: {}", methodology.treatments.join(", ")),
            );
        }
        let fields = Self {
            title: required_line(&mut errors, "title", &self.title),
            description: long_text(&mut errors, "description", &self.description, false),
            subject,
            risk_source: optional_line(&mut errors, "risk_source", &self.risk_source),
            objective: optional_line(&mut errors, "objective", &self.objective),
            category: optional_line(&mut errors, "category", &self.category),
            owner: optional_line(&mut errors, "owner", &self.owner),
            treatment,
            ..self
        };
        errors.into_result(fields)
    }

    /// The residual likelihood and impact, falling back to the inherent ones.
    pub fn residual(&self) -> (u8, u8) {
        (
            self.residual_likelihood.unwrap_or(self.inherent_likelihood),
            self.residual_impact.unwrap_or(self.inherent_impact),
        )
    }

    /// The weighted score of the dimension ratings, from 0 to 1 (unrated dimensions count 0).
    pub fn weighted_score(&self, methodology: &Methodology) -> f64 {
        let ratings: Vec<(String, f64)> = self
            .dimension_scores
            .iter()
            .map(|(id, score)| (id.clone(), f64::from(*score) / f64::from(DIMENSION_MAX)))
            .collect();
        (methodology.weighted_score(&ratings) * 1000.0).round() / 1000.0
    }

    /// The appetite category, `default` when none is named.
    pub fn category_or_default(&self) -> &str {
        if self.category.is_empty() {
            "default"
        } else {
            &self.category
        }
    }
}

/// Who may formally accept a risk at `level` in `category`: within appetite or
/// tolerance, risk owners and governance leads; above tolerance, governance leads only.
pub fn acceptance_roles(methodology: &Methodology, category: &str, level: &str) -> Vec<Role> {
    let appetite = methodology
        .appetite
        .iter()
        .find(|a| a.category == category)
        .or_else(|| {
            methodology
                .appetite
                .iter()
                .find(|a| a.category == "default")
        });
    let tolerance = appetite.and_then(|a| methodology.rank(&a.tolerance));
    match (tolerance, methodology.rank(level)) {
        (Some(limit), Some(rank)) if rank <= limit => vec![Role::RiskOwner, Role::GovernanceLead],
        _ => vec![Role::GovernanceLead],
    }
}

/// The columns of the register's CSV, in order. The last five are computed by AIMS: they
/// are written on export and ignored on import.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "title",
    "description",
    "subject",
    "risk_source",
    "objective",
    "category",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "status",
    "treatment",
    "dimension_scores",
    "inherent_level",
    "residual_level",
    "above_appetite",
    "treated",
    "weighted_score",
];

/// Dimension ratings as one cell: `technical_uncertainty=3;autonomy=2`.
pub fn format_scores(scores: &std::collections::BTreeMap<String, u8>) -> String {
    scores
        .iter()
        .map(|(id, score)| format!("{id}={score}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// The computed columns, ignored on import.
pub const CSV_COMPUTED: &[&str] = &[
    "inherent_level",
    "residual_level",
    "above_appetite",
    "treated",
    "weighted_score",
];

/// One imported row: its id (`R-12`, empty for a new risk), its line, and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub line: usize,
    pub id: Option<i64>,
    pub fields: RiskFields,
}

/// A problem in an import file, by line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub line: usize,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Parses and validates a register CSV. Every problem is reported (line, column); the
/// caller imports nothing unless the list is empty.
pub fn parse_csv(
    text: &str,
    methodology: &Methodology,
) -> Result<Vec<ImportRow>, Vec<ImportProblem>> {
    let records = match crate::csv::parse(text) {
        Ok(records) => records,
        Err((line, message)) => {
            return Err(vec![ImportProblem {
                line,
                column: String::new(),
                message,
            }]);
        }
    };
    let mut problems = Vec::new();
    let Some((header_line, header)) = records.first() else {
        return Err(vec![ImportProblem {
            line: 1,
            column: String::new(),
            message: "the file is empty: it needs a header row".into(),
        }]);
    };
    for name in header {
        if !CSV_COLUMNS.contains(&name.trim()) {
            problems.push(ImportProblem {
                line: *header_line,
                column: name.clone(),
                message: format!(
                    "is not a column of the register; the columns are: {}",
                    CSV_COLUMNS.join(", ")
                ),
            });
        }
    }
    for required in ["title", "subject", "inherent_likelihood", "inherent_impact"] {
        if !header.iter().any(|h| h.trim() == required) {
            problems.push(ImportProblem {
                line: *header_line,
                column: required.into(),
                message: "is a required column".into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    let mut seen_ids: Vec<(i64, usize)> = Vec::new();
    for (line, record) in records.iter().skip(1) {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            problems.push(ImportProblem {
                line: *line,
                column: String::new(),
                message: format!(
                    "has {} cells but the header has {}",
                    record.len(),
                    header.len()
                ),
            });
            continue;
        }
        let cell = |name: &str| -> &str {
            let text = header
                .iter()
                .position(|h| h.trim() == name)
                .map_or("", |i| record[i].trim());
            // The export defuses spreadsheet formulas with a leading apostrophe; undo it.
            text.strip_prefix('\'')
                .filter(|t| t.starts_with(['=', '+', '-', '@']))
                .unwrap_or(text)
        };
        let mut row_problems = Vec::new();
        let mut step = |name: &str, optional: bool| -> Option<u8> {
            let text = cell(name);
            if text.is_empty() && optional {
                return None;
            }
            match text.parse::<u8>() {
                Ok(value) => Some(value),
                Err(_) => {
                    row_problems.push(ImportProblem {
                        line: *line,
                        column: name.into(),
                        message: format!("`{text}` is not a whole number"),
                    });
                    Some(0)
                }
            }
        };
        let inherent_likelihood = step("inherent_likelihood", false).unwrap_or(0);
        let inherent_impact = step("inherent_impact", false).unwrap_or(0);
        let residual_likelihood = step("residual_likelihood", true);
        let residual_impact = step("residual_impact", true);
        let status = match cell("status") {
            "" => RiskStatus::Open,
            text => RiskStatus::parse(text).unwrap_or_else(|message| {
                row_problems.push(ImportProblem {
                    line: *line,
                    column: "status".into(),
                    message,
                });
                RiskStatus::Open
            }),
        };
        let id = match cell("id") {
            "" => None,
            text => match text.trim_start_matches("R-").parse::<i64>() {
                Ok(number) if number > 0 => {
                    if let Some((_, first)) = seen_ids.iter().find(|(n, _)| *n == number) {
                        row_problems.push(ImportProblem {
                            line: *line,
                            column: "id".into(),
                            message: format!("R-{number} is also on line {first}"),
                        });
                    }
                    seen_ids.push((number, *line));
                    Some(number)
                }
                _ => {
                    row_problems.push(ImportProblem {
                        line: *line,
                        column: "id".into(),
                        message: format!("`{text}` is not a risk id such as R-12"),
                    });
                    None
                }
            },
        };
        let mut dimension_scores = std::collections::BTreeMap::new();
        for part in cell("dimension_scores")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part
                .split_once('=')
                .map(|(id, n)| (id.trim(), n.trim().parse::<u8>()))
            {
                Some((id, Ok(score))) => {
                    dimension_scores.insert(id.to_owned(), score);
                }
                _ => row_problems.push(ImportProblem {
                    line: *line,
                    column: "dimension_scores".into(),
                    message: format!("`{part}` is not written dimension=score"),
                }),
            }
        }
        let fields = RiskFields {
            dimension_scores,
            title: cell("title").into(),
            description: cell("description").into(),
            subject: cell("subject").into(),
            risk_source: cell("risk_source").into(),
            objective: cell("objective").into(),
            category: cell("category").into(),
            owner: cell("owner").into(),
            inherent_likelihood,
            inherent_impact,
            residual_likelihood,
            residual_impact,
            status,
            treatment: cell("treatment").into(),
        };
        match fields.validated(methodology) {
            Ok(fields) if row_problems.is_empty() => rows.push(ImportRow {
                line: *line,
                id,
                fields,
            }),
            Ok(_) => problems.append(&mut row_problems),
            Err(errors) => {
                problems.append(&mut row_problems);
                for error in errors.errors {
                    // A scale error for a cell already reported as not a number is noise.
                    if !problems
                        .iter()
                        .any(|p| p.line == *line && p.column == error.field)
                    {
                        problems.push(ImportProblem {
                            line: *line,
                            column: error.field,
                            message: error.message,
                        });
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methodology() -> Methodology {
        Methodology::default_methodology()
    }

    #[test]
    fn a_changed_matrix_changes_levels() {
        let mut m = methodology();
        assert_eq!(m.level(3, 3), Some("medium"));
        m.matrix[2][2] = "high".into();
        let Ok(m) = m.validated() else { unreachable!() };
        assert_eq!(m.level(3, 3), Some("high"));
        assert!(m.above_appetite("default", "high"));
    }

    #[test]
    fn acceptance_needs_more_authority_above_tolerance() {
        let m = methodology();
        assert_eq!(
            acceptance_roles(&m, "default", "high"),
            vec![Role::RiskOwner, Role::GovernanceLead]
        );
        assert_eq!(
            acceptance_roles(&m, "default", "critical"),
            vec![Role::GovernanceLead]
        );
    }

    #[test]
    fn import_reports_every_problem_by_line_and_column() {
        let m = methodology();
        let text = "id,title,subject,inherent_likelihood,inherent_impact,colour\n";
        let problems = parse_csv(text, &m).err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].line, problems[0].column.as_str()),
            (1, "colour")
        );

        let system = format!("ai_system:{}", uuid::Uuid::nil());
        let text = format!(
            "id,title,subject,inherent_likelihood,inherent_impact\nR-1,Bias,{system},3,4\nR-1,Drift,{system},9,x\n,,{system},2,2\n"
        );
        let problems = parse_csv(&text, &m).err().unwrap_or_default();
        let at: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.column.as_str()))
            .collect();
        assert!(at.contains(&(3, "id")), "{problems:?}");
        assert!(at.contains(&(3, "inherent_likelihood")), "{problems:?}");
        assert!(at.contains(&(3, "inherent_impact")), "{problems:?}");
        assert!(at.contains(&(4, "title")), "{problems:?}");

        let text = format!(
            "title,subject,inherent_likelihood,inherent_impact\n\"Bias, with a comma\",{system},3,4\n"
        );
        let rows = parse_csv(&text, &m).unwrap_or_default();
        assert_eq!(rows[0].fields.title, "Bias, with a comma");
        assert_eq!(rows[0].line, 2);
    }
}
