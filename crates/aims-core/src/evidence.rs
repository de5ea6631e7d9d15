//! Evidence: files and links that show a control or requirement is met, with the dates
//! that make it current (effective, expiry, review cycle) and the records it supports.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationErrors;
use crate::text::{long_text, optional_line, required_line};
use crate::timefmt::parse_date;

vocabulary! {
    /// What kind of record an evidence item can be linked to.
    pub enum LinkTarget {
        AppliedControl => ("applied_control", "Applied control"),
        Requirement => ("requirement", "Requirement"),
        AiSystem => ("ai_system", "AI system"),
    }
}

/// One link from an evidence item to a record it supports. For requirements the id is
/// `<framework-id>:<requirement-id>`, such as `iso-iec-42001-2023:A.6.2.4`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceLink {
    pub target_type: LinkTarget,
    pub target_id: String,
}

/// The editable fields of an evidence item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceFields {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner: String,
    /// Who checks that the evidence shows what it claims.
    #[serde(default)]
    pub reviewer: String,
    /// For links: where the evidence lives (https only).
    #[serde(default)]
    pub url: String,
    /// `YYYY-MM-DD` from which it counts, or empty for "from now".
    #[serde(default)]
    pub effective_from: String,
    /// `YYYY-MM-DD` after which it no longer counts, or empty.
    #[serde(default)]
    pub expires_on: String,
    /// `YYYY-MM-DD` of the last review, or empty if never reviewed.
    #[serde(default)]
    pub reviewed_on: String,
    /// Days between reviews; 0 for none.
    #[serde(default)]
    pub review_cycle_days: i64,
    #[serde(default)]
    pub links: Vec<EvidenceLink>,
}

impl EvidenceFields {
    pub fn titled(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            description: String::new(),
            owner: String::new(),
            reviewer: String::new(),
            url: String::new(),
            effective_from: String::new(),
            expires_on: String::new(),
            reviewed_on: String::new(),
            review_cycle_days: 0,
            links: Vec::new(),
        }
    }

    /// Checks the fields; `is_link` requires a URL, files must not have one.
    pub fn validated(self, is_link: bool) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = required_line(&mut errors, "title", &self.title);
        let description = long_text(&mut errors, "description", &self.description, false);
        let owner = optional_line(&mut errors, "owner", &self.owner);
        let reviewer = optional_line(&mut errors, "reviewer", &self.reviewer);
        let url = self.url.trim().to_owned();
        if is_link {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 {
                errors.add(
                    "url",
                    "must be an http(s) address of at most 2000 characters",
                );
            } else if url.chars().any(char::is_whitespace) {
                errors.add("url", "must not contain spaces");
            }
        } else if !url.is_empty() {
            errors.add("url", "is only for links; a file needs none");
        }
        let date = |errors: &mut ValidationErrors, field: &str, value: &str| {
            let value = value.trim();
            if !value.is_empty() && parse_date(value).is_err() {
                errors.add(field, "must be a date written YYYY-MM-DD");
            }
            value.to_owned()
        };
        let effective_from = date(&mut errors, "effective_from", &self.effective_from);
        let expires_on = date(&mut errors, "expires_on", &self.expires_on);
        let reviewed_on = date(&mut errors, "reviewed_on", &self.reviewed_on);
        if !effective_from.is_empty() && !expires_on.is_empty() && expires_on <= effective_from {
            errors.add("expires_on", "must be after the effective date");
        }
        if !(0..=3660).contains(&self.review_cycle_days) {
            errors.add("review_cycle_days", "must be between 0 (no cycle) and 3660");
        }
        let mut links = self.links;
        links.sort();
        links.dedup();
        for (index, link) in links.iter().enumerate() {
            if link.target_id.trim().is_empty() || link.target_id.len() > 200 {
                errors.add(
                    &format!("links[{index}].target_id"),
                    "must be 1 to 200 characters",
                );
            }
        }
        errors.into_result(Self {
            title,
            description,
            owner,
            reviewer,
            url,
            effective_from,
            expires_on,
            reviewed_on,
            links,
            ..self
        })
    }
}

/// A stored file: content-addressed, with the type AIMS detected (never the client's claim).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceFile {
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: String,
}

/// An evidence item as stored. New versions share a `lineage_id`; only one is current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub id: Uuid,
    pub lineage_id: Uuid,
    pub version_no: i64,
    pub is_current: bool,
    #[serde(flatten)]
    pub fields: EvidenceFields,
    pub file: Option<EvidenceFile>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Checks a client-supplied file name: a plain name, no directories.
pub fn validate_file_name(errors: &mut ValidationErrors, name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        errors.add("file", "needs a file name");
    } else if name.contains(['/', '\\']) || name == "." || name == ".." || name.contains('\0') {
        errors.add("file", "the file name must not contain path separators");
    } else if name.chars().count() > 255 {
        errors.add("file", "the file name must be at most 255 characters");
    }
    name.to_owned()
}

/// Detects a file's type from its first bytes. Types a browser could run (HTML, SVG,
/// scripts) are never reported as such: they become `application/octet-stream`.
pub fn detect_media_type(bytes: &[u8], file_name: &str) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"PK\x03\x04") {
        let lower = file_name.to_lowercase();
        if lower.ends_with(".docx") {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        } else if lower.ends_with(".xlsx") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else if lower.ends_with(".pptx") {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        } else {
            "application/zip"
        }
    } else if starts(b"PAR1") {
        "application/vnd.apache.parquet"
    } else if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
        let lower = file_name.to_lowercase();
        if text.contains("<html")
            || text.contains("<svg")
            || text.contains("<script")
            || text.contains("<!doctype")
        {
            "application/octet-stream"
        } else if lower.ends_with(".csv") {
            "text/csv"
        } else if lower.ends_with(".json") {
            "application/json"
        } else if lower.ends_with(".md") {
            "text/markdown"
        } else {
            "text/plain"
        }
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_need_a_url_and_dates_are_ordered() {
        let mut fields = EvidenceFields::titled("Model validation report");
        fields.effective_from = "2026-05-01".into();
        fields.expires_on = "2026-01-01".into();
        let errors = fields.clone().validated(true).err().unwrap_or_default();
        assert!(errors.for_field("url").is_some());
        assert!(errors.for_field("expires_on").is_some());
        fields.url = "https://wiki.example.org/validation".into();
        fields.expires_on = "2027-05-01".into();
        assert!(fields.validated(true).is_ok());
    }

    #[test]
    fn file_names_with_paths_are_refused() {
        for bad in ["../etc/passwd", "a/b.pdf", "a\\b.pdf", "", ".."] {
            let mut errors = ValidationErrors::new();
            validate_file_name(&mut errors, bad);
            assert!(errors.for_field("file").is_some(), "{bad}");
        }
        let mut errors = ValidationErrors::new();
        assert_eq!(validate_file_name(&mut errors, "report.pdf"), "report.pdf");
        assert!(errors.is_empty());
    }

    #[test]
    fn executable_types_are_never_detected_as_such() {
        assert_eq!(
            detect_media_type(b"%PDF-1.7 ...", "x.pdf"),
            "application/pdf"
        );
        assert_eq!(
            detect_media_type(b"<html><script>x</script>", "x.html"),
            "application/octet-stream"
        );
        assert_eq!(
            detect_media_type(b"<svg onload=alert(1)>", "x.svg"),
            "application/octet-stream"
        );
        assert_eq!(detect_media_type(b"a,b\n1,2\n", "data.csv"), "text/csv");
        assert_eq!(
            detect_media_type(&[0, 159, 146, 150], "x.bin"),
            "application/octet-stream"
        );
    }
}
