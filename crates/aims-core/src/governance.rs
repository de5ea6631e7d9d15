//! Lifecycle transitions, their stage gates, and who must approve them (ISO/IEC 42001
//! A.2, A.3.2, A.6.2.5; seed modules 2 and 5).
//!
//! The policy is data: gate rules say what must be true before a transition may be
//! requested, by subject and risk tier; approval rules say which roles must approve, how
//! many of them, by when, and who takes over when the deadline passes. The store evaluates
//! the requirements against its records; this module only decides which apply and whether
//! a decision is allowed. Design: `docs/design/0006-inventory-and-governance.md`.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::ai_system::LifecycleStage;
use crate::error::ValidationErrors;
use crate::risk::classification::ImpactClass;

vocabulary! {
    /// What a transition moves.
    pub enum Subject {
        AiSystem => ("ai_system", "AI system"),
        ModelVersion => ("model_version", "Model version"),
    }
}

vocabulary! {
    /// Something that must hold before a transition (a stage gate).
    pub enum Requirement {
        Classified => ("classified", "Impact classification recorded"),
        OwnerAssigned => ("owner_assigned", "An accountable owner is named"),
        ImpactAssessmentApproved => ("impact_assessment_approved", "An approved impact assessment"),
        RisksTreated => ("risks_treated", "Every risk above appetite is treated or accepted"),
        ValidationCheckPassed => ("validation_check_passed", "A validation check run that passed"),
        ModelCard => ("model_card", "A model card: intended use and limitations written"),
        TrainingDataRegistered => ("training_data_registered", "Training data registered as dataset versions"),
        ModelsApproved => ("models_approved", "Every model version it uses is approved or deployed"),
        SoaA625Approved => ("soa_a625_approved", "A.6.2.5 (deployment) included in an approved SoA"),
    }
}

/// A transition: from one stage or status to another, with its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    /// `advance`, `deploy`, `retrain`, `retire` and so on.
    pub name: String,
    pub from: String,
    pub to: String,
}

/// The transitions open to an AI system in `stage`: the next stage, and retirement.
pub fn system_transitions(stage: LifecycleStage) -> Vec<Transition> {
    let all = LifecycleStage::ALL;
    let mut out = Vec::new();
    if let Some(index) = all.iter().position(|s| *s == stage)
        && let Some(next) = all.get(index + 1)
        && *next != LifecycleStage::Retired
    {
        let name = if *next == LifecycleStage::Deployed {
            "deploy"
        } else {
            "advance"
        };
        out.push(Transition {
            name: name.into(),
            from: stage.code().into(),
            to: next.code().into(),
        });
    }
    if stage == LifecycleStage::Deployed {
        // Going back for rework is a transition too (a major change, A.6.2.2).
        out.push(Transition {
            name: "rework".into(),
            from: stage.code().into(),
            to: LifecycleStage::Development.code().into(),
        });
    }
    if stage != LifecycleStage::Retired {
        out.push(Transition {
            name: "retire".into(),
            from: stage.code().into(),
            to: LifecycleStage::Retired.code().into(),
        });
    }
    out
}

/// The transitions open to a model version in `status`.
pub fn model_version_transitions(status: &str) -> Vec<Transition> {
    let t = |name: &str, to: &str| Transition {
        name: name.into(),
        from: status.into(),
        to: to.into(),
    };
    match status {
        "candidate" => vec![t("validate", "validated"), t("retire", "retired")],
        "validated" => vec![t("approve", "approved"), t("retire", "retired")],
        "approved" => vec![t("deploy", "deployed"), t("retire", "retired")],
        // Retraining sends the version back to be validated again before it serves.
        "deployed" => vec![t("retrain", "candidate"), t("retire", "retired")],
        _ => Vec::new(),
    }
}

/// The gate for transitions to `to` of `subject`, applying from `min_tier` up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GateRule {
    pub subject: Subject,
    /// The stage or status entered.
    pub to: String,
    pub min_tier: ImpactClass,
    pub requires: Vec<Requirement>,
}

