//! Impact classification from an intake questionnaire: a level (low, medium, high,
//! critical) with the answers that drove it, so the result can be read and challenged.

use serde::{Deserialize, Serialize};

use crate::ai_system::{AutonomyLevel, OrgRole};

vocabulary! {
    /// The effect of the system's outputs on the people they concern.
    pub enum DecisionEffect {
        NoEffect => ("none", "No effect on individuals"),
        Minor => ("minor", "Minor or easily ignored"),
        Significant => ("significant", "Significant (access, opportunities, prices)"),
        Legal => ("legal", "Legal or similarly significant effects"),
    }
}

vocabulary! {
    /// How easily an output's effect on a person can be undone.
    pub enum Reversibility {
        Easy => ("easy", "Easily reversed"),
        WithEffort => ("with_effort", "Reversible with effort"),
        Irreversible => ("irreversible", "Irreversible"),
    }
}

vocabulary! {
    /// How many people the system affects.
    pub enum Scale {
        Small => ("small", "Fewer than 1,000 people"),
        Medium => ("medium", "1,000 to 100,000 people"),
        Large => ("large", "More than 100,000 people"),
    }
}

vocabulary! {
    /// The sector or use, in the terms of the EU AI Act's Annex III where one applies.
    pub enum Sector {
        General => ("general", "General or internal use"),
        Biometrics => ("biometrics", "Biometrics (Annex III 1)"),
        CriticalInfrastructure => ("critical_infrastructure", "Critical infrastructure (Annex III 2)"),
        Education => ("education", "Education and vocational training (Annex III 3)"),
        Employment => ("employment", "Employment and workers management (Annex III 4)"),
        EssentialServices => ("essential_services", "Essential private and public services: credit, insurance, benefits, emergency triage (Annex III 5)"),
        LawEnforcement => ("law_enforcement", "Law enforcement (Annex III 6)"),
        Migration => ("migration", "Migration, asylum and border control (Annex III 7)"),
        Justice => ("justice", "Justice and democratic processes (Annex III 8)"),
        Health => ("health", "Health care"),
    }
}

impl Sector {
    /// The EU AI Act Annex III area of the sector, if it is one.
    pub fn annex_iii_area(self) -> Option<u8> {
        match self {
            Sector::Biometrics => Some(1),
            Sector::CriticalInfrastructure => Some(2),
            Sector::Education => Some(3),
            Sector::Employment => Some(4),
            Sector::EssentialServices => Some(5),
            Sector::LawEnforcement => Some(6),
            Sector::Migration => Some(7),
            Sector::Justice => Some(8),
            Sector::General | Sector::Health => None,
        }
    }
}

vocabulary! {
    /// The impact class of an AI system.
    pub enum ImpactClass {
        Low => ("low", "Low"),
        Medium => ("medium", "Medium"),
        High => ("high", "High"),
        Critical => ("critical", "Critical"),
    }
}

/// The intake questionnaire. The EU AI Act questions are answered here too, so one set of
/// answers drives both the impact class and the screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IntakeAnswers {
    pub purpose: String,
    pub org_role: OrgRole,
    pub affected_people: String,
    pub decision_effect: DecisionEffect,
    pub autonomy: AutonomyLevel,
    pub reversibility: Reversibility,
    pub scale: Scale,
    /// Special categories of personal data, biometric data, or data about children.
    pub sensitive_data: bool,
    /// Children, patients, people in financial difficulty, or others less able to object.
    pub vulnerable_groups: bool,
    pub sector: Sector,
    /// Evaluates or predicts aspects of individuals (profiling in the GDPR sense).
    pub profiling: bool,
    /// A safety component of a product under the Union legislation in Annex I.
    #[serde(default)]
    pub annex_i_safety_component: bool,
    /// One of the Art. 6(3) conditions holds (a narrow procedural task, improving the
    /// result of a human activity, detecting patterns without replacing a human
    /// assessment, or a preparatory task), so an Annex III system may be exempt.
    #[serde(default)]
    pub art_6_3_condition: bool,
    /// Art. 5(1)(a) to (h) practices, by letter, that the system performs.
    #[serde(default)]
    pub prohibited_practices: Vec<char>,
    /// People interact with it directly (Art. 50(1)).
    #[serde(default)]
    pub interacts_with_people: bool,
    /// It generates synthetic audio, images, video or text (Art. 50(2)).
    #[serde(default)]
    pub generates_synthetic_content: bool,
    /// Emotion recognition or biometric categorisation that is not prohibited (Art. 50(3)).
    #[serde(default)]
    pub emotion_or_biometric_categorisation: bool,
    /// It produces deep fakes (Art. 50(4)).
    #[serde(default)]
    pub deep_fakes: bool,
}

impl IntakeAnswers {
    /// A consumer credit-scoring system run by its provider: high impact, high-risk under
    /// Annex III 5(b). The demo organisation and the tests use it.
    pub fn example_credit_scoring() -> Self {
        IntakeAnswers {
            purpose: "Scores consumer loan applications".into(),
            org_role: OrgRole::Provider,
            affected_people: "loan applicants".into(),
            decision_effect: DecisionEffect::Legal,
            autonomy: AutonomyLevel::Partial,
            reversibility: Reversibility::WithEffort,
            scale: Scale::Medium,
            sensitive_data: false,
            vulnerable_groups: false,
            sector: Sector::EssentialServices,
            profiling: true,
            annex_i_safety_component: false,
            art_6_3_condition: false,
            prohibited_practices: Vec::new(),
            interacts_with_people: false,
            generates_synthetic_content: false,
            emotion_or_biometric_categorisation: false,
            deep_fakes: false,
        }
    }
}

