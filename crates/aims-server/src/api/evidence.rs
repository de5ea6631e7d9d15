//! Evidence over JSON and multipart: links, file uploads, versions and downloads.

use aims_core::evidence::{EvidenceFields, EvidenceLink, LinkTarget};
use aims_store::EvidenceFilter;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, LOCATION};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::api::systems::{parse_id, parse_query};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::evidence::{self, EvidenceStatus, EvidenceView, read_upload, store_file};
use crate::json::{ApiJson, Versioned};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// `current`, `expiring_soon`, `expired`, `review_due` or `not_yet_effective`.
    pub status: Option<String>,
    /// With `target_id`: only evidence linked to this record.
    pub target_type: Option<LinkTarget>,
    pub target_id: Option<String>,
    /// Include superseded versions.
    pub all_versions: Option<bool>,
}

pub async fn list_views(state: &AppState, query: EvidenceQuery) -> ApiResult<Vec<EvidenceView>> {
    let filter = EvidenceFilter {
        all_versions: query.all_versions.unwrap_or(false),
        linked_to: match (query.target_type, query.target_id) {
            (Some(target_type), Some(target_id)) => Some(EvidenceLink {
                target_type,
                target_id,
            }),
            _ => None,
        },
    };
    let today = evidence::today(state);
    let wanted = query.status.filter(|s| !s.is_empty());
    Ok(state
        .store()
        .list_evidence(&filter)
        .await?
        .into_iter()
        .map(|e| evidence::view(e, today))
        .filter(|v| {
            wanted.as_deref().is_none_or(|w| {
                serde_json::to_value(v.status)
                    .ok()
                    .and_then(|s| s.as_str().map(|s| s == w))
                    .unwrap_or(false)
            })
        })
        .collect())
}

/// Evidence items with their status today.
#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(EvidenceQuery),
    responses((status = 200, body = Vec<EvidenceView>)))]
pub async fn list(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<Vec<EvidenceView>>> {
    let query: EvidenceQuery = parse_query(uri.query())?;
    Ok(Json(list_views(&state, query).await?))
}

/// Record a link as evidence (`url` required).
#[utoipa::path(post, path = "/api/v1/evidence", tag = "evidence", request_body = EvidenceFields,
    responses((status = 201, body = EvidenceView), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_link(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(fields): ApiJson<EvidenceFields>,
) -> ApiResult<impl IntoResponse> {
    let created = state
        .store()
        .create_evidence(&current.ctx(&state), fields, None)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(LOCATION, format!("/api/v1/evidence/{}", created.id))],
        Json(evidence::view(created, evidence::today(&state))),
    ))
}

/// Upload a file as evidence: multipart with a `file` part and either a `metadata` part
/// (the fields as JSON) or one part per field (`title`, `link` repeated as `type:id`, ...).
#[utoipa::path(post, path = "/api/v1/evidence/files", tag = "evidence",
    request_body(content_type = "multipart/form-data", description = "`file` plus `metadata` (JSON of the evidence fields) or one part per field"),
    responses((status = 201, body = EvidenceView), (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    current: CurrentUser,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let upload = read_upload(multipart, state.config().evidence_max_bytes).await?;
    let (name, bytes) = upload.file.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "file: is required",
        )
        .with_field("file")
    })?;
    let fields = upload.fields.clone().validated(false)?;
    let file = store_file(&state, &name, &bytes)?;
    let created = state
        .store()
        .create_evidence(&current.ctx(&state), fields, Some(file))
        .await?;
    Ok((
        StatusCode::CREATED,
        [(LOCATION, format!("/api/v1/evidence/{}", created.id))],
        Json(evidence::view(created, evidence::today(&state))),
    ))
}

/// One evidence item.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence",
    params(("id" = uuid::Uuid, Path, description = "evidence id")),
    responses((status = 200, body = EvidenceView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EvidenceView>> {
    let item = state.store().get_evidence(parse_id(&id)?).await?;
    Ok(Json(evidence::view(item, evidence::today(&state))))
}

/// Change an item's fields and links; the body carries `version` too.
#[utoipa::path(put, path = "/api/v1/evidence/{id}", tag = "evidence", request_body = EvidenceFields,
    params(("id" = uuid::Uuid, Path, description = "evidence id")),
    responses((status = 200, body = EvidenceView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    update: Versioned<EvidenceFields>,
) -> ApiResult<Json<EvidenceView>> {
    let id = parse_id(&id)?;
    let updated = state
        .store()
        .update_evidence(&current.ctx(&state), id, update.version, update.fields)
        .await?;
    Ok(Json(evidence::view(updated, evidence::today(&state))))
}

/// Add a new version (a new file, or new fields for a link); the old version is kept.
#[utoipa::path(post, path = "/api/v1/evidence/{id}/versions", tag = "evidence",
    params(("id" = uuid::Uuid, Path, description = "the current version's id")),
    request_body(content_type = "multipart/form-data", description = "as for uploads, plus `version` (the current version's record version)"),
    responses((status = 201, body = EvidenceView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn new_version(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<impl IntoResponse> {
    let id = parse_id(&id)?;
    let upload = read_upload(multipart, state.config().evidence_max_bytes).await?;
    let version = upload.version.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "version: send the version you last read",
        )
        .with_field("version")
    })?;
    // Without new fields the version keeps the old ones, except the review: a new file
    // has not been reviewed yet.
    let fields = if upload.fields.title.trim().is_empty() {
        let existing = state.store().get_evidence(id).await?;
        aims_core::evidence::EvidenceFields {
            reviewed_on: String::new(),
            ..existing.fields
        }
    } else {
        upload.fields
    };
    let file = match &upload.file {
        Some((name, bytes)) => {
            fields.clone().validated(false)?;
            Some(store_file(&state, name, bytes)?)
        }
        None => None,
    };
    let created = state
        .store()
        .new_evidence_version(&current.ctx(&state), id, version, fields, file)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(evidence::view(created, evidence::today(&state))),
    ))
}

/// Download an evidence file. Always as an attachment, with the type AIMS detected, so a
/// browser never renders or runs it.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/file", tag = "evidence",
    params(("id" = uuid::Uuid, Path, description = "evidence id")),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let item = state.store().get_evidence(parse_id(&id)?).await?;
    let file = item
        .file
        .ok_or_else(|| ApiError::not_found("this evidence is a link, not a file"))?;
    let bytes = state.files().get(&file.sha256)?;
    let safe_name: String = file
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, file.media_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe_name}\""),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    ))
}

pub fn status_label(status: EvidenceStatus) -> &'static str {
    match status {
        EvidenceStatus::Current => "current",
        EvidenceStatus::ExpiringSoon => "expiring soon",
        EvidenceStatus::Expired => "expired",
        EvidenceStatus::NotYetEffective => "not yet effective",
        EvidenceStatus::ReviewDue => "review due",
        EvidenceStatus::Superseded => "superseded",
    }
}
