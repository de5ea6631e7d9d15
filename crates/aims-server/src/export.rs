//! Exports of the Statement of Applicability: HTML (printable), Markdown, CSV, and OSCAL
//! 1.2.3 (a `profile` selecting the included controls, and a `system-security-plan` with
//! each control's implementation status and justification).

use aims_core::soa::Applicability;
use aims_core::timefmt::format_instant;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::conformance::{self, SoaRowView};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Our namespace for OSCAL props, as OSCAL asks for non-NIST props.
pub const OSCAL_NS: &str = "https://github.com/aims-project/aims/ns/oscal";

/// Stable uuids for objects: derived from a key, so re-exports keep them.
fn stable_uuid(key: &str) -> String {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c52_9b7e_4d0a_8c3e_5f2b_1d4a_9e71);
    Uuid::new_v5(&NAMESPACE, key.as_bytes()).to_string()
}

/// What an export is of: the working draft or an approved version.
pub struct SoaDocument {
    pub title: String,
    pub version_label: String,
    pub rows: Vec<SoaRowView>,
    pub approved: Option<(String, String)>,
}

pub async fn load(state: &AppState, version: Option<i64>) -> ApiResult<SoaDocument> {
    match version {
        None => Ok(SoaDocument {
            title: "Statement of Applicability (working draft)".into(),
            version_label: "draft".into(),
            // Exports carry decisions, not the evidence list: no need to gather evidence.
            rows: conformance::soa_views(
                state.catalog(),
                state
                    .store()
                    .soa_rows(&conformance::control_ids(state.catalog())?)
                    .await?,
            )?,
            approved: None,
        }),
        Some(number) => {
            let approved = state.store().soa_version(number).await?;
            Ok(SoaDocument {
                title: format!("Statement of Applicability, version {number}"),
                version_label: number.to_string(),
                rows: conformance::soa_views(state.catalog(), approved.rows)?,
                approved: Some((approved.approved_by, approved.approved_at)),
            })
        }
    }
}

/// A rendered export: its text, content type and file name.
pub struct Rendered {
    pub body: String,
    pub content_type: &'static str,
    pub file_name: String,
}

/// Renders the SoA (the draft, or an approved version) in one of the export formats.
pub async fn render(state: &AppState, format: &str, version: Option<i64>) -> ApiResult<Rendered> {
    let document = load(state, version).await?;
    let now = format_instant(state.clock().now());
    let base = format!("soa-{}", document.version_label);
    let (body, content_type, extension) = match format {
        "csv" => (csv(&document), "text/csv; charset=utf-8", "csv"),
        "md" => (markdown(&document), "text/markdown; charset=utf-8", "md"),
        "html" => (html(state, &document)?, "text/html; charset=utf-8", "html"),
        "oscal-profile" => (
            pretty(&oscal_profile(&document, &now)),
            "application/json",
            "profile.json",
        ),
        "oscal-ssp" => (
            pretty(&oscal_ssp(&document, &now)),
            "application/json",
            "ssp.json",
        ),
        other => {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_query",
                format!("format `{other}` is not one of: html, md, csv, oscal-profile, oscal-ssp"),
            )
            .with_field("format"));
        }
    };
    Ok(Rendered {
        body,
        content_type,
        file_name: format!("{base}.{extension}"),
    })
}

