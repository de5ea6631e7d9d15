//! EU AI Act screening from the intake answers: prohibited practices (Art. 5), high-risk
//! classification (Art. 6(1) and Annex III, with the Art. 6(3) exemption, never for
//! profiling), transparency duties (Art. 50), and the obligations that follow for a
//! provider or a deployer. Article identifiers match the catalogue's EU AI Act library,
//! where their application dates are kept as data.

use serde::{Deserialize, Serialize};

use crate::ai_system::OrgRole;
use crate::risk::classification::{IntakeAnswers, Sector};

vocabulary! {
    /// The Act's risk tier for a system.
    pub enum Tier {
        Prohibited => ("prohibited", "Prohibited practice"),
        HighRisk => ("high_risk", "High-risk"),
        Transparency => ("transparency", "Transparency obligations"),
        Minimal => ("minimal", "Minimal risk"),
    }
}

/// The screening result, with the reasoning that led to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Screening {
    pub tier: Tier,
    /// `Art. 5(1)(a)` and so on.
    pub prohibited: Vec<String>,
    /// `Annex III 5` when the system falls in an Annex III area.
    pub annex_iii_area: Option<String>,
    pub high_risk: bool,
    /// Whether the Art. 6(3) exemption applies (never when the system profiles people).
    pub exempt_under_6_3: bool,
    /// `Art. 50(1)` and so on.
    pub transparency: Vec<String>,
    /// The articles the organisation must meet in its role, in the catalogue's ids.
    pub obligations: Vec<String>,
    /// One sentence per step of the reasoning.
    pub rationale: Vec<String>,
}

const PROVIDER_HIGH_RISK: &[&str] = &[
    "Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15", "Art. 16",
    "Art. 17", "Art. 43", "Art. 49", "Art. 72", "Art. 73",
];

