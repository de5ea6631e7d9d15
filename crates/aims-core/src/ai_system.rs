//! The AI system register (ISO/IEC 42001 A.4, A.6; EU AI Act roles): what one AI system
//! is, who owns it, where it is in its life cycle, and how it is overseen.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationErrors;
use crate::text::{long_text, optional_line, required_line};
use crate::timefmt::parse_date;

vocabulary! {
    /// Where the system is in its life cycle (A.6.2).
    pub enum LifecycleStage {
        Idea => ("idea", "Idea"),
        Design => ("design", "Design"),
        Development => ("development", "Development"),
        Validation => ("validation", "Validation"),
        Deployed => ("deployed", "Deployed"),
        Retired => ("retired", "Retired"),
    }
}

vocabulary! {
    /// The organisation's role for this system, in the EU AI Act's terms.
    pub enum OrgRole {
        Provider => ("provider", "Provider"),
        Deployer => ("deployer", "Deployer"),
        Importer => ("importer", "Importer"),
        Distributor => ("distributor", "Distributor"),
        User => ("user", "User"),
    }
}

vocabulary! {
    /// How far the system acts without a person deciding.
    pub enum AutonomyLevel {
        Assistive => ("assistive", "Assistive: a person decides"),
        Partial => ("partial", "Partial: acts, a person confirms"),
        High => ("high", "High: acts, a person can intervene"),
        Full => ("full", "Full: acts without a person"),
    }
}

vocabulary! {
    /// The kind of human oversight in place (EU AI Act Art. 14).
    pub enum HumanOversight {
        HumanInTheLoop => ("human_in_the_loop", "Human in the loop"),
        HumanOnTheLoop => ("human_on_the_loop", "Human on the loop"),
        HumanInCommand => ("human_in_command", "Human in command"),
        NoOversight => ("none", "None"),
    }
}

/// The editable fields of an AI system, shared by create, update and the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AiSystemFields {
    /// A short name people recognise, unique among systems that are not archived.
    pub name: String,
    /// What the system is for.
    pub purpose: String,
    #[serde(default)]
    pub intended_use: String,
    #[serde(default)]
    pub foreseeable_misuse: String,
    /// The accountable person or team.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub business_unit: String,
    #[serde(default = "default_stage")]
    pub lifecycle_stage: LifecycleStage,
    #[serde(default = "default_role")]
    pub org_role: OrgRole,
    #[serde(default = "default_autonomy")]
    pub autonomy_level: AutonomyLevel,
    #[serde(default = "default_oversight")]
    pub human_oversight: HumanOversight,
    #[serde(default)]
    pub deployment_context: String,
    /// Who the system's data or decisions are about (applicants, employees, customers).
    #[serde(default)]
    pub data_subjects: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub last_review: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub next_review: String,
}

fn default_stage() -> LifecycleStage {
    LifecycleStage::Idea
}
fn default_role() -> OrgRole {
    OrgRole::Deployer
}
fn default_autonomy() -> AutonomyLevel {
    AutonomyLevel::Assistive
}
fn default_oversight() -> HumanOversight {
    HumanOversight::HumanInTheLoop
}

impl AiSystemFields {
    /// A blank form: the defaults a new system starts with.
    pub fn blank() -> Self {
        Self {
            name: String::new(),
            purpose: String::new(),
            intended_use: String::new(),
            foreseeable_misuse: String::new(),
            owner: String::new(),
            business_unit: String::new(),
            lifecycle_stage: default_stage(),
            org_role: default_role(),
            autonomy_level: default_autonomy(),
            human_oversight: default_oversight(),
            deployment_context: String::new(),
            data_subjects: String::new(),
            last_review: String::new(),
            next_review: String::new(),
        }
    }

