//! The AIMS server: the JSON API under `/api/v1` and the server-rendered web UI, over one
//! set of application functions, with authentication, role checks on every route, CSRF
//! protection, security headers and one error format.

mod api;
mod auth;
pub mod checks;
mod clock;
mod config;
pub mod conformance;
pub mod cyclonedx;
mod error;
pub mod evidence;
pub mod export;
pub mod inventory;
mod json;
pub mod lineage;
mod middleware;
pub mod mlflow;
mod openapi;
pub mod readiness;
pub mod risk;
mod routes;
mod state;
mod ui;

pub use api::checks as api_checks;
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::ServerConfig;
pub use error::ApiError;
pub use openapi::openapi_json;
pub use routes::{RouteAccess, RouteSpec, route_table};
pub use state::AppState;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;

/// Builds the whole application: every route with its permission, and the middleware
/// that every request passes through.
pub fn app(state: AppState) -> Router {
    middleware::wrap(routes::router(state.clone()), state)
}

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let checkpointer = tokio::spawn(publish_checkpoints(state.clone()));
    let result = axum::serve(
        listener,
        app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    checkpointer.abort();
    state.store().close().await;
    result
}

/// Keeps a published checkpoint at most an hour old, so auditors who copy checkpoints
/// have a recent one to hold the server to.
async fn publish_checkpoints(state: AppState) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        let now = state.clock().now();
        if let Err(error) = state.store().publish_checkpoint(now).await {
            tracing::debug!(%error, "no checkpoint published");
        }
        // Escalate overdue change requests and expire waivers in the same rhythm.
        let ctx = aims_store::WriteCtx::new(aims_store::Actor::System("sweep"), now);
        match state.store().governance_sweep(&ctx).await {
            Ok(report) if !report.escalated.is_empty() || !report.waivers_expired.is_empty() => {
                tracing::info!(escalated = ?report.escalated, waivers_expired = report.waivers_expired.len(), "governance sweep");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "governance sweep failed"),
        }
    }
}