/// Screens a system against the Act from its intake answers.
pub fn screen(answers: &IntakeAnswers) -> Screening {
    let mut rationale = Vec::new();
    let mut letters: Vec<char> = answers
        .prohibited_practices
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| ('a'..='h').contains(c))
        .collect();
    letters.sort_unstable();
    letters.dedup();
    let prohibited: Vec<String> = letters.iter().map(|c| format!("Art. 5(1)({c})")).collect();
    if !prohibited.is_empty() {
        rationale.push(format!("The system performs a practice prohibited by {}: it may not be placed on the market or used.", prohibited.join(", ")));
    }

    let area = answers.sector.annex_iii_area();
    let annex_iii_area = area.map(|a| format!("Annex III {a}"));
    let mut exempt = false;
    let mut high_risk = false;
    if answers.annex_i_safety_component {
        high_risk = true;
        rationale.push("It is a safety component of a product under Annex I legislation: high-risk under Art. 6(1).".into());
    }
    if let Some(area_id) = &annex_iii_area {
        if answers.profiling {
            high_risk = true;
            rationale.push(format!("It falls in {area_id} and profiles natural persons: always high-risk (Art. 6(3), last subparagraph)."));
        } else if answers.art_6_3_condition {
            exempt = !high_risk;
            rationale.push(format!("It falls in {area_id} but an Art. 6(3) condition holds and it does not profile people: not high-risk, provided the assessment is documented before it is placed on the market (Art. 6(4))."));
        } else {
            high_risk = true;
            rationale.push(format!("It falls in {area_id}: high-risk under Art. 6(2)."));
        }
    } else if !answers.annex_i_safety_component {
        rationale.push(
            "It is neither an Annex I safety component nor in an Annex III area: not high-risk."
                .into(),
        );
    }

    let mut transparency = Vec::new();
    if answers.interacts_with_people {
        transparency.push("Art. 50(1)".to_owned());
    }
    if answers.generates_synthetic_content {
        transparency.push("Art. 50(2)".to_owned());
    }
    if answers.emotion_or_biometric_categorisation {
        transparency.push("Art. 50(3)".to_owned());
    }
    if answers.deep_fakes {
        transparency.push("Art. 50(4)".to_owned());
    }
    if !transparency.is_empty() {
        rationale.push(format!(
            "Transparency duties apply: {}.",
            transparency.join(", ")
        ));
    }

    // AI literacy applies to every provider and deployer.
    let mut obligations = vec!["Art. 4".to_owned()];
    let provider = matches!(answers.org_role, OrgRole::Provider);
    let deployer = matches!(answers.org_role, OrgRole::Deployer | OrgRole::User);
    if high_risk && prohibited.is_empty() {
        if provider {
            obligations.extend(PROVIDER_HIGH_RISK.iter().map(|a| (*a).to_owned()));
        }
        if deployer {
            obligations.push("Art. 26".to_owned());
            // A fundamental rights impact assessment is due from deployers providing public
            // services and from deployers of credit scoring and life or health insurance
            // pricing (Annex III 5(b) and (c)); area 5 is the nearest this screening knows.
            if answers.sector == Sector::EssentialServices {
                obligations.push("Art. 27".to_owned());
                rationale.push("As a deployer in Annex III 5 it owes a fundamental rights impact assessment (Art. 27).".into());
            }
        }
        if matches!(answers.org_role, OrgRole::Importer | OrgRole::Distributor) {
            rationale.push("Importers and distributors have their own obligations (Art. 23 and 24), not screened here.".into());
        }
    }
    for article in &transparency {
        let duty_of_provider = article == "Art. 50(1)" || article == "Art. 50(2)";
        if (duty_of_provider && provider) || (!duty_of_provider && deployer) {
            obligations.push(article.clone());
        }
    }

    let tier = if !prohibited.is_empty() {
        Tier::Prohibited
    } else if high_risk {
        Tier::HighRisk
    } else if !transparency.is_empty() {
        Tier::Transparency
    } else {
        Tier::Minimal
    };
    Screening {
        tier,
        prohibited,
        annex_iii_area,
        high_risk: high_risk && tier != Tier::Prohibited,
        exempt_under_6_3: exempt,
        transparency,
        obligations,
        rationale,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::risk::classification::tests::credit_scoring;

    #[test]
    fn credit_scoring_is_high_risk_under_annex_iii_5_with_the_reason() {
        let screening = screen(&credit_scoring());
        assert_eq!(screening.tier, Tier::HighRisk);
        assert_eq!(screening.annex_iii_area.as_deref(), Some("Annex III 5"));
        assert!(
            screening
                .rationale
                .iter()
                .any(|r| r.contains("Annex III 5") && r.contains("profiles"))
        );
        assert!(
            screening.obligations.contains(&"Art. 9".to_owned())
                && screening.obligations.contains(&"Art. 43".to_owned())
        );
        assert!(
            !screening.obligations.contains(&"Art. 26".to_owned()),
            "a provider, not a deployer"
        );
    }

    #[test]
    fn profiling_defeats_the_6_3_exemption() {
        let claimed = IntakeAnswers {
            art_6_3_condition: true,
            ..credit_scoring()
        };
        assert!(screen(&claimed).high_risk);
        let not_profiling = IntakeAnswers {
            profiling: false,
            ..claimed
        };
        let screening = screen(&not_profiling);
        assert!(!screening.high_risk && screening.exempt_under_6_3);
        assert_eq!(screening.tier, Tier::Minimal);
    }

    #[test]
    fn a_deployer_in_area_5_owes_a_fundamental_rights_assessment() {
        let deployer = IntakeAnswers {
            org_role: OrgRole::Deployer,
            ..credit_scoring()
        };
        let screening = screen(&deployer);
        assert!(screening.obligations.contains(&"Art. 26".to_owned()));
        assert!(screening.obligations.contains(&"Art. 27".to_owned()));
        assert!(!screening.obligations.contains(&"Art. 16".to_owned()));
    }

    #[test]
    fn prohibited_practices_and_transparency_duties() {
        let scraping = IntakeAnswers {
            prohibited_practices: vec!['E', 'e', 'z'],
            ..credit_scoring()
        };
        let screening = screen(&scraping);
        assert_eq!(screening.tier, Tier::Prohibited);
        assert_eq!(screening.prohibited, ["Art. 5(1)(e)"]);
        assert!(!screening.high_risk);

        let chatbot = IntakeAnswers {
            sector: Sector::General,
            profiling: false,
            interacts_with_people: true,
            deep_fakes: true,
            org_role: OrgRole::Deployer,
            ..credit_scoring()
        };
        let screening = screen(&chatbot);
        assert_eq!(screening.tier, Tier::Transparency);
        assert_eq!(screening.transparency, ["Art. 50(1)", "Art. 50(4)"]);
        // Art. 50(1) binds the provider; the deployer owes 50(4).
        assert!(screening.obligations.contains(&"Art. 50(4)".to_owned()));
        assert!(!screening.obligations.contains(&"Art. 50(1)".to_owned()));
        assert_eq!(screening.obligations[0], "Art. 4");
    }
}
