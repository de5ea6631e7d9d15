//! Certification readiness for ISO/IEC 42001: explainable scores, gaps and a business case.
//!
//! [`assess`] is a pure function of a [`ReadinessInput`] snapshot (the clause records, the
//! Statement of Applicability rows, the applied controls and their evidence, and today's
//! date). Every score is a sum of named criteria, and each criterion carries the points it
//! earned, the points possible and a sentence saying why, so the UI and the readiness note
//! can show where a number comes from. The rules below are the contract; the consts in this
//! module hold the weights.
//!
//! # Evidence
//!
//! An evidence item is *current* on a day when all of these hold:
//! - it is in force: `effective_from` is unset or on or before the day;
//! - it has not expired: `expires_on` is unset or after the day;
//! - it has been reviewed: `reviewed_on` is set (the review is the approval);
//! - its review is not overdue: if `review_cycle_days` is set, `reviewed_on` plus the cycle
//!   is on or after the day (a negative cycle counts as 0).
//!
//! Evidence that is expired, never reviewed or overdue for review produces its own gap
//! naming the evidence: medium when the requirement has no other current evidence, low
//! when it has. Evidence that is not yet in force produces no gap (it is planned), but does
//! not count. Evidence is judged only where the evidence criterion applies (included Annex A
//! controls and clause requirements), not on undecided or excluded controls.
//!
//! # Annex A controls (scored 0 to 100)
//!
//! - **Undecided**: 0 of 100 ("applicability decided"); a high gap: decide and justify
//!   (clause 6.1.3 requires every Annex A control to be considered).
//! - **Excluded** (not applicable): applicability decided 50 + exclusion justified 50. With
//!   a justification the control scores 100, is marked `excluded` and **is counted** in the
//!   means: a justified exclusion is a complete Statement of Applicability entry. Without a
//!   justification it scores 50 and is a high gap.
//! - **Included** (applicable), 100 points:
//!   - justification recorded: 10 (missing: medium gap);
//!   - implementation status: 40 (implemented 40, partially implemented 20, planned 4,
//!     not started 0; `not_applicable` on an included control is inconsistent and earns 0).
//!     Not started is a high gap, planned and partially implemented are medium gaps, the
//!     inconsistent status is a medium gap;
//!   - owner set: 10 (missing: medium gap, see A.3.2);
//!   - at least one applied control linked: 10 (missing: low gap);
//!   - at least one current evidence item: 30 (missing: medium gap when the control is
//!     implemented or partially implemented, since the claim cannot be shown; low otherwise,
//!     because the implementation gap already says what to do).
//!
//! # Clause requirements (clauses 4 to 10, scored 0 to 100)
//!
//! - status: 50 (met 50, partially met 25, planned 5, not started 0). Clause requirements
//!   cannot be excluded, so not started and planned are high gaps; partially met is medium;
//! - responsible role set: 15 (missing: medium gap, see 5.3);
//! - at least one current evidence item: 35. Where the requirement calls for documented
//!   information, missing current evidence is a high gap; otherwise evidence still earns
//!   its points but its absence is only a low gap.
//!
//! # Documented information
//!
//! Each clause requirement that names documented information is listed as present (at least
//! one current evidence item linked) or missing.
//!
//! # Aggregation
//!
//! - Item score = points earned / points possible x 100.
//! - Group score (a top-level clause 4 to 10, or an Annex A area A.2 to A.10 with A.6.1 and
//!   A.6.2 as separate areas) = mean of its items' scores.
//! - Clauses score = mean of all clause items; Annex A score = mean of all Annex A control
//!   items (undecided at 0, justified exclusions at 100). Both are means of items, not of
//!   groups, so a larger group weighs more.
//! - Overall = (clauses score + Annex A score) / 2: the two halves weigh the same.
//! - An empty group or half scores 0, never NaN, and carries a note saying it is empty.
//! - Scores keep their full value; `score_rounded` has one decimal for display.
//! - Bands (heat map colours): below 40 red, below 70 amber, below 90 yellow-green, 90 or
//!   more green.
//!
//! # Gaps and the business case
//!
//! Gaps are ordered by severity (high, medium, low), then by requirement id in numeric order
//! (clauses before Annex A, `A.2.2` before `A.10.2`). The business case lists the applied
//! controls that are planned or in progress and are linked (by exact requirement id) to a
//! requirement with at least one gap, with their cost and effort estimates; each control is
//! counted once, under the most severe gap it is linked to, so the per-severity totals add
//! up to the overall totals. Negative estimates count as 0.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::control::ControlStatus;
use crate::soa::{Applicability, ClauseState, ImplementationStatus};
use crate::timefmt::format_date;

// Weights of an included Annex A control (sum 100).
/// Points for an included control's recorded justification.
pub const CONTROL_JUSTIFICATION_POINTS: u32 = 10;
/// Points for an included control's implementation status (full when implemented).
pub const CONTROL_IMPLEMENTATION_POINTS: u32 = 40;
/// Points for an included control's owner.
pub const CONTROL_OWNER_POINTS: u32 = 10;
/// Points for at least one applied control linked to an included control.
pub const CONTROL_APPLIED_CONTROL_POINTS: u32 = 10;
/// Points for at least one current evidence item on an included control.
pub const CONTROL_EVIDENCE_POINTS: u32 = 30;

// Weights of an excluded Annex A control (sum 100).
/// Points for having decided to exclude the control.
pub const EXCLUSION_DECISION_POINTS: u32 = 50;
/// Points for the exclusion's justification.
pub const EXCLUSION_JUSTIFICATION_POINTS: u32 = 50;

/// Points possible for an undecided control (none are earned).
pub const UNDECIDED_POINTS: u32 = 100;

// Weights of a clause requirement (sum 100).
/// Points for a clause requirement's status (full when met).
pub const CLAUSE_STATUS_POINTS: u32 = 50;
/// Points for a clause requirement's responsible role.
pub const CLAUSE_RESPONSIBLE_POINTS: u32 = 15;
/// Points for at least one current evidence item on a clause requirement.
pub const CLAUSE_EVIDENCE_POINTS: u32 = 35;

/// Share (percent) of the status points earned when partially implemented or partially met.
pub const PARTIAL_PERCENT: u32 = 50;
/// Share (percent) of the status points earned when only planned.
pub const PLANNED_PERCENT: u32 = 10;

/// Scores below this are red.
pub const BAND_AMBER_FROM: f64 = 40.0;
/// Scores below this (and at least [`BAND_AMBER_FROM`]) are amber.
pub const BAND_YELLOW_GREEN_FROM: f64 = 70.0;
/// Scores at or above this are green.
pub const BAND_GREEN_FROM: f64 = 90.0;

/// The top-level clauses, in order, with their short titles.
const CLAUSE_GROUPS: &[(&str, &str)] = &[
    ("4", "Context of the organization"),
    ("5", "Leadership"),
    ("6", "Planning"),
    ("7", "Support"),
    ("8", "Operation"),
    ("9", "Performance evaluation"),
    ("10", "Improvement"),
];

/// The Annex A areas, in order; A.6 has two objectives and so two areas.
const ANNEX_A_AREAS: &[(&str, &str)] = &[
    ("A.2", "Policies related to AI"),
    ("A.3", "Internal organization"),
    ("A.4", "Resources for AI systems"),
    ("A.5", "Assessing impacts of AI systems"),
    ("A.6.1", "Management guidance for AI system development"),
    ("A.6.2", "AI system life cycle"),
    ("A.7", "Data for AI systems"),
    ("A.8", "Information for interested parties"),
    ("A.9", "Use of AI systems"),
    ("A.10", "Third-party and customer relationships"),
];

vocabulary! {
    /// How urgent a gap is for certification.
    pub enum Severity {
        High => ("high", "High"),
        Medium => ("medium", "Medium"),
        Low => ("low", "Low"),
    }
}

vocabulary! {
    /// Whether a scored item is a clause requirement or an Annex A control.
    pub enum ItemKind {
        Clause => ("clause", "Clause requirement"),
        AnnexAControl => ("annex_a_control", "Annex A control"),
    }
}

vocabulary! {
    /// The colour band of a score.
    pub enum Band {
        Red => ("red", "Below 40"),
        Amber => ("amber", "40 to below 70"),
        YellowGreen => ("yellow_green", "70 to below 90"),
        Green => ("green", "90 or more"),
    }
}

vocabulary! {
    /// Where one evidence item stands on the assessment day.
    pub enum EvidenceStatus {
        Current => ("current", "Current"),
        NotYetEffective => ("not_yet_effective", "Not yet in force"),
        Expired => ("expired", "Expired"),
        NotReviewed => ("not_reviewed", "Never reviewed"),
        ReviewOverdue => ("review_overdue", "Review overdue"),
    }
}

impl Band {
    /// The band a score falls in.
    pub fn for_score(score: f64) -> Band {
        if score >= BAND_GREEN_FROM {
            Band::Green
        } else if score >= BAND_YELLOW_GREEN_FROM {
            Band::YellowGreen
        } else if score >= BAND_AMBER_FROM {
            Band::Amber
        } else {
            Band::Red
        }
    }

    /// The heat map fill; light enough for dark text on every band.
    pub fn fill(self) -> &'static str {
        match self {
            Band::Red => "#f28b82",
            Band::Amber => "#fbbc04",
            Band::YellowGreen => "#c5e17a",
            Band::Green => "#5bb974",
        }
    }
}