/// One answer's contribution to the class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Driver {
    pub question: String,
    pub answer: String,
    pub points: u32,
}

/// The class and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Classification {
    pub class: ImpactClass,
    pub points: u32,
    /// The answers that added points, largest first.
    pub drivers: Vec<Driver>,
    pub rule: String,
}

/// Points from which each class starts.
pub const MEDIUM_FROM: u32 = 3;
pub const HIGH_FROM: u32 = 6;
pub const CRITICAL_FROM: u32 = 10;

/// Classifies by adding points per answer: the effect on individuals (up to 3), autonomy
/// (up to 2), irreversibility (up to 2), scale (up to 2), sensitive data (2), vulnerable
/// groups (2), an Annex III sector or health (2), profiling (1). A prohibited practice
/// makes the system critical whatever the points.
pub fn classify(answers: &IntakeAnswers) -> Classification {
    let mut drivers = Vec::new();
    let mut add = |question: &str, answer: &str, points: u32| {
        if points > 0 {
            drivers.push(Driver {
                question: question.into(),
                answer: answer.into(),
                points,
            });
        }
    };
    add(
        "Effect on individuals",
        answers.decision_effect.label(),
        match answers.decision_effect {
            DecisionEffect::NoEffect => 0,
            DecisionEffect::Minor => 1,
            DecisionEffect::Significant => 2,
            DecisionEffect::Legal => 3,
        },
    );
    add(
        "Autonomy",
        answers.autonomy.label(),
        match answers.autonomy {
            AutonomyLevel::Assistive | AutonomyLevel::Partial => 0,
            AutonomyLevel::High => 1,
            AutonomyLevel::Full => 2,
        },
    );
    add(
        "Reversibility",
        answers.reversibility.label(),
        match answers.reversibility {
            Reversibility::Easy => 0,
            Reversibility::WithEffort => 1,
            Reversibility::Irreversible => 2,
        },
    );
    add(
        "Scale",
        answers.scale.label(),
        match answers.scale {
            Scale::Small => 0,
            Scale::Medium => 1,
            Scale::Large => 2,
        },
    );
    add(
        "Sensitive data",
        "yes",
        if answers.sensitive_data { 2 } else { 0 },
    );
    add(
        "Vulnerable groups",
        "yes",
        if answers.vulnerable_groups { 2 } else { 0 },
    );
    let sensitive_sector =
        answers.sector.annex_iii_area().is_some() || answers.sector == Sector::Health;
    add(
        "Sector",
        answers.sector.label(),
        if sensitive_sector { 2 } else { 0 },
    );
    add("Profiling", "yes", if answers.profiling { 1 } else { 0 });
    drivers.sort_by_key(|d| std::cmp::Reverse(d.points));
    let points: u32 = drivers.iter().map(|d| d.points).sum();
    let (class, rule) = if !answers.prohibited_practices.is_empty() {
        (
            ImpactClass::Critical,
            "a prohibited practice (EU AI Act Art. 5) makes the system critical".to_owned(),
        )
    } else if points >= CRITICAL_FROM {
        (
            ImpactClass::Critical,
            format!("{points} points, critical from {CRITICAL_FROM}"),
        )
    } else if points >= HIGH_FROM {
        (
            ImpactClass::High,
            format!("{points} points, high from {HIGH_FROM}"),
        )
    } else if points >= MEDIUM_FROM {
        (
            ImpactClass::Medium,
            format!("{points} points, medium from {MEDIUM_FROM}"),
        )
    } else {
        (
            ImpactClass::Low,
            format!("{points} points, low below {MEDIUM_FROM}"),
        )
    };
    Classification {
        class,
        points,
        drivers,
        rule,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    pub(crate) fn credit_scoring() -> IntakeAnswers {
        IntakeAnswers::example_credit_scoring()
    }

    #[test]
    fn credit_scoring_is_high_and_says_why() {
        // legal effect 3 + with effort 1 + medium scale 1 + Annex III sector 2 + profiling 1 = 8
        let result = classify(&credit_scoring());
        assert_eq!(result.points, 8);
        assert_eq!(result.class, ImpactClass::High);
        assert_eq!(result.drivers[0].question, "Effect on individuals");
        assert!(
            result
                .drivers
                .iter()
                .any(|d| d.question == "Sector" && d.answer.contains("Annex III 5"))
        );
    }

    #[test]
    fn an_internal_tool_is_low_and_a_prohibited_practice_critical() {
        let internal = IntakeAnswers {
            decision_effect: DecisionEffect::NoEffect,
            reversibility: Reversibility::Easy,
            scale: Scale::Small,
            sector: Sector::General,
            profiling: false,
            ..credit_scoring()
        };
        assert_eq!(classify(&internal).class, ImpactClass::Low);
        assert!(classify(&internal).drivers.is_empty());
        let manipulative = IntakeAnswers {
            prohibited_practices: vec!['a'],
            ..internal
        };
        assert_eq!(classify(&manipulative).class, ImpactClass::Critical);
    }

    #[test]
    fn everything_at_once_is_critical() {
        let worst = IntakeAnswers {
            autonomy: AutonomyLevel::Full,
            reversibility: Reversibility::Irreversible,
            scale: Scale::Large,
            sensitive_data: true,
            vulnerable_groups: true,
            ..credit_scoring()
        };
        let result = classify(&worst);
        assert_eq!(result.points, 3 + 2 + 2 + 2 + 2 + 2 + 2 + 1);
        assert_eq!(result.class, ImpactClass::Critical);
    }
}
