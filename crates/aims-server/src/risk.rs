//! Risk views shared by the API, the UI and the CLI: the heat map, the dashboard figures
//! and the register's CSV and JSON exports.

use std::collections::BTreeMap;

use aims_core::risk::methodology::Methodology;
use aims_core::risk::register::{CSV_COLUMNS, RiskStatus};
use aims_store::{RiskView, Store, StoreError};
use serde::Serialize;

/// Which level a heat map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Inherent,
    Residual,
}

fn cell(view: &RiskView, basis: Basis) -> (u8, u8) {
    match basis {
        Basis::Inherent => (
            view.risk.fields.inherent_likelihood,
            view.risk.fields.inherent_impact,
        ),
        Basis::Residual => view.risk.fields.residual(),
    }
}

fn colour(level: &str, methodology: &Methodology) -> &'static str {
    let rank = methodology.rank(level).unwrap_or(0);
    let top = methodology.levels.len().saturating_sub(1).max(1);
    match rank * 3 / top {
        0 => "#d7f0e3",
        1 => "#fff1c2",
        2 => "#fbd3a9",
        _ => "#f5b7b1",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The likelihood x impact matrix coloured by level, with the number of open risks in
/// each cell (closed risks are left out).
pub fn heat_map(methodology: &Methodology, risks: &[RiskView], basis: Basis) -> String {
    let (rows, cols) = (methodology.likelihood.len(), methodology.impact.len());
    let (cw, ch, left, top) = (64, 44, 120, 30);
    let width = left + cols * cw + 10;
    let height = top + rows * ch + 50;
    let mut counts: BTreeMap<(u8, u8), usize> = BTreeMap::new();
    for view in risks
        .iter()
        .filter(|v| v.risk.fields.status != RiskStatus::Closed)
    {
        *counts.entry(cell(view, basis)).or_default() += 1;
    }
    let title = match basis {
        Basis::Inherent => "Inherent risk",
        Basis::Residual => "Residual risk",
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"system-ui, sans-serif\" font-size=\"12\"><title>{title} heat map</title><text x=\"{left}\" y=\"18\" font-weight=\"600\">{title}</text>"
    );
    for (r, step) in methodology.likelihood.iter().enumerate().rev() {
        let y = top + (rows - 1 - r) * ch;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} {}</text>",
            left - 6,
            y + ch / 2 + 4,
            step.value,
            escape(&step.label)
        ));
        for (c, impact) in methodology.impact.iter().enumerate() {
            let level = methodology
                .level(step.value, impact.value)
                .unwrap_or_default();
            let x = left + c * cw;
            let n = counts
                .get(&(step.value, impact.value))
                .copied()
                .unwrap_or(0);
            out.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cw}\" height=\"{ch}\" fill=\"{}\" stroke=\"#fff\"><title>likelihood {}, impact {}: {} ({} risk{})</title></rect>",
                colour(level, methodology), step.value, impact.value, escape(level), n, if n == 1 { "" } else { "s" }
            ));
            if n > 0 {
                out.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"700\">{n}</text>", x + cw / 2, y + ch / 2 + 6));
            }
        }
    }
    for (c, impact) in methodology.impact.iter().enumerate() {
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} {}</text>",
            left + c * cw + cw / 2,
            top + rows * ch + 16,
            impact.value,
            escape(&impact.label.chars().take(9).collect::<String>())
        ));
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#556\">impact →</text></svg>",
        left + cols * cw / 2,
        top + rows * ch + 36
    ));
    out
}

/// Records today's figures and returns the last 90 days, oldest first: the register's
/// trend (like readiness, kept as a daily figure rather than derived from the ledger).
pub async fn trend(
    store: &Store,
    figures: &Dashboard,
    today: &str,
) -> Result<Vec<aims_store::RiskPoint>, StoreError> {
    let point = aims_store::RiskPoint {
        day: today.to_owned(),
        open: figures.open as i64,
        above_appetite: figures.above_appetite as i64,
        untreated: figures.untreated_above_appetite as i64,
    };
    store.record_risk_point(&point).await?;
    store.risk_history(90).await
}

/// The trend as a small line chart: risks above appetite, and those untreated.
pub fn trend_svg(points: &[aims_store::RiskPoint]) -> String {
    let (width, height, pad) = (360usize, 90usize, 18usize);
    let max = points
        .iter()
        .map(|p| p.above_appetite.max(p.untreated))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = if points.len() > 1 {
        (width - 2 * pad) as f64 / (points.len() - 1) as f64
    } else {
        0.0
    };
    let line = |value: fn(&aims_store::RiskPoint) -> i64| -> String {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let x = pad as f64 + step * i as f64;
                let y = (height - pad) as f64 - (value(p) as f64 / max) * (height - 2 * pad) as f64;
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The latest figures as dots with their values, so a one-day trend still shows.
    let dots = points
        .last()
        .map(|p| {
            let x = pad as f64 + step * (points.len() - 1) as f64;
            let y = |v: i64| (height - pad) as f64 - (v as f64 / max) * (height - 2 * pad) as f64;
            format!(
                "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#e67e22\"/><circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#c0392b\"/><text x=\"{:.1}\" y=\"12\" text-anchor=\"end\" fill=\"#556\">now: {} above appetite, {} untreated</text>",
                y(p.above_appetite),
                y(p.untreated),
                (width - pad) as f64,
                p.above_appetite,
                p.untreated
            )
        })
        .unwrap_or_default();
    let first = points.first().map(|p| p.day.as_str()).unwrap_or_default();
    let last = points.last().map(|p| p.day.as_str()).unwrap_or_default();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"system-ui, sans-serif\" font-size=\"11\"><title>Risks above appetite (orange) and untreated (red), {first} to {last}</title>\
         <polyline fill=\"none\" stroke=\"#e67e22\" stroke-width=\"2\" points=\"{}\"/><polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"4 3\" points=\"{}\"/>{dots}\
         <text x=\"{pad}\" y=\"{}\" fill=\"#556\">{first}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#556\">{last}</text></svg>",
        line(|p| p.above_appetite),
        line(|p| p.untreated),
        height - 3,
        width - pad,
        height - 3,
    )
}

