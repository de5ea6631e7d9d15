//! The risk methodology as data: likelihood and impact scales, the matrix that maps a
//! likelihood and an impact to a level, weighted scoring dimensions, appetite per risk
//! category, and the treatment options. Versioned and approved elsewhere; validated here.

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

/// One step of a scale, such as likelihood 3 "Possible".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScaleStep {
    pub value: u8,
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// A risk level, such as "high", in ascending order of severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub id: String,
    pub label: String,
}

/// A weighted dimension of the risk score, such as societal impact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub id: String,
    pub label: String,
    pub weight: f64,
}

/// How much risk the organisation accepts in one category, as the highest acceptable
/// level (appetite) and the highest level tolerated temporarily with a formal acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Appetite {
    pub category: String,
    pub appetite: String,
    pub tolerance: String,
}

/// The whole methodology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Methodology {
    pub name: String,
    pub likelihood: Vec<ScaleStep>,
    pub impact: Vec<ScaleStep>,
    /// Levels from least to most severe.
    pub levels: Vec<Level>,
    /// `matrix[l][i]` is the level id for likelihood step `l` and impact step `i`, both in
    /// scale order; the matrix is square when the scales have the same length, and has
    /// exactly one row per likelihood step and one column per impact step in any case.
    pub matrix: Vec<Vec<String>>,
    pub dimensions: Vec<Dimension>,
    pub appetite: Vec<Appetite>,
    pub treatments: Vec<String>,
}

/// Weights must sum to 1 within this tolerance (they are usually typed as decimals).
const WEIGHT_TOLERANCE: f64 = 1e-6;