/// Dates travel as `YYYY-MM-DD` text, the one date form of [`crate::timefmt`].
mod date_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::timefmt::format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::timefmt::parse_date(&text).map_err(serde::de::Error::custom)
    }
}

/// Optional dates as `YYYY-MM-DD` text or null.
mod optional_date_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_some(&crate::timefmt::format_date(*date)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|text| crate::timefmt::parse_date(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

// ---------------------------------------------------------------------------------------
// Input

/// One evidence item linked to a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceState {
    pub title: String,
    #[serde(default, with = "optional_date_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub effective_from: Option<Date>,
    #[serde(default, with = "optional_date_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub expires_on: Option<Date>,
    #[serde(default, with = "optional_date_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub reviewed_on: Option<Date>,
    #[serde(default)]
    pub review_cycle_days: Option<i64>,
}

/// One Annex A control's Statement of Applicability row and what hangs off it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ControlInput {
    /// Such as `A.6.2.4`.
    pub id: String,
    pub title: String,
    /// Such as `A.6.2`; derived from the id when empty.
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub area_title: String,
    pub applicability: Applicability,
    pub justification_present: bool,
    pub implementation_status: ImplementationStatus,
    pub owner_present: bool,
    /// Names of the linked applied controls.
    #[serde(default)]
    pub applied_controls: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceState>,
}

/// One clause requirement's conformance record and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClauseInput {
    /// Such as `6.1.3`.
    pub id: String,
    /// The top-level clause, such as `6`; derived from the id when empty.
    #[serde(default)]
    pub clause: String,
    #[serde(default)]
    pub clause_title: String,
    pub title: String,
    pub status: ClauseState,
    pub responsible_present: bool,
    /// What the requirement calls for as documented information; `None` if nothing.
    #[serde(default)]
    pub documented_information: Option<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceState>,
}

/// One applied control with its estimates and the ISO/IEC 42001 requirements it serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedControlInput {
    pub id: String,
    pub name: String,
    pub status: ControlStatus,
    pub cost_estimate: i64,
    pub effort_days: i64,
    /// ISO/IEC 42001 ids, clauses or Annex A, such as `6.1.3` or `A.6.2.4`.
    #[serde(default)]
    pub requirements: Vec<String>,
}

/// Everything the assessment looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessInput {
    #[serde(with = "date_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub today: Date,
    #[serde(default)]
    pub controls: Vec<ControlInput>,
    #[serde(default)]
    pub clauses: Vec<ClauseInput>,
    #[serde(default)]
    pub applied_controls: Vec<AppliedControlInput>,
}

// ---------------------------------------------------------------------------------------
// Output

/// The whole assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// The assessment day, `YYYY-MM-DD`.
    pub as_of: String,
    /// Overall score 0 to 100, full precision: the mean of the two halves.
    pub score: f64,
    /// The overall score rounded to one decimal, for display.
    pub score_rounded: f64,
    pub band: Band,
    /// Why the overall score is what it is.
    pub explanation: String,
    pub clauses: PartScore,
    pub annex_a: PartScore,
    /// Top-level clauses 4 to 10 (always present), then any other clause seen in the input.
    pub clause_groups: Vec<GroupScore>,
    /// Annex A areas A.2 to A.10 (always present), then any other area seen in the input.
    pub annex_a_groups: Vec<GroupScore>,
    /// Clause requirements in id order, then Annex A controls in id order.
    pub items: Vec<ItemScore>,
    /// Ordered by severity, then requirement id.
    pub gaps: Vec<Gap>,
    /// One row per severity, high first.
    pub totals_by_severity: Vec<SeverityTotals>,
    pub documented_information: Vec<DocumentedInformation>,
    pub business_case: BusinessCase,
}

/// The score of one half: clause requirements or Annex A controls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartScore {
    pub score: f64,
    pub score_rounded: f64,
    pub band: Band,
    /// Items averaged (justified exclusions included).
    pub items: usize,
    /// Of those, Annex A controls excluded with a justification (each counted at 100).
    pub excluded: usize,
    /// Set when there is nothing to average and the score is therefore 0.
    pub note: Option<String>,
}

/// The score of one top-level clause or Annex A area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupScore {
    /// Such as `6` or `A.6.2`.
    pub id: String,
    pub title: String,
    pub kind: ItemKind,
    /// Mean of the item scores; 0 when empty.
    pub score: f64,
    pub score_rounded: f64,
    pub band: Band,
    pub items: usize,
    pub excluded: usize,
    pub high_gaps: usize,
    pub gaps: usize,
    /// Set when the group has no items and the score is therefore 0.
    pub note: Option<String>,
}

/// The score of one requirement, with the criteria that make it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemScore {
    pub id: String,
    pub title: String,
    pub kind: ItemKind,
    /// The top-level clause or Annex A area.
    pub group: String,
    pub score: f64,
    pub score_rounded: f64,
    pub band: Band,
    /// An Annex A control excluded with a justification (scores 100, counted in the means).
    pub excluded: bool,
    pub criteria: Vec<Criterion>,
    /// How each linked evidence item was judged; empty where evidence is not assessed.
    pub evidence: Vec<EvidenceCheck>,
    pub gaps: usize,
}

/// One scored criterion of a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    /// Stable key, such as `implementation` or `evidence`.
    pub key: String,
    /// What a person reads.
    pub name: String,
    /// Earned all its points.
    pub met: bool,
    pub points: u32,
    pub possible: u32,
    pub explanation: String,
}

/// How one evidence item was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceCheck {
    pub title: String,
    pub status: EvidenceStatus,
    pub current: bool,
    /// When the next review is due (`YYYY-MM-DD`), if reviewed and a cycle is set.
    pub review_due: Option<String>,
    pub explanation: String,
}

/// Something that stands between the organisation and certification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gap {
    pub requirement_id: String,
    pub title: String,
    pub kind: ItemKind,
    pub severity: Severity,
    /// The criterion key the gap comes from (`evidence_item` for a stale evidence item).
    pub criterion: String,
    pub problem: String,
    pub next_action: String,
    /// The evidence item concerned, for gaps about one evidence item.
    pub evidence_title: Option<String>,
}

/// Counts and business-case sums for one severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeverityTotals {
    pub severity: Severity,
    pub gaps: usize,
    /// Business-case applied controls whose most severe linked gap has this severity.
    pub applied_controls: usize,
    pub cost: i64,
    pub effort_days: i64,
}

/// A clause requirement that calls for documented information, and whether it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentedInformation {
    pub requirement_id: String,
    pub title: String,
    /// What is to be documented.
    pub required: String,
    /// At least one current evidence item is linked.
    pub present: bool,
    /// Titles of the current evidence items.
    pub current_evidence: Vec<String>,
    pub explanation: String,
}

/// The cost of closing the remaining gaps, from the applied controls' estimates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessCase {
    pub items: Vec<BusinessCaseItem>,
    pub total_cost: i64,
    pub total_effort_days: i64,
}

/// One applied control still to implement that would close (part of) a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessCaseItem {
    pub id: String,
    pub name: String,
    pub status: ControlStatus,
    pub cost_estimate: i64,
    pub effort_days: i64,
    /// The linked requirements that have gaps, in id order.
    pub requirements_with_gaps: Vec<String>,
    /// The most severe of those gaps.
    pub severity: Severity,
}

// ---------------------------------------------------------------------------------------
// Evidence

/// Judges one evidence item on `today` (see the module rules).
pub fn evidence_status(evidence: &EvidenceState, today: Date) -> EvidenceStatus {
    if evidence.expires_on.is_some_and(|end| end <= today) {
        return EvidenceStatus::Expired;
    }
    if evidence.effective_from.is_some_and(|start| start > today) {
        return EvidenceStatus::NotYetEffective;
    }
    let Some(reviewed) = evidence.reviewed_on else {
        return EvidenceStatus::NotReviewed;
    };
    match review_due_day(reviewed, evidence.review_cycle_days) {
        Some(due) if due < i64::from(today.to_julian_day()) => EvidenceStatus::ReviewOverdue,
        _ => EvidenceStatus::Current,
    }
}

/// Whether the evidence counts on `today`: in force, not expired, reviewed, review not overdue.
pub fn evidence_is_current(evidence: &EvidenceState, today: Date) -> bool {
    evidence_status(evidence, today) == EvidenceStatus::Current
}

/// The Julian day the next review is due. Julian day arithmetic in i64 cannot overflow for
/// any cycle, unlike `time::Duration::days`, which panics on huge values.
fn review_due_day(reviewed: Date, cycle_days: Option<i64>) -> Option<i64> {
    cycle_days.map(|cycle| i64::from(reviewed.to_julian_day()).saturating_add(cycle.max(0)))
}

fn julian_to_text(day: i64) -> Option<String> {
    i32::try_from(day)
        .ok()
        .and_then(|day| Date::from_julian_day(day).ok())
        .map(format_date)
}

