//! The risk register, treatment actions, acceptances, methodology versions and impact
//! assessments (ISO/IEC 42001 6.1.2 to 6.1.4, 8.2 to 8.4).
//!
//! A risk's levels are computed when it is written, with the methodology active then, and
//! the version used is kept: changing the methodology never rewrites old assessments. A
//! risk above appetite is "treated" when it has a live treatment action or an unexpired
//! acceptance by a role with the authority for its level.

use std::collections::BTreeMap;

use aims_core::ValidationErrors;
use aims_core::access::Role;
use aims_core::inventory::Kind;
use aims_core::inventory::graph::{Direction, NodeRef, reach};
use aims_core::risk::assessment::{AssessmentStatus, Template, missing_sections};
use aims_core::risk::methodology::Methodology;
use aims_core::risk::register::{ActionStatus, RiskFields, acceptance_roles};
use aims_core::timefmt::{format_date, parse_date};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::db::Store;
use crate::governance::Decider;
use crate::ledger::{WriteCtx, WriteTx};

/// A formal acceptance of a risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acceptance {
    pub by: Uuid,
    pub role: Role,
    pub reason: String,
    /// `YYYY-MM-DD`, the last day it holds.
    pub expires_on: String,
    pub at: String,
}

/// A risk as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Risk {
    pub id: Uuid,
    /// For people: R-12.
    pub number: i64,
    #[serde(flatten)]
    pub fields: RiskFields,
    /// The methodology version its levels were computed with.
    pub methodology_version: i64,
    pub inherent_level: String,
    pub residual_level: String,
    /// Whether the residual level is above the appetite of its category.
    pub above_appetite: bool,
    /// The weighted score of its dimension ratings, 0 to 1.
    pub weighted_score: f64,
    pub acceptance: Option<Acceptance>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields of a treatment action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionFields {
    pub title: String,
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due: String,
    #[serde(default = "planned")]
    pub status: ActionStatus,
    /// How we will know the treatment works.
    #[serde(default)]
    pub validation_criteria: String,
    /// What the check of those criteria found.
    #[serde(default)]
    pub validation_result: String,
    /// Annex A controls it relies on, such as `A.7.4`.
    #[serde(default)]
    pub controls: Vec<String>,
    /// The organisation's applied controls (ids) it relies on.
    #[serde(default)]
    pub applied_controls: Vec<Uuid>,
}

fn planned() -> ActionStatus {
    ActionStatus::Planned
}

impl ActionFields {
    fn validated(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let due = self.due.trim().to_owned();
        if !due.is_empty() && parse_date(&due).is_err() {
            errors.add("due", "must be a date written YYYY-MM-DD");
        }
        let controls: Vec<String> = self
            .controls
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if let Some(bad) = controls.iter().find(|c| !c.starts_with("A.")) {
            errors.add(
                "controls",
                format!("`{bad}` is not an Annex A control such as A.7.4"),
            );
        }
        let fields = Self {
            title: aims_core::text::required_line(&mut errors, "title", &self.title),
            owner: aims_core::text::optional_line(&mut errors, "owner", &self.owner),
            due,
            validation_criteria: aims_core::text::long_text(
                &mut errors,
                "validation_criteria",
                &self.validation_criteria,
                false,
            ),
            validation_result: aims_core::text::long_text(
                &mut errors,
                "validation_result",
                &self.validation_result,
                false,
            ),
            controls,
            ..self
        };
        errors.into_result(fields)
    }
}

/// A treatment action as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskAction {
    pub id: Uuid,
    pub risk_id: Uuid,
    #[serde(flatten)]
    pub fields: ActionFields,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl RiskAction {
    /// Past its due date and not finished.
    pub fn overdue(&self, today: &str) -> bool {
        !self.fields.due.is_empty()
            && self.fields.due.as_str() < today
            && matches!(
                self.fields.status,
                ActionStatus::Planned | ActionStatus::InProgress
            )
    }
}

/// A risk with what makes it treated or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskView {
    #[serde(flatten)]
    pub risk: Risk,
    pub actions: Vec<RiskAction>,
    /// A live action or an unexpired acceptance.
    pub treated: bool,
    /// The subject's name.
    pub subject_name: String,
}

/// The register's figures on one day, for its trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskPoint {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub open: i64,
    pub above_appetite: i64,
    pub untreated: i64,
}

/// A version of an impact assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImpactAssessment {
    pub id: Uuid,
    pub ai_system_id: Uuid,
    /// 1, 2, 3 for the system.
    pub number: i64,
    pub template: Template,
    /// Section id to text.
    pub answers: BTreeMap<String, String>,
    pub status: AssessmentStatus,
    pub approved_by: Option<Uuid>,
    pub approved_at: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

