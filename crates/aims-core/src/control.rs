//! Applied controls: the organisation's own controls, each linked to the requirements of
//! any framework it helps meet, so one control and its evidence serve several frameworks.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationErrors;
use crate::text::{long_text, optional_line, required_line};

vocabulary! {
    /// Where an applied control stands.
    pub enum ControlStatus {
        Planned => ("planned", "Planned"),
        InProgress => ("in_progress", "In progress"),
        Implemented => ("implemented", "Implemented"),
        Retired => ("retired", "Retired"),
    }
}

vocabulary! {
    /// How often the control operates or is performed.
    pub enum ControlFrequency {
        Continuous => ("continuous", "Continuous"),
        PerChange => ("per_change", "On every change"),
        Daily => ("daily", "Daily"),
        Weekly => ("weekly", "Weekly"),
        Monthly => ("monthly", "Monthly"),
        Quarterly => ("quarterly", "Quarterly"),
        Annually => ("annually", "Annually"),
        AdHoc => ("ad_hoc", "When needed"),
    }
}

/// A requirement of some framework, such as (`iso42001`, `A.6.2.4`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequirementRef {
    pub framework: String,
    pub requirement: String,
}

/// The editable fields of an applied control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ControlFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default = "default_status")]
    pub status: ControlStatus,
    #[serde(default = "default_frequency")]
    pub frequency: ControlFrequency,
    /// Estimated cost to implement, in whole units of the organisation's currency.
    #[serde(default)]
    pub cost_estimate: i64,
    /// Estimated effort to implement, in person-days.
    #[serde(default)]
    pub effort_days: i64,
    /// The requirements this control helps meet, in any framework.
    #[serde(default)]
    pub requirements: Vec<RequirementRef>,
}

fn default_status() -> ControlStatus {
    ControlStatus::Planned
}

fn default_frequency() -> ControlFrequency {
    ControlFrequency::Continuous
}

impl ControlFields {
    pub fn blank() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            owner: String::new(),
            status: default_status(),
            frequency: default_frequency(),
            cost_estimate: 0,
            effort_days: 0,
            requirements: Vec::new(),
        }
    }

    /// Checks the fields; requirement references are checked against the catalogue by
    /// the caller, which knows the frameworks.
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required_line(&mut errors, "name", &self.name);
        let description = long_text(&mut errors, "description", &self.description, false);
        let owner = optional_line(&mut errors, "owner", &self.owner);
        if self.cost_estimate < 0 {
            errors.add("cost_estimate", "must not be negative");
        }
        if !(0..=100_000).contains(&self.effort_days) {
            errors.add("effort_days", "must be between 0 and 100000");
        }
        let mut requirements = self.requirements;
        requirements.sort();
        requirements.dedup();
        errors.into_result(Self {
            name,
            description,
            owner,
            requirements,
            ..self
        })
    }
}

/// An applied control as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedControl {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: ControlFields,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_sorted_and_deduplicated() {
        let link = |r: &str| RequirementRef {
            framework: "iso42001".into(),
            requirement: r.into(),
        };
        let fields = ControlFields {
            name: "Model validation procedure".into(),
            requirements: vec![link("A.6.2.4"), link("A.6.2.2"), link("A.6.2.4")],
            ..ControlFields::blank()
        };
        let fields = fields.validated().ok();
        assert_eq!(
            fields.map(|f| f.requirements),
            Some(vec![link("A.6.2.2"), link("A.6.2.4")])
        );
    }

    #[test]
    fn estimates_are_checked() {
        let fields = ControlFields {
            name: "x".into(),
            cost_estimate: -5,
            effort_days: -1,
            ..ControlFields::blank()
        };
        let errors = fields.validated().err().unwrap_or_default();
        assert!(errors.for_field("cost_estimate").is_some());
        assert!(errors.for_field("effort_days").is_some());
    }
}