fn check_evidence(evidence: &EvidenceState, today: Date) -> EvidenceCheck {
    let status = evidence_status(evidence, today);
    let review_due = evidence
        .reviewed_on
        .and_then(|reviewed| review_due_day(reviewed, evidence.review_cycle_days))
        .and_then(julian_to_text);
    let date = |d: Option<Date>| d.map(format_date).unwrap_or_default();
    let explanation = match status {
        EvidenceStatus::Current => {
            let review = match &review_due {
                Some(due) => format!("next review due {due}"),
                None => "no review cycle set".to_owned(),
            };
            let expiry = match evidence.expires_on {
                Some(end) => format!("expires {}", format_date(end)),
                None => "no expiry".to_owned(),
            };
            format!(
                "Current: reviewed {}, {review}, {expiry}",
                date(evidence.reviewed_on)
            )
        }
        EvidenceStatus::NotYetEffective => format!(
            "Not counted: in force only from {}",
            date(evidence.effective_from)
        ),
        EvidenceStatus::Expired => {
            format!("Not counted: expired on {}", date(evidence.expires_on))
        }
        EvidenceStatus::NotReviewed => {
            "Not counted: never reviewed, and evidence counts only once reviewed".to_owned()
        }
        EvidenceStatus::ReviewOverdue => format!(
            "Not counted: reviewed {}, review was due {}",
            date(evidence.reviewed_on),
            review_due.clone().unwrap_or_default()
        ),
    };
    EvidenceCheck {
        title: evidence.title.clone(),
        current: status == EvidenceStatus::Current,
        status,
        review_due,
        explanation,
    }
}

/// One gap per evidence item that is expired, never reviewed or overdue.
fn stale_evidence_gaps(item: &ItemRef<'_>, checks: &[EvidenceCheck], gaps: &mut Vec<Gap>) {
    let has_current = checks.iter().any(|check| check.current);
    // Losing the only current evidence matters more than one stale item among current ones.
    let severity = if has_current {
        Severity::Low
    } else {
        Severity::Medium
    };
    for check in checks {
        let title = &check.title;
        let (problem, action) = match check.status {
            EvidenceStatus::Expired => (
                format!("Evidence '{title}' has expired"),
                format!("Review the expired evidence '{title}': renew it or replace it"),
            ),
            EvidenceStatus::NotReviewed => (
                format!("Evidence '{title}' has never been reviewed, so it does not count"),
                format!("Review and approve the evidence '{title}'"),
            ),
            EvidenceStatus::ReviewOverdue => (
                format!(
                    "Evidence '{title}' is overdue for review (due {})",
                    check.review_due.clone().unwrap_or_default()
                ),
                format!("Review the evidence '{title}', whose review is overdue"),
            ),
            EvidenceStatus::Current | EvidenceStatus::NotYetEffective => continue,
        };
        gaps.push(item.gap(severity, "evidence_item", problem, action, Some(title)));
    }
}

// ---------------------------------------------------------------------------------------
// Items

struct ItemRef<'a> {
    id: &'a str,
    title: &'a str,
    kind: ItemKind,
}

impl ItemRef<'_> {
    fn gap(
        &self,
        severity: Severity,
        criterion: &str,
        problem: String,
        next_action: String,
        evidence_title: Option<&str>,
    ) -> Gap {
        Gap {
            requirement_id: self.id.to_owned(),
            title: self.title.to_owned(),
            kind: self.kind,
            severity,
            criterion: criterion.to_owned(),
            problem,
            next_action,
            evidence_title: evidence_title.map(str::to_owned),
        }
    }
}

fn criterion(key: &str, name: &str, points: u32, possible: u32, explanation: String) -> Criterion {
    Criterion {
        key: key.to_owned(),
        name: name.to_owned(),
        met: points >= possible,
        points,
        possible,
        explanation,
    }
}

fn share(possible: u32, percent: u32) -> u32 {
    possible * percent / 100
}

fn round1(score: f64) -> f64 {
    (score * 10.0).round() / 10.0
}

fn item_score(criteria: &[Criterion]) -> f64 {
    let earned: u32 = criteria.iter().map(|c| c.points).sum();
    let possible: u32 = criteria.iter().map(|c| c.possible).sum();
    if possible == 0 {
        0.0
    } else {
        f64::from(earned) * 100.0 / f64::from(possible)
    }
}

/// The area of an Annex A control id: `A.6.2.4` is in `A.6.2`, `A.7.3` in `A.7`.
fn derive_area(id: &str) -> String {
    let parts: Vec<&str> = id.trim().split('.').collect();
    let keep = if parts.get(1) == Some(&"6") { 3 } else { 2 };
    parts
        .iter()
        .take(keep.min(parts.len().saturating_sub(1)).max(1))
        .copied()
        .collect::<Vec<_>>()
        .join(".")
}

fn derive_clause(id: &str) -> String {
    id.trim().split('.').next().unwrap_or_default().to_owned()
}

fn assess_control(control: &ControlInput, today: Date) -> (ItemScore, Vec<Gap>) {
    let id = control.id.trim();
    let item = ItemRef {
        id,
        title: &control.title,
        kind: ItemKind::AnnexAControl,
    };
    let mut criteria = Vec::new();
    let mut gaps = Vec::new();
    let mut checks = Vec::new();
    let mut excluded = false;
    match control.applicability {
        Applicability::Undecided => {
            criteria.push(criterion(
                "decision",
                "Applicability decided",
                0,
                UNDECIDED_POINTS,
                "Not yet decided whether the control applies; nothing else counts until it is"
                    .to_owned(),
            ));
            gaps.push(item.gap(
                Severity::High,
                "decision",
                format!("{id} has not been considered in the Statement of Applicability"),
                format!("Decide whether {id} applies and record the justification"),
                None,
            ));
        }
        Applicability::NotApplicable => {
            criteria.push(criterion(
                "decision",
                "Applicability decided",
                EXCLUSION_DECISION_POINTS,
                EXCLUSION_DECISION_POINTS,
                "Excluded from the Statement of Applicability".to_owned(),
            ));
            if control.justification_present {
                excluded = true;
                criteria.push(criterion(
                    "justification",
                    "Exclusion justified",
                    EXCLUSION_JUSTIFICATION_POINTS,
                    EXCLUSION_JUSTIFICATION_POINTS,
                    "The exclusion is justified; the control is complete".to_owned(),
                ));
            } else {
                criteria.push(criterion(
                    "justification",
                    "Exclusion justified",
                    0,
                    EXCLUSION_JUSTIFICATION_POINTS,
                    "Excluded without a justification (clause 6.1.3 needs one)".to_owned(),
                ));
                gaps.push(item.gap(
                    Severity::High,
                    "justification",
                    format!("{id} is excluded without a justification"),
                    format!("Record why {id} is excluded, or include it"),
                    None,
                ));
            }
        }
        Applicability::Applicable => {
            assess_included(control, &item, today, &mut criteria, &mut gaps, &mut checks);
        }
    }
    let score = item_score(&criteria);
    let area = if control.area.trim().is_empty() {
        derive_area(id)
    } else {
        control.area.trim().to_owned()
    };
    let result = ItemScore {
        id: id.to_owned(),
        title: control.title.clone(),
        kind: ItemKind::AnnexAControl,
        group: area,
        score,
        score_rounded: round1(score),
        band: Band::for_score(score),
        excluded,
        criteria,
        evidence: checks,
        gaps: gaps.len(),
    };
    (result, gaps)
}

