//! The readiness page, its printable report, and the crosswalk view.

use aims_catalog::Coverage;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use crate::api::readiness::coverage;
use crate::api::systems::parse_query;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::ui::render;

pub async fn page(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Response> {
    let readiness = crate::readiness::compute(&state).await?;
    let heatmap = aims_core::readiness::heatmap_svg(&readiness);
    let trend = crate::readiness::trend_svg(&state.store().readiness_history(365).await?);
    render(
        &state,
        "readiness/page.html",
        Some(&current),
        context! { nav => "readiness", readiness, heatmap, trend },
    )
}

/// A self-contained, printable report (inline styles, so it also works as a saved file).
pub async fn report(State(state): State<AppState>) -> ApiResult<Response> {
    let readiness = crate::readiness::compute(&state).await?;
    let html = crate::readiness::report_html(&state, &readiness)?;
    let mut response = Html(html).into_response();
    if let Ok(value) = "default-src 'none'; style-src 'unsafe-inline'".parse() {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CrosswalkQuery {
    framework: Option<String>,
}

pub async fn crosswalk(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let query: CrosswalkQuery = parse_query(uri.query())?;
    let catalog = crate::conformance::full_catalog(&state).await?;
    let targets: Vec<(String, String)> = catalog
        .frameworks
        .iter()
        .filter(|f| f.id != aims_store::ISO42001)
        .map(|f| (f.id.clone(), f.name.clone()))
        .collect();
    let selected = query
        .framework
        .or_else(|| targets.first().map(|t| t.0.clone()))
        .unwrap_or_default();
    let rows = coverage(&state, &selected).await?;
    let framework = catalog.framework(&selected);
    let titled: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let title = framework
                .and_then(|f| f.requirement(&row.requirement_id))
                .map(|r| r.title.clone());
            serde_json::json!({ "row": row, "title": title })
        })
        .collect();
    let count = |c: Coverage| rows.iter().filter(|r| r.coverage == c).count();
    render(
        &state,
        "readiness/crosswalk.html",
        Some(&current),
        context! {
            nav => "crosswalk", targets, selected, rows => titled,
            covered => count(Coverage::Covered), partial => count(Coverage::Partial),
            not_covered => count(Coverage::NotCovered), unknown => count(Coverage::Unknown),
        },
    )
}
