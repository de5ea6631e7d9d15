//! The audit trail page: the signed head, how to verify it, and the latest entries.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use minijinja::context;

use crate::api::ledger::EntriesQuery;
use crate::api::systems::parse_query;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::ui::render;

pub async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    uri: Uri,
) -> ApiResult<Response> {
    let query: EntriesQuery = parse_query(uri.query())?;
    let head = state.store().ledger_head().await?;
    let entries = state
        .store()
        .recent_entries(query.before, query.limit.unwrap_or(50))
        .await?;
    let older = entries.last().map(|e| e.seq).filter(|seq| *seq > 0);
    let entries = crate::ui::history::rows(&state, entries).await?;
    let vkey = state.verifier().map(|v| v.to_vkey());
    render(
        &state,
        "ledger.html",
        Some(&current),
        context! { nav => "ledger", head, entries, older, vkey },
    )
}