fn assess_included(
    control: &ControlInput,
    item: &ItemRef<'_>,
    today: Date,
    criteria: &mut Vec<Criterion>,
    gaps: &mut Vec<Gap>,
    checks: &mut Vec<EvidenceCheck>,
) {
    let id = item.id;
    if control.justification_present {
        criteria.push(criterion(
            "justification",
            "Inclusion justified",
            CONTROL_JUSTIFICATION_POINTS,
            CONTROL_JUSTIFICATION_POINTS,
            "The reason for including the control is recorded".to_owned(),
        ));
    } else {
        criteria.push(criterion(
            "justification",
            "Inclusion justified",
            0,
            CONTROL_JUSTIFICATION_POINTS,
            "No reason for including the control is recorded (clause 6.1.3)".to_owned(),
        ));
        gaps.push(item.gap(
            Severity::Medium,
            "justification",
            format!("{id} is included without a justification"),
            format!("Record why {id} is included"),
            None,
        ));
    }

    let status = control.implementation_status;
    let full = CONTROL_IMPLEMENTATION_POINTS;
    let (points, severity, problem, action) = match status {
        ImplementationStatus::Implemented => (full, None, String::new(), String::new()),
        ImplementationStatus::PartiallyImplemented => (
            share(full, PARTIAL_PERCENT),
            Some(Severity::Medium),
            format!("{id} is only partially implemented"),
            format!("Finish implementing {id}"),
        ),
        ImplementationStatus::Planned => (
            share(full, PLANNED_PERCENT),
            Some(Severity::Medium),
            format!("{id} is planned but not implemented"),
            format!("Carry out the planned implementation of {id}"),
        ),
        ImplementationStatus::NotStarted => (
            0,
            Some(Severity::High),
            format!("{id} is included but its implementation has not started"),
            format!(
                "Plan and start implementing {id}, linking the applied controls that will meet it"
            ),
        ),
        ImplementationStatus::NotApplicable => (
            0,
            Some(Severity::Medium),
            format!("{id} is included but its implementation status says not applicable"),
            format!(
                "Set the real implementation status of {id}, or exclude it with a justification"
            ),
        ),
    };
    criteria.push(criterion(
        "implementation",
        "Implementation status",
        points,
        full,
        format!("{}: {points} of {full} points", status.label()),
    ));
    if let Some(severity) = severity {
        gaps.push(item.gap(severity, "implementation", problem, action, None));
    }

    if control.owner_present {
        criteria.push(criterion(
            "owner",
            "Owner set",
            CONTROL_OWNER_POINTS,
            CONTROL_OWNER_POINTS,
            "An owner is answerable for the control".to_owned(),
        ));
    } else {
        criteria.push(criterion(
            "owner",
            "Owner set",
            0,
            CONTROL_OWNER_POINTS,
            "Nobody is named as owner (see A.3.2)".to_owned(),
        ));
        gaps.push(item.gap(
            Severity::Medium,
            "owner",
            format!("{id} has no owner"),
            format!("Name an owner for {id}"),
            None,
        ));
    }

    let linked: Vec<&str> = control
        .applied_controls
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect();
    if linked.is_empty() {
        criteria.push(criterion(
            "applied_control",
            "Applied control linked",
            0,
            CONTROL_APPLIED_CONTROL_POINTS,
            "No applied control is linked, so nothing shows how it is met".to_owned(),
        ));
        gaps.push(item.gap(
            Severity::Low,
            "applied_control",
            format!("No applied control is linked to {id}"),
            format!("Link the applied controls that meet {id}"),
            None,
        ));
    } else {
        criteria.push(criterion(
            "applied_control",
            "Applied control linked",
            CONTROL_APPLIED_CONTROL_POINTS,
            CONTROL_APPLIED_CONTROL_POINTS,
            format!("Linked: {}", linked.join(", ")),
        ));
    }

    checks.extend(control.evidence.iter().map(|e| check_evidence(e, today)));
    let current = checks.iter().filter(|check| check.current).count();
    if current > 0 {
        criteria.push(criterion(
            "evidence",
            "Current evidence",
            CONTROL_EVIDENCE_POINTS,
            CONTROL_EVIDENCE_POINTS,
            format!("{current} current evidence item(s)"),
        ));
    } else {
        criteria.push(criterion(
            "evidence",
            "Current evidence",
            0,
            CONTROL_EVIDENCE_POINTS,
            no_current_evidence_text(checks.len()),
        ));
        // An implementation claim without evidence is what an auditor will stop at; before
        // implementation, the implementation gap already says what to do.
        let claimed = matches!(
            status,
            ImplementationStatus::Implemented | ImplementationStatus::PartiallyImplemented
        );
        let severity = if claimed {
            Severity::Medium
        } else {
            Severity::Low
        };
        let problem = if claimed {
            format!(
                "{id} is marked {} but has no current evidence",
                status.label().to_lowercase()
            )
        } else {
            format!("{id} has no current evidence")
        };
        gaps.push(item.gap(
            severity,
            "evidence",
            problem,
            format!("Link current evidence that {id} is implemented"),
            None,
        ));
    }
    stale_evidence_gaps(item, checks, gaps);
}

fn no_current_evidence_text(linked: usize) -> String {
    if linked == 0 {
        "No evidence is linked".to_owned()
    } else {
        format!("None of the {linked} linked evidence item(s) is current")
    }
}

fn assess_clause(
    clause: &ClauseInput,
    today: Date,
) -> (ItemScore, Vec<Gap>, Option<DocumentedInformation>) {
    let id = clause.id.trim();
    let item = ItemRef {
        id,
        title: &clause.title,
        kind: ItemKind::Clause,
    };
    let mut criteria = Vec::new();
    let mut gaps = Vec::new();

    let full = CLAUSE_STATUS_POINTS;
    let (points, severity, problem, action) = match clause.status {
        ClauseState::Met => (full, None, String::new(), String::new()),
        ClauseState::PartiallyMet => (
            share(full, PARTIAL_PERCENT),
            Some(Severity::Medium),
            format!("{id} is only partially met"),
            format!("Close what remains of {id} and mark it met"),
        ),
        // Clause requirements cannot be excluded, so a plan alone is still a high gap.
        ClauseState::Planned => (
            share(full, PLANNED_PERCENT),
            Some(Severity::High),
            format!("{id} is planned but not met"),
            format!("Carry out the plan for {id} and mark it met"),
        ),
        ClauseState::NotStarted => (
            0,
            Some(Severity::High),
            format!("Work on {id} has not started"),
            format!("Start work on {id}: assign it and plan how it will be met"),
        ),
    };
    criteria.push(criterion(
        "status",
        "Status",
        points,
        full,
        format!("{}: {points} of {full} points", clause.status.label()),
    ));
    if let Some(severity) = severity {
        gaps.push(item.gap(severity, "status", problem, action, None));
    }

    if clause.responsible_present {
        criteria.push(criterion(
            "responsible",
            "Responsible role set",
            CLAUSE_RESPONSIBLE_POINTS,
            CLAUSE_RESPONSIBLE_POINTS,
            "A role is answerable for the requirement".to_owned(),
        ));
    } else {
        criteria.push(criterion(
            "responsible",
            "Responsible role set",
            0,
            CLAUSE_RESPONSIBLE_POINTS,
            "No role is answerable for the requirement (see 5.3)".to_owned(),
        ));
        gaps.push(item.gap(
            Severity::Medium,
            "responsible",
            format!("{id} has no responsible role"),
            format!("Assign a responsible role for {id}"),
            None,
        ));
    }

    let checks: Vec<EvidenceCheck> = clause
        .evidence
        .iter()
        .map(|e| check_evidence(e, today))
        .collect();
    let current: Vec<String> = checks
        .iter()
        .filter(|check| check.current)
        .map(|check| check.title.clone())
        .collect();
    let required = clause
        .documented_information
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty());
    if current.is_empty() {
        let explanation = match required {
            Some(doc) => format!(
                "{}; documented information is required: {doc}",
                no_current_evidence_text(checks.len())
            ),
            None => format!(
                "{}; none is required, but evidence would show the requirement is met",
                no_current_evidence_text(checks.len())
            ),
        };
        criteria.push(criterion(
            "evidence",
            "Current evidence",
            0,
            CLAUSE_EVIDENCE_POINTS,
            explanation,
        ));
        let gap = match required {
            Some(doc) => item.gap(
                Severity::High,
                "evidence",
                format!("Required documented information for {id} is missing: {doc}"),
                format!("Link current evidence of {doc} ({id})"),
                None,
            ),
            None => item.gap(
                Severity::Low,
                "evidence",
                format!("{id} has no current evidence"),
                format!("Link current evidence that {id} is met"),
                None,
            ),
        };
        gaps.push(gap);
    } else {
        criteria.push(criterion(
            "evidence",
            "Current evidence",
            CLAUSE_EVIDENCE_POINTS,
            CLAUSE_EVIDENCE_POINTS,
            format!("{} current evidence item(s)", current.len()),
        ));
    }
    stale_evidence_gaps(&item, &checks, &mut gaps);

    let documented = required.map(|doc| DocumentedInformation {
        requirement_id: id.to_owned(),
        title: clause.title.clone(),
        required: doc.to_owned(),
        present: !current.is_empty(),
        explanation: if current.is_empty() {
            no_current_evidence_text(checks.len())
        } else {
            format!("Present: {}", current.join(", "))
        },
        current_evidence: current,
    });

    let score = item_score(&criteria);
    let group = if clause.clause.trim().is_empty() {
        derive_clause(id)
    } else {
        clause.clause.trim().to_owned()
    };
    let result = ItemScore {
        id: id.to_owned(),
        title: clause.title.clone(),
        kind: ItemKind::Clause,
        group,
        score,
        score_rounded: round1(score),
        band: Band::for_score(score),
        excluded: false,
        criteria,
        evidence: checks,
        gaps: gaps.len(),
    };
    (result, gaps, documented)
}

// ---------------------------------------------------------------------------------------
// Aggregation

/// Orders requirement ids numerically part by part: `4.1` < `10.1` < `A.2.2` < `A.10.2`.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn part_score(items: &[&ItemScore], what: &str) -> PartScore {
    let scores: Vec<f64> = items.iter().map(|item| item.score).collect();
    let score = mean(&scores);
    PartScore {
        score,
        score_rounded: round1(score),
        band: Band::for_score(score),
        items: items.len(),
        excluded: items.iter().filter(|item| item.excluded).count(),
        note: items
            .is_empty()
            .then(|| format!("No {what} to assess, so this scores 0")),
    }
}

fn group_scores(
    kind: ItemKind,
    standard: &[(&str, &str)],
    input_titles: &BTreeMap<String, String>,
    items: &[&ItemScore],
    gaps: &[Gap],
) -> Vec<GroupScore> {
    let mut ids: Vec<String> = standard.iter().map(|(id, _)| (*id).to_owned()).collect();
    let mut extra: Vec<String> = items
        .iter()
        .map(|item| item.group.clone())
        .filter(|group| !ids.contains(group))
        .collect();
    extra.sort_by(|a, b| compare_ids(a, b));
    extra.dedup();
    ids.extend(extra);
    ids.into_iter()
        .map(|id| {
            let members: Vec<&ItemScore> = items
                .iter()
                .copied()
                .filter(|item| item.group == id)
                .collect();
            let scores: Vec<f64> = members.iter().map(|item| item.score).collect();
            let score = mean(&scores);
            let member_gaps: Vec<&Gap> = gaps
                .iter()
                .filter(|gap| members.iter().any(|m| m.id == gap.requirement_id))
                .collect();
            let title = input_titles
                .get(&id)
                .cloned()
                .filter(|title| !title.trim().is_empty())
                .or_else(|| {
                    standard
                        .iter()
                        .find(|(code, _)| *code == id)
                        .map(|(_, title)| (*title).to_owned())
                })
                .unwrap_or_default();
            GroupScore {
                note: members
                    .is_empty()
                    .then(|| "No requirements recorded in this group, so it scores 0".to_owned()),
                title,
                kind,
                score,
                score_rounded: round1(score),
                band: Band::for_score(score),
                items: members.len(),
                excluded: members.iter().filter(|item| item.excluded).count(),
                high_gaps: member_gaps
                    .iter()
                    .filter(|gap| gap.severity == Severity::High)
                    .count(),
                gaps: member_gaps.len(),
                id,
            }
        })
        .collect()
}