/// The register's dashboard figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub open: usize,
    pub above_appetite: usize,
    pub untreated_above_appetite: usize,
    pub overdue_actions: usize,
    /// Risks recorded per month (`YYYY-MM`), and how many of those were above appetite.
    pub trend: Vec<(String, usize, usize)>,
}

/// Computes the dashboard figures on `today` (`YYYY-MM-DD`).
pub fn dashboard(risks: &[RiskView], today: &str) -> Dashboard {
    let open: Vec<&RiskView> = risks
        .iter()
        .filter(|v| v.risk.fields.status != RiskStatus::Closed)
        .collect();
    let mut trend: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for view in risks {
        let month = view.risk.created_at.get(..7).unwrap_or_default().to_owned();
        let entry = trend.entry(month).or_default();
        entry.0 += 1;
        entry.1 += usize::from(view.risk.above_appetite);
    }
    Dashboard {
        open: open.len(),
        above_appetite: open.iter().filter(|v| v.risk.above_appetite).count(),
        untreated_above_appetite: open
            .iter()
            .filter(|v| v.risk.above_appetite && !v.treated)
            .count(),
        overdue_actions: risks
            .iter()
            .flat_map(|v| &v.actions)
            .filter(|a| a.overdue(today))
            .count(),
        trend: trend.into_iter().map(|(m, (n, a))| (m, n, a)).collect(),
    }
}

/// The register as CSV in the documented column layout (`CSV_COLUMNS`).
pub fn to_csv(risks: &[RiskView]) -> String {
    let mut out = String::new();
    aims_core::csv::write_record(
        &mut out,
        &CSV_COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<Vec<_>>(),
    );
    for view in risks {
        let f = &view.risk.fields;
        let opt = |v: Option<u8>| v.map(|n| n.to_string()).unwrap_or_default();
        aims_core::csv::write_record(
            &mut out,
            &[
                format!("R-{}", view.risk.number),
                f.title.clone(),
                f.description.clone(),
                f.subject.clone(),
                f.risk_source.clone(),
                f.objective.clone(),
                f.category.clone(),
                f.owner.clone(),
                f.inherent_likelihood.to_string(),
                f.inherent_impact.to_string(),
                opt(f.residual_likelihood),
                opt(f.residual_impact),
                f.status.code().to_owned(),
                f.treatment.clone(),
                aims_core::risk::register::format_scores(&f.dimension_scores),
                view.risk.inherent_level.clone(),
                view.risk.residual_level.clone(),
                view.risk.above_appetite.to_string(),
                view.treated.to_string(),
                view.risk.weighted_score.to_string(),
            ],
        );
    }
    out
}

/// The register as JSON rows with the same fields as the CSV.
pub fn to_json(risks: &[RiskView]) -> serde_json::Value {
    serde_json::Value::Array(
        risks
            .iter()
            .map(|view| {
                let mut row = serde_json::to_value(&view.risk.fields).unwrap_or_default();
                if let Some(object) = row.as_object_mut() {
                    object.insert("id".into(), format!("R-{}", view.risk.number).into());
                    object.insert(
                        "inherent_level".into(),
                        view.risk.inherent_level.clone().into(),
                    );
                    object.insert(
                        "residual_level".into(),
                        view.risk.residual_level.clone().into(),
                    );
                    object.insert("above_appetite".into(), view.risk.above_appetite.into());
                    object.insert("treated".into(), view.treated.into());
                    object.insert("weighted_score".into(), view.risk.weighted_score.into());
                }
                row
            })
            .collect(),
    )
}

/// JSON rows as CSV text, so a JSON import goes through the same validation as a CSV one.
pub fn json_rows_to_csv(rows: &serde_json::Value) -> Result<String, String> {
    let Some(rows) = rows.as_array() else {
        return Err("a JSON import is an array of rows".into());
    };
    let mut columns: Vec<String> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let Some(object) = row.as_object() else {
            return Err(format!("row {}: must be an object", index + 1));
        };
        for key in object.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let mut out = String::new();
    aims_core::csv::write_record(&mut out, &columns);
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match row.get(c) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                // Dimension ratings: the same `id=score;...` form as the CSV.
                Some(serde_json::Value::Object(map)) => map
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                Some(other) => other.to_string(),
            })
            .collect();
        aims_core::csv::write_record(&mut out, &cells);
    }
    Ok(out)
}

/// Parses and imports a register file; every problem is returned with its line and
/// column and nothing is written unless there are none.
pub async fn import(
    store: &Store,
    ctx: &aims_store::WriteCtx,
    text: &str,
) -> Result<Result<(usize, usize), Vec<aims_core::risk::register::ImportProblem>>, StoreError> {
    let (methodology, _) = store.active_methodology().await?;
    match aims_core::risk::register::parse_csv(text, &methodology) {
        Ok(rows) => Ok(Ok(store.import_risks(ctx, rows).await?)),
        Err(problems) => Ok(Err(problems)),
    }
}