fn uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

const RISK_COLUMNS: &str = "id, number, subject_kind, subject_id, fields, methodology_version, inherent_level, residual_level, weighted_score, above_appetite, acceptance, version, created_at, updated_at";

fn risk_from_row(row: &AnyRow) -> Result<Risk, StoreError> {
    let acceptance: String = row.try_get("acceptance")?;
    Ok(Risk {
        id: uuid(&row.try_get::<String, _>("id")?)?,
        number: row.try_get("number")?,
        fields: serde_json::from_str(&row.try_get::<String, _>("fields")?)?,
        methodology_version: row.try_get("methodology_version")?,
        inherent_level: row.try_get("inherent_level")?,
        residual_level: row.try_get("residual_level")?,
        above_appetite: row.try_get::<i64, _>("above_appetite")? != 0,
        weighted_score: row.try_get("weighted_score")?,
        acceptance: if acceptance.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&acceptance)?)
        },
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn action_from_row(row: &AnyRow) -> Result<RiskAction, StoreError> {
    Ok(RiskAction {
        id: uuid(&row.try_get::<String, _>("id")?)?,
        risk_id: uuid(&row.try_get::<String, _>("risk_id")?)?,
        fields: serde_json::from_str(&row.try_get::<String, _>("fields")?)?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const ASSESSMENT_COLUMNS: &str = "id, ai_system_id, number, template, answers, status, approved_by, approved_at, version, created_at, updated_at";

fn assessment_from_row(row: &AnyRow) -> Result<ImpactAssessment, StoreError> {
    let status: String = row.try_get("status")?;
    let approved_by: String = row.try_get("approved_by")?;
    Ok(ImpactAssessment {
        id: uuid(&row.try_get::<String, _>("id")?)?,
        ai_system_id: uuid(&row.try_get::<String, _>("ai_system_id")?)?,
        number: row.try_get("number")?,
        template: Template::parse(&row.try_get::<String, _>("template")?)
            .map_err(StoreError::Corrupt)?,
        answers: serde_json::from_str(&row.try_get::<String, _>("answers")?)?,
        status: serde_json::from_value(Value::from(status))?,
        approved_by: if approved_by.is_empty() {
            None
        } else {
            Some(uuid(&approved_by)?)
        },
        approved_at: row.try_get("approved_at")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn status_code(status: AssessmentStatus) -> &'static str {
    match status {
        AssessmentStatus::Draft => "draft",
        AssessmentStatus::Approved => "approved",
        AssessmentStatus::Superseded => "superseded",
    }
}

fn stale(entity: &'static str, id: Uuid, expected: i64, actual: i64) -> StoreError {
    StoreError::StaleVersion {
        entity,
        id: id.to_string(),
        expected,
        actual,
    }
}

impl Store {
    /// The active methodology and its version (0: the shipped default, never saved).
    pub async fn active_methodology(&self) -> Result<(Methodology, i64), StoreError> {
        active_methodology_on(&self.pool).await
    }

    /// One methodology version (0 is the default).
    pub async fn methodology_version(&self, version: i64) -> Result<Methodology, StoreError> {
        if version == 0 {
            return Ok(Methodology::default_methodology());
        }
        let row = sqlx::query("SELECT methodology FROM risk_methodologies WHERE version = $1")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "methodology version",
                id: version.to_string(),
            })?;
        Ok(serde_json::from_str(
            &row.try_get::<String, _>("methodology")?,
        )?)
    }

    /// Approves a methodology as the new active version (the route lets only governance
    /// leads call this). `expected` is the active version the editor started from.
    pub async fn approve_methodology(
        &self,
        ctx: &WriteCtx,
        methodology: Methodology,
        expected: i64,
    ) -> Result<i64, StoreError> {
        let methodology = methodology.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let current: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM risk_methodologies WHERE active = 1",
        )
        .fetch_one(&mut *tx.tx)
        .await?
        .try_get("v")?;
        if current != expected {
            return Err(StoreError::StaleVersion {
                entity: "methodology",
                id: "active".into(),
                expected,
                actual: current,
            });
        }
        let next: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM risk_methodologies")
                .fetch_one(&mut *tx.tx)
                .await?
                .try_get("v")?;
        sqlx::query("UPDATE risk_methodologies SET active = 0 WHERE active = 1")
            .execute(&mut *tx.tx)
            .await?;
        let state = serde_json::json!({"version": next, "methodology": methodology, "approved_at": ctx.now_text()});
        sqlx::query("INSERT INTO risk_methodologies (version, methodology, active, approved_at) VALUES ($1, $2, 1, $3)")
            .bind(next)
            .bind(serde_json::to_string(&methodology)?)
            .bind(ctx.now_text())
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "risk_methodology.approved",
            "risk_methodology",
            &next.to_string(),
            Some(&state),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Records a risk; its levels come from the active methodology.
    pub async fn create_risk(
        &self,
        ctx: &WriteCtx,
        fields: RiskFields,
    ) -> Result<Risk, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let risk = tx.insert_risk(fields, None).await?;
        tx.commit().await?;
        Ok(risk)
    }

    /// Re-assesses a risk with new fields, under the active methodology.
    pub async fn update_risk(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        version: i64,
        fields: RiskFields,
    ) -> Result<Risk, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.risk_for_update(id).await?;
        if current.version != version {
            return Err(stale("risk", id, version, current.version));
        }
        let risk = tx.save_risk(current, fields, "updated").await?;
        tx.commit().await?;
        Ok(risk)
    }

    /// Formally accepts a risk until `expires_on`. Only a role with the authority for the
    /// risk's residual level may (403 otherwise).
    pub async fn accept_risk(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        id: Uuid,
        reason: &str,
        expires_on: &str,
    ) -> Result<Risk, StoreError> {
        let mut errors = ValidationErrors::new();
        let reason = aims_core::text::long_text(&mut errors, "reason", reason, true);
        let expires_on = expires_on.trim().to_owned();
        match parse_date(&expires_on) {
            Ok(date) if date < ctx.now.date() => {
                errors.add("expires_on", "must not be in the past")
            }
            Ok(date) if date > ctx.now.date() + time::Duration::days(366) => errors.add(
                "expires_on",
                "an acceptance may run at most a year: review it then",
            ),
            Ok(_) => {}
            Err(_) => errors.add("expires_on", "must be a date written YYYY-MM-DD"),
        }
        errors.into_result(())?;
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.risk_for_update(id).await?;
        let methodology = self
            .methodology_version(current.methodology_version)
            .await?;
        let roles = acceptance_roles(
            &methodology,
            current.fields.category_or_default(),
            &current.residual_level,
        );
        if !roles.contains(&by.role) {
            return Err(StoreError::Forbidden {
                code: "no_authority",
                message: format!(
                    "accepting a {} risk needs the authority of: {}",
                    current.residual_level,
                    roles
                        .iter()
                        .map(|r| r.label())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            });
        }
        let acceptance = Acceptance {
            by: by.user_id,
            role: by.role,
            reason,
            expires_on,
            at: ctx.now_text(),
        };
        let mut fields = current.fields.clone();
        fields.status = aims_core::risk::register::RiskStatus::Accepted;
        let risk = tx
            .write_risk(
                Risk {
                    acceptance: Some(acceptance),
                    ..current
                },
                fields,
                "accepted",
            )
            .await?;
        tx.commit().await?;
        Ok(risk)
    }

    /// The id of a risk named by id or number (`R-7` or `7`), without assembling its view: for
    /// commands that act on a risk.
    pub async fn risk_id(&self, key: &str) -> Result<Uuid, StoreError> {
        let id: String = sqlx::query_scalar("SELECT id FROM risks WHERE id = $1 OR number = $2")
            .bind(key.trim())
            .bind(risk_number(key))
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| risk_not_found(key))?;
        uuid(&id)
    }

    /// One risk by id or number (`12`, `R-12`).
    pub async fn risk(&self, key: &str, today: time::Date) -> Result<RiskView, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RISK_COLUMNS} FROM risks WHERE id = $1 OR number = $2"
        ))
        .bind(key.trim())
        .bind(risk_number(key))
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| risk_not_found(key))?;
        let risk = risk_from_row(&row)?;
        let mut views = self.views(vec![risk], today).await?;
        views
            .pop()
            .ok_or_else(|| StoreError::Corrupt("risk vanished".into()))
    }

    /// The register, most severe residual level first, optionally about some subjects.
    pub async fn risks(
        &self,
        subjects: Option<&[Uuid]>,
        today: time::Date,
    ) -> Result<Vec<RiskView>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {RISK_COLUMNS} FROM risks ORDER BY number"))
            .fetch_all(&self.pool)
            .await?;
        let mut risks: Vec<Risk> = rows.iter().map(risk_from_row).collect::<Result<_, _>>()?;
        if let Some(subjects) = subjects {
            risks.retain(|r| {
                NodeRef::parse(&r.fields.subject).is_ok_and(|n| subjects.contains(&n.id))
            });
        }
        self.views(risks, today).await
    }

    /// `treated` depends on the day: an acceptance counts until it expires.
    async fn views(
        &self,
        risks: Vec<Risk>,
        today: time::Date,
    ) -> Result<Vec<RiskView>, StoreError> {
        let today = format_date(today);
        let names = self.node_names().await?;
        let rows = sqlx::query("SELECT id, risk_id, fields, version, created_at, updated_at FROM risk_actions ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        let actions: Vec<RiskAction> =
            rows.iter().map(action_from_row).collect::<Result<_, _>>()?;
        Ok(risks
            .into_iter()
            .map(|risk| {
                let mine: Vec<RiskAction> = actions
                    .iter()
                    .filter(|a| a.risk_id == risk.id)
                    .cloned()
                    .collect();
                let live_action = mine
                    .iter()
                    .any(|a| a.fields.status != ActionStatus::Cancelled);
                let accepted = risk
                    .acceptance
                    .as_ref()
                    .is_some_and(|a| a.expires_on >= today);
                let subject_name = NodeRef::parse(&risk.fields.subject)
                    .ok()
                    .and_then(|n| names.get(&n.id).map(|(_, name)| name.clone()))
                    .unwrap_or_default();
                RiskView {
                    treated: live_action || accepted,
                    actions: mine,
                    subject_name,
                    risk,
                }
            })
            .collect())
    }

    /// Adds a treatment action to a risk.
    pub async fn add_risk_action(
        &self,
        ctx: &WriteCtx,
        risk_id: Uuid,
        fields: ActionFields,
    ) -> Result<RiskAction, StoreError> {
        let fields = fields.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let risk = tx.risk_for_update(risk_id).await?;
        let action = RiskAction {
            id: Uuid::new_v4(),
            risk_id,
            fields,
            version: 1,
            created_at: ctx.now_text(),
            updated_at: ctx.now_text(),
        };
        sqlx::query("INSERT INTO risk_actions (id, risk_id, fields, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(action.id.to_string())
            .bind(risk_id.to_string())
            .bind(serde_json::to_string(&action.fields)?)
            .bind(action.version)
            .bind(&action.created_at)
            .bind(&action.updated_at)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "risk_action.created",
            "risk_action",
            &action.id.to_string(),
            Some(&serde_json::to_value(&action)?),
        )
        .await?;
        if risk.fields.status == aims_core::risk::register::RiskStatus::Open {
            let mut fields = risk.fields.clone();
            fields.status = aims_core::risk::register::RiskStatus::Treating;
            tx.write_risk(risk, fields, "treating").await?;
        }
        tx.commit().await?;
        Ok(action)
    }

    /// Updates a treatment action (progress, validation result).
    pub async fn update_risk_action(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        version: i64,
        fields: ActionFields,
    ) -> Result<RiskAction, StoreError> {
        let fields = fields.validated()?;
        let mut tx = self.begin_write(ctx).await?;
        let row = sqlx::query("SELECT id, risk_id, fields, version, created_at, updated_at FROM risk_actions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound { entity: "treatment action", id: id.to_string() })?;
        let current = action_from_row(&row)?;
        if current.version != version {
            return Err(stale("treatment action", id, version, current.version));
        }
        let action = RiskAction {
            fields,
            version: version + 1,
            updated_at: ctx.now_text(),
            ..current
        };
        sqlx::query(
            "UPDATE risk_actions SET fields = $2, version = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(serde_json::to_string(&action.fields)?)
        .bind(action.version)
        .bind(&action.updated_at)
        .execute(&mut *tx.tx)
        .await?;
        tx.append(
            "risk_action.updated",
            "risk_action",
            &id.to_string(),
            Some(&serde_json::to_value(&action)?),
        )
        .await?;
        tx.commit().await?;
        Ok(action)
    }

    /// Risks on a system or on anything it depends on (cascading through the dependency
    /// graph), each with the path that makes it the system's, nearest first.
    pub async fn risks_reaching(
        &self,
        system: Uuid,
        today: time::Date,
    ) -> Result<Vec<(RiskView, Vec<aims_core::inventory::graph::Edge>)>, StoreError> {
        let edges: Vec<_> = self
            .all_links()
            .await?
            .into_iter()
            .map(|l| l.edge)
            .collect();
        let start = NodeRef::new(Kind::AiSystem, system);
        let reached = reach(&edges, start, Direction::Dependencies);
        let mut ids: Vec<Uuid> = vec![system];
        ids.extend(reached.iter().map(|r| r.node.id));
        let mut out = Vec::new();
        for view in self.risks(Some(&ids), today).await? {
            let path = NodeRef::parse(&view.risk.fields.subject)
                .ok()
                .and_then(|n| reached.iter().find(|r| r.node.id == n.id))
                .map(|r| r.path.clone())
                .unwrap_or_default();
            out.push((view, path));
        }
        out.sort_by_key(|(_, path)| path.len());
        Ok(out)
    }

    /// Risks above appetite on a system (directly or through what it depends on) that are
    /// neither treated nor accepted, by number and title.
    pub async fn untreated_risks_for_system(
        &self,
        system: Uuid,
        today: time::Date,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self
            .risks_reaching(system, today)
            .await?
            .into_iter()
            .filter(|(view, _)| {
                view.risk.above_appetite
                    && !view.treated
                    && view.risk.fields.status != aims_core::risk::register::RiskStatus::Closed
            })
            .map(|(view, _)| format!("R-{} {}", view.risk.number, view.risk.fields.title))
            .collect())
    }

    /// Starts an impact assessment (version 1, or the next) for a system from a template.
    pub async fn start_assessment(
        &self,
        ctx: &WriteCtx,
        system: Uuid,
        template: Template,
    ) -> Result<ImpactAssessment, StoreError> {
        self.get_ai_system(system).await?;
        let mut tx = self.begin_write(ctx).await?;
        let latest = tx.latest_assessment(system).await?;
        let (number, answers) = match &latest {
            Some(previous) if previous.status == AssessmentStatus::Draft => {
                return Err(StoreError::Conflict {
                    message: format!(
                        "version {} is still a draft: finish or approve it first",
                        previous.number
                    ),
                    field: None,
                });
            }
            // A new version starts from the approved one's answers.
            Some(previous) => (previous.number + 1, previous.answers.clone()),
            None => (1, BTreeMap::new()),
        };
        let assessment = ImpactAssessment {
            id: Uuid::new_v4(),
            ai_system_id: system,
            number,
            template,
            answers,
            status: AssessmentStatus::Draft,
            approved_by: None,
            approved_at: String::new(),
            version: 1,
            created_at: ctx.now_text(),
            updated_at: ctx.now_text(),
        };
        sqlx::query(&format!("INSERT INTO impact_assessments ({ASSESSMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
            .bind(assessment.id.to_string())
            .bind(system.to_string())
            .bind(number)
            .bind(template.code())
            .bind(serde_json::to_string(&assessment.answers)?)
            .bind("draft")
            .bind("")
            .bind("")
            .bind(1_i64)
            .bind(&assessment.created_at)
            .bind(&assessment.updated_at)
            .execute(&mut *tx.tx)
            .await?;
        tx.append(
            "impact_assessment.started",
            "impact_assessment",
            &assessment.id.to_string(),
            Some(&serde_json::to_value(&assessment)?),
        )
        .await?;
        tx.commit().await?;
        Ok(assessment)
    }

    /// Saves a draft's answers. An approved version is frozen: editing it is refused.
    pub async fn save_assessment(
        &self,
        ctx: &WriteCtx,
        id: Uuid,
        version: i64,
        answers: BTreeMap<String, String>,
    ) -> Result<ImpactAssessment, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.assessment_for_update(id).await?;
        if current.status != AssessmentStatus::Draft {
            return Err(StoreError::Conflict {
                message: "this version is approved and frozen: start a new version to change it"
                    .into(),
                field: None,
            });
        }
        if current.version != version {
            return Err(stale("impact assessment", id, version, current.version));
        }
        let sections = current.template.sections();
        let mut errors = ValidationErrors::new();
        let mut clean = BTreeMap::new();
        for (key, text) in answers {
            if !sections.iter().any(|s| s.id == key) {
                errors.add(&key, "is not a section of this template");
                continue;
            }
            let text = aims_core::text::long_text(&mut errors, &key, &text, false);
            if !text.is_empty() {
                clean.insert(key, text);
            }
        }
        errors.into_result(())?;
        let saved = ImpactAssessment {
            answers: clean,
            version: version + 1,
            updated_at: ctx.now_text(),
            ..current
        };
        tx.write_assessment(&saved, "impact_assessment.saved")
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Approves a complete draft (the route lets only governance leads); the previous
    /// approved version is superseded.
    pub async fn approve_assessment(
        &self,
        ctx: &WriteCtx,
        by: Decider,
        id: Uuid,
    ) -> Result<ImpactAssessment, StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let current = tx.assessment_for_update(id).await?;
        if current.status != AssessmentStatus::Draft {
            return Err(StoreError::Conflict {
                message: "only a draft can be approved".into(),
                field: None,
            });
        }
        let missing = missing_sections(current.template, &current.answers);
        if !missing.is_empty() {
            return Err(ValidationErrors::single(
                "answers",
                format!("complete every section first: {}", missing.join(", ")),
            )
            .into());
        }
        let previous = sqlx::query(&format!("SELECT {ASSESSMENT_COLUMNS} FROM impact_assessments WHERE ai_system_id = $1 AND status = 'approved'"))
            .bind(current.ai_system_id.to_string())
            .fetch_all(&mut *tx.tx)
            .await?;
        for row in previous {
            let old = assessment_from_row(&row)?;
            let superseded = ImpactAssessment {
                status: AssessmentStatus::Superseded,
                version: old.version + 1,
                updated_at: ctx.now_text(),
                ..old
            };
            tx.write_assessment(&superseded, "impact_assessment.superseded")
                .await?;
        }
        let approved = ImpactAssessment {
            status: AssessmentStatus::Approved,
            approved_by: Some(by.user_id),
            approved_at: ctx.now_text(),
            version: current.version + 1,
            updated_at: ctx.now_text(),
            ..current
        };
        tx.write_assessment(&approved, "impact_assessment.approved")
            .await?;
        tx.commit().await?;
        Ok(approved)
    }

    /// A system's assessment versions, newest first.
    pub async fn assessments(&self, system: Uuid) -> Result<Vec<ImpactAssessment>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {ASSESSMENT_COLUMNS} FROM impact_assessments WHERE ai_system_id = $1 ORDER BY number DESC"))
            .bind(system.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(assessment_from_row).collect()
    }

    /// One assessment version.
    pub async fn assessment(&self, id: Uuid) -> Result<ImpactAssessment, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM impact_assessments WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "impact assessment",
            id: id.to_string(),
        })?;
        assessment_from_row(&row)
    }

    /// How many approved assessments a system has (0 or 1).
    pub async fn count_approved_assessments(&self, system: Uuid) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM impact_assessments WHERE ai_system_id = $1 AND status = 'approved'")
            .bind(system.to_string())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// Imports parsed register rows in one transaction: rows with an id update that risk,
    /// the others create risks. An unknown id fails the whole import.
    pub async fn import_risks(
        &self,
        ctx: &WriteCtx,
        rows: Vec<aims_core::risk::register::ImportRow>,
    ) -> Result<(usize, usize), StoreError> {
        let mut tx = self.begin_write(ctx).await?;
        let (mut created, mut updated) = (0, 0);
        for row in rows {
            match row.id {
                Some(number) => {
                    let found = sqlx::query("SELECT id FROM risks WHERE number = $1")
                        .bind(number)
                        .fetch_optional(&mut *tx.tx)
                        .await?;
                    let Some(found) = found else {
                        return Err(ValidationErrors::single(
                            &format!("line {}: id", row.line),
                            format!("no risk is R-{number}: leave the id empty to create one"),
                        )
                        .into());
                    };
                    let current = tx
                        .risk_for_update(uuid(&found.try_get::<String, _>("id")?)?)
                        .await?;
                    if current.fields != row.fields {
                        tx.save_risk(current, row.fields, "imported").await?;
                        updated += 1;
                    }
                }
                None => {
                    tx.insert_risk(row.fields, None).await?;
                    created += 1;
                }
            }
        }
        if created + updated == 0 {
            return Ok((0, 0));
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    /// Records today's figures (the last recording of a day wins).
    pub async fn record_risk_point(&self, point: &RiskPoint) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO risk_history (day, open_risks, above_appetite, untreated) VALUES ($1, $2, $3, $4)
             ON CONFLICT (day) DO UPDATE SET open_risks = $2, above_appetite = $3, untreated = $4",
        )
        .bind(&point.day)
        .bind(point.open)
        .bind(point.above_appetite)
        .bind(point.untreated)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The daily figures, oldest first, at most `days` of them.
    pub async fn risk_history(&self, days: i64) -> Result<Vec<RiskPoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT day, open_risks, above_appetite, untreated FROM risk_history ORDER BY day DESC LIMIT $1",
        )
        .bind(days)
        .fetch_all(&self.pool)
        .await?;
        let mut points: Vec<RiskPoint> = rows
            .iter()
            .map(|row| {
                Ok(RiskPoint {
                    day: row.try_get("day")?,
                    open: row.try_get("open_risks")?,
                    above_appetite: row.try_get("above_appetite")?,
                    untreated: row.try_get("untreated")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        points.reverse();
        Ok(points)
    }

    pub(crate) async fn risk_states(&self) -> Result<Vec<((String, String), Value)>, StoreError> {
        let mut states = Vec::new();
        for row in sqlx::query("SELECT version, methodology, approved_at FROM risk_methodologies")
            .fetch_all(&self.pool)
            .await?
        {
            let version: i64 = row.try_get("version")?;
            let methodology: Value =
                serde_json::from_str(&row.try_get::<String, _>("methodology")?)?;
            let approved_at: String = row.try_get("approved_at")?;
            states.push((("risk_methodology".into(), version.to_string()), serde_json::json!({"version": version, "methodology": methodology, "approved_at": approved_at})));
        }
        for row in sqlx::query(&format!("SELECT {RISK_COLUMNS} FROM risks"))
            .fetch_all(&self.pool)
            .await?
        {
            let risk = risk_from_row(&row)?;
            states.push((
                ("risk".into(), risk.id.to_string()),
                serde_json::to_value(&risk)?,
            ));
        }
        for row in sqlx::query(
            "SELECT id, risk_id, fields, version, created_at, updated_at FROM risk_actions",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let action = action_from_row(&row)?;
            states.push((
                ("risk_action".into(), action.id.to_string()),
                serde_json::to_value(&action)?,
            ));
        }
        for row in sqlx::query(&format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM impact_assessments"
        ))
        .fetch_all(&self.pool)
        .await?
        {
            let assessment = assessment_from_row(&row)?;
            states.push((
                ("impact_assessment".into(), assessment.id.to_string()),
                serde_json::to_value(&assessment)?,
            ));
        }
        Ok(states)
    }
}

impl WriteTx<'_> {
    async fn risk_for_update(&mut self, id: Uuid) -> Result<Risk, StoreError> {
        let row = sqlx::query(&format!("SELECT {RISK_COLUMNS} FROM risks WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "risk",
                id: id.to_string(),
            })?;
        risk_from_row(&row)
    }

    async fn active_methodology_in(&mut self) -> Result<(Methodology, i64), StoreError> {
        active_methodology_on(&mut *self.tx).await
    }

    /// Validates a risk's fields under the active methodology, checks its subject exists,
    /// and computes its levels and score.
    async fn assess(&mut self, fields: RiskFields) -> Result<Assessed, StoreError> {
        let (methodology, methodology_version) = self.active_methodology_in().await?;
        let fields = fields.validated(&methodology)?;
        let subject =
            NodeRef::parse(&fields.subject).map_err(|e| ValidationErrors::single("subject", e))?;
        if !self.node_exists(subject).await? {
            return Err(ValidationErrors::single(
                "subject",
                format!("no {} has the id {}", subject.kind.label(), subject.id),
            )
            .into());
        }
        let (inherent_level, residual_level, above_appetite) = levels(&methodology, &fields);
        Ok(Assessed {
            weighted_score: fields.weighted_score(&methodology),
            fields,
            subject,
            methodology_version,
            inherent_level,
            residual_level,
            above_appetite,
        })
    }

    /// Validates and inserts a risk with its levels.
    async fn insert_risk(
        &mut self,
        fields: RiskFields,
        id: Option<Uuid>,
    ) -> Result<Risk, StoreError> {
        let assessed = self.assess(fields).await?;
        let (fields, subject) = (assessed.fields, assessed.subject);
        let number: i64 = sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM risks")
            .fetch_one(&mut *self.tx)
            .await?
            .try_get("next")?;
        let now = self.ctx().now_text();
        let risk = Risk {
            id: id.unwrap_or_else(Uuid::new_v4),
            weighted_score: assessed.weighted_score,
            number,
            fields,
            methodology_version: assessed.methodology_version,
            inherent_level: assessed.inherent_level,
            residual_level: assessed.residual_level,
            above_appetite: assessed.above_appetite,
            acceptance: None,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        sqlx::query(&format!("INSERT INTO risks ({RISK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
            .bind(risk.id.to_string())
            .bind(risk.number)
            .bind(subject.kind.code())
            .bind(subject.id.to_string())
            .bind(serde_json::to_string(&risk.fields)?)
            .bind(risk.methodology_version)
            .bind(&risk.inherent_level)
            .bind(&risk.residual_level)
            .bind(risk.weighted_score)
            .bind(i64::from(risk.above_appetite))
            .bind("")
            .bind(risk.version)
            .bind(&risk.created_at)
            .bind(&risk.updated_at)
            .execute(&mut *self.tx)
            .await?;
        self.append(
            "risk.created",
            "risk",
            &risk.id.to_string(),
            Some(&serde_json::to_value(&risk)?),
        )
        .await?;
        Ok(risk)
    }

    /// Re-assesses with new fields under the active methodology.
    async fn save_risk(
        &mut self,
        current: Risk,
        fields: RiskFields,
        action: &str,
    ) -> Result<Risk, StoreError> {
        let assessed = self.assess(fields).await?;
        let fields = assessed.fields;
        let risk = Risk {
            methodology_version: assessed.methodology_version,
            inherent_level: assessed.inherent_level,
            residual_level: assessed.residual_level,
            above_appetite: assessed.above_appetite,
            weighted_score: assessed.weighted_score,
            ..current
        };
        self.write_risk(risk, fields, action).await
    }

    async fn write_risk(
        &mut self,
        risk: Risk,
        fields: RiskFields,
        action: &str,
    ) -> Result<Risk, StoreError> {
        let subject =
            NodeRef::parse(&fields.subject).map_err(|e| ValidationErrors::single("subject", e))?;
        let risk = Risk {
            fields,
            version: risk.version + 1,
            updated_at: self.ctx().now_text(),
            ..risk
        };
        let acceptance = match &risk.acceptance {
            Some(a) => serde_json::to_string(a)?,
            None => String::new(),
        };
        sqlx::query("UPDATE risks SET subject_kind = $2, subject_id = $3, fields = $4, methodology_version = $5, inherent_level = $6,
              residual_level = $7, above_appetite = $8, acceptance = $9, version = $10, updated_at = $11, weighted_score = $12 WHERE id = $1")
            .bind(risk.id.to_string())
            .bind(subject.kind.code())
            .bind(subject.id.to_string())
            .bind(serde_json::to_string(&risk.fields)?)
            .bind(risk.methodology_version)
            .bind(&risk.inherent_level)
            .bind(&risk.residual_level)
            .bind(i64::from(risk.above_appetite))
            .bind(acceptance)
            .bind(risk.version)
            .bind(&risk.updated_at)
            .bind(risk.weighted_score)
            .execute(&mut *self.tx)
            .await?;
        self.append(
            &format!("risk.{action}"),
            "risk",
            &risk.id.to_string(),
            Some(&serde_json::to_value(&risk)?),
        )
        .await?;
        Ok(risk)
    }

    async fn latest_assessment(
        &mut self,
        system: Uuid,
    ) -> Result<Option<ImpactAssessment>, StoreError> {
        let row = sqlx::query(&format!("SELECT {ASSESSMENT_COLUMNS} FROM impact_assessments WHERE ai_system_id = $1 ORDER BY number DESC LIMIT 1"))
            .bind(system.to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(assessment_from_row).transpose()
    }

    async fn assessment_for_update(&mut self, id: Uuid) -> Result<ImpactAssessment, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM impact_assessments WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            entity: "impact assessment",
            id: id.to_string(),
        })?;
        assessment_from_row(&row)
    }

    async fn write_assessment(
        &mut self,
        assessment: &ImpactAssessment,
        action: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE impact_assessments SET answers = $2, status = $3, approved_by = $4, approved_at = $5, version = $6, updated_at = $7 WHERE id = $1")
            .bind(assessment.id.to_string())
            .bind(serde_json::to_string(&assessment.answers)?)
            .bind(status_code(assessment.status))
            .bind(assessment.approved_by.map(|u| u.to_string()).unwrap_or_default())
            .bind(&assessment.approved_at)
            .bind(assessment.version)
            .bind(&assessment.updated_at)
            .execute(&mut *self.tx)
            .await?;
        self.append(
            action,
            "impact_assessment",
            &assessment.id.to_string(),
            Some(&serde_json::to_value(assessment)?),
        )
        .await?;
        Ok(())
    }
}

/// A risk's fields with what the methodology makes of them.
struct Assessed {
    fields: RiskFields,
    subject: NodeRef,
    methodology_version: i64,
    inherent_level: String,
    residual_level: String,
    above_appetite: bool,
    weighted_score: f64,
}

/// The active methodology and its version, on the pool or inside a transaction.
async fn active_methodology_on<'e, E>(executor: E) -> Result<(Methodology, i64), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT version, methodology FROM risk_methodologies WHERE active = 1")
        .fetch_optional(executor)
        .await?;
    match row {
        Some(row) => Ok((
            serde_json::from_str(&row.try_get::<String, _>("methodology")?)?,
            row.try_get("version")?,
        )),
        None => Ok((Methodology::default_methodology(), 0)),
    }
}

/// Inherent level, residual level, and whether the residual is above appetite.
fn levels(methodology: &Methodology, fields: &RiskFields) -> (String, String, bool) {
    let inherent = methodology
        .level(fields.inherent_likelihood, fields.inherent_impact)
        .unwrap_or_default()
        .to_owned();
    let (l, i) = fields.residual();
    let residual = methodology.level(l, i).unwrap_or_default().to_owned();
    let above = methodology.above_appetite(fields.category_or_default(), &residual);
    (inherent, residual, above)
}

/// A risk's number from `R-7` or `7`; -1 (no risk) for anything else.
fn risk_number(key: &str) -> i64 {
    key.trim()
        .trim_start_matches("R-")
        .parse::<i64>()
        .unwrap_or(-1)
}

fn risk_not_found(key: &str) -> StoreError {
    StoreError::NotFound {
        entity: "risk",
        id: key.to_owned(),
    }
}
