//! Governance of lifecycle transitions: the policy, impact classifications, stage gates
//! evaluated against the records, change requests with their approvals, gate waivers, and
//! the sweep that escalates overdue requests and expires waivers.
//!
//! Every step is one ledger-backed transaction. A request that reaches its quorum applies
//! its transition in the same transaction as the last approval, so the subject's stage and
//! the approvals that allowed it can never disagree.

use aims_core::ValidationErrors;
use aims_core::access::Role;
use aims_core::ai_system::{AiSystem, LifecycleStage};
use aims_core::governance::{
    self, ApprovalRule, Decision, DecisionRefused, Policy, Requirement, Subject, Transition,
};
use aims_core::inventory::Kind;
use aims_core::risk::classification::{Classification, ImpactClass, IntakeAnswers, classify};
use aims_core::risk::screening::{Screening, screen};
use aims_core::timefmt::{format_date, parse_date};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Duration;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::inventory::InventoryItem;
use crate::ledger::{WriteCtx, WriteTx};

/// The signed-in person acting on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider {
    pub user_id: Uuid,
    pub role: Role,
}

/// A system's recorded impact classification and EU AI Act screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemClassification {
    pub ai_system_id: Uuid,
    pub answers: IntakeAnswers,
    pub classification: Classification,
    pub screening: Screening,
    pub version: i64,
    pub classified_at: String,
    /// The `library_version` of the EU AI Act data the screening used: when the law data
    /// changes, the classification is due for review.
    #[serde(default)]
    pub law_version: String,
}

/// One gate requirement and whether it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateStatus {
    pub requirement: Requirement,
    pub label: String,
    pub met: bool,
    /// What was found, or what is missing.
    pub detail: String,
    /// An active waiver covering it, if unmet.
    pub waiver: Option<Waiver>,
}

impl GateStatus {
    /// Met, or waived while the waiver runs.
    pub fn satisfied(&self) -> bool {
        self.met || self.waiver.is_some()
    }
}

/// What stands between a subject and one transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionCheck {
    pub transition: Transition,
    pub tier: ImpactClass,
    /// Whether the tier comes from a recorded classification (else high is assumed).
    pub classified: bool,
    pub gates: Vec<GateStatus>,
    pub ready: bool,
    /// Who must approve, and how many.
    pub rule: Option<ApprovalRule>,
}

/// One approval or rejection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRecord {
    pub user_id: Uuid,
    pub role: Role,
    pub decision: Decision,
    pub comment: String,
    pub at: String,
    /// Whether it counted only because the request had escalated.
    pub escalated: bool,
}

/// A disagreement between teams on a request, and how it was settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub raised_by: Uuid,
    pub teams: String,
    pub description: String,
    pub raised_at: String,
    pub resolution: String,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: String,
}

/// A request to move a subject through a transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequest {
    pub id: Uuid,
    /// Sequential, for people: CR-12.
    pub number: i64,
    pub subject_type: Subject,
    pub subject_id: Uuid,
    pub transition: Transition,
    pub tier: ImpactClass,
    pub business_unit: String,
    /// The approval rule in force when the request was made.
    pub rule: ApprovalRule,
    /// The gates as they stood when requested.
    pub gates: Vec<GateStatus>,
    pub reason: String,
    pub requested_by: Uuid,
    /// `pending`, `applied`, `rejected` or `withdrawn`.
    pub status: String,
    pub decisions: Vec<DecisionRecord>,
    pub conflict: Option<Conflict>,
    /// `YYYY-MM-DD`: after this day the escalation roles may decide too.
    pub deadline: String,
    pub escalated: bool,
    pub created_at: String,
    pub closed_at: String,
    pub version: i64,
    /// The subject's name, for display.
    #[serde(default)]
    pub subject_name: String,
}

impl ChangeRequest {
    pub fn approvals(&self) -> usize {
        self.decisions
            .iter()
            .filter(|d| d.decision == Decision::Approve)
            .count()
    }
}

/// A documented, time-limited exception to one gate requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiver {
    pub id: Uuid,
    pub subject_type: Subject,
    pub subject_id: Uuid,
    pub requirement: Requirement,
    pub reason: String,
    /// `YYYY-MM-DD`, the last day it applies.
    pub expires_on: String,
    pub granted_by: Uuid,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub created_at: String,
    pub closed_at: String,
}

/// A waiver to grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWaiver {
    pub subject_type: Subject,
    pub subject_id: Uuid,
    pub requirement: Requirement,
    pub reason: String,
    pub expires_on: String,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SweepReport {
    pub escalated: Vec<i64>,
    pub waivers_expired: Vec<Uuid>,
}

fn forbidden(refused: DecisionRefused) -> StoreError {
    let code = match refused {
        DecisionRefused::OwnRequest => "segregation_of_duties",
        DecisionRefused::NotAnApprover { .. } => "not_an_approver",
        DecisionRefused::ReasonRequired => {
            return ValidationErrors::single("comment", refused.to_string()).into();
        }
        DecisionRefused::AlreadyDecided | DecisionRefused::NotPending(_) => {
            return StoreError::Conflict {
                message: refused.to_string(),
                field: None,
            };
        }
    };
    StoreError::Forbidden {
        code,
        message: refused.to_string(),
    }
}

const REQUEST_COLUMNS: &str = "id, number, subject_type, subject_id, transition, from_state, to_state, tier, business_unit, rule, gates, reason, requested_by, status, decisions, conflict, deadline, escalated, created_at, closed_at, version";

fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn request_from_row(row: &AnyRow) -> Result<ChangeRequest, StoreError> {
    let text = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
    let conflict = text("conflict")?;
    Ok(ChangeRequest {
        id: parse_uuid(&text("id")?)?,
        number: row.try_get("number")?,
        subject_type: Subject::parse(&text("subject_type")?).map_err(StoreError::Corrupt)?,
        subject_id: parse_uuid(&text("subject_id")?)?,
        transition: Transition {
            name: text("transition")?,
            from: text("from_state")?,
            to: text("to_state")?,
        },
        tier: ImpactClass::parse(&text("tier")?).map_err(StoreError::Corrupt)?,
        business_unit: text("business_unit")?,
        rule: serde_json::from_str(&text("rule")?)?,
        gates: serde_json::from_str(&text("gates")?)?,
        reason: text("reason")?,
        requested_by: parse_uuid(&text("requested_by")?)?,
        status: text("status")?,
        decisions: serde_json::from_str(&text("decisions")?)?,
        conflict: if conflict.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&conflict)?)
        },
        deadline: text("deadline")?,
        escalated: row.try_get::<i64, _>("escalated")? != 0,
        created_at: text("created_at")?,
        closed_at: text("closed_at")?,
        version: row.try_get("version")?,
        subject_name: String::new(),
    })
}

fn request_state(request: &ChangeRequest) -> Result<Value, StoreError> {
    let mut value = serde_json::to_value(request)?;
    if let Some(object) = value.as_object_mut() {
        object.remove("subject_name");
    }
    Ok(value)
}

const WAIVER_COLUMNS: &str = "id, subject_type, subject_id, requirement, reason, expires_on, granted_by, status, created_at, closed_at";

fn waiver_from_row(row: &AnyRow) -> Result<Waiver, StoreError> {
    let text = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
    Ok(Waiver {
        id: parse_uuid(&text("id")?)?,
        subject_type: Subject::parse(&text("subject_type")?).map_err(StoreError::Corrupt)?,
        subject_id: parse_uuid(&text("subject_id")?)?,
        requirement: Requirement::parse(&text("requirement")?).map_err(StoreError::Corrupt)?,
        reason: text("reason")?,
        expires_on: text("expires_on")?,
        granted_by: parse_uuid(&text("granted_by")?)?,
        status: text("status")?,
        created_at: text("created_at")?,
        closed_at: text("closed_at")?,
    })
}

/// A transition's subject as loaded for evaluation.
enum Loaded {
    System(AiSystem),
    Version(InventoryItem),
}