/// Who approves a transition: for a subject, a transition name (`*` for any), tiers from
/// `min_tier`, and optionally one business unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    pub subject: Subject,
    pub transition: String,
    pub min_tier: ImpactClass,
    #[serde(default)]
    pub business_unit: Option<String>,
    /// Roles whose approvals count.
    pub approvers: Vec<Role>,
    /// How many distinct approvers are needed.
    pub quorum: u32,
    /// Days before the request escalates.
    pub deadline_days: u32,
    /// Roles that may also approve once the deadline has passed (the next tier).
    #[serde(default)]
    pub escalate_to: Vec<Role>,
}

/// The whole governance policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub gates: Vec<GateRule>,
    pub approvals: Vec<ApprovalRule>,
    /// Longest a waiver may run, in days.
    pub max_waiver_days: u32,
}

/// The tier a transition is judged at: an unclassified system is treated as high, so
/// nothing escapes its gates by not being classified.
pub fn effective_tier(class: Option<ImpactClass>) -> ImpactClass {
    class.unwrap_or(ImpactClass::High)
}

impl Policy {
    /// The policy AIMS ships with: stricter with each tier, two approvers for deploying a
    /// high or critical system.
    pub fn default_policy() -> Self {
        use ImpactClass::{Critical, High, Low, Medium};
        use Requirement as R;
        use Subject::{AiSystem, ModelVersion};
        let gate = |subject, to: &str, min_tier, requires: Vec<Requirement>| GateRule {
            subject,
            to: to.into(),
            min_tier,
            requires,
        };
        let approval = |subject,
                        transition: &str,
                        min_tier,
                        approvers: Vec<Role>,
                        quorum,
                        deadline_days,
                        escalate_to: Vec<Role>| ApprovalRule {
            subject,
            transition: transition.into(),
            min_tier,
            business_unit: None,
            approvers,
            quorum,
            deadline_days,
            escalate_to,
        };
        Self {
            gates: vec![
                gate(
                    AiSystem,
                    "development",
                    Low,
                    vec![R::Classified, R::OwnerAssigned],
                ),
                gate(
                    AiSystem,
                    "validation",
                    Medium,
                    vec![R::TrainingDataRegistered],
                ),
                gate(
                    AiSystem,
                    "deployed",
                    Low,
                    vec![R::Classified, R::OwnerAssigned, R::ModelsApproved],
                ),
                gate(
                    AiSystem,
                    "deployed",
                    Medium,
                    vec![R::ValidationCheckPassed, R::RisksTreated],
                ),
                gate(
                    AiSystem,
                    "deployed",
                    High,
                    vec![R::ImpactAssessmentApproved, R::SoaA625Approved],
                ),
                gate(
                    ModelVersion,
                    "validated",
                    Low,
                    vec![R::TrainingDataRegistered],
                ),
                gate(ModelVersion, "approved", Low, vec![R::ModelCard]),
                gate(
                    ModelVersion,
                    "approved",
                    High,
                    vec![R::ValidationCheckPassed],
                ),
            ],
            approvals: vec![
                approval(
                    AiSystem,
                    "*",
                    Low,
                    vec![Role::RiskOwner, Role::GovernanceLead],
                    1,
                    7,
                    vec![Role::GovernanceLead],
                ),
                approval(
                    AiSystem,
                    "deploy",
                    High,
                    vec![Role::GovernanceLead],
                    2,
                    5,
                    vec![Role::Admin],
                ),
                approval(
                    AiSystem,
                    "deploy",
                    Critical,
                    vec![Role::GovernanceLead],
                    3,
                    5,
                    vec![Role::Admin],
                ),
                approval(
                    ModelVersion,
                    "*",
                    Low,
                    vec![Role::MlEngineer, Role::RiskOwner, Role::GovernanceLead],
                    1,
                    7,
                    vec![Role::GovernanceLead],
                ),
                approval(
                    ModelVersion,
                    "approve",
                    High,
                    vec![Role::RiskOwner, Role::GovernanceLead],
                    1,
                    5,
                    vec![Role::GovernanceLead],
                ),
            ],
            max_waiver_days: 90,
        }
    }

