//! Impact assessments (ISO/IEC 42001 6.1.4, 8.4; structure after ISO/IEC 42005): the
//! sections every assessment has, the extra sections of the templates (the EU AI Act
//! Art. 27 fundamental-rights impact assessment, hiring, lending and surveillance uses),
//! and the check that an assessment is complete enough to approve. Our own wording.

use serde::{Deserialize, Serialize};

/// One section of an assessment: an id, a title and a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub prompt: &'static str,
}

const fn s(id: &'static str, title: &'static str, prompt: &'static str) -> Section {
    Section { id, title, prompt }
}

/// The sections of every assessment, in order.
pub const CORE: &[Section] = &[
    s(
        "scope",
        "Scope",
        "What the assessment covers, for which version and deployment, and why now.",
    ),
    s(
        "system",
        "System information",
        "What the system does, its outputs and how they are used in decisions.",
    ),
    s(
        "data",
        "Data information and quality",
        "Data used to build and run it, its provenance, quality and known gaps.",
    ),
    s(
        "model",
        "Model information",
        "The models, how they were validated, and their known limitations.",
    ),
    s(
        "deployment",
        "Deployment environment",
        "Where and by whom it is operated, and the human oversight in place.",
    ),
    s(
        "parties",
        "Interested parties",
        "Who is affected directly (users, subjects) and indirectly (families, communities).",
    ),
    s(
        "individuals",
        "Impacts on individuals and groups",
        "Foreseeable effects on people, including privacy, non-discrimination and due process.",
    ),
    s(
        "society",
        "Impacts on society",
        "Effects on society and the environment, including on the workforce.",
    ),
    s(
        "benefits_harms",
        "Benefits and harms",
        "The benefits weighed against the harms, for whom.",
    ),
    s(
        "failures",
        "Failures and misuse",
        "What happens when it fails or is misused, and how that would be noticed.",
    ),
    s(
        "measures",
        "Measures",
        "The measures that prevent or reduce the impacts, with their owners.",
    ),
    s(
        "residual",
        "Residual impact",
        "What remains after the measures, and why it is acceptable.",
    ),
];

vocabulary! {
    /// Templates with sections beyond the core.
    pub enum Template {
        General => ("general", "General (ISO/IEC 42005 structure)"),
        Fria => ("fria", "Fundamental-rights impact assessment (EU AI Act Art. 27)"),
        Hiring => ("hiring", "Hiring and worker management"),
        Lending => ("lending", "Lending and creditworthiness"),
        Surveillance => ("surveillance", "Surveillance and biometric identification"),
    }
}

impl Template {
    /// The template's own sections, after the core ones.
    pub fn extra(self) -> &'static [Section] {
        match self {
            Template::General => &[],
            Template::Fria => FRIA,
            Template::Hiring => HIRING,
            Template::Lending => LENDING,
            Template::Surveillance => SURVEILLANCE,
        }
    }

    /// Every section of an assessment made from this template.
    pub fn sections(self) -> Vec<Section> {
        CORE.iter().chain(self.extra()).copied().collect()
    }
}

/// The sections an assessment still lacks before it can be approved.
pub fn missing_sections(
    template: Template,
    answers: &std::collections::BTreeMap<String, String>,
) -> Vec<&'static str> {
    template
        .sections()
        .into_iter()
        .filter(|section| {
            answers
                .get(section.id)
                .is_none_or(|text| text.trim().is_empty())
        })
        .map(|section| section.title)
        .collect()
}

const FRIA: &[Section] = &[
    s(
        "fria_process",
        "Deployer's processes",
        "The processes in which the system is used, in line with its intended purpose.",
    ),
    s(
        "fria_period",
        "Period and frequency of use",
        "How long and how often the system is used.",
    ),
    s(
        "fria_categories",
        "Categories of people affected",
        "The categories of natural persons and groups likely to be affected.",
    ),
    s(
        "fria_risks",
        "Specific risks of harm",
        "The risks of harm to those categories, considering the provider's information.",
    ),
    s(
        "fria_oversight",
        "Human oversight measures",
        "How human oversight is carried out, following the instructions for use.",
    ),
    s(
        "fria_remedies",
        "If risks materialise",
        "The measures taken if risks materialise, including governance and complaint handling.",
    ),
];

const HIRING: &[Section] = &[
    s(
        "hiring_criteria",
        "Selection criteria",
        "Which criteria the system ranks or filters on, and why they are job-related.",
    ),
    s(
        "hiring_adverse_impact",
        "Adverse impact",
        "Selection rates by group (four-fifths rule) and how they are monitored.",
    ),
    s(
        "hiring_candidates",
        "Candidate information and contest",
        "What candidates are told and how they can ask for a human review.",
    ),
];

const LENDING: &[Section] = &[
    s(
        "lending_fairness",
        "Fair lending",
        "Approval and error rates by protected group and proxies examined.",
    ),
    s(
        "lending_explanations",
        "Reasons for adverse decisions",
        "How applicants learn the main reasons for a refusal.",
    ),
    s(
        "lending_affordability",
        "Affordability and vulnerability",
        "How over-indebtedness and vulnerable applicants are protected.",
    ),
];

const SURVEILLANCE: &[Section] = &[
    s(
        "surveillance_legal_basis",
        "Legal basis and necessity",
        "The legal basis, necessity and proportionality of the monitoring.",
    ),
    s(
        "surveillance_scope",
        "Who is watched, where and for how long",
        "The people and places in scope, and retention of what is captured.",
    ),
    s(
        "surveillance_chilling",
        "Effects on freedoms",
        "Effects on expression, assembly and movement, and safeguards.",
    ),
];

/// Approval state of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    Approved,
    Superseded,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_add_their_sections_and_ids_are_unique() {
        for template in Template::ALL {
            let sections = template.sections();
            let mut ids: Vec<&str> = sections.iter().map(|s| s.id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), sections.len(), "{template}");
        }
        assert_eq!(Template::Fria.sections().len(), CORE.len() + 6);
        let mut answers = std::collections::BTreeMap::new();
        answers.insert("scope".to_owned(), "all EU applications".to_owned());
        let missing = missing_sections(Template::General, &answers);
        assert_eq!(missing.len(), CORE.len() - 1);
        assert!(!missing.contains(&"Scope"));
    }
}
