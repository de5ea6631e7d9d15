//! Text-table and self-contained HTML renderings of a check report (inline SVG charts, no scripts).

use std::fmt::Write as _;

use crate::check::CheckReport;
use crate::drift::Histogram;

fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() && x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e7) => {
            format!("{x:.4e}")
        }
        Some(x) if x.is_finite() => format!("{x:.4}"),
        Some(x) => format!("{x}"),
        None => "-".to_owned(),
    }
}

/// Pads columns to a common width.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    out.push_str(&line(header.iter().map(|h| (*h).to_owned()).collect()));
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.clone()));
        out.push('\n');
    }
    out
}

impl CheckReport {
    /// A plain-text report for terminals.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let status = if self.passed { "PASSED" } else { "FAILED" };
        let _ = writeln!(
            out,
            "aims check {}: {status} ({} failure(s))",
            format!("{:?}", self.kind).to_lowercase(),
            self.failures.len()
        );
        let _ = writeln!(out, "data: {} ({} rows)", self.data, self.rows);
        if let Some(r) = &self.reference {
            let _ = writeln!(
                out,
                "reference: {r} ({} rows)",
                self.reference_rows.unwrap_or(0)
            );
        }
        let _ = writeln!(out, "spec: {}", self.spec);
        if let Some(q) = &self.quality {
            let _ = writeln!(
                out,
                "\nDATA QUALITY: {} rows, {} columns, completeness {}, duplicate rows {} ({})",
                q.rows,
                q.column_count,
                num(Some(q.completeness)),
                q.duplicate_rows,
                num(Some(q.duplicate_row_share))
            );
            let rows: Vec<Vec<String>> = q
                .columns
                .iter()
                .map(|c| {
                    vec![
                        c.column.clone(),
                        format!("{:?}", c.kind).to_lowercase(),
                        num(Some(c.null_share)),
                        c.distinct.to_string(),
                        (c.type_violations
                            + c.range_violations
                            + c.set_violations
                            + c.regex_violations)
                            .to_string(),
                        c.unseen_values
                            .map(|u| u.to_string())
                            .unwrap_or_else(|| "-".to_owned()),
                        num(c.summary.as_ref().map(|s| s.mean)),
                        num(c.summary.as_ref().map(|s| s.min)),
                        num(c.summary.as_ref().map(|s| s.max)),
                    ]
                })
                .collect();
            out.push_str(&table(
                &[
                    "column",
                    "kind",
                    "null share",
                    "distinct",
                    "invalid",
                    "unseen",
                    "mean",
                    "min",
                    "max",
                ],
                &rows,
            ));
            if !q.rules.is_empty() {
                let rows: Vec<Vec<String>> = q
                    .rules
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            num(r.pass_share),
                            r.mostly.to_string(),
                            if r.pass { "pass" } else { "FAIL" }.to_owned(),
                        ]
                    })
                    .collect();
                out.push('\n');
                out.push_str(&table(&["rule", "pass share", "mostly", "result"], &rows));
            }
            if let Some(t) = &q.timeliness {
                let _ = writeln!(
                    out,
                    "\ntimeliness of {} as of {}: newest {} days, oldest {} days, mean {} days",
                    t.column,
                    t.as_of,
                    num(Some(t.newest_age_days)),
                    num(Some(t.oldest_age_days)),
                    num(Some(t.mean_age_days))
                );
            }
        }
        if let Some(f) = &self.fairness {
            let _ = writeln!(
                out,
                "\nFAIRNESS: label {}, prediction {}, positive '{}', {} rows",
                f.label, f.prediction, f.positive_label, f.rows
            );
            for g in &f.groupings {
                let _ = writeln!(out, "\n{}:", g.columns.join(" x "));
                let rows: Vec<Vec<String>> = g
                    .by_group
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            r.confusion.count().to_string(),
                            num(r.metrics.selection_rate),
                            num(r.metrics.tpr),
                            num(r.metrics.fpr),
                            num(r.metrics.precision),
                            num(r.metrics.accuracy),
                        ]
                    })
                    .collect();
                out.push_str(&table(
                    &[
                        "group",
                        "count",
                        "selection",
                        "tpr",
                        "fpr",
                        "precision",
                        "accuracy",
                    ],
                    &rows,
                ));
                let _ = writeln!(
                    out,
                    "demographic parity difference {}, ratio {}; equalized odds difference {}, ratio {}; equal opportunity difference {}",
                    num(g.demographic_parity_difference),
                    num(g.demographic_parity_ratio),
                    num(g.equalized_odds_difference),
                    num(g.equalized_odds_ratio),
                    num(g.equal_opportunity_difference)
                );
                if let Some(a) = &g.aif360 {
                    let _ = writeln!(
                        out,
                        "AIF360 (privileged {}, favourable {}): SPD {}, disparate impact {} ({}), EOD {}, AOD {}",
                        a.privileged,
                        a.favourable_label,
                        num(a.statistical_parity_difference),
                        num(a.disparate_impact),
                        match a.four_fifths_pass {
                            Some(true) => "four-fifths rule holds",
                            _ => "four-fifths rule FAILS",
                        },
                        num(a.equal_opportunity_difference),
                        num(a.average_odds_difference)
                    );
                }
                if let Some(b) = &g.bootstrap {
                    for i in &b.intervals {
                        let _ = writeln!(
                            out,
                            "  {:.0}% CI {}: [{}, {}] (seed {}, {} replicates)",
                            b.level * 100.0,
                            i.metric,
                            num(i.low),
                            num(i.high),
                            b.seed,
                            b.replicates
                        );
                    }
                }
            }
        }
        if let Some(p) = &self.performance {
            let c = &p.confusion;
            let _ = writeln!(
                out,
                "\nPERFORMANCE: {} rows; TN {} FP {} FN {} TP {}",
                p.rows, c.tn, c.fp, c.fn_, c.tp
            );
            let rows = vec![
                vec!["accuracy".to_owned(), num(p.accuracy)],
                vec!["precision".to_owned(), num(p.precision)],
                vec!["recall".to_owned(), num(p.recall)],
                vec!["f1".to_owned(), num(p.f1)],
                vec!["roc_auc".to_owned(), num(p.roc_auc)],
                vec!["pr_auc (average precision)".to_owned(), num(p.pr_auc)],
                vec!["log_loss".to_owned(), num(p.log_loss)],
                vec!["brier".to_owned(), num(p.brier)],
                vec!["ece (10 bins)".to_owned(), num(p.ece)],
                vec!["value".to_owned(), num(p.value)],
            ];
            out.push_str(&table(&["metric", "value"], &rows));
            if let Some(s) = &p.threshold_sweep {
                let _ = writeln!(
                    out,
                    "best threshold {} (value {}), value at the current threshold {}",
                    s.best_threshold
                        .map(|t| num(Some(t)))
                        .unwrap_or_else(|| "none (never positive)".to_owned()),
                    num(Some(s.best_value)),
                    num(Some(s.value_at_current))
                );
            }
        }
        if let Some(d) = &self.drift {
            let _ = writeln!(
                out,
                "\nDRIFT ({} preset): {} of {} columns drifted ({}), dataset drift: {}",
                d.preset,
                d.drifted_columns,
                d.columns.len(),
                num(Some(d.drifted_share)),
                d.dataset_drift
            );
            let rows: Vec<Vec<String>> = d
                .columns
                .iter()
                .map(|c| {
                    vec![
                        c.column.clone(),
                        format!("{:?}", c.kind).to_lowercase(),
                        c.method.clone(),
                        num(c.value),
                        c.threshold.to_string(),
                        if c.drift { "DRIFT" } else { "ok" }.to_owned(),
                    ]
                })
                .collect();
            out.push_str(&table(
                &["column", "kind", "method", "value", "threshold", "result"],
                &rows,
            ));
        }
        if let Some(p) = &self.privacy {
            let _ = writeln!(
                out,
                "\nPRIVACY over {}: {} classes, k-anonymity {}, l-diversity {}, rows below k {} ({})",
                p.quasi_identifiers.join(", "),
                p.classes,
                p.k_anonymity,
                p.l_diversity
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".to_owned()),
                p.rows_below_k,
                num(Some(p.share_below_k))
            );
        }
        if !self.notes.is_empty() {
            out.push_str("\nNOTES\n");
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        if !self.failures.is_empty() {
            out.push_str("\nFAILURES\n");
            for f in &self.failures {
                let _ = writeln!(out, "- {}", f.message);
            }
        }
        out
    }

    /// A self-contained HTML page: tables plus inline-SVG charts (group bars, drift histograms,
    /// calibration curve). No scripts and no external resources, so it can be archived as
    /// evidence and opened offline.
    pub fn render_html(&self) -> String {
        let mut body = String::new();
        let status = if self.passed { "passed" } else { "failed" };
        let _ = write!(
            body,
            "<h1>AIMS check: {} <span class=\"{status}\">{}</span></h1>",
            esc(&format!("{:?}", self.kind).to_lowercase()),
            status.to_uppercase()
        );
        let _ = write!(
            body,
            "<p>Data <code>{}</code> ({} rows){}. Spec <code>{}</code>. {}</p>",
            esc(&self.data),
            self.rows,
            self.reference
                .as_ref()
                .map(|r| format!(
                    ", reference <code>{}</code> ({} rows)",
                    esc(r),
                    self.reference_rows.unwrap_or(0)
                ))
                .unwrap_or_default(),
            esc(&self.spec),
            esc(&self.engine)
        );
        if !self.failures.is_empty() {
            body.push_str("<h2>Failures</h2><ul class=\"failures\">");
            for f in &self.failures {
                let _ = write!(body, "<li>{}</li>", esc(&f.message));
            }
            body.push_str("</ul>");
        }
        if let Some(q) = &self.quality {
            let _ = write!(
                body,
                "<h2>Data quality</h2><p>{} rows, {} columns, completeness {}, duplicate rows {}.</p>",
                q.rows,
                q.column_count,
                num(Some(q.completeness)),
                q.duplicate_rows
            );
            body.push_str("<table><tr><th>column</th><th>null share</th><th>distinct</th><th>invalid</th><th>unseen</th><th>mean</th><th>min</th><th>max</th></tr>");
            for c in &q.columns {
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&c.column),
                    num(Some(c.null_share)),
                    c.distinct,
                    c.type_violations + c.range_violations + c.set_violations + c.regex_violations,
                    c.unseen_values
                        .map(|u| u.to_string())
                        .unwrap_or_else(|| "-".to_owned()),
                    num(c.summary.as_ref().map(|s| s.mean)),
                    num(c.summary.as_ref().map(|s| s.min)),
                    num(c.summary.as_ref().map(|s| s.max)),
                );
            }
            body.push_str("</table>");
            if !q.rules.is_empty() {
                body.push_str("<table><tr><th>rule</th><th>expression</th><th>pass share</th><th>mostly</th></tr>");
                for r in &q.rules {
                    let _ = write!(
                        body,
                        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        esc(&r.name),
                        esc(&r.expr),
                        num(r.pass_share),
                        r.mostly
                    );
                }
                body.push_str("</table>");
            }
        }
        if let Some(f) = &self.fairness {
            body.push_str("<h2>Fairness</h2>");
            for g in &f.groupings {
                let _ = write!(body, "<h3>{}</h3>", esc(&g.columns.join(" × ")));
                let bars: Vec<(String, f64)> = g
                    .by_group
                    .iter()
                    .map(|r| (r.name.clone(), r.metrics.selection_rate.unwrap_or(0.0)))
                    .collect();
                body.push_str(&bar_chart("selection rate by group", &bars));
                let _ = write!(
                    body,
                    "<p>Demographic parity difference {}, ratio {}; equalized odds difference {}, ratio {}; equal opportunity difference {}.</p>",
                    num(g.demographic_parity_difference),
                    num(g.demographic_parity_ratio),
                    num(g.equalized_odds_difference),
                    num(g.equalized_odds_ratio),
                    num(g.equal_opportunity_difference)
                );
                body.push_str("<table><tr><th>group</th><th>count</th><th>selection</th><th>TPR</th><th>FPR</th><th>precision</th><th>accuracy</th></tr>");
                for r in &g.by_group {
                    let _ = write!(
                        body,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&r.name),
                        r.confusion.count(),
                        num(r.metrics.selection_rate),
                        num(r.metrics.tpr),
                        num(r.metrics.fpr),
                        num(r.metrics.precision),
                        num(r.metrics.accuracy)
                    );
                }
                body.push_str("</table>");
                if let Some(a) = &g.aif360 {
                    let _ = write!(
                        body,
                        "<p>AIF360, privileged {} and favourable {}: statistical parity difference {}, disparate impact {}, equal opportunity difference {}, average odds difference {}.</p>",
                        esc(&a.privileged),
                        esc(&a.favourable_label),
                        num(a.statistical_parity_difference),
                        num(a.disparate_impact),
                        num(a.equal_opportunity_difference),
                        num(a.average_odds_difference)
                    );
                }
            }
        }
        if let Some(p) = &self.performance {
            let _ = write!(
                body,
                "<h2>Performance</h2><p>Accuracy {}, precision {}, recall {}, F1 {}, ROC AUC {}, average precision {}, log loss {}, Brier {}, ECE {}.</p>",
                num(p.accuracy),
                num(p.precision),
                num(p.recall),
                num(p.f1),
                num(p.roc_auc),
                num(p.pr_auc),
                num(p.log_loss),
                num(p.brier),
                num(p.ece)
            );
            if let Some(c) = &p.calibration {
                body.push_str(&calibration_chart(&c.mean_pred, &c.frac_pos));
            }
        }
        if let Some(d) = &self.drift {
            let _ = write!(
                body,
                "<h2>Drift ({})</h2><p>{} of {} columns drifted; dataset drift: {}.</p>",
                esc(&d.preset),
                d.drifted_columns,
                d.columns.len(),
                d.dataset_drift
            );
            for c in &d.columns {
                let _ = write!(
                    body,
                    "<h3>{} <small>{} = {} (threshold {}){}</small></h3><p class=\"definition\">{}</p>",
                    esc(&c.column),
                    esc(&c.method),
                    num(c.value),
                    c.threshold,
                    if c.drift { " — drift" } else { "" },
                    esc(&c.definition)
                );
                if let Some(h) = &c.histogram {
                    body.push_str(&histogram_chart(h));
                }
            }
        }
        if let Some(p) = &self.privacy {
            let _ = write!(
                body,
                "<h2>Privacy</h2><p>Over {}: {} equivalence classes, k-anonymity {}, l-diversity {}.</p>",
                esc(&p.quasi_identifiers.join(", ")),
                p.classes,
                p.k_anonymity,
                p.l_diversity
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".to_owned())
            );
        }
        if !self.notes.is_empty() {
            body.push_str("<h2>Notes</h2><ul>");
            for n in &self.notes {
                let _ = write!(body, "<li>{}</li>", esc(n));
            }
            body.push_str("</ul>");
        }
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>AIMS check report</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
        )
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}td:first-child,th:first-child{text-align:left}td code{display:block;text-align:left;white-space:pre-wrap}.passed{color:#1a7f37}.failed{color:#cf222e}.failures li{color:#cf222e}.definition{font-size:.85rem;color:#555}svg{display:block;margin:.5rem 0}";

/// Escapes text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn bar_chart(title: &str, bars: &[(String, f64)]) -> String {
    let max = bars.iter().map(|b| b.1).fold(0.0f64, f64::max).max(1e-12);
    let row = 22.0;
    let height = bars.len() as f64 * row + 30.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"520\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><text x=\"0\" y=\"14\" font-size=\"12\">{}</text>",
        esc(title),
        esc(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 24.0 + i as f64 * row;
        let w = 300.0 * value / max;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{}</text><rect x=\"140\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"16\" fill=\"#4c78a8\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            y + 12.0,
            esc(label),
            145.0 + w,
            y + 12.0,
            num(Some(*value))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn histogram_chart(h: &Histogram) -> String {
    let n = h.labels.len().max(1);
    let max = h
        .reference
        .iter()
        .chain(&h.current)
        .cloned()
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let width = 520.0;
    let plot = 120.0;
    let slot = (width - 20.0) / n as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" role=\"img\" aria-label=\"reference and current shares\">",
        plot + 48.0
    );
    for i in 0..n {
        let x = 10.0 + i as f64 * slot;
        let r = h.reference.get(i).copied().unwrap_or(0.0);
        let c = h.current.get(i).copied().unwrap_or(0.0);
        let hr = plot * r / max;
        let hc = plot * c / max;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hr:.1}\" fill=\"#9ecae9\"><title>{} reference {}</title></rect><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hc:.1}\" fill=\"#e45756\"><title>{} current {}</title></rect>",
            10.0 + plot - hr,
            slot * 0.45,
            esc(h.labels.get(i).map(String::as_str).unwrap_or("")),
            num(Some(r)),
            x + slot * 0.45,
            10.0 + plot - hc,
            slot * 0.45,
            esc(h.labels.get(i).map(String::as_str).unwrap_or("")),
            num(Some(c))
        );
    }
    // Bin labels under the bars when they fit; every bar also carries a tooltip.
    if n <= 16 {
        for (i, label) in h.labels.iter().enumerate() {
            // Numeric bins show their left edge; categories their (shortened) name.
            let left = label.split("..").next().unwrap_or(label);
            let short: String = left.chars().take((slot / 6.0).max(3.0) as usize).collect();
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                10.0 + (i as f64 + 0.45) * slot,
                plot + 22.0,
                esc(&short)
            );
        }
    }
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"{:.1}\" font-size=\"11\" fill=\"#3b7bbf\">reference</text><text x=\"90\" y=\"{:.1}\" font-size=\"11\" fill=\"#e45756\">current</text></svg>",
        plot + 38.0,
        plot + 38.0
    );
    svg
}

fn calibration_chart(mean_pred: &[f64], frac_pos: &[f64]) -> String {
    let size = 240.0;
    let pad = 40.0;
    let to_xy = |p: f64, f: f64| (pad + p * size, pad + size - f * size);
    let points: Vec<String> = mean_pred
        .iter()
        .zip(frac_pos)
        .map(|(p, f)| {
            let (x, y) = to_xy(*p, *f);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let (x0, y0) = to_xy(0.0, 0.0);
    let (x1, y1) = to_xy(1.0, 1.0);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{w}\" role=\"img\" aria-label=\"calibration curve\"><rect x=\"{pad}\" y=\"{pad}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#ccc\"/><line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\" stroke=\"#999\" stroke-dasharray=\"4\"/><polyline points=\"{}\" fill=\"none\" stroke=\"#4c78a8\" stroke-width=\"2\"/><text x=\"{pad}\" y=\"16\" font-size=\"12\">calibration curve</text><text x=\"{pad}\" y=\"{:.1}\" font-size=\"10\">x: mean score, y: share positive</text></svg>",
        points.join(" "),
        size + 2.0 * pad - 8.0,
        w = size + 2.0 * pad
    )
}
