//! Certification readiness: gathers the SoA, clause records, applied controls and evidence
//! into the input of `aims_core::readiness::assess`, and keeps a daily figure for the trend.

use std::collections::HashMap;

use aims_core::readiness::{
    AppliedControlInput, ClauseInput, ControlInput, EvidenceState, Readiness, ReadinessInput,
    assess,
};
use aims_core::timefmt::format_date;
use aims_store::{ISO42001, ReadinessPoint};

use crate::conformance;
use crate::error::ApiResult;
use crate::state::AppState;

/// How long a passed check run counts as current evidence.
pub const CHECK_RUN_CYCLE_DAYS: i64 = 90;

/// Computes readiness now and keeps today's figure for the trend (the readiness page,
/// report and API, where someone is looking at readiness).
pub async fn compute(state: &AppState) -> ApiResult<Readiness> {
    let readiness = current(state).await?;
    state
        .store()
        .record_readiness(&ReadinessPoint {
            day: format_date(state.clock().now().date()),
            overall: readiness.score,
            clauses: readiness.clauses.score,
            annex_a: readiness.annex_a.score,
        })
        .await?;
    Ok(readiness)
}

/// Computes readiness now without recording anything (the dashboard).
pub async fn current(state: &AppState) -> ApiResult<Readiness> {
    let catalog = state.catalog();
    let today = state.clock().now().date();
    let controls = state.store().list_controls().await?;
    let evidence = conformance::evidence_by_requirement_with(state, &controls).await?;
    let mut by_requirement: HashMap<String, Vec<EvidenceState>> = evidence
        .iter()
        .map(|(id, items)| {
            (
                id.clone(),
                items.iter().map(crate::evidence::state_of).collect(),
            )
        })
        .collect();
    // A passed analytics check run is evidence for the controls it supports, counted as
    // reviewed when recorded and due again after CHECK_RUN_CYCLE_DAYS: a gate that keeps
    // passing keeps its controls evidenced.
    for run in state.store().list_check_runs(None, 10_000).await? {
        if !run.run.passed {
            continue;
        }
        let day = aims_core::timefmt::parse_instant(&run.recorded_at)
            .ok()
            .map(|t| t.date());
        for control in &run.run.controls {
            by_requirement
                .entry(control.clone())
                .or_default()
                .push(EvidenceState {
                    title: format!(
                        "{} check run of {}",
                        run.run.kind,
                        run.recorded_at.get(..10).unwrap_or_default()
                    ),
                    effective_from: day,
                    expires_on: None,
                    reviewed_on: day,
                    review_cycle_days: Some(CHECK_RUN_CYCLE_DAYS),
                });
        }
    }
    let control_requirements: HashMap<String, Vec<String>> = controls
        .iter()
        .map(|c| {
            let ids = c
                .fields
                .requirements
                .iter()
                .filter(|r| r.framework == ISO42001)
                .map(|r| r.requirement.clone())
                .collect();
            (c.id.to_string(), ids)
        })
        .collect();

    let soa = conformance::current_soa_with(state, &evidence).await?;
    let control_inputs = soa
        .into_iter()
        .map(|row| ControlInput {
            evidence: by_requirement
                .get(&row.row.control_id)
                .cloned()
                .unwrap_or_default(),
            id: row.row.control_id.clone(),
            title: row.title,
            area: row.area,
            area_title: row.area_title,
            applicability: row.row.fields.applicability,
            justification_present: !row.row.fields.justification.trim().is_empty(),
            implementation_status: row.row.fields.implementation_status,
            owner_present: !row.row.fields.owner.trim().is_empty(),
            applied_controls: row
                .row
                .linked_controls
                .iter()
                .map(|c| c.name.clone())
                .collect(),
        })
        .collect();
    let framework = conformance::iso42001(catalog)?;
    let clause_inputs = conformance::clauses_with(state, &evidence)
        .await?
        .into_iter()
        .map(|clause| {
            let id = clause.record.requirement_id.clone();
            let top = id.split('.').next().unwrap_or_default().to_owned();
            ClauseInput {
                evidence: by_requirement.get(&id).cloned().unwrap_or_default(),
                clause_title: framework
                    .requirement(&top)
                    .map(|r| r.title.clone())
                    .unwrap_or_default(),
                clause: top,
                title: clause.title,
                status: clause.record.fields.status,
                responsible_present: !clause.record.fields.responsible_role.trim().is_empty(),
                documented_information: clause.documented_information,
                id,
            }
        })
        .collect();
    let applied = controls
        .iter()
        .map(|c| AppliedControlInput {
            id: c.id.to_string(),
            name: c.fields.name.clone(),
            status: c.fields.status,
            cost_estimate: c.fields.cost_estimate,
            effort_days: c.fields.effort_days,
            requirements: control_requirements
                .get(&c.id.to_string())
                .cloned()
                .unwrap_or_default(),
        })
        .collect();
    Ok(assess(&ReadinessInput {
        today,
        controls: control_inputs,
        clauses: clause_inputs,
        applied_controls: applied,
    }))
}

/// The printable, self-contained readiness report.
pub fn report_html(state: &AppState, readiness: &Readiness) -> ApiResult<String> {
    let heatmap = aims_core::readiness::heatmap_svg(readiness);
    let template = state
        .templates()
        .get_template("readiness/report.html")
        .map_err(|_| crate::error::ApiError::internal())?;
    template
        .render(minijinja::context! {
            readiness, heatmap, generated => aims_core::timefmt::format_instant(state.clock().now()),
        })
        .map_err(|error| {
            tracing::error!(%error, "readiness report failed");
            crate::error::ApiError::internal()
        })
}

/// A small line chart of the overall score over time, as inline SVG (no script, no styles).
pub fn trend_svg(points: &[ReadinessPoint]) -> String {
    let width = 600.0;
    let height = 140.0;
    let pad = 24.0;
    if points.is_empty() {
        return String::new();
    }
    let step = if points.len() > 1 {
        (width - 2.0 * pad) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let y = |score: f64| height - pad - (score.clamp(0.0, 100.0) / 100.0) * (height - 2.0 * pad);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", pad + step * i as f64, y(p.overall)))
        .collect();
    let first = aims_core::readiness::xml_escape(&points[0].day);
    let last = points
        .last()
        .map(|p| (aims_core::readiness::xml_escape(&p.day), p.overall))
        .unwrap_or_default();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="trend-title">
<title id="trend-title">Overall readiness from {first} to {} (now {:.1}%)</title>
<line x1="{pad}" y1="{y100:.1}" x2="{x2}" y2="{y100:.1}" stroke="#d9dee8"/>
<line x1="{pad}" y1="{y0:.1}" x2="{x2}" y2="{y0:.1}" stroke="#9aa3b5"/>
<text x="2" y="{y100t:.1}" font-size="10" fill="#5b6478">100</text><text x="8" y="{y0t:.1}" font-size="10" fill="#5b6478">0</text>
<polyline points="{}" fill="none" stroke="#2457c5" stroke-width="2"/>
{}
</svg>"##,
        last.0,
        last.1,
        path.join(" "),
        path.iter()
            .map(|point| {
                let (x, y) = point.split_once(',').unwrap_or_default();
                format!(r##"<circle cx="{x}" cy="{y}" r="3" fill="#2457c5"/>"##)
            })
            .collect::<String>(),
        y100 = y(100.0),
        y0 = y(0.0),
        y100t = y(100.0) + 3.0,
        y0t = y(0.0) + 3.0,
        x2 = width - pad,
    )
}
