//! Pages for analytics check runs: the list, one run, and a metric's history with its
//! process-control alarms.

use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;

use crate::api::checks::RunsQuery;
use crate::api::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::ui::render;

async fn system_names(state: &AppState) -> ApiResult<std::collections::HashMap<String, String>> {
    let params = aims_store::ListParams {
        limit: Some(500),
        ..aims_store::ListParams::default()
    };
    let filter = aims_core::ai_system::AiSystemFilter {
        include_archived: Some(true),
        ..Default::default()
    };
    Ok(state
        .store()
        .list_ai_systems(&filter, &params)
        .await?
        .items
        .into_iter()
        .map(|s| (s.id.to_string(), s.fields.name))
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let query: RunsQuery = parse_query(uri.query())?;
    let subject = query
        .subject_type
        .as_deref()
        .zip(query.subject_id.as_deref());
    let runs = state.store().list_check_runs(subject, 200).await?;
    let names = system_names(&state).await?;
    render(
        &state,
        "checks/list.html",
        Some(&current),
        context! { nav => "checks", runs, names },
    )
}

pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let run = state.store().get_check_run(parse_id(&id)?).await?;
    let names = system_names(&state).await?;
    let failures = run.run.report.get("failures").cloned().unwrap_or_default();
    let notes = run.run.report.get("notes").cloned().unwrap_or_default();
    render(
        &state,
        "checks/show.html",
        Some(&current),
        context! { nav => "checks", run, names, failures, notes },
    )
}

/// A line chart of one metric with the alarmed points marked, as inline SVG.
fn chart(history: &crate::checks::MetricHistory) -> String {
    let (width, height, pad) = (640.0_f64, 180.0_f64, 30.0_f64);
    let values: Vec<f64> = history.points.iter().map(|p| p.value).collect();
    if values.is_empty() {
        return String::new();
    }
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let span = if max > min { max - min } else { 1.0 };
    let step = if values.len() > 1 {
        (width - 2.0 * pad) / (values.len() - 1) as f64
    } else {
        0.0
    };
    let xy = |i: usize, v: f64| {
        (
            pad + step * i as f64,
            height - pad - (v - min) / span * (height - 2.0 * pad),
        )
    };
    let line: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (x, y) = xy(i, *v);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let alarmed: std::collections::BTreeSet<usize> =
        history.alarms.iter().map(|a| a.index).collect();
    let dots: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (x, y) = xy(i, *v);
            let (fill, r) = if alarmed.contains(&i) { ("#b42318", 5) } else { ("#2457c5", 3) };
            format!(r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{fill}"><title>{v}</title></circle>"##)
        })
        .collect();
    let title = aims_core::readiness::xml_escape(&history.metric);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{title} over {} runs, {} alarm(s)">
<text x="4" y="{:.1}" font-size="10" fill="#5b6478">{max:.4}</text><text x="4" y="{:.1}" font-size="10" fill="#5b6478">{min:.4}</text>
<polyline points="{}" fill="none" stroke="#2457c5" stroke-width="2"/>{dots}</svg>"##,
        values.len(),
        history.alarms.len(),
        pad - 4.0,
        height - pad + 12.0,
        line.join(" "),
    )
}

pub async fn history(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let query: RunsQuery = parse_query(uri.query())?;
    let (Some(subject_type), Some(subject_id), Some(metric)) =
        (query.subject_type, query.subject_id, query.metric)
    else {
        return Err(ApiError::bad_request("choose a subject and a metric"));
    };
    let history = crate::checks::history(&state, (&subject_type, &subject_id), &metric).await?;
    let svg = chart(&history);
    let names = system_names(&state).await?;
    render(
        &state,
        "checks/history.html",
        Some(&current),
        context! { nav => "checks", history, svg, subject_id, names },
    )
}