fn business_case(
    applied: &[AppliedControlInput],
    gaps: &[Gap],
) -> (BusinessCase, BTreeMap<Severity, (usize, i64, i64)>) {
    // The most severe gap per requirement id (High sorts first).
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for gap in gaps {
        worst
            .entry(gap.requirement_id.as_str())
            .and_modify(|s| *s = (*s).min(gap.severity))
            .or_insert(gap.severity);
    }
    let mut items: Vec<BusinessCaseItem> = applied
        .iter()
        .filter(|c| matches!(c.status, ControlStatus::Planned | ControlStatus::InProgress))
        .filter_map(|c| {
            let mut linked: Vec<String> = c
                .requirements
                .iter()
                .map(|r| r.trim())
                .filter(|r| worst.contains_key(r))
                .map(str::to_owned)
                .collect();
            linked.sort_by(|a, b| compare_ids(a, b));
            linked.dedup();
            let severity = linked
                .iter()
                .filter_map(|r| worst.get(r.as_str()).copied())
                .min()?;
            Some(BusinessCaseItem {
                id: c.id.clone(),
                name: c.name.clone(),
                status: c.status,
                cost_estimate: c.cost_estimate.max(0),
                effort_days: c.effort_days.max(0),
                requirements_with_gaps: linked,
                severity,
            })
        })
        .collect();
    items.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut per_severity: BTreeMap<Severity, (usize, i64, i64)> = BTreeMap::new();
    let (mut total_cost, mut total_effort) = (0i64, 0i64);
    for item in &items {
        total_cost = total_cost.saturating_add(item.cost_estimate);
        total_effort = total_effort.saturating_add(item.effort_days);
        let entry = per_severity.entry(item.severity).or_default();
        entry.0 += 1;
        entry.1 = entry.1.saturating_add(item.cost_estimate);
        entry.2 = entry.2.saturating_add(item.effort_days);
    }
    (
        BusinessCase {
            items,
            total_cost,
            total_effort_days: total_effort,
        },
        per_severity,
    )
}

/// Computes the readiness of the organisation on `input.today` (see the module rules).
pub fn assess(input: &ReadinessInput) -> Readiness {
    let today = input.today;
    let mut gaps = Vec::new();
    let mut documented_information = Vec::new();

    let mut clause_items = Vec::new();
    let mut clause_titles = BTreeMap::new();
    for clause in &input.clauses {
        let (item, item_gaps, documented) = assess_clause(clause, today);
        if !clause.clause_title.trim().is_empty() {
            clause_titles
                .entry(item.group.clone())
                .or_insert_with(|| clause.clause_title.trim().to_owned());
        }
        clause_items.push(item);
        gaps.extend(item_gaps);
        documented_information.extend(documented);
    }
    let mut control_items = Vec::new();
    let mut area_titles = BTreeMap::new();
    for control in &input.controls {
        let (item, item_gaps) = assess_control(control, today);
        if !control.area_title.trim().is_empty() {
            area_titles
                .entry(item.group.clone())
                .or_insert_with(|| control.area_title.trim().to_owned());
        }
        control_items.push(item);
        gaps.extend(item_gaps);
    }
    clause_items.sort_by(|a, b| compare_ids(&a.id, &b.id));
    control_items.sort_by(|a, b| compare_ids(&a.id, &b.id));
    documented_information.sort_by(|a, b| compare_ids(&a.requirement_id, &b.requirement_id));
    // Stable: gaps of one requirement keep the order of its criteria.
    gaps.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| compare_ids(&a.requirement_id, &b.requirement_id))
    });

    let clause_refs: Vec<&ItemScore> = clause_items.iter().collect();
    let control_refs: Vec<&ItemScore> = control_items.iter().collect();
    let clauses = part_score(&clause_refs, "clause requirements");
    let annex_a = part_score(&control_refs, "Annex A controls");
    let clause_groups = group_scores(
        ItemKind::Clause,
        CLAUSE_GROUPS,
        &clause_titles,
        &clause_refs,
        &gaps,
    );
    let annex_a_groups = group_scores(
        ItemKind::AnnexAControl,
        ANNEX_A_AREAS,
        &area_titles,
        &control_refs,
        &gaps,
    );

    let score = (clauses.score + annex_a.score) / 2.0;
    let explanation = format!(
        "Overall {:.1} = (clauses {:.1} over {} requirement(s) + Annex A {:.1} over {} control(s)) / 2",
        score, clauses.score, clauses.items, annex_a.score, annex_a.items
    );

    let (business_case, per_severity) = business_case(&input.applied_controls, &gaps);
    let totals_by_severity = Severity::ALL
        .iter()
        .map(|&severity| {
            let (controls, cost, effort) = per_severity.get(&severity).copied().unwrap_or_default();
            SeverityTotals {
                severity,
                gaps: gaps.iter().filter(|gap| gap.severity == severity).count(),
                applied_controls: controls,
                cost,
                effort_days: effort,
            }
        })
        .collect();

    let mut items = clause_items;
    items.extend(control_items);
    Readiness {
        as_of: format_date(today),
        score,
        score_rounded: round1(score),
        band: Band::for_score(score),
        explanation,
        clauses,
        annex_a,
        clause_groups,
        annex_a_groups,
        items,
        gaps,
        totals_by_severity,
        documented_information,
        business_case,
    }
}

// ---------------------------------------------------------------------------------------
// Heat map

/// Escapes text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

const CELL_WIDTH: usize = 84;
const CELL_HEIGHT: usize = 52;
const CELL_GAP: usize = 6;
const LABEL_WIDTH: usize = 90;
const ROW_TOP: usize = 36;
const EMPTY_FILL: &str = "#dadce0";
const TEXT_FILL: &str = "#202124";

/// A self-contained, accessible SVG heat map: one row of cells for clauses 4 to 10, one
/// for the Annex A areas, coloured by score band (grey when a group is empty). Fills are
/// attributes and there is no script, style element or external reference, so it can be
/// inlined under a strict Content Security Policy.
pub fn heatmap_svg(readiness: &Readiness) -> String {
    let rows: [(&str, &[GroupScore]); 2] = [
        ("Clauses", &readiness.clause_groups),
        ("Annex A", &readiness.annex_a_groups),
    ];
    let columns = rows.iter().map(|(_, g)| g.len()).max().unwrap_or(0).max(1);
    let width = LABEL_WIDTH + columns * (CELL_WIDTH + CELL_GAP);
    let height = ROW_TOP + rows.len() * (CELL_HEIGHT + CELL_GAP) + CELL_GAP;

    let mut desc = format!(
        "Overall readiness {:.1} of 100. Clauses {:.1}, Annex A {:.1}.",
        readiness.score, readiness.clauses.score, readiness.annex_a.score
    );
    for (_, groups) in &rows {
        for group in groups.iter() {
            desc.push_str(&format!(
                " {} {}: {};",
                group.id,
                group.title,
                cell_value(group)
            ));
        }
    }

    let mut svg = String::new();
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" aria-labelledby=\"aims-heatmap-title aims-heatmap-desc\" \
         font-family=\"sans-serif\">"
    ));
    svg.push_str(&format!(
        "<title id=\"aims-heatmap-title\">ISO/IEC 42001 readiness heat map, as of {}</title>",
        xml_escape(&readiness.as_of)
    ));
    svg.push_str(&format!(
        "<desc id=\"aims-heatmap-desc\">{}</desc>",
        xml_escape(desc.trim_end_matches(';'))
    ));
    svg.push_str(&format!(
        "<text x=\"4\" y=\"22\" font-size=\"15\" fill=\"{TEXT_FILL}\">Overall {:.1}</text>",
        readiness.score
    ));
    for (row, (label, groups)) in rows.iter().enumerate() {
        let y = ROW_TOP + row * (CELL_HEIGHT + CELL_GAP);
        svg.push_str(&format!(
            "<text x=\"4\" y=\"{}\" font-size=\"13\" fill=\"{TEXT_FILL}\">{}</text>",
            y + CELL_HEIGHT / 2 + 5,
            xml_escape(label)
        ));
        for (column, group) in groups.iter().enumerate() {
            let x = LABEL_WIDTH + column * (CELL_WIDTH + CELL_GAP);
            svg.push_str(&heatmap_cell(group, x, y));
        }
    }
    svg.push_str("</svg>");
    svg
}

fn cell_value(group: &GroupScore) -> String {
    if group.items == 0 {
        "no requirements recorded (0)".to_owned()
    } else {
        format!("{:.1} ({})", group.score, group.band.label())
    }
}

