//! The audit trail over JSON: the signed head, entries, offline proofs and verification.

use aims_store::{HistoryEntry, LedgerHead, VerifyReport};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::api::systems::parse_query;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The current tree head and its signed checkpoint (C2SP tlog-checkpoint).
#[utoipa::path(get, path = "/api/v1/ledger/head", tag = "ledger",
    responses((status = 200, body = LedgerHead)))]
pub async fn head(State(state): State<AppState>) -> ApiResult<Json<LedgerHead>> {
    Ok(Json(state.store().ledger_head().await?))
}

/// The public key that verifies checkpoints, as a C2SP verifier key.
#[utoipa::path(get, path = "/api/v1/ledger/key", tag = "ledger",
    responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn key(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let verifier = state
        .verifier()
        .ok_or_else(|| ApiError::not_found("this server has no ledger key loaded"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", verifier.to_vkey()),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// Only entries with a sequence number below this.
    pub before: Option<u64>,
    /// 1 to 500, default 100.
    pub limit: Option<i64>,
}

/// Ledger entries, newest first.
#[utoipa::path(get, path = "/api/v1/ledger/entries", tag = "ledger", params(EntriesQuery),
    responses((status = 200, body = Vec<HistoryEntry>)))]
pub async fn entries(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let query: EntriesQuery = parse_query(uri.query())?;
    Ok(Json(
        state
            .store()
            .recent_entries(query.before, query.limit.unwrap_or(100))
            .await?,
    ))
}

/// An offline inclusion proof (C2SP tlog-proof) for one entry.
#[utoipa::path(get, path = "/api/v1/ledger/entries/{seq}/proof", tag = "ledger",
    params(("seq" = u64, Path, description = "entry sequence number")),
    responses((status = 200, body = String, content_type = "text/plain"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn proof(
    State(state): State<AppState>,
    Path(seq): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let seq: u64 = seq
        .parse()
        .map_err(|_| ApiError::not_found(format!("no ledger entry `{seq}`")))?;
    let bundle = state.store().inclusion_proof(seq).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        bundle.to_text(),
    ))
}

/// Recompute the tree, check every checkpoint and every record against the ledger.
#[utoipa::path(post, path = "/api/v1/ledger/verify", tag = "ledger",
    responses((status = 200, body = VerifyReport)))]
pub async fn verify(State(state): State<AppState>) -> ApiResult<Json<VerifyReport>> {
    let verifier = state
        .verifier()
        .ok_or_else(|| ApiError::not_found("this server has no ledger key loaded"))?;
    Ok(Json(state.store().verify_ledger(verifier).await?))
}