    /// Trims every text and checks every rule, reporting all problems by field.
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let fields = Self {
            name: required_line(&mut errors, "name", &self.name),
            purpose: long_text(&mut errors, "purpose", &self.purpose, true),
            intended_use: long_text(&mut errors, "intended_use", &self.intended_use, false),
            foreseeable_misuse: long_text(
                &mut errors,
                "foreseeable_misuse",
                &self.foreseeable_misuse,
                false,
            ),
            owner: optional_line(&mut errors, "owner", &self.owner),
            business_unit: optional_line(&mut errors, "business_unit", &self.business_unit),
            lifecycle_stage: self.lifecycle_stage,
            org_role: self.org_role,
            autonomy_level: self.autonomy_level,
            human_oversight: self.human_oversight,
            deployment_context: long_text(
                &mut errors,
                "deployment_context",
                &self.deployment_context,
                false,
            ),
            data_subjects: optional_line(&mut errors, "data_subjects", &self.data_subjects),
            last_review: optional_date(&mut errors, "last_review", &self.last_review),
            next_review: optional_date(&mut errors, "next_review", &self.next_review),
        };
        if errors.is_empty()
            && !fields.last_review.is_empty()
            && !fields.next_review.is_empty()
            && fields.next_review < fields.last_review
        {
            errors.add("next_review", "must not be before the last review");
        }
        errors.into_result(fields)
    }

    /// Applies a partial update; fields absent from the patch keep their value.
    pub fn patched(mut self, patch: AiSystemPatch) -> Self {
        macro_rules! apply {
            ($($field:ident),+) => { $( if let Some(value) = patch.$field { self.$field = value; } )+ };
        }
        apply!(
            name,
            purpose,
            intended_use,
            foreseeable_misuse,
            owner,
            business_unit,
            lifecycle_stage,
            org_role,
            autonomy_level,
            human_oversight,
            deployment_context,
            data_subjects,
            last_review,
            next_review
        );
        self
    }
}

fn optional_date(errors: &mut ValidationErrors, field: &str, value: &str) -> String {
    let trimmed = value.trim();
    if !trimmed.is_empty() && parse_date(trimmed).is_err() {
        errors.add(field, "must be a date written YYYY-MM-DD");
    }
    trimmed.to_owned()
}

/// A partial update: only the fields present change. `version` is the version the
/// client last saw, so that a stale edit is refused instead of silently overwriting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AiSystemPatch {
    pub version: i64,
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub intended_use: Option<String>,
    pub foreseeable_misuse: Option<String>,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub org_role: Option<OrgRole>,
    pub autonomy_level: Option<AutonomyLevel>,
    pub human_oversight: Option<HumanOversight>,
    pub deployment_context: Option<String>,
    pub data_subjects: Option<String>,
    pub last_review: Option<String>,
    pub next_review: Option<String>,
}

/// One AI system as stored: its fields plus identity, archive flag and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AiSystem {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: AiSystemFields,
    pub archived: bool,
    /// Increases by one on every change; updates must name the version they saw.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Filters for listing systems.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AiSystemFilter {
    /// Case-insensitive substring of the name, purpose or owner.
    pub q: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub org_role: Option<OrgRole>,
    pub business_unit: Option<String>,
    /// Include archived systems (default: no).
    pub include_archived: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> AiSystemFields {
        AiSystemFields {
            name: " Credit scoring ".into(),
            purpose: "Scores loan applications".into(),
            ..AiSystemFields::blank()
        }
    }

    #[test]
    fn validation_trims_and_accepts_a_minimal_system() {
        let fields = valid().validated();
        assert_eq!(
            fields.map(|f| f.name).ok().as_deref(),
            Some("Credit scoring")
        );
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let fields = AiSystemFields {
            name: String::new(),
            purpose: String::new(),
            next_review: "31/12/2026".into(),
            owner: "x".repeat(500),
            ..AiSystemFields::blank()
        };
        let errors = fields.validated().err().unwrap_or_default();
        for field in ["name", "purpose", "next_review", "owner"] {
            assert!(errors.for_field(field).is_some(), "no error for {field}");
        }
    }

    #[test]
    fn review_dates_must_be_in_order() {
        let fields = AiSystemFields {
            last_review: "2026-06-01".into(),
            next_review: "2026-01-01".into(),
            ..valid()
        };
        let errors = fields.validated().err().unwrap_or_default();
        assert!(errors.for_field("next_review").is_some());
    }

    #[test]
    fn patch_changes_only_given_fields() {
        let patch = AiSystemPatch {
            version: 1,
            owner: Some("Risk team".into()),
            lifecycle_stage: Some(LifecycleStage::Deployed),
            ..AiSystemPatch::default()
        };
        let patched = valid().patched(patch);
        assert_eq!(patched.owner, "Risk team");
        assert_eq!(patched.lifecycle_stage, LifecycleStage::Deployed);
        assert_eq!(patched.purpose, "Scores loan applications");
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        let result: Result<AiSystemFields, _> =
            serde_json::from_str(r#"{"name":"a","purpose":"b","colour":"red"}"#);
        assert!(result.is_err_and(|e| e.to_string().contains("colour")));
    }
}