/// The export as an HTTP response with a sensible file name.
pub async fn soa_response(
    state: &AppState,
    format: &str,
    version: Option<i64>,
) -> ApiResult<Response> {
    let rendered = render(state, format, version).await?;
    let disposition = format!("attachment; filename=\"{}\"", rendered.file_name);
    let mut response = (
        [
            (header::CONTENT_TYPE, rendered.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        rendered.body,
    )
        .into_response();
    if format == "html" {
        // The printable report carries its own styles so it works as a saved file.
        if let Ok(value) = "default-src 'none'; style-src 'unsafe-inline'".parse() {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    Ok(response)
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn linked_names(row: &SoaRowView) -> String {
    row.row
        .linked_controls
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One CSV cell: quoted when needed, and with a leading quote before `=`, `+`, `-`, `@` so
/// spreadsheets do not run it as a formula.
fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub fn csv(document: &SoaDocument) -> String {
    let mut out = String::from(
        "control_id,title,area,applicability,justification,implementation_status,owner,applied_controls,updated_at\r\n",
    );
    for row in &document.rows {
        let cells = [
            row.row.control_id.clone(),
            row.title.clone(),
            row.area.clone(),
            row.row.fields.applicability.code().to_owned(),
            row.row.fields.justification.clone(),
            row.row.fields.implementation_status.code().to_owned(),
            row.row.fields.owner.clone(),
            linked_names(row),
            row.row.updated_at.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

pub fn markdown(document: &SoaDocument) -> String {
    let mut out = format!("# {}\n\n", document.title);
    if let Some((by, at)) = &document.approved {
        out.push_str(&format!("Approved by `{by}` at {at}.\n\n"));
    }
    out.push_str(
        "| Control | Title | Applicable | Justification | Status | Owner | Applied controls |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for row in &document.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            md_cell(&row.row.control_id),
            md_cell(&row.title),
            row.row.fields.applicability.label(),
            md_cell(&row.row.fields.justification),
            row.row.fields.implementation_status.label(),
            md_cell(&row.row.fields.owner),
            md_cell(&linked_names(row)),
        ));
    }
    out
}

fn html(state: &AppState, document: &SoaDocument) -> ApiResult<String> {
    let template = state
        .templates()
        .get_template("soa/export.html")
        .map_err(|_| ApiError::internal())?;
    let rows: Vec<Value> = document
        .rows
        .iter()
        .map(|row| {
            json!({
                "control_id": row.row.control_id, "title": row.title, "area": row.area,
                "area_title": row.area_title,
                "applicability": row.row.fields.applicability.label(),
                "justification": row.row.fields.justification,
                "status": row.row.fields.implementation_status.label(),
                "owner": row.row.fields.owner, "applied": linked_names(row),
            })
        })
        .collect();
    template
        .render(minijinja::context! {
            title => document.title, approved => document.approved, rows,
            generated => format_instant(state.clock().now()),
        })
        .map_err(|error| {
            tracing::error!(%error, "SoA export failed");
            ApiError::internal()
        })
}

fn metadata(title: &str, now: &str, version: &str) -> Value {
    json!({ "title": title, "last-modified": now, "version": version, "oscal-version": aims_catalog::OSCAL_VERSION })
}

/// OSCAL token form of an Annex A id (`A.6.2.4` → `a.6.2.4`).
fn token(control_id: &str) -> String {
    aims_catalog::token_for(control_id)
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn oscal_profile(document: &SoaDocument, now: &str) -> Value {
    let catalog_resource = stable_uuid("resource:iso42001-catalog");
    let included: Vec<String> = document
        .rows
        .iter()
        .filter(|r| r.row.fields.applicability == Applicability::Applicable)
        .map(|r| token(&r.row.control_id))
        .collect();
    let import = if included.is_empty() {
        let all: Vec<String> = document
            .rows
            .iter()
            .map(|r| token(&r.row.control_id))
            .collect();
        json!({ "href": format!("#{catalog_resource}"), "include-all": {}, "exclude-controls": [{ "with-ids": all }] })
    } else {
        json!({ "href": format!("#{catalog_resource}"), "include-controls": [{ "with-ids": included }] })
    };
    json!({ "profile": {
        "uuid": Uuid::new_v4().to_string(),
        "metadata": metadata(&format!("{}: selected ISO/IEC 42001 Annex A controls", document.title), now, &document.version_label),
        "imports": [import],
        "back-matter": { "resources": [{
            "uuid": catalog_resource,
            "title": "ISO/IEC 42001:2023 catalogue (AIMS export)",
            "rlinks": [{ "href": "iso-iec-42001-2023.catalog.json", "media-type": "application/oscal.catalog+json" }]
        }]}
    }})
}

pub fn oscal_ssp(document: &SoaDocument, now: &str) -> Value {
    let component = stable_uuid("component:this-system");
    let requirements: Vec<Value> = document
        .rows
        .iter()
        .map(|row| {
            let fields = &row.row.fields;
            let mut props = vec![json!({ "name": "applicability", "ns": OSCAL_NS, "value": fields.applicability.code() })];
            let justification = single_line(&fields.justification);
            if fields.applicability == Applicability::Applicable && !justification.is_empty() {
                props.push(json!({ "name": "justification", "ns": OSCAL_NS, "value": justification }));
            }
            if !fields.owner.trim().is_empty() {
                props.push(json!({ "name": "owner", "ns": OSCAL_NS, "value": single_line(&fields.owner) }));
            }
            let description = if row.row.linked_controls.is_empty() {
                format!("{}: no applied control is linked yet.", row.title)
            } else {
                format!("{}: implemented by {}.", row.title, linked_names(row))
            };
            let mut requirement = json!({
                "uuid": stable_uuid(&format!("implemented-requirement:{}", row.row.control_id)),
                "control-id": token(&row.row.control_id),
                "props": props,
                "by-components": [{
                    "component-uuid": component,
                    "uuid": stable_uuid(&format!("by-component:{}", row.row.control_id)),
                    "description": description,
                    "implementation-status": { "state": fields.implementation_status.oscal_state() },
                }],
            });
            if fields.applicability == Applicability::NotApplicable && !fields.justification.trim().is_empty() {
                requirement["remarks"] = json!(format!("Excluded: {}", fields.justification.trim()));
            }
            requirement
        })
        .collect();
    json!({ "system-security-plan": {
        "uuid": Uuid::new_v4().to_string(),
        "metadata": metadata(&format!("{}: implementation of ISO/IEC 42001 Annex A", document.title), now, &document.version_label),
        "import-profile": { "href": "soa.profile.json" },
        "system-characteristics": {
            "system-ids": [{ "identifier-type": "https://ietf.org/rfc/rfc4122", "id": stable_uuid("system:aims") }],
            "system-name": "AI management system",
            "description": "The organisation's AI management system under ISO/IEC 42001, within the scope set under clause 4.3.",
            "system-information": { "information-types": [{
                "title": "AI governance records",
                "description": "Records of AI systems, risks, impact assessments, controls and evidence kept by the AI management system."
            }]},
            "status": { "state": "operational" },
            "authorization-boundary": { "description": "The scope of the AI management system as determined under clause 4.3." }
        },
        "system-implementation": { "components": [{
            "uuid": component, "type": "this-system", "title": "AI management system",
            "description": "The organisation's AI management system as a whole.",
            "status": { "state": "operational" }
        }]},
        "control-implementation": {
            "description": "How each ISO/IEC 42001 Annex A control is applied, with the justification for its inclusion or exclusion (clause 6.1.3).",
            "implemented-requirements": requirements
        }
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a | b\nc"), "a \\| b c");
    }
}
