//! `aims serve`: the web UI and API until SIGTERM or Ctrl-C.

use std::process::ExitCode;
use std::sync::Arc;

use aims_server::{AppState, ServerConfig, SystemClock};
use aims_store::ThrottlePolicy;
use anyhow::{Context, Result};
use clap::Args;
use time::Duration;

use crate::app::App;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8042].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Serve a throw-away organisation with demo data (nothing is kept).
    #[arg(long)]
    pub demo: bool,
}

fn init_logging(app: &App) {
    let filter = tracing_subscriber::EnvFilter::try_new(&app.config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if app.config.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub async fn run(app: App, args: ServeArgs) -> Result<ExitCode> {
    init_logging(&app);
    if args.demo {
        return crate::demo::serve_demo(app).await;
    }
    let store = app.write_store().await?;
    serve_store(&app, store, None).await
}

/// Binds, announces and serves; shared by the real and the demo server.
pub async fn serve_store(
    app: &App,
    store: aims_store::Store,
    demo_login: Option<(String, String)>,
) -> Result<ExitCode> {
    let section = &app.config.server;
    let config = ServerConfig {
        secure_cookies: section.secure_cookies,
        body_limit: section.body_limit_bytes,
        request_timeout_secs: section.request_timeout_secs,
        throttle: ThrottlePolicy {
            session_idle: Duration::minutes(section.session_idle_minutes),
            session_absolute: Duration::hours(section.session_absolute_hours),
            ..ThrottlePolicy::default()
        },
        demo_login: demo_login.clone(),
        // Files live beside the database; servers sharing PostgreSQL must share this
        // directory too (a network file system or a synced volume).
        evidence_dir: app.config.data_dir.join("evidence"),
        evidence_max_bytes: section.evidence_max_bytes,
        mlflow_url: app.config.mlflow.url.clone(),
        mlflow_token: app
            .config
            .mlflow
            .token_env
            .as_deref()
            .and_then(|name| std::env::var(name).ok()),
    };
    let verifier = crate::app::load_signer(&app.config.key_file())?.verifier();
    let state = AppState::new(store, Arc::new(SystemClock), config, Some(verifier))
        .context("the built-in framework libraries do not load")?;
    let listener = tokio::net::TcpListener::bind(&app.config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", app.config.bind))?;
    let address = listener.local_addr()?;
    println!(
        "AIMS is serving on http://{address}/ ({})",
        app.database_label()
    );
    if let Some((user, password)) = &demo_login {
        println!("Sign in as `{user}` with password `{password}`.");
    }
    tracing::info!(%address, "listening");
    aims_server::serve(listener, state, shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C, starting a graceful shutdown.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