impl Store {
    /// The governance policy in force (the shipped default until one is saved).
    pub async fn governance_policy(&self) -> Result<(Policy, i64), StoreError> {
        let row = sqlx::query("SELECT policy, version FROM governance_policy WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => {
                let text: String = row.try_get("policy")?;
                Ok((serde_json::from_str(&text)?, row.try_get("version")?))
            }
            None => Ok((Policy::default_policy(), 0)),
        }
    }

    /// Replaces the policy if `version` is current (0 before the first save).
    pub async fn set_governance_policy(
        &self,
        ctx: &WriteCtx,
        policy: Policy,
        version: i64,
    ) -> Result<Policy, StoreError> {
        let policy = policy.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let current: Option<i64> =
            sqlx::query("SELECT version FROM governance_policy WHERE id = 1")
                .fetch_optional(&mut *tx.tx)
                .await?
                .map(|row| row.try_get("version"))
                .transpose()?;
        let actual = current.unwrap_or(0);
        if actual != version {
            return Err(StoreError::StaleVersion {
                entity: "governance policy",
                id: "1".into(),
                expected: version,
                actual,
            });
        }
        let text = serde_json::to_string(&policy)?;
        if current.is_some() {
            sqlx::query("UPDATE governance_policy SET policy = $1, version = $2, updated_at = $3 WHERE id = 1")
                .bind(&text)
                .bind(version + 1)
                .bind(ctx.now_text())
                .execute(&mut *tx.tx)
                .await?;
        } else {
            sqlx::query("INSERT INTO governance_policy (id, policy, version, updated_at) VALUES (1, $1, $2, $3)")
                .bind(&text)
                .bind(version + 1)
                .bind(ctx.now_text())
                .execute(&mut *tx.tx)
                .await?;
        }
        tx.append(
            "governance_policy.updated",
            "governance_policy",
            "1",
            Some(&policy_state(&policy, version + 1)?),
        )
        .await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// Records a system's intake answers with the class and screening they give.
    pub async fn classify_system(
        &self,
        ctx: &WriteCtx,
        system_id: Uuid,
        answers: IntakeAnswers,
        version: i64,
        law_version: &str,
    ) -> Result<SystemClassification, StoreError> {
        let mut errors = ValidationErrors::new();
        let purpose = aims_core::text::long_text(&mut errors, "purpose", &answers.purpose, true);
        let affected = aims_core::text::optional_line(
            &mut errors,
            "affected_people",
            &answers.affected_people,
        );
        if affected.is_empty() {
            errors.add("affected_people", "is required");
        }
        errors.into_result(())?;
        let answers = IntakeAnswers {
            purpose,
            affected_people: affected,
            ..answers
        };
        let mut tx = self.begin_write(ctx).await?;
        tx.ai_system_for_update(system_id).await?;
        let current = self.classification_in(&mut tx, system_id).await?;
        let actual = current.as_ref().map_or(0, |c| c.version);
        if actual != version {
            return Err(StoreError::StaleVersion {
                entity: "classification",
                id: system_id.to_string(),
                expected: version,
                actual,
            });
        }
        let recorded = SystemClassification {
            ai_system_id: system_id,
            classification: classify(&answers),
            screening: screen(&answers),
            answers,
            version: version + 1,
            classified_at: ctx.now_text(),
            law_version: law_version.to_owned(),
        };
        let result = serde_json::json!({
            "classification": recorded.classification,
            "screening": recorded.screening,
            "law_version": recorded.law_version,
        });
        if current.is_some() {
            sqlx::query("UPDATE system_classifications SET answers = $2, result = $3, impact_class = $4, version = $5, classified_at = $6 WHERE ai_system_id = $1")
        } else {
            sqlx::query("INSERT INTO system_classifications (ai_system_id, answers, result, impact_class, version, classified_at) VALUES ($1, $2, $3, $4, $5, $6)")
        }
        .bind(system_id.to_string())
        .bind(serde_json::to_string(&recorded.answers)?)
        .bind(serde_json::to_string(&result)?)
        .bind(recorded.classification.class.code())
        .bind(recorded.version)
        .bind(&recorded.classified_at)
        .execute(&mut *tx.tx)
        .await?;
        tx.append(
            "system_classification.recorded",
            "system_classification",
            &system_id.to_string(),
            Some(&serde_json::to_value(&recorded)?),
        )
        .await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// A system's classification, if recorded.
    pub async fn classification(
        &self,
        system_id: Uuid,
    ) -> Result<Option<SystemClassification>, StoreError> {
        let row = sqlx::query("SELECT ai_system_id, answers, result, version, classified_at FROM system_classifications WHERE ai_system_id = $1")
            .bind(system_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(classification_from_row).transpose()
    }

    async fn classification_in(
        &self,
        tx: &mut WriteTx<'_>,
        system_id: Uuid,
    ) -> Result<Option<SystemClassification>, StoreError> {
        let row = sqlx::query("SELECT ai_system_id, answers, result, version, classified_at FROM system_classifications WHERE ai_system_id = $1")
            .bind(system_id.to_string())
            .fetch_optional(&mut *tx.tx)
            .await?;
        row.as_ref().map(classification_from_row).transpose()
    }

    /// Every transition open to a subject, with its gates and who must approve.
    pub async fn transition_checks(
        &self,
        subject: Subject,
        id: Uuid,
        today: time::Date,
    ) -> Result<Vec<TransitionCheck>, StoreError> {
        let loaded = self.load_subject(subject, id).await?;
        let transitions = match &loaded {
            Loaded::System(system) => governance::system_transitions(system.fields.lifecycle_stage),
            Loaded::Version(item) => governance::model_version_transitions(&item.status),
        };
        let mut out = Vec::new();
        for transition in transitions {
            out.push(self.check_transition(&loaded, transition, today).await?);
        }
        Ok(out)
    }

    async fn load_subject(&self, subject: Subject, id: Uuid) -> Result<Loaded, StoreError> {
        Ok(match subject {
            Subject::AiSystem => Loaded::System(self.get_ai_system(id).await?),
            Subject::ModelVersion => Loaded::Version(self.get_item(Kind::ModelVersion, id).await?),
        })
    }

    /// The tier of a subject: a system's class, or for a model version the highest class
    /// of the systems that use it. `None` when nothing is classified.
    async fn tier_of(&self, loaded: &Loaded) -> Result<Option<ImpactClass>, StoreError> {
        match loaded {
            Loaded::System(system) => Ok(self
                .classification(system.id)
                .await?
                .map(|c| c.classification.class)),
            Loaded::Version(item) => {
                let mut best: Option<ImpactClass> = None;
                for system in self.systems_using(item).await? {
                    if let Some(c) = self.classification(system).await? {
                        best = best.max(Some(c.classification.class));
                    }
                }
                Ok(best)
            }
        }
    }

    /// AI systems that use a model version, directly or through its model.
    async fn systems_using(&self, item: &InventoryItem) -> Result<Vec<Uuid>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT from_id FROM inventory_links WHERE from_kind = 'ai_system' AND relation = 'uses_model' AND (to_id = $1 OR to_id = $2)",
        )
        .bind(item.id.to_string())
        .bind(item.parent_id.map(|id| id.to_string()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| parse_uuid(&row.try_get::<String, _>("from_id")?))
            .collect()
    }

    async fn model_versions_used_by(&self, system: Uuid) -> Result<Vec<InventoryItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT to_id, to_kind FROM inventory_links WHERE from_id = $1 AND relation = 'uses_model'",
        )
        .bind(system.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let id = parse_uuid(&row.try_get::<String, _>("to_id")?)?;
            let kind: String = row.try_get("to_kind")?;
            if kind == Kind::ModelVersion.code() {
                out.push(self.get_item(Kind::ModelVersion, id).await?);
            } else {
                // A link to a model means its deployed versions.
                let versions = self
                    .list_items(
                        Kind::ModelVersion,
                        &crate::inventory::ItemFilter {
                            parent_id: Some(id),
                            ..Default::default()
                        },
                    )
                    .await?;
                out.extend(
                    versions
                        .items
                        .into_iter()
                        .filter(|v| v.status == "deployed"),
                );
            }
        }
        Ok(out)
    }

    async fn check_transition(
        &self,
        loaded: &Loaded,
        transition: Transition,
        today: time::Date,
    ) -> Result<TransitionCheck, StoreError> {
        let (policy, _) = self.governance_policy().await?;
        let class = self.tier_of(loaded).await?;
        let tier = governance::effective_tier(class);
        let (subject, id, unit) = match loaded {
            Loaded::System(system) => (
                Subject::AiSystem,
                system.id,
                system.fields.business_unit.clone(),
            ),
            Loaded::Version(item) => (Subject::ModelVersion, item.id, String::new()),
        };
        // Retirement is never blocked by gates: stopping a system must always be possible.
        let requirements = if transition.name == "retire" {
            Vec::new()
        } else {
            policy.requirements(subject, &transition.to, tier)
        };
        let waivers = self.active_waivers(subject, id, today).await?;
        let mut gates = Vec::new();
        for requirement in requirements {
            let (met, detail) = self
                .requirement_holds(loaded, requirement, class, today)
                .await?;
            let waiver = if met {
                None
            } else {
                waivers
                    .iter()
                    .find(|w| w.requirement == requirement)
                    .cloned()
            };
            gates.push(GateStatus {
                requirement,
                label: requirement.label().to_owned(),
                met,
                detail,
                waiver,
            });
        }
        let ready = gates.iter().all(GateStatus::satisfied);
        let rule = policy
            .approval_rule(subject, &transition.name, tier, &unit)
            .cloned();
        Ok(TransitionCheck {
            transition,
            tier,
            classified: class.is_some(),
            gates,
            ready,
            rule,
        })
    }

    /// Whether one requirement holds for a subject, with what was found.
    async fn requirement_holds(
        &self,
        loaded: &Loaded,
        requirement: Requirement,
        class: Option<ImpactClass>,
        today: time::Date,
    ) -> Result<(bool, String), StoreError> {
        use Requirement as R;
        Ok(match (requirement, loaded) {
            (R::Classified, _) => match class {
                Some(class) => (true, format!("classified {}", class.label().to_lowercase())),
                None => (
                    false,
                    "record the impact classification (intake questionnaire)".into(),
                ),
            },
            (R::OwnerAssigned, Loaded::System(system)) => {
                let owner = system.fields.owner.trim();
                (
                    !owner.is_empty(),
                    if owner.is_empty() {
                        "name an accountable owner".into()
                    } else {
                        format!("owner: {owner}")
                    },
                )
            }
            (R::OwnerAssigned, Loaded::Version(item)) => {
                let model = match item.parent_id {
                    Some(model) => Some(self.get_item(Kind::Model, model).await?),
                    None => None,
                };
                let owner = model
                    .as_ref()
                    .map(|m| m.text("owner").to_owned())
                    .unwrap_or_default();
                (
                    !owner.is_empty(),
                    if owner.is_empty() {
                        "name the model's owner".into()
                    } else {
                        format!("owner: {owner}")
                    },
                )
            }
            (R::ImpactAssessmentApproved, _) => {
                let approved = self.approved_impact_assessments(loaded).await?;
                if approved > 0 {
                    (true, format!("{approved} approved impact assessment(s)"))
                } else {
                    (false, "no approved impact assessment".into())
                }
            }
            (R::RisksTreated, _) => {
                let untreated = self.untreated_risks_above_appetite(loaded, today).await?;
                if untreated.is_empty() {
                    (true, "no untreated risk above appetite".into())
                } else {
                    (
                        false,
                        format!("untreated above appetite: {}", untreated.join(", ")),
                    )
                }
            }
            (R::ValidationCheckPassed, _) => {
                let mut subjects = Vec::new();
                match loaded {
                    Loaded::System(system) => {
                        subjects.push(("ai_system", system.id));
                        for version in self.model_versions_used_by(system.id).await? {
                            subjects.push(("model_version", version.id));
                        }
                    }
                    Loaded::Version(item) => subjects.push(("model_version", item.id)),
                }
                let mut found = None;
                for (kind, id) in subjects {
                    let runs = self
                        .list_check_runs(Some((kind, &id.to_string())), 20)
                        .await?;
                    if let Some(run) = runs.into_iter().find(|run| {
                        run.run.passed
                            && matches!(run.run.kind.as_str(), "performance" | "all" | "fairness")
                    }) {
                        found = Some(run);
                        break;
                    }
                }
                match found {
                    Some(run) => (
                        true,
                        format!(
                            "{} check passed on {}",
                            run.run.kind,
                            run.recorded_at.get(..10).unwrap_or_default()
                        ),
                    ),
                    None => (
                        false,
                        "no passing performance, fairness or full check run recorded".into(),
                    ),
                }
            }
            (R::ModelCard, Loaded::Version(item)) => {
                let missing: Vec<&str> = ["intended_use", "limitations"]
                    .into_iter()
                    .filter(|f| item.text(f).is_empty())
                    .collect();
                (
                    missing.is_empty(),
                    if missing.is_empty() {
                        "intended use and limitations written".into()
                    } else {
                        format!("write: {}", missing.join(", ").replace('_', " "))
                    },
                )
            }
            (R::ModelCard, Loaded::System(system)) => {
                let versions = self.model_versions_used_by(system.id).await?;
                let without: Vec<String> = versions
                    .iter()
                    .filter(|v| {
                        v.text("intended_use").is_empty() || v.text("limitations").is_empty()
                    })
                    .map(InventoryItem::display_name)
                    .collect();
                (
                    without.is_empty(),
                    if without.is_empty() {
                        "every model version has a card".into()
                    } else {
                        format!("no card: {}", without.join(", "))
                    },
                )
            }
            (R::TrainingDataRegistered, Loaded::Version(item)) => {
                let n = item.ids("training_datasets").len();
                (
                    n > 0,
                    if n > 0 {
                        format!("{n} training dataset version(s)")
                    } else {
                        "link the dataset versions it was trained on".into()
                    },
                )
            }
            (R::TrainingDataRegistered, Loaded::System(system)) => {
                let versions = self.model_versions_used_by(system.id).await?;
                let without: Vec<String> = versions
                    .iter()
                    .filter(|v| v.ids("training_datasets").is_empty())
                    .map(InventoryItem::display_name)
                    .collect();
                if versions.is_empty() {
                    (false, "link the model versions the system uses".into())
                } else {
                    (
                        without.is_empty(),
                        if without.is_empty() {
                            "training data registered for every model version".into()
                        } else {
                            format!("no training data: {}", without.join(", "))
                        },
                    )
                }
            }
            (R::ModelsApproved, Loaded::System(system)) => {
                let versions = self.model_versions_used_by(system.id).await?;
                let pending: Vec<String> = versions
                    .iter()
                    .filter(|v| !matches!(v.status.as_str(), "approved" | "deployed"))
                    .map(|v| format!("{} ({})", v.display_name(), v.status))
                    .collect();
                if versions.is_empty() {
                    (false, "link the model versions the system uses".into())
                } else {
                    (
                        pending.is_empty(),
                        if pending.is_empty() {
                            format!("{} model version(s) approved", versions.len())
                        } else {
                            format!("not approved: {}", pending.join(", "))
                        },
                    )
                }
            }
            (R::ModelsApproved, Loaded::Version(item)) => (
                matches!(item.status.as_str(), "approved" | "deployed"),
                format!("status: {}", item.status),
            ),
            (R::SoaA625Approved, _) => {
                let versions = self.soa_versions().await?;
                let latest = versions.iter().max_by_key(|v| v.number);
                let included = latest.is_some_and(|v| {
                    v.rows.iter().any(|row| {
                        row.control_id == "A.6.2.5"
                            && row.fields.applicability == aims_core::soa::Applicability::Applicable
                    })
                });
                match latest {
                    Some(v) if included => (true, format!("included in SoA version {}", v.number)),
                    Some(v) => (
                        false,
                        format!("SoA version {} does not include A.6.2.5", v.number),
                    ),
                    None => (false, "no approved SoA yet".into()),
                }
            }
        })
    }

    /// Impact assessments approved for the subject (a system's; none for a model version).
    async fn approved_impact_assessments(&self, loaded: &Loaded) -> Result<i64, StoreError> {
        match loaded {
            Loaded::System(system) => self.count_approved_assessments(system.id).await,
            Loaded::Version(_) => Ok(0),
        }
    }

    /// Risks above appetite on the subject or on what it depends on, untreated.
    async fn untreated_risks_above_appetite(
        &self,
        loaded: &Loaded,
        today: time::Date,
    ) -> Result<Vec<String>, StoreError> {
        match loaded {
            Loaded::System(system) => self.untreated_risks_for_system(system.id, today).await,
            Loaded::Version(item) => Ok(self
                .risks(Some(&[item.id]), today)
                .await?
                .into_iter()
                .filter(|v| v.risk.above_appetite && !v.treated)
                .map(|v| format!("R-{} {}", v.risk.number, v.risk.fields.title))
                .collect()),
        }
    }

    /// Active waivers for a subject on `today`.
    pub async fn active_waivers(
        &self,
        subject: Subject,
        id: Uuid,
        today: time::Date,
    ) -> Result<Vec<Waiver>, StoreError> {
        Ok(self
            .waivers(Some((subject, id)))
            .await?
            .into_iter()
            .filter(|w| {
                w.status == "active" && w.expires_on.as_str() >= format_date(today).as_str()
            })
            .collect())
    }

    /// Waivers, newest first, optionally of one subject.
    pub async fn waivers(
        &self,
        subject: Option<(Subject, Uuid)>,
    ) -> Result<Vec<Waiver>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {WAIVER_COLUMNS} FROM gate_waivers WHERE ($1 = '' OR (subject_type = $1 AND subject_id = $2)) ORDER BY created_at DESC"
        ))
        .bind(subject.map(|(s, _)| s.code()).unwrap_or_default())
        .bind(subject.map(|(_, id)| id.to_string()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(waiver_from_row).collect()
    }

    /// Grants a waiver. Only roles that may grant waivers reach this (route permission).
    pub async fn grant_waiver(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        new: NewWaiver,
    ) -> Result<Waiver, StoreError> {
        let (policy, _) = self.governance_policy().await?;
        let mut errors = ValidationErrors::new();
        let reason = aims_core::text::long_text(&mut errors, "reason", &new.reason, true);
        let today = ctx.now.date();
        match parse_date(new.expires_on.trim()) {
            Ok(date) if date < today => errors.add("expires_on", "must not be in the past"),
            Ok(date) if date > today + Duration::days(i64::from(policy.max_waiver_days)) => errors
                .add(
                    "expires_on",
                    format!("a waiver may run at most {} days", policy.max_waiver_days),
                ),
            Ok(_) => {}
            Err(_) => errors.add("expires_on", "must be a date written YYYY-MM-DD"),
        }
        errors.into_result(())?;
        self.load_subject(new.subject_type, new.subject_id).await?;
        let waiver = Waiver {
            id: Uuid::new_v4(),
            subject_type: new.subject_type,
            subject_id: new.subject_id,
            requirement: new.requirement,
            reason,
            expires_on: new.expires_on.trim().to_owned(),
            granted_by: by.user_id,
            status: "active".into(),
            created_at: ctx.now_text(),
            closed_at: String::new(),
        };
        let mut tx = self.begin_write(ctx).await?;
        sqlx::query(&format!("INSERT INTO gate_waivers ({WAIVER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
            .bind(waiver.id.to_string())
            .bind(waiver.subject_type.code())
            .bind(waiver.subject_id.to_string())
            .bind(waiver.requirement.code())
            .bind(&waiver.reason)
            .bind(&waiver.expires_on)
            .bind(waiver.granted_by.to_string())
            .bind(&waiver.status)
            .bind(&waiver.created_at)
            .bind(&waiver.closed_at)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "gate_waiver.granted",
            "gate_waiver",
            &waiver.id.to_string(),
            Some(&serde_json::to_value(&waiver)?),
        )
        .await?;
        tx.commit().await?;
        Ok(waiver)
    }

    /// Revokes an active waiver.
    pub async fn revoke_waiver(&self, ctx: &WriteCtx, id: Uuid) -> Result<Waiver, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let waiver = tx.close_waiver(id, "revoked").await?;
        tx.commit().await?;
        Ok(waiver)
    }

    /// Asks for a transition. Refused while a gate is unmet and unwaived, or while
    /// another request for the same subject is pending.
    pub async fn request_change(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        subject: Subject,
        id: Uuid,
        transition_name: &str,
        reason: &str,
    ) -> Result<ChangeRequest, StoreError> {
        let mut errors = ValidationErrors::new();
        let reason = aims_core::text::long_text(&mut errors, "reason", reason, true);
        errors.into_result(())?;
        let today = ctx.now.date();
        let check = self
            .transition_checks(subject, id, today)
            .await?
            .into_iter()
            .find(|c| c.transition.name == transition_name)
            .ok_or_else(|| {
                ValidationErrors::single(
                    "transition",
                    format!("`{transition_name}` is not open from the current stage"),
                )
            })?;
        if !check.ready {
            let unmet: Vec<String> = check
                .gates
                .iter()
                .filter(|g| !g.satisfied())
                .map(|g| format!("{} ({})", g.label, g.detail))
                .collect();
            return Err(ValidationErrors::single(
                "gates",
                format!(
                    "the gates for this transition are not met: {}",
                    unmet.join("; ")
                ),
            )
            .into());
        }
        let Some(rule) = check.rule.clone() else {
            return Err(ValidationErrors::single(
                "transition",
                "no approval rule covers this transition",
            )
            .into());
        };
        let business_unit = match self.load_subject(subject, id).await? {
            Loaded::System(system) => system.fields.business_unit,
            Loaded::Version(_) => String::new(),
        };
        let mut tx = self.begin_write(ctx).await?;
        let pending = sqlx::query("SELECT number FROM change_requests WHERE subject_type = $1 AND subject_id = $2 AND status = 'pending'")
            .bind(subject.code())
            .bind(id.to_string())
            .fetch_optional(&mut *tx.tx)
            .await?;
        if let Some(row) = pending {
            let number: i64 = row.try_get("number")?;
            return Err(StoreError::Conflict {
                message: format!(
                    "CR-{number} is already pending for this {}: decide or withdraw it first",
                    subject.label()
                ),
                field: Some("transition"),
            });
        }
        let number: i64 =
            sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM change_requests")
                .fetch_one(&mut *tx.tx)
                .await?
                .try_get("next")?;
        let request = ChangeRequest {
            id: Uuid::new_v4(),
            number,
            subject_type: subject,
            subject_id: id,
            transition: check.transition,
            tier: check.tier,
            business_unit,
            deadline: format_date(today + Duration::days(i64::from(rule.deadline_days))),
            rule,
            gates: check.gates,
            reason,
            requested_by: by.user_id,
            status: "pending".into(),
            decisions: Vec::new(),
            conflict: None,
            escalated: false,
            created_at: ctx.now_text(),
            closed_at: String::new(),
            version: 1,
            subject_name: String::new(),
        };
        sqlx::query(&format!("INSERT INTO change_requests ({REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"))
            .bind(request.id.to_string())
            .bind(request.number)
            .bind(request.subject_type.code())
            .bind(request.subject_id.to_string())
            .bind(&request.transition.name)
            .bind(&request.transition.from)
            .bind(&request.transition.to)
            .bind(request.tier.code())
            .bind(&request.business_unit)
            .bind(serde_json::to_string(&request.rule)?)
            .bind(serde_json::to_string(&request.gates)?)
            .bind(&request.reason)
            .bind(request.requested_by.to_string())
            .bind(&request.status)
            .bind(serde_json::to_string(&request.decisions)?)
            .bind("")
            .bind(&request.deadline)
            .bind(0_i64)
            .bind(&request.created_at)
            .bind(&request.closed_at)
            .bind(request.version)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "change_request.requested",
            "change_request",
            &request.id.to_string(),
            Some(&request_state(&request)?),
        )
        .await?;
        tx.commit().await?;
        Ok(request)
    }

    /// Approves or rejects. The requester never decides on their own request; only the
    /// rule's roles (and, past the deadline, its escalation roles) count; a rejection
    /// needs a reason. The approval that reaches the quorum applies the transition, after
    /// checking the gates again.
    pub async fn decide_change(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        id: Uuid,
        decision: Decision,
        comment: &str,
    ) -> Result<ChangeRequest, StoreError> {
        let comment = comment.trim().to_owned();
        let mut tx = self.begin_write(ctx).await?;
        let mut request = tx.change_request_for_update(id).await?;
        if request.status != "pending" {
            return Err(forbidden(DecisionRefused::NotPending(
                request.status.clone(),
            )));
        }
        if request.requested_by == by.user_id {
            return Err(forbidden(DecisionRefused::OwnRequest));
        }
        let overdue = format_date(ctx.now.date()) > request.deadline;
        let escalated = request.escalated || overdue;
        governance::may_decide(&request.rule, by.role, escalated).map_err(forbidden)?;
        if request.decisions.iter().any(|d| d.user_id == by.user_id) {
            return Err(forbidden(DecisionRefused::AlreadyDecided));
        }
        if decision == Decision::Reject && comment.is_empty() {
            return Err(forbidden(DecisionRefused::ReasonRequired));
        }
        if comment.chars().count() > aims_core::text::LONG_MAX {
            return Err(ValidationErrors::single("comment", "is too long").into());
        }
        request.decisions.push(DecisionRecord {
            user_id: by.user_id,
            role: by.role,
            decision,
            comment,
            at: ctx.now_text(),
            escalated: !request.rule.approvers.contains(&by.role),
        });
        if decision == Decision::Reject {
            request.status = "rejected".into();
            request.closed_at = ctx.now_text();
        } else if request.approvals() >= request.rule.quorum as usize {
            // Check the gates again: something may have changed since the request.
            drop(tx);
            let check = self
                .transition_checks(request.subject_type, request.subject_id, ctx.now.date())
                .await?
                .into_iter()
                .find(|c| c.transition == request.transition);
            let Some(check) = check.filter(|c| c.ready) else {
                return Err(ValidationErrors::single(
                    "gates",
                    "the gates no longer hold, or the subject has moved on: the request cannot be applied",
                )
                .into());
            };
            tx = self.begin_write(ctx).await?;
            let fresh = tx.change_request_for_update(id).await?;
            if fresh.version != request.version {
                return Err(StoreError::StaleVersion {
                    entity: "change request",
                    id: id.to_string(),
                    expected: request.version,
                    actual: fresh.version,
                });
            }
            request.gates = check.gates;
            request.status = "applied".into();
            request.closed_at = ctx.now_text();
            tx.apply_transition(&request).await?;
        }
        let action = match request.status.as_str() {
            "applied" => "change_request.applied",
            "rejected" => "change_request.rejected",
            _ => "change_request.approved",
        };
        let saved = tx.save_change_request(request, action).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The requester withdraws a pending request.
    pub async fn withdraw_change(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        id: Uuid,
    ) -> Result<ChangeRequest, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let mut request = tx.change_request_for_update(id).await?;
        if request.status != "pending" {
            return Err(forbidden(DecisionRefused::NotPending(
                request.status.clone(),
            )));
        }
        if request.requested_by != by.user_id {
            return Err(StoreError::Forbidden {
                code: "not_requester",
                message: "only the requester may withdraw a request".into(),
            });
        }
        request.status = "withdrawn".into();
        request.closed_at = ctx.now_text();
        let saved = tx
            .save_change_request(request, "change_request.withdrawn")
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Records a conflict between teams on a pending request.
    pub async fn raise_conflict(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        id: Uuid,
        teams: &str,
        description: &str,
    ) -> Result<ChangeRequest, StoreError> {
        let mut errors = ValidationErrors::new();
        let teams = aims_core::text::required_line(&mut errors, "teams", teams);
        let description = aims_core::text::long_text(&mut errors, "description", description, true);
        errors.into_result(())?;
        let mut tx = self.begin_write(ctx).await?;
        let mut request = tx.change_request_for_update(id).await?;
        if request.status != "pending" {
            return Err(forbidden(DecisionRefused::NotPending(
                request.status.clone(),
            )));
        }
        if request
            .conflict
            .as_ref()
            .is_some_and(|c| c.resolved_by.is_none())
        {
            return Err(StoreError::Conflict {
                message: "a conflict is already open on this request".into(),
                field: None,
            });
        }
        request.conflict = Some(Conflict {
            raised_by: by.user_id,
            teams,
            description,
            raised_at: ctx.now_text(),
            resolution: String::new(),
            resolved_by: None,
            resolved_at: String::new(),
        });
        let saved = tx
            .save_change_request(request, "change_request.conflict_raised")
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Records how an open conflict was resolved.
    pub async fn resolve_conflict(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        id: Uuid,
        resolution: &str,
    ) -> Result<ChangeRequest, StoreError> {
        let mut errors = ValidationErrors::new();
        let resolution = aims_core::text::long_text(&mut errors, "resolution", resolution, true);
        errors.into_result(())?;
        let mut tx = self.begin_write(ctx).await?;
        let mut request = tx.change_request_for_update(id).await?;
        let Some(conflict) = request
            .conflict
            .as_mut()
            .filter(|c| c.resolved_by.is_none())
        else {
            return Err(StoreError::Conflict {
                message: "no open conflict on this request".into(),
                field: None,
            });
        };
        conflict.resolution = resolution;
        conflict.resolved_by = Some(by.user_id);
        conflict.resolved_at = ctx.now_text();
        let saved = tx
            .save_change_request(request, "change_request.conflict_resolved")
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Change requests, newest first, optionally filtered.
    pub async fn change_requests(
        &self,
        status: Option<&str>,
        subject: Option<(Subject, Uuid)>,
    ) -> Result<Vec<ChangeRequest>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM change_requests WHERE ($1 = '' OR status = $1) AND ($2 = '' OR (subject_type = $2 AND subject_id = $3)) ORDER BY number DESC"
        ))
        .bind(status.unwrap_or_default())
        .bind(subject.map(|(s, _)| s.code()).unwrap_or_default())
        .bind(subject.map(|(_, id)| id.to_string()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<ChangeRequest> = rows
            .iter()
            .map(request_from_row)
            .collect::<Result<_, _>>()?;
        let names = self.node_names().await?;
        for request in &mut out {
            request.subject_name = names
                .get(&request.subject_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
        }
        Ok(out)
    }

    /// One change request, by id or number.
    pub async fn change_request(&self, key: &str) -> Result<ChangeRequest, StoreError> {
        let key = key.trim();
        let number = key
            .trim_start_matches("CR-")
            .trim_start_matches("cr-")
            .parse::<i64>()
            .ok();
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM change_requests WHERE id = $1 OR number = $2"
        ))
        .bind(key)
        .bind(number.unwrap_or(-1))
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "change request",
            id: key.to_owned(),
        })?;
        let mut request = request_from_row(&row)?;
        let names = self.node_names().await?;
        request.subject_name = names
            .get(&request.subject_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        Ok(request)
    }

    /// Escalates pending requests past their deadline and expires waivers past their last
    /// day. Run hourly by the server and by `aims governance sweep`.
    pub async fn governance_sweep(&self, ctx: &WriteCtx) -> Result<SweepReport, StoreError> {
        let today = format_date(ctx.now.date());
        let overdue: Vec<ChangeRequest> = self
            .change_requests(Some("pending"), None)
            .await?
            .into_iter()
            .filter(|r| !r.escalated && r.deadline < today)
            .collect();
        let expired: Vec<Waiver> = self
            .waivers(None)
            .await?
            .into_iter()
            .filter(|w| w.status == "active" && w.expires_on < today)
            .collect();
        let mut report = SweepReport::default();
        if overdue.is_empty() && expired.is_empty() {
            return Ok(report);
        }
        let mut tx = self.begin_write(ctx).await?;
        for request in overdue {
            let mut fresh = tx.change_request_for_update(request.id).await?;
            fresh.escalated = true;
            report.escalated.push(fresh.number);
            tx.save_change_request(fresh, "change_request.escalated")
                .await?;
        }
        for waiver in expired {
            report.waivers_expired.push(waiver.id);
            tx.close_waiver(waiver.id, "expired").await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    pub(crate) async fn governance_states(
        &self,
    ) -> Result<Vec<((String, String), Value)>, StoreError> {
        let mut states = Vec::new();
        let (policy, version) = self.governance_policy().await?;
        if version > 0 {
            states.push((
                ("governance_policy".into(), "1".into()),
                policy_state(&policy, version)?,
            ));
        }
        for row in sqlx::query("SELECT ai_system_id, answers, result, version, classified_at FROM system_classifications")
            .fetch_all(&self.pool)
            .await?
        {
            let c = classification_from_row(&row)?;
            states.push((("system_classification".into(), c.ai_system_id.to_string()), serde_json::to_value(&c)?));
        }
        for row in sqlx::query(&format!("SELECT {REQUEST_COLUMNS} FROM change_requests"))
            .fetch_all(&self.pool)
            .await?
        {
            let r = request_from_row(&row)?;
            states.push((
                ("change_request".into(), r.id.to_string()),
                request_state(&r)?,
            ));
        }
        for w in self.waivers(None).await? {
            states.push((
                ("gate_waiver".into(), w.id.to_string()),
                serde_json::to_value(&w)?,
            ));
        }
        Ok(states)
    }
}

fn policy_state(policy: &Policy, version: i64) -> Result<Value, StoreError> {
    Ok(serde_json::json!({ "policy": policy, "version": version }))
}

fn classification_from_row(row: &AnyRow) -> Result<SystemClassification, StoreError> {
    let result: Value = serde_json::from_str(&row.try_get::<String, _>("result")?)?;
    Ok(SystemClassification {
        ai_system_id: parse_uuid(&row.try_get::<String, _>("ai_system_id")?)?,
        answers: serde_json::from_str(&row.try_get::<String, _>("answers")?)?,
        classification: serde_json::from_value(
            result.get("classification").cloned().unwrap_or_default(),
        )?,
        screening: serde_json::from_value(result.get("screening").cloned().unwrap_or_default())?,
        version: row.try_get("version")?,
        classified_at: row.try_get("classified_at")?,
        law_version: result
            .get("law_version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    })
}

impl WriteTx<'_> {
    async fn change_request_for_update(&mut self, id: Uuid) -> Result<ChangeRequest, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM change_requests WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "change request",
            id: id.to_string(),
        })?;
        request_from_row(&row)
    }

    async fn save_change_request(
        &mut self,
        request: ChangeRequest,
        action: &str,
    ) -> Result<ChangeRequest, StoreError> {
        let request = ChangeRequest {
            version: request.version + 1,
            ..request
        };
        let conflict = match &request.conflict {
            Some(c) => serde_json::to_string(c)?,
            None => String::new(),
        };
        sqlx::query("UPDATE change_requests SET status = $2, decisions = $3, conflict = $4, escalated = $5, closed_at = $6, gates = $7, version = $8 WHERE id = $1")
            .bind(request.id.to_string())
            .bind(&request.status)
            .bind(serde_json::to_string(&request.decisions)?)
            .bind(conflict)
            .bind(i64::from(request.escalated))
            .bind(&request.closed_at)
            .bind(serde_json::to_string(&request.gates)?)
            .bind(request.version)
            .execute(&mut *self.tx)
            .await?;
        self.append(
            action,
            "change_request",
            &request.id.to_string(),
            Some(&request_state(&request)?),
        )
        .await?;
        Ok(request)
    }

    /// Moves the subject to the request's target stage or status.
    async fn apply_transition(&mut self, request: &ChangeRequest) -> Result<(), StoreError> {
        match request.subject_type {
            Subject::AiSystem => {
                let system = self.ai_system_for_update(request.subject_id).await?;
                if system.fields.lifecycle_stage.code() != request.transition.from {
                    return Err(StoreError::Conflict {
                        message: "the system has moved on since the request was made".into(),
                        field: None,
                    });
                }
                let stage =
                    LifecycleStage::parse(&request.transition.to).map_err(StoreError::Corrupt)?;
                let mut fields = system.fields.clone();
                fields.lifecycle_stage = stage;
                self.save_ai_system(AiSystem { fields, ..system }, "ai_system.transitioned")
                    .await?;
            }
            Subject::ModelVersion => {
                let item = self
                    .item_for_update(Kind::ModelVersion, request.subject_id)
                    .await?;
                if item.status != request.transition.from {
                    return Err(StoreError::Conflict {
                        message: "the model version has moved on since the request was made".into(),
                        field: None,
                    });
                }
                self.save_item(
                    InventoryItem {
                        status: request.transition.to.clone(),
                        ..item
                    },
                    "transitioned",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn close_waiver(&mut self, id: Uuid, status: &str) -> Result<Waiver, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {WAIVER_COLUMNS} FROM gate_waivers WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "waiver",
            id: id.to_string(),
        })?;
        let mut waiver = waiver_from_row(&row)?;
        if waiver.status != "active" {
            return Err(StoreError::Conflict {
                message: format!("the waiver is already {}", waiver.status),
                field: None,
            });
        }
        waiver.status = status.to_owned();
        waiver.closed_at = self.ctx().now_text();
        sqlx::query("UPDATE gate_waivers SET status = $2, closed_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(&waiver.status)
            .bind(&waiver.closed_at)
            .execute(&mut *self.tx)
            .await?;
        self.append(
            &format!("gate_waiver.{status}"),
            "gate_waiver",
            &id.to_string(),
            Some(&serde_json::to_value(&waiver)?),
        )
        .await?;
        Ok(waiver)
    }
}