    /// Checks the policy is usable: quorums reachable, approvers named, and every
    /// transition of every tier covered by an approval rule.
    pub fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (index, rule) in self.approvals.iter().enumerate() {
            let at = |field: &str| format!("approvals[{index}].{field}");
            if rule.approvers.is_empty() {
                errors.add(&at("approvers"), "name at least one role");
            }
            if rule.quorum == 0 {
                errors.add(&at("quorum"), "must be at least 1");
            }
            if rule.deadline_days == 0 || rule.deadline_days > 365 {
                errors.add(&at("deadline_days"), "must be between 1 and 365");
            }
            if rule.transition.trim().is_empty() {
                errors.add(&at("transition"), "name a transition or `*`");
            }
        }
        for (index, gate) in self.gates.iter().enumerate() {
            let valid_target = match gate.subject {
                Subject::AiSystem => LifecycleStage::parse(&gate.to).is_ok(),
                Subject::ModelVersion => crate::inventory::MODEL_VERSION_STATUSES
                    .iter()
                    .any(|(code, _)| *code == gate.to),
            };
            if !valid_target {
                errors.add(
                    &format!("gates[{index}].to"),
                    format!("`{}` is not a stage of a {}", gate.to, gate.subject.label()),
                );
            }
        }
        for subject in Subject::ALL {
            for tier in ImpactClass::ALL {
                if !self.approvals.iter().any(|r| {
                    r.subject == *subject
                        && r.transition == "*"
                        && r.min_tier <= *tier
                        && r.business_unit.is_none()
                }) {
                    errors.add(
                        "approvals",
                        format!(
                            "no rule with transition `*` covers a {} at tier {}",
                            subject.label(),
                            tier.code()
                        ),
                    );
                }
            }
        }
        if self.max_waiver_days == 0 || self.max_waiver_days > 365 {
            errors.add("max_waiver_days", "must be between 1 and 365");
        }
        errors.into_result(self)
    }

    /// The requirements for entering `to`, at `tier`, without duplicates, in order.
    pub fn requirements(&self, subject: Subject, to: &str, tier: ImpactClass) -> Vec<Requirement> {
        let mut out = Vec::new();
        for gate in &self.gates {
            if gate.subject == subject && gate.to == to && gate.min_tier <= tier {
                for requirement in &gate.requires {
                    if !out.contains(requirement) {
                        out.push(*requirement);
                    }
                }
            }
        }
        out
    }

    /// The approval rule for a transition: the most specific match (business unit over
    /// any, named transition over `*`, highest tier threshold).
    pub fn approval_rule(
        &self,
        subject: Subject,
        transition: &str,
        tier: ImpactClass,
        business_unit: &str,
    ) -> Option<&ApprovalRule> {
        self.approvals
            .iter()
            .filter(|rule| {
                rule.subject == subject
                    && (rule.transition == "*" || rule.transition == transition)
                    && rule.min_tier <= tier
                    && rule
                        .business_unit
                        .as_deref()
                        .is_none_or(|unit| unit == business_unit)
            })
            .max_by_key(|rule| {
                (
                    rule.business_unit.is_some(),
                    rule.transition != "*",
                    rule.min_tier,
                )
            })
    }
}

/// A decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Why someone may not decide on a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefused {
    #[error("you requested this change; someone else must decide on it (segregation of duties)")]
    OwnRequest,
    #[error("your role ({role}) is not one of the approvers for this change: {approvers}")]
    NotAnApprover { role: String, approvers: String },
    #[error("you have already decided on this request")]
    AlreadyDecided,
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("the request is {0}, not pending")]
    NotPending(String),
}