fn heatmap_cell(group: &GroupScore, x: usize, y: usize) -> String {
    let fill = if group.items == 0 {
        EMPTY_FILL
    } else {
        group.band.fill()
    };
    let tooltip = format!(
        "{} {}: {}, {} item(s), {} gap(s) of which {} high",
        group.id,
        group.title,
        cell_value(group),
        group.items,
        group.gaps,
        group.high_gaps
    );
    let centre = x + CELL_WIDTH / 2;
    format!(
        "<g class=\"cell\" data-group=\"{id}\"><title>{tooltip}</title>\
         <rect x=\"{x}\" y=\"{y}\" width=\"{CELL_WIDTH}\" height=\"{CELL_HEIGHT}\" rx=\"4\" fill=\"{fill}\" stroke=\"#5f6368\"/>\
         <text x=\"{centre}\" y=\"{y1}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"{TEXT_FILL}\">{id}</text>\
         <text x=\"{centre}\" y=\"{y2}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{TEXT_FILL}\">{score}</text></g>",
        id = xml_escape(&group.id),
        tooltip = xml_escape(&tooltip),
        y1 = y + 21,
        y2 = y + 41,
        score = if group.items == 0 {
            "n/a".to_owned()
        } else {
            format!("{:.1}", group.score)
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    fn good_evidence(title: &str) -> EvidenceState {
        EvidenceState {
            title: title.into(),
            effective_from: Some(date!(2026 - 01 - 01)),
            expires_on: Some(date!(2027 - 12 - 31)),
            reviewed_on: Some(date!(2026 - 11 - 01)),
            review_cycle_days: Some(365),
        }
    }

    fn done_control(id: &str, area: &str) -> ControlInput {
        ControlInput {
            id: id.into(),
            title: format!("Control {id}"),
            area: area.into(),
            area_title: String::new(),
            applicability: Applicability::Applicable,
            justification_present: true,
            implementation_status: ImplementationStatus::Implemented,
            owner_present: true,
            applied_controls: vec!["Procedure".into()],
            evidence: vec![good_evidence("Record")],
        }
    }

    fn blank_control(id: &str, area: &str) -> ControlInput {
        ControlInput {
            applicability: Applicability::Undecided,
            justification_present: false,
            implementation_status: ImplementationStatus::NotStarted,
            owner_present: false,
            applied_controls: vec![],
            evidence: vec![],
            ..done_control(id, area)
        }
    }

    fn done_clause(id: &str, doc: Option<&str>) -> ClauseInput {
        ClauseInput {
            id: id.into(),
            clause: derive_clause(id),
            clause_title: String::new(),
            title: format!("Clause {id}"),
            status: ClauseState::Met,
            responsible_present: true,
            documented_information: doc.map(str::to_owned),
            evidence: vec![good_evidence("Doc")],
        }
    }

    fn blank_clause(id: &str, doc: Option<&str>) -> ClauseInput {
        ClauseInput {
            status: ClauseState::NotStarted,
            responsible_present: false,
            evidence: vec![],
            ..done_clause(id, doc)
        }
    }

    fn input(controls: Vec<ControlInput>, clauses: Vec<ClauseInput>) -> ReadinessInput {
        ReadinessInput {
            today: TODAY,
            controls,
            clauses,
            applied_controls: vec![],
        }
    }

    fn item<'a>(r: &'a Readiness, id: &str) -> &'a ItemScore {
        r.items.iter().find(|i| i.id == id).unwrap()
    }

    fn gaps_of<'a>(r: &'a Readiness, id: &str) -> Vec<&'a Gap> {
        r.gaps.iter().filter(|g| g.requirement_id == id).collect()
    }

    fn all_ids() -> (Vec<ControlInput>, Vec<ClauseInput>) {
        let controls = [
            ("A.2.2", "A.2"),
            ("A.3.2", "A.3"),
            ("A.4.2", "A.4"),
            ("A.5.2", "A.5"),
            ("A.6.1.2", "A.6.1"),
            ("A.6.2.4", "A.6.2"),
            ("A.7.4", "A.7"),
            ("A.8.2", "A.8"),
            ("A.9.2", "A.9"),
            ("A.10.3", "A.10"),
        ]
        .iter()
        .map(|(id, area)| done_control(id, area))
        .collect();
        let clauses = [
            ("4.3", Some("scope")),
            ("5.2", Some("the AI policy")),
            ("6.1.3", Some("the risk treatment plan")),
            ("7.1", None),
            ("8.1", Some("records that processes ran as planned")),
            ("9.2.2", Some("the audit programme")),
            ("10.1", None),
        ]
        .iter()
        .map(|(id, doc)| done_clause(id, *doc))
        .collect();
        (controls, clauses)
    }

    #[test]
    fn weights_sum_to_100() {
        assert_eq!(
            CONTROL_JUSTIFICATION_POINTS
                + CONTROL_IMPLEMENTATION_POINTS
                + CONTROL_OWNER_POINTS
                + CONTROL_APPLIED_CONTROL_POINTS
                + CONTROL_EVIDENCE_POINTS,
            100
        );
        assert_eq!(
            EXCLUSION_DECISION_POINTS + EXCLUSION_JUSTIFICATION_POINTS,
            100
        );
        assert_eq!(UNDECIDED_POINTS, 100);
        assert_eq!(
            CLAUSE_STATUS_POINTS + CLAUSE_RESPONSIBLE_POINTS + CLAUSE_EVIDENCE_POINTS,
            100
        );
    }

    #[test]
    fn evidence_currency_rules() {
        let e = good_evidence("x");
        assert!(evidence_is_current(&e, TODAY));
        // No dates at all but reviewed: current.
        let bare = EvidenceState {
            effective_from: None,
            expires_on: None,
            review_cycle_days: None,
            ..e.clone()
        };
        assert!(evidence_is_current(&bare, TODAY));
        // Expiry is exclusive: expiring today means no longer current.
        let expiring = EvidenceState {
            expires_on: Some(TODAY),
            ..e.clone()
        };
        assert_eq!(evidence_status(&expiring, TODAY), EvidenceStatus::Expired);
        // In force from today is current; from tomorrow is not.
        let from_today = EvidenceState {
            effective_from: Some(TODAY),
            ..e.clone()
        };
        assert!(evidence_is_current(&from_today, TODAY));
        let from_tomorrow = EvidenceState {
            effective_from: Some(date!(2026 - 12 - 05)),
            ..e.clone()
        };
        assert_eq!(
            evidence_status(&from_tomorrow, TODAY),
            EvidenceStatus::NotYetEffective
        );
        let unreviewed = EvidenceState {
            reviewed_on: None,
            ..e.clone()
        };
        assert_eq!(
            evidence_status(&unreviewed, TODAY),
            EvidenceStatus::NotReviewed
        );
        // Reviewed 2026-11-04 with a 30-day cycle: due 2026-12-04, which is today: current.
        let due_today = EvidenceState {
            reviewed_on: Some(date!(2026 - 11 - 04)),
            review_cycle_days: Some(30),
            ..e.clone()
        };
        assert!(evidence_is_current(&due_today, TODAY));
        // Reviewed 2026-11-03 with a 30-day cycle: due 2026-12-03, yesterday: overdue.
        let overdue = EvidenceState {
            reviewed_on: Some(date!(2026 - 11 - 03)),
            ..due_today.clone()
        };
        assert_eq!(
            evidence_status(&overdue, TODAY),
            EvidenceStatus::ReviewOverdue
        );
        assert_eq!(
            check_evidence(&overdue, TODAY).review_due.as_deref(),
            Some("2026-12-03")
        );
        // Absurd cycles neither panic nor overflow.
        let huge = EvidenceState {
            review_cycle_days: Some(i64::MAX),
            ..e.clone()
        };
        assert!(evidence_is_current(&huge, TODAY));
        assert_eq!(check_evidence(&huge, TODAY).review_due, None);
    }

    #[test]
    fn expired_evidence_is_not_current_and_is_a_gap() {
        let mut control = done_control("A.6.2.4", "A.6.2");
        control.evidence = vec![EvidenceState {
            expires_on: Some(date!(2026 - 06 - 30)),
            ..good_evidence("V&V report 2025")
        }];
        let r = assess(&input(vec![control], vec![]));
        let it = item(&r, "A.6.2.4");
        assert!(!it.evidence[0].current);
        assert_eq!(it.evidence[0].status, EvidenceStatus::Expired);
        // 100 - 30 evidence points.
        assert_eq!(it.score, 70.0);
        let gaps = gaps_of(&r, "A.6.2.4");
        // Implemented without current evidence: medium; the expired item: medium (no
        // other current evidence).
        assert_eq!(gaps.len(), 2);
        assert!(gaps.iter().all(|g| g.severity == Severity::Medium));
        let stale = gaps
            .iter()
            .find(|g| g.criterion == "evidence_item")
            .unwrap();
        assert_eq!(stale.evidence_title.as_deref(), Some("V&V report 2025"));
        assert!(
            stale
                .next_action
                .contains("Review the expired evidence 'V&V report 2025'")
        );
    }

    #[test]
    fn stale_evidence_next_to_current_evidence_is_a_low_gap() {
        let mut control = done_control("A.7.4", "A.7");
        control.evidence.push(EvidenceState {
            reviewed_on: Some(date!(2025 - 01 - 01)),
            review_cycle_days: Some(180),
            ..good_evidence("Old quality report")
        });
        let r = assess(&input(vec![control], vec![]));
        assert_eq!(item(&r, "A.7.4").score, 100.0);
        let gaps = gaps_of(&r, "A.7.4");
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].severity, Severity::Low);
        assert!(gaps[0].problem.contains("overdue for review"));
        assert!(gaps[0].next_action.contains("'Old quality report'"));
    }

    #[test]
    fn review_overdue_on_mandatory_documented_information() {
        let mut clause = done_clause("6.1.3", Some("the risk treatment plan"));
        clause.evidence = vec![EvidenceState {
            reviewed_on: Some(date!(2025 - 06 - 01)),
            review_cycle_days: Some(90),
            ..good_evidence("Treatment plan v1")
        }];
        let r = assess(&input(vec![], vec![clause]));
        // Status 50 + responsible 15 + evidence 0 = 65.
        assert_eq!(item(&r, "6.1.3").score, 65.0);
        let gaps = gaps_of(&r, "6.1.3");
        assert_eq!(gaps[0].severity, Severity::High);
        assert_eq!(
            gaps[0].next_action,
            "Link current evidence of the risk treatment plan (6.1.3)"
        );
        assert_eq!(gaps[1].severity, Severity::Medium);
        assert_eq!(gaps[1].evidence_title.as_deref(), Some("Treatment plan v1"));
        let doc = &r.documented_information[0];
        assert!(!doc.present);
        assert_eq!(doc.required, "the risk treatment plan");
    }

    #[test]
    fn hand_computed_control_scores() {
        // Partially implemented (20) + justification (10) + owner missing (0) + applied
        // control (10) + no evidence (0) = 40.
        let partial = ControlInput {
            implementation_status: ImplementationStatus::PartiallyImplemented,
            owner_present: false,
            evidence: vec![],
            ..done_control("A.5.2", "A.5")
        };
        // Planned (4) + justification (10) + owner (10) + no applied control (0) +
        // evidence (30) = 54.
        let planned = ControlInput {
            implementation_status: ImplementationStatus::Planned,
            applied_controls: vec![],
            ..done_control("A.5.3", "A.5")
        };
        // Excluded with justification: 50 + 50 = 100.
        let excluded = ControlInput {
            applicability: Applicability::NotApplicable,
            implementation_status: ImplementationStatus::NotApplicable,
            ..done_control("A.5.5", "A.5")
        };
        let r = assess(&input(vec![partial, planned, excluded], vec![]));
        assert_eq!(item(&r, "A.5.2").score, 40.0);
        assert_eq!(item(&r, "A.5.3").score, 54.0);
        assert_eq!(item(&r, "A.5.5").score, 100.0);
        assert!(item(&r, "A.5.5").excluded);
        let criteria = &item(&r, "A.5.2").criteria;
        let implementation = criteria.iter().find(|c| c.key == "implementation").unwrap();
        assert_eq!((implementation.points, implementation.possible), (20, 40));
        assert!(!implementation.met);
        // Area A.5 = (40 + 54 + 100) / 3 = 64.666..., rounded 64.7; amber.
        let area = r.annex_a_groups.iter().find(|g| g.id == "A.5").unwrap();
        assert!((area.score - 194.0 / 3.0).abs() < 1e-9);
        assert_eq!(area.score_rounded, 64.7);
        assert_eq!(area.band, Band::Amber);
        assert_eq!((area.items, area.excluded), (3, 1));
        // No clauses: clauses half 0, so overall = (0 + 64.666...) / 2 = 32.333...
        assert_eq!(r.clauses.score, 0.0);
        assert!(r.clauses.note.is_some());
        assert!((r.score - 194.0 / 6.0).abs() < 1e-9);
        assert_eq!(r.score_rounded, 32.3);
        // Gaps on A.5.2: implementation medium, owner medium, evidence medium (partially
        // implemented is a claim); on A.5.3: implementation medium, applied control low.
        let severities: Vec<Severity> = gaps_of(&r, "A.5.2").iter().map(|g| g.severity).collect();
        assert_eq!(severities, vec![Severity::Medium; 3]);
        let severities: Vec<Severity> = gaps_of(&r, "A.5.3").iter().map(|g| g.severity).collect();
        assert_eq!(severities, vec![Severity::Medium, Severity::Low]);
    }

    #[test]
    fn hand_computed_clause_scores_and_group_means() {
        // 4.1 partially met (25) + responsible (15) + evidence (35) = 75.
        let a = ClauseInput {
            status: ClauseState::PartiallyMet,
            ..done_clause("4.1", None)
        };
        // 4.2 planned (5) + no responsible (0) + no evidence, none required (0) = 5.
        let b = ClauseInput {
            status: ClauseState::Planned,
            responsible_present: false,
            evidence: vec![],
            ..done_clause("4.2", None)
        };
        // 5.2 met (50) + responsible (15) + evidence (35) = 100.
        let c = done_clause("5.2", Some("the AI policy"));
        let r = assess(&input(vec![], vec![a, b, c]));
        assert_eq!(item(&r, "4.1").score, 75.0);
        assert_eq!(item(&r, "4.2").score, 5.0);
        assert_eq!(item(&r, "5.2").score, 100.0);
        // Clause 4 = (75 + 5) / 2 = 40 (amber); clause 5 = 100 (green); clause 6 empty.
        let group = |id: &str| r.clause_groups.iter().find(|g| g.id == id).unwrap();
        assert_eq!(group("4").score, 40.0);
        assert_eq!(group("4").band, Band::Amber);
        assert_eq!(group("5").score, 100.0);
        assert_eq!(group("6").score, 0.0);
        assert!(group("6").note.is_some());
        assert_eq!(group("4").title, "Context of the organization");
        // Clauses half is the mean of items, not of groups: (75 + 5 + 100) / 3 = 60.
        assert_eq!(r.clauses.score, 60.0);
        // 4.2 without evidence where none is required: a low gap; planned: high.
        let gaps: Vec<(Severity, &str)> = gaps_of(&r, "4.2")
            .iter()
            .map(|g| (g.severity, g.criterion.as_str()))
            .collect();
        assert_eq!(
            gaps,
            vec![
                (Severity::High, "status"),
                (Severity::Medium, "responsible"),
                (Severity::Low, "evidence")
            ]
        );
        assert_eq!(r.documented_information.len(), 1);
        assert!(r.documented_information[0].present);
    }

    #[test]
    fn a_completely_done_organisation_scores_100_with_no_gaps() {
        let (controls, clauses) = all_ids();
        let r = assess(&input(controls, clauses));
        assert_eq!(r.score, 100.0);
        assert_eq!(r.clauses.score, 100.0);
        assert_eq!(r.annex_a.score, 100.0);
        assert!(r.gaps.is_empty(), "{:?}", r.gaps);
        assert!(r.clause_groups.iter().all(|g| g.score == 100.0));
        assert!(r.annex_a_groups.iter().all(|g| g.score == 100.0));
        assert_eq!(r.band, Band::Green);
        assert!(r.documented_information.iter().all(|d| d.present));
        assert_eq!(r.documented_information.len(), 5);
        assert!(r.totals_by_severity.iter().all(|t| t.gaps == 0));
    }

    #[test]
    fn a_blank_organisation_scores_0_with_a_high_gap_everywhere() {
        let (controls, clauses) = all_ids();
        let controls: Vec<ControlInput> = controls
            .iter()
            .map(|c| blank_control(&c.id, &c.area))
            .collect();
        let clauses: Vec<ClauseInput> = clauses
            .iter()
            .map(|c| blank_clause(&c.id, c.documented_information.as_deref()))
            .collect();
        let r = assess(&input(controls.clone(), clauses.clone()));
        assert_eq!(r.score, 0.0);
        assert_eq!(r.band, Band::Red);
        for id in controls
            .iter()
            .map(|c| &c.id)
            .chain(clauses.iter().map(|c| &c.id))
        {
            assert_eq!(item(&r, id).score, 0.0);
            assert!(
                gaps_of(&r, id).iter().any(|g| g.severity == Severity::High),
                "{id}"
            );
        }
        let decide = gaps_of(&r, "A.6.2.4");
        assert_eq!(decide.len(), 1);
        assert_eq!(
            decide[0].next_action,
            "Decide whether A.6.2.4 applies and record the justification"
        );
        assert!(r.documented_information.iter().all(|d| !d.present));
        // Sorted by severity, then id in numeric order.
        let order: Vec<(Severity, &str)> = r
            .gaps
            .iter()
            .map(|g| (g.severity, g.requirement_id.as_str()))
            .collect();
        let mut sorted = order.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| compare_ids(a.1, b.1)));
        assert_eq!(order, sorted);
        assert_eq!(r.gaps[0].requirement_id, "4.3");
        let high_ids: Vec<&str> = r
            .gaps
            .iter()
            .filter(|g| g.severity == Severity::High && g.kind == ItemKind::AnnexAControl)
            .map(|g| g.requirement_id.as_str())
            .collect();
        assert_eq!(high_ids.first(), Some(&"A.2.2"));
        assert_eq!(high_ids.last(), Some(&"A.10.3"));
    }

    #[test]
    fn excluded_without_justification_is_a_high_gap() {
        let control = ControlInput {
            applicability: Applicability::NotApplicable,
            implementation_status: ImplementationStatus::NotApplicable,
            justification_present: false,
            ..done_control("A.10.4", "A.10")
        };
        let r = assess(&input(vec![control], vec![]));
        let it = item(&r, "A.10.4");
        // Decision 50 + justification 0 = 50; not marked excluded; evidence not judged.
        assert_eq!(it.score, 50.0);
        assert!(!it.excluded);
        assert!(it.evidence.is_empty());
        let gaps = gaps_of(&r, "A.10.4");
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].severity, Severity::High);
        assert_eq!(gaps[0].criterion, "justification");
    }

    #[test]
    fn included_control_with_inconsistent_status_and_not_started() {
        let inconsistent = ControlInput {
            implementation_status: ImplementationStatus::NotApplicable,
            ..done_control("A.9.2", "A.9")
        };
        let not_started = ControlInput {
            implementation_status: ImplementationStatus::NotStarted,
            evidence: vec![],
            ..done_control("A.9.3", "A.9")
        };
        let r = assess(&input(vec![inconsistent, not_started], vec![]));
        // 100 - 40 implementation = 60.
        assert_eq!(item(&r, "A.9.2").score, 60.0);
        // 10 + 0 + 10 + 10 + 0 = 30.
        assert_eq!(item(&r, "A.9.3").score, 30.0);
        let gaps = gaps_of(&r, "A.9.3");
        assert_eq!(gaps[0].severity, Severity::High);
        // Evidence missing before implementation is low: the high gap says what to do.
        assert_eq!(gaps[1].severity, Severity::Low);
        assert_eq!(gaps_of(&r, "A.9.2")[0].severity, Severity::Medium);
    }

    #[test]
    fn business_case_totals() {
        let control = ControlInput {
            implementation_status: ImplementationStatus::Planned,
            ..done_control("A.6.2.4", "A.6.2")
        };
        let clause = ClauseInput {
            status: ClauseState::PartiallyMet,
            ..done_clause("9.2.2", Some("the audit programme"))
        };
        let done = done_control("A.7.4", "A.7");
        let applied = |id: &str, status, cost, effort, reqs: &[&str]| AppliedControlInput {
            id: id.into(),
            name: format!("Control {id}"),
            status,
            cost_estimate: cost,
            effort_days: effort,
            requirements: reqs.iter().map(|r| (*r).to_owned()).collect(),
        };
        let mut data = input(vec![control, done], vec![clause]);
        data.applied_controls = vec![
            // Linked to A.6.2.4 (medium gap): counted.
            applied("1", ControlStatus::Planned, 5000, 10, &["A.6.2.4", "A.7.4"]),
            // Linked to 9.2.2 (medium) : counted.
            applied("2", ControlStatus::InProgress, 2000, 4, &["9.2.2"]),
            // Implemented already: not counted.
            applied("3", ControlStatus::Implemented, 9999, 99, &["A.6.2.4"]),
            // Linked only to a requirement without gaps: not counted.
            applied("4", ControlStatus::Planned, 700, 7, &["A.7.4"]),
            // Negative estimate counts as 0.
            applied("5", ControlStatus::Planned, -50, 1, &["9.2.2"]),
        ];
        let r = assess(&data);
        let ids: Vec<&str> = r
            .business_case
            .items
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(ids, vec!["1", "2", "5"]);
        assert_eq!(
            r.business_case.items[0].requirements_with_gaps,
            vec!["A.6.2.4"]
        );
        // 5000 + 2000 + 0 and 10 + 4 + 1.
        assert_eq!(r.business_case.total_cost, 7000);
        assert_eq!(r.business_case.total_effort_days, 15);
        let medium = r
            .totals_by_severity
            .iter()
            .find(|t| t.severity == Severity::Medium)
            .unwrap();
        assert_eq!(
            (medium.applied_controls, medium.cost, medium.effort_days),
            (3, 7000, 15)
        );
        let high = &r.totals_by_severity[0];
        assert_eq!(high.severity, Severity::High);
        assert_eq!((high.gaps, high.applied_controls, high.cost), (0, 0, 0));
        // Per-severity gap counts add up to all gaps.
        let counted: usize = r.totals_by_severity.iter().map(|t| t.gaps).sum();
        assert_eq!(counted, r.gaps.len());
    }

    #[test]
    fn empty_input_gives_zeros_not_nan() {
        let r = assess(&input(vec![], vec![]));
        assert_eq!(r.score, 0.0);
        assert!(!r.score.is_nan());
        assert!(r.clauses.note.is_some() && r.annex_a.note.is_some());
        assert_eq!(r.clause_groups.len(), 7);
        assert_eq!(r.annex_a_groups.len(), 10);
        for group in r.clause_groups.iter().chain(&r.annex_a_groups) {
            assert_eq!(group.score, 0.0);
            assert!(group.note.is_some());
        }
        assert!(r.gaps.is_empty());
        assert_eq!(r.business_case.total_cost, 0);
        // And it serialises (no NaN reaches JSON).
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"score\":0.0"));
    }

    #[test]
    fn groups_are_derived_when_missing_and_unknown_groups_are_appended() {
        let mut control = done_control("A.6.1.3", "");
        control.area_title = "Own title".into();
        let odd = done_control("A.11.2", "");
        let mut clause = done_clause("7.5.2", None);
        clause.clause = String::new();
        let r = assess(&input(vec![control, odd], vec![clause]));
        assert_eq!(item(&r, "A.6.1.3").group, "A.6.1");
        assert_eq!(item(&r, "A.11.2").group, "A.11");
        assert_eq!(item(&r, "7.5.2").group, "7");
        assert_eq!(r.annex_a_groups.len(), 11);
        assert_eq!(r.annex_a_groups[10].id, "A.11");
        let a61 = r.annex_a_groups.iter().find(|g| g.id == "A.6.1").unwrap();
        assert_eq!(a61.title, "Own title");
        assert_eq!(derive_area("A.7.3"), "A.7");
        assert_eq!(derive_area("A.6.2.8"), "A.6.2");
    }

    #[test]
    fn ids_sort_numerically() {
        let mut ids = vec![
            "A.10.2", "10.2", "A.2.2", "4.1", "9.3.1", "A.6.2.10", "A.6.2.4",
        ];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(
            ids,
            vec![
                "4.1", "9.3.1", "10.2", "A.2.2", "A.6.2.4", "A.6.2.10", "A.10.2"
            ]
        );
    }

    #[test]
    fn input_round_trips_through_json_with_text_dates() {
        let mut data = input(vec![done_control("A.2.2", "A.2")], vec![]);
        data.controls[0].evidence[0].effective_from = None;
        let json = serde_json::to_string(&data).unwrap();
        assert!(json.contains("\"today\":\"2026-12-04\""));
        assert!(json.contains("\"reviewed_on\":\"2026-11-01\""));
        assert!(json.contains("\"effective_from\":null"));
        let back: ReadinessInput = serde_json::from_str(&json).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn xml_escape_escapes_all_five() {
        assert_eq!(xml_escape("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;");
        assert_eq!(xml_escape("plain A.6.2"), "plain A.6.2");
    }

    #[test]
    fn heatmap_has_one_cell_per_group_and_escapes_text() {
        let (mut controls, clauses) = all_ids();
        controls[0].area_title = "Policies <&> \"AI\" 'x'".into();
        controls[1] = blank_control("A.3.2", "A.3");
        let r = assess(&input(controls, clauses));
        let svg = heatmap_svg(&r);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<title id=\"aims-heatmap-title\">"));
        assert!(svg.contains("<desc id=\"aims-heatmap-desc\">"));
        assert_eq!(svg.matches("<g class=\"cell\"").count(), 17);
        assert_eq!(svg.matches("<rect").count(), 17);
        // Every cell has a tooltip title; plus the document title.
        assert_eq!(svg.matches("<title>").count(), 17);
        for group in r.clause_groups.iter().chain(&r.annex_a_groups) {
            assert!(svg.contains(&format!("data-group=\"{}\"", group.id)));
        }
        assert!(svg.contains("Policies &lt;&amp;&gt; &quot;AI&quot; &apos;x&apos;"));
        assert!(!svg.contains("<&>"));
        // A.3 scores 0: red; others 100: green.
        assert!(svg.contains(Band::Red.fill()));
        assert!(svg.contains(Band::Green.fill()));
        // Nothing that a strict CSP would block or that reaches outside.
        for banned in ["<script", "<style", "style=", "href", "url(", " on"] {
            assert!(!svg.contains(banned), "{banned}");
        }
    }

    #[test]
    fn heatmap_marks_empty_groups() {
        let svg = heatmap_svg(&assess(&input(vec![], vec![])));
        assert_eq!(svg.matches("<g class=\"cell\"").count(), 17);
        assert_eq!(svg.matches(EMPTY_FILL).count(), 17);
        assert!(svg.contains("n/a"));
    }

    #[test]
    fn bands() {
        assert_eq!(Band::for_score(39.99), Band::Red);
        assert_eq!(Band::for_score(40.0), Band::Amber);
        assert_eq!(Band::for_score(69.9), Band::Amber);
        assert_eq!(Band::for_score(70.0), Band::YellowGreen);
        assert_eq!(Band::for_score(89.99), Band::YellowGreen);
        assert_eq!(Band::for_score(90.0), Band::Green);
    }
}
