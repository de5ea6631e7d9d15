//! Evidence shared by the API and the UI: reading uploads (multipart), storing files,
//! and the status of an item on a given day.

use aims_core::ValidationErrors;
use aims_core::evidence::{
    Evidence, EvidenceFields, EvidenceFile, EvidenceLink, LinkTarget, detect_media_type,
    validate_file_name,
};
use aims_core::timefmt::parse_date;
use axum::extract::Multipart;
use axum::http::StatusCode;
use serde::Serialize;
use time::Date;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// An upload as read from a multipart form.
pub struct Upload {
    pub version: Option<i64>,
    pub fields: EvidenceFields,
    pub file: Option<(String, Vec<u8>)>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "evidence files may be at most {} MiB",
            limit / (1024 * 1024)
        ),
    )
    .with_field("file")
}

/// Parses `type:id` (such as `requirement:iso-iec-42001-2023:A.6.2.4`) into a link.
pub fn parse_link(text: &str) -> Result<EvidenceLink, String> {
    let (kind, id) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` should be written type:id"))?;
    Ok(EvidenceLink {
        target_type: LinkTarget::parse(kind)?,
        target_id: id.trim().to_owned(),
    })
}

/// Reads the form fields (`title`, `description`, ..., repeated `link`), an optional
/// `metadata` part holding the fields as JSON (for API clients), and the `file` part.
pub async fn read_upload(mut multipart: Multipart, limit: usize) -> ApiResult<Upload> {
    let mut fields = EvidenceFields::titled("");
    let mut version = None;
    let mut file = None;
    let mut errors = ValidationErrors::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            ApiError::bad_request(format!(
                "the upload is not a valid multipart form: {}",
                e.body_text()
            ))
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.len() > limit {
                return Err(too_large(limit));
            }
            if !(file_name.is_empty() && bytes.is_empty()) {
                file = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "metadata" => {
                fields = crate::json::parse(text.as_bytes())?;
            }
            "version" => version = text.trim().parse().ok(),
            "title" => fields.title = text,
            "description" => fields.description = text,
            "owner" => fields.owner = text,
            "reviewer" => fields.reviewer = text,
            "url" => fields.url = text,
            "effective_from" => fields.effective_from = text,
            "expires_on" => fields.expires_on = text,
            "reviewed_on" => fields.reviewed_on = text,
            "review_cycle_days" => match text.trim() {
                "" => fields.review_cycle_days = 0,
                days => match days.parse() {
                    Ok(days) => fields.review_cycle_days = days,
                    Err(_) => errors.add("review_cycle_days", "must be a whole number of days"),
                },
            },
            "link" => match parse_link(&text) {
                Ok(link) => fields.links.push(link),
                Err(message) => errors.add("links", message),
            },
            // Other fields (the CSRF token, the submit button) are not evidence.
            _ => {}
        }
    }
    errors.into_result(())?;
    Ok(Upload {
        version,
        fields,
        file,
    })
}

/// Validates and stores an uploaded file, returning its record. Empty files, names with
/// path separators and files over the limit are refused, each naming the `file` field.
pub fn store_file(state: &AppState, name: &str, bytes: &[u8]) -> ApiResult<EvidenceFile> {
    let mut errors = ValidationErrors::new();
    let file_name = validate_file_name(&mut errors, name);
    if bytes.is_empty() {
        errors.add("file", "is empty");
    }
    errors.into_result(())?;
    if bytes.len() > state.config().evidence_max_bytes {
        return Err(too_large(state.config().evidence_max_bytes));
    }
    let sha256 = state.files().put(bytes)?;
    Ok(EvidenceFile {
        sha256,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        media_type: detect_media_type(bytes, &file_name).to_owned(),
        file_name,
    })
}

/// Where an evidence item stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStatus {
    Current,
    /// Current, but expires within 30 days.
    ExpiringSoon,
    Expired,
    NotYetEffective,
    /// Never reviewed, or its review cycle has run out.
    ReviewDue,
    Superseded,
}

fn date(text: &str) -> Option<Date> {
    parse_date(text).ok()
}

/// The state the readiness rules read, from a stored item.
pub fn state_of(evidence: &Evidence) -> aims_core::readiness::EvidenceState {
    let f = &evidence.fields;
    aims_core::readiness::EvidenceState {
        title: f.title.clone(),
        effective_from: date(&f.effective_from),
        expires_on: date(&f.expires_on),
        reviewed_on: date(&f.reviewed_on),
        review_cycle_days: (f.review_cycle_days > 0).then_some(f.review_cycle_days),
    }
}

/// Where an item stands on a day. Whether it counts is decided by the readiness rules
/// (`aims_core::readiness::evidence_status`), so lists and scores never disagree; this
/// adds only what lists need besides: superseded versions and expiry within 30 days.
pub fn status(evidence: &Evidence, today: Date) -> EvidenceStatus {
    use aims_core::readiness::EvidenceStatus as Rule;
    if !evidence.is_current {
        return EvidenceStatus::Superseded;
    }
    match aims_core::readiness::evidence_status(&state_of(evidence), today) {
        Rule::Expired => EvidenceStatus::Expired,
        Rule::NotYetEffective => EvidenceStatus::NotYetEffective,
        Rule::NotReviewed | Rule::ReviewOverdue => EvidenceStatus::ReviewDue,
        Rule::Current => {
            let soon = date(&evidence.fields.expires_on)
                .is_some_and(|d| d <= today + time::Duration::days(30));
            if soon {
                EvidenceStatus::ExpiringSoon
            } else {
                EvidenceStatus::Current
            }
        }
    }
}

/// An item with its status, as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    #[serde(flatten)]
    pub evidence: Evidence,
    pub status: EvidenceStatus,
}

pub fn view(evidence: Evidence, today: Date) -> EvidenceView {
    EvidenceView {
        status: status(&evidence, today),
        evidence,
    }
}

pub fn today(state: &AppState) -> Date {
    state.clock().now().date()
}
