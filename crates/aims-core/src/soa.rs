//! The Statement of Applicability (ISO/IEC 42001 clause 6.1.3): for every Annex A control,
//! whether it applies, why (a justification either way), and how far it is implemented.

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;
use crate::text::{long_text, optional_line};

vocabulary! {
    /// Whether an Annex A control applies to the organisation's AI management system.
    pub enum Applicability {
        Undecided => ("undecided", "Not yet decided"),
        Applicable => ("applicable", "Applicable (included)"),
        NotApplicable => ("not_applicable", "Not applicable (excluded)"),
    }
}

vocabulary! {
    /// How far an included control is implemented.
    pub enum ImplementationStatus {
        NotStarted => ("not_started", "Not started"),
        Planned => ("planned", "Planned"),
        PartiallyImplemented => ("partially_implemented", "Partially implemented"),
        Implemented => ("implemented", "Implemented"),
        NotApplicable => ("not_applicable", "Not applicable"),
    }
}

impl ImplementationStatus {
    /// The OSCAL `implementation-status` state for this status.
    pub fn oscal_state(self) -> &'static str {
        match self {
            ImplementationStatus::NotStarted | ImplementationStatus::Planned => "planned",
            ImplementationStatus::PartiallyImplemented => "partial",
            ImplementationStatus::Implemented => "implemented",
            ImplementationStatus::NotApplicable => "not-applicable",
        }
    }
}

/// The editable part of one SoA row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SoaRowFields {
    pub applicability: Applicability,
    /// Why the control is included or excluded; required once decided, either way.
    #[serde(default)]
    pub justification: String,
    pub implementation_status: ImplementationStatus,
    #[serde(default)]
    pub owner: String,
}

impl SoaRowFields {
    /// A row nobody has looked at yet.
    pub fn undecided() -> Self {
        Self {
            applicability: Applicability::Undecided,
            justification: String::new(),
            implementation_status: ImplementationStatus::NotStarted,
            owner: String::new(),
        }
    }

    /// Checks the rules of clause 6.1.3: a decision needs a justification; an excluded
    /// control is `not_applicable` and an included one is not.
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let justification = long_text(&mut errors, "justification", &self.justification, false);
        let owner = optional_line(&mut errors, "owner", &self.owner);
        match self.applicability {
            Applicability::Undecided => {}
            decided if justification.is_empty() => errors.add(
                "justification",
                if decided == Applicability::NotApplicable {
                    "is required: say why this control is excluded"
                } else {
                    "is required: say why this control is included"
                },
            ),
            _ => {}
        }
        let excluded = self.applicability == Applicability::NotApplicable;
        let marked_na = self.implementation_status == ImplementationStatus::NotApplicable;
        if excluded && !marked_na {
            errors.add(
                "implementation_status",
                "must be not_applicable for an excluded control",
            );
        } else if !excluded && marked_na {
            errors.add(
                "implementation_status",
                "can be not_applicable only when the control is excluded",
            );
        }
        errors.into_result(Self {
            justification,
            owner,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_and_inclusions_need_a_justification() {
        let excluded = SoaRowFields {
            applicability: Applicability::NotApplicable,
            implementation_status: ImplementationStatus::NotApplicable,
            ..SoaRowFields::undecided()
        };
        let errors = excluded.clone().validated().err().unwrap_or_default();
        assert!(
            errors
                .for_field("justification")
                .is_some_and(|m| m.contains("excluded"))
        );
        let justified = SoaRowFields {
            justification: "We build no AI systems ourselves.".into(),
            ..excluded
        };
        assert!(justified.validated().is_ok());
        let included = SoaRowFields {
            applicability: Applicability::Applicable,
            ..SoaRowFields::undecided()
        };
        assert!(included.validated().is_err());
        assert!(SoaRowFields::undecided().validated().is_ok());
    }

    #[test]
    fn status_must_agree_with_applicability() {
        let row = SoaRowFields {
            applicability: Applicability::Applicable,
            justification: "Needed".into(),
            implementation_status: ImplementationStatus::NotApplicable,
            owner: String::new(),
        };
        let errors = row.validated().err().unwrap_or_default();
        assert!(errors.for_field("implementation_status").is_some());
    }
}

vocabulary! {
    /// How far the organisation meets one clause requirement (clauses 4 to 10).
    pub enum ClauseState {
        NotStarted => ("not_started", "Not started"),
        Planned => ("planned", "Planned"),
        PartiallyMet => ("partially_met", "Partially met"),
        Met => ("met", "Met"),
    }
}

/// The editable fields of one clause requirement's conformance record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClauseFields {
    pub status: ClauseState,
    /// The role answerable for this requirement, such as "AI governance lead".
    #[serde(default)]
    pub responsible_role: String,
    #[serde(default)]
    pub notes: String,
}

impl ClauseFields {
    pub fn not_started() -> Self {
        Self {
            status: ClauseState::NotStarted,
            responsible_role: String::new(),
            notes: String::new(),
        }
    }

    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let responsible_role =
            optional_line(&mut errors, "responsible_role", &self.responsible_role);
        let notes = long_text(&mut errors, "notes", &self.notes, false);
        errors.into_result(Self {
            responsible_role,
            notes,
            ..self
        })
    }
}