/// Whether `role` may decide on a request governed by `rule`, given whether the deadline
/// has passed (then the escalation roles count too).
pub fn may_decide(rule: &ApprovalRule, role: Role, escalated: bool) -> Result<(), DecisionRefused> {
    if rule.approvers.contains(&role) || (escalated && rule.escalate_to.contains(&role)) {
        Ok(())
    } else {
        let mut roles: Vec<&str> = rule.approvers.iter().map(|r| r.code()).collect();
        if escalated {
            roles.extend(rule.escalate_to.iter().map(|r| r.code()));
        }
        Err(DecisionRefused::NotAnApprover {
            role: role.code().into(),
            approvers: roles.join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_strict_for_high_risk() {
        let Ok(policy) = Policy::default_policy().validated() else {
            unreachable!("default policy must validate")
        };
        let high = policy.requirements(Subject::AiSystem, "deployed", ImpactClass::High);
        assert!(high.contains(&Requirement::ImpactAssessmentApproved));
        assert!(high.contains(&Requirement::ValidationCheckPassed));
        let low = policy.requirements(Subject::AiSystem, "deployed", ImpactClass::Low);
        assert!(!low.contains(&Requirement::ImpactAssessmentApproved));
        let rule = policy.approval_rule(Subject::AiSystem, "deploy", ImpactClass::High, "Retail");
        assert!(rule.is_some_and(|r| r.quorum == 2 && r.approvers == [Role::GovernanceLead]));
        let rule = policy.approval_rule(Subject::AiSystem, "advance", ImpactClass::High, "Retail");
        assert!(rule.is_some_and(|r| r.quorum == 1));
    }

    #[test]
    fn a_business_unit_rule_wins_over_the_general_one() {
        let mut policy = Policy::default_policy();
        let mut special = policy.approvals[1].clone();
        special.business_unit = Some("Lending".into());
        special.quorum = 3;
        policy.approvals.push(special);
        let lending =
            policy.approval_rule(Subject::AiSystem, "deploy", ImpactClass::High, "Lending");
        assert_eq!(lending.map(|r| r.quorum), Some(3));
        let other = policy.approval_rule(Subject::AiSystem, "deploy", ImpactClass::High, "Retail");
        assert_eq!(other.map(|r| r.quorum), Some(2));
    }

    #[test]
    fn policies_with_holes_are_refused_by_field() {
        let mut policy = Policy::default_policy();
        policy
            .approvals
            .retain(|rule| rule.subject != Subject::ModelVersion);
        policy.approvals[0].quorum = 0;
        policy.gates[0].to = "launched".into();
        let errors = policy
            .validated()
            .err()
            .map(|e| e.errors)
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"approvals[0].quorum"));
        assert!(fields.contains(&"gates[0].to"));
        assert!(fields.contains(&"approvals"));
    }

    #[test]
    fn only_listed_roles_decide_and_escalation_widens_the_list() {
        let policy = Policy::default_policy();
        let Some(rule) = policy.approval_rule(Subject::AiSystem, "deploy", ImpactClass::High, "")
        else {
            unreachable!()
        };
        assert!(may_decide(rule, Role::GovernanceLead, false).is_ok());
        assert!(matches!(
            may_decide(rule, Role::MlEngineer, false),
            Err(DecisionRefused::NotAnApprover { .. })
        ));
        assert!(may_decide(rule, Role::Admin, false).is_err());
        assert!(may_decide(rule, Role::Admin, true).is_ok());
    }

    #[test]
    fn transitions_follow_the_life_cycle() {
        let names: Vec<String> = system_transitions(LifecycleStage::Validation)
            .into_iter()
            .map(|t| format!("{}:{}", t.name, t.to))
            .collect();
        assert_eq!(names, ["deploy:deployed", "retire:retired"]);
        assert!(system_transitions(LifecycleStage::Retired).is_empty());
        let names: Vec<String> = model_version_transitions("deployed")
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["retrain", "retire"]);
        assert_eq!(effective_tier(None), ImpactClass::High);
    }
}