impl Methodology {
    /// Checks the methodology, reporting every problem by field.
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (field, scale) in [("likelihood", &self.likelihood), ("impact", &self.impact)] {
            if scale.len() < 2 {
                errors.add(field, "needs at least two steps");
            }
            for (index, step) in scale.iter().enumerate() {
                if usize::from(step.value) != index + 1 {
                    errors.add(
                        &format!("{field}[{index}].value"),
                        format!("must be {}: steps are numbered 1, 2, 3 in order", index + 1),
                    );
                }
                if step.label.trim().is_empty() {
                    errors.add(&format!("{field}[{index}].label"), "is required");
                }
            }
        }
        if self.levels.is_empty() {
            errors.add("levels", "needs at least one level");
        }
        let level_ids: Vec<&str> = self.levels.iter().map(|l| l.id.as_str()).collect();
        for (index, id) in level_ids.iter().enumerate() {
            if level_ids[..index].contains(id) {
                errors.add(
                    &format!("levels[{index}].id"),
                    format!("`{id}` is listed twice"),
                );
            }
        }
        if self.matrix.len() != self.likelihood.len() {
            errors.add(
                "matrix",
                format!(
                    "has {} rows but the likelihood scale has {} steps",
                    self.matrix.len(),
                    self.likelihood.len()
                ),
            );
        }
        for (row_index, row) in self.matrix.iter().enumerate() {
            if row.len() != self.impact.len() {
                errors.add(
                    &format!("matrix[{row_index}]"),
                    format!(
                        "has {} cells but the impact scale has {} steps",
                        row.len(),
                        self.impact.len()
                    ),
                );
            }
            for (column, cell) in row.iter().enumerate() {
                if cell.trim().is_empty() {
                    errors.add(
                        &format!("matrix[{row_index}][{column}]"),
                        "is empty: every cell needs a level",
                    );
                } else if !level_ids.contains(&cell.as_str()) {
                    errors.add(
                        &format!("matrix[{row_index}][{column}]"),
                        format!("`{cell}` is not one of the levels"),
                    );
                }
            }
        }
        if !self.dimensions.is_empty() {
            let total: f64 = self.dimensions.iter().map(|d| d.weight).sum();
            if (total - 1.0).abs() > WEIGHT_TOLERANCE {
                errors.add(
                    "dimensions",
                    format!("weights must sum to 1, not {total:.4}"),
                );
            }
            for (index, dimension) in self.dimensions.iter().enumerate() {
                if !(0.0..=1.0).contains(&dimension.weight) || !dimension.weight.is_finite() {
                    errors.add(
                        &format!("dimensions[{index}].weight"),
                        "must be between 0 and 1",
                    );
                }
            }
        }
        for (index, appetite) in self.appetite.iter().enumerate() {
            for (name, level) in [
                ("appetite", &appetite.appetite),
                ("tolerance", &appetite.tolerance),
            ] {
                if !level_ids.contains(&level.as_str()) {
                    errors.add(
                        &format!("appetite[{index}].{name}"),
                        format!("`{level}` is not one of the levels"),
                    );
                }
            }
            if self.rank(&appetite.tolerance) < self.rank(&appetite.appetite) {
                errors.add(
                    &format!("appetite[{index}].tolerance"),
                    "must not be below the appetite",
                );
            }
        }
        if self.treatments.is_empty() {
            errors.add("treatments", "needs at least one treatment option");
        }
        errors.into_result(self)
    }

    /// The position of a level (0 = least severe); unknown levels rank below all.
    pub fn rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == level)
    }

    /// The level for a likelihood and an impact, both 1-based steps of their scales.
    pub fn level(&self, likelihood: u8, impact: u8) -> Option<&str> {
        let row = self.matrix.get(usize::from(likelihood).checked_sub(1)?)?;
        row.get(usize::from(impact).checked_sub(1)?)
            .map(String::as_str)
    }

    /// The weighted score of dimension ratings (each 0 to 1), as a share from 0 to 1.
    pub fn weighted_score(&self, ratings: &[(String, f64)]) -> f64 {
        self.dimensions
            .iter()
            .map(|d| {
                let rating = ratings
                    .iter()
                    .find(|(id, _)| *id == d.id)
                    .map_or(0.0, |(_, r)| r.clamp(0.0, 1.0));
                d.weight * rating
            })
            .sum()
    }

    /// Whether a level is above the appetite of a category (then the risk needs a
    /// treatment plan or a formal acceptance).
    pub fn above_appetite(&self, category: &str, level: &str) -> bool {
        let appetite = self
            .appetite
            .iter()
            .find(|a| a.category == category)
            .or_else(|| self.appetite.iter().find(|a| a.category == "default"));
        match (
            appetite.and_then(|a| self.rank(&a.appetite)),
            self.rank(level),
        ) {
            (Some(limit), Some(rank)) => rank > limit,
            _ => true,
        }
    }

    /// A sensible default: five-step scales, four levels, five weighted dimensions.
    pub fn default_methodology() -> Self {
        let scale = |labels: [&str; 5]| {
            labels
                .iter()
                .enumerate()
                .map(|(i, label)| ScaleStep {
                    value: (i + 1) as u8,
                    label: (*label).into(),
                    description: String::new(),
                })
                .collect()
        };
        let level = |id: &str, label: &str| Level {
            id: id.into(),
            label: label.into(),
        };
        let row = |cells: [&str; 5]| cells.iter().map(|c| (*c).to_owned()).collect();
        let dimension = |id: &str, label: &str, weight: f64| Dimension {
            id: id.into(),
            label: label.into(),
            weight,
        };
        Self {
            name: "AIMS default AI risk methodology".into(),
            likelihood: scale(["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]),
            impact: scale(["Negligible", "Minor", "Moderate", "Major", "Severe"]),
            levels: vec![
                level("low", "Low"),
                level("medium", "Medium"),
                level("high", "High"),
                level("critical", "Critical"),
            ],
            matrix: vec![
                row(["low", "low", "low", "medium", "medium"]),
                row(["low", "low", "medium", "medium", "high"]),
                row(["low", "medium", "medium", "high", "high"]),
                row(["medium", "medium", "high", "high", "critical"]),
                row(["medium", "high", "high", "critical", "critical"]),
            ],
            dimensions: vec![
                dimension("technical_uncertainty", "Technical uncertainty", 0.2),
                dimension("data_provenance", "Data provenance", 0.2),
                dimension("societal_impact", "Societal impact", 0.25),
                dimension("autonomy", "Autonomy", 0.2),
                dimension("scale", "Scale of deployment", 0.15),
            ],
            appetite: vec![Appetite {
                category: "default".into(),
                appetite: "medium".into(),
                tolerance: "high".into(),
            }],
            treatments: vec![
                "mitigate".into(),
                "avoid".into(),
                "transfer".into(),
                "accept".into(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_default_methodology_is_valid() {
        let methodology = Methodology::default_methodology().validated().unwrap();
        assert_eq!(methodology.level(1, 1), Some("low"));
        assert_eq!(methodology.level(5, 5), Some("critical"));
        assert_eq!(methodology.level(0, 1), None);
        assert_eq!(methodology.level(6, 1), None);
        assert!(methodology.above_appetite("privacy", "high"));
        assert!(!methodology.above_appetite("privacy", "medium"));
    }

    #[test]
    fn a_changed_matrix_changes_levels() {
        let mut methodology = Methodology::default_methodology();
        assert_eq!(methodology.level(3, 3), Some("medium"));
        methodology.matrix[2][2] = "high".into();
        let methodology = methodology.validated().unwrap();
        assert_eq!(methodology.level(3, 3), Some("high"));
    }

    #[test]
    fn a_matrix_that_is_not_square_or_has_gaps_is_refused() {
        let mut methodology = Methodology::default_methodology();
        methodology.matrix.pop();
        methodology.matrix[0].pop();
        methodology.matrix[1][1] = String::new();
        methodology.matrix[2][2] = "severe".into();
        let errors = methodology.validated().err().unwrap();
        for field in ["matrix", "matrix[0]", "matrix[1][1]", "matrix[2][2]"] {
            assert!(
                errors.for_field(field).is_some(),
                "no error for {field}: {errors}"
            );
        }
    }

    #[test]
    fn weights_must_sum_to_one() {
        let mut methodology = Methodology::default_methodology();
        methodology.dimensions[0].weight = 0.3;
        let errors = methodology.validated().err().unwrap();
        assert!(
            errors
                .for_field("dimensions")
                .is_some_and(|m| m.contains("1.1"))
        );
        let methodology = Methodology::default_methodology();
        let all_high: Vec<(String, f64)> = methodology
            .dimensions
            .iter()
            .map(|d| (d.id.clone(), 1.0))
            .collect();
        assert!((methodology.weighted_score(&all_high) - 1.0).abs() < 1e-12);
        assert_eq!(methodology.weighted_score(&[]), 0.0);
    }

    #[test]
    fn appetite_must_name_levels_in_order() {
        let mut methodology = Methodology::default_methodology();
        methodology.appetite.push(Appetite {
            category: "safety".into(),
            appetite: "high".into(),
            tolerance: "low".into(),
        });
        methodology.appetite.push(Appetite {
            category: "privacy".into(),
            appetite: "tiny".into(),
            tolerance: "high".into(),
        });
        let errors = methodology.validated().err().unwrap();
        assert!(errors.for_field("appetite[1].tolerance").is_some());
        assert!(errors.for_field("appetite[2].appetite").is_some());
    }
}
