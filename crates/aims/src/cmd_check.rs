//! `aims check`: data-quality, fairness, drift, performance and privacy checks on a CSV or
//! Parquet file, as a report and as a gate for CI/CD pipelines (exit 1 when a threshold
//! fails, 2 when the check cannot run).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// What to check.
    #[arg(value_parser = ["quality", "fairness", "drift", "performance", "privacy", "all"])]
    pub kind: String,
    /// The data to check (.csv or .parquet).
    pub data: PathBuf,
    /// Reference data, for drift, unseen categories and representation.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// The dataset spec (TOML): column types and roles, rules and thresholds.
    #[arg(long)]
    pub spec: PathBuf,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = ["table", "json", "html"])]
    pub format: String,
    /// Record the run as evidence about an AI system (name or id), a model version
    /// (`model_version:<id>`) or a dataset version (`dataset_version:<id>`), with the
    /// SHA-256 of every input, in the configured data directory or database.
    #[arg(long, value_name = "SUBJECT")]
    pub record_for: Option<String>,
    /// With --record-for: the Annex A controls it supports (default: those of its kind).
    #[arg(long = "control", requires = "record_for")]
    pub controls: Vec<String>,
}

/// Runs the check and prints the report; returns the exit code and the report.
pub fn run(args: &CheckArgs) -> Result<(ExitCode, Option<aims_analytics::CheckReport>)> {
    let kind = aims_analytics::CheckKind::parse(&args.kind)
        .ok_or_else(|| anyhow::anyhow!("unknown check kind `{}`", args.kind))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .ok();
    let request = aims_analytics::CheckRequest {
        kind,
        data: args.data.clone(),
        reference: args.reference.clone(),
        spec: args.spec.clone(),
        now_unix_seconds: now,
    };
    // A progress bar on a terminal only: pipelines and redirected output get none.
    let outcome = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} rows ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let handle = bar.clone();
        let sink = aims_analytics::ProgressSink(std::sync::Arc::new(
            move |p: &aims_analytics::Progress| {
                if let Some(total) = p.total_rows {
                    handle.set_length(total);
                }
                handle.set_position(p.rows);
                handle.set_message(
                    p.file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
            },
        ));
        let outcome = aims_analytics::run_check_with_progress(&request, sink);
        bar.finish_and_clear();
        outcome
    } else {
        aims_analytics::run_check(&request)
    };
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: the check could not run: {error}");
            return Ok((ExitCode::from(2), None));
        }
    };
    let output = match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)?,
        "html" => report.render_html(),
        _ => report.render_table(),
    };
    println!("{output}");
    if report.passed {
        Ok((ExitCode::SUCCESS, Some(report)))
    } else {
        // Also on stderr, so the failures show when the report is redirected to a file.
        for failure in &report.failures {
            eprintln!("FAIL {}", failure.message);
        }
        Ok((ExitCode::FAILURE, Some(report)))
    }
}

fn sha256_of(path: &std::path::Path) -> Result<String> {
    use sha2::Digest;
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(hex::encode(sha2::Sha256::digest(bytes)))
}

/// Runs the check and records it as evidence about an AI system. The exit code is the
/// check's: recording does not turn a failed gate into a pass.
pub async fn run_and_record(app: &crate::app::App, args: CheckArgs) -> Result<ExitCode> {
    let (code, report) = run(&args)?;
    let Some(report) = report else {
        return Ok(code);
    };
    let Some(system) = args.record_for.as_deref() else {
        return Ok(code);
    };
    let store = app.write_store().await?;
    let (subject_type, subject_id, subject_name) =
        match aims_core::inventory::graph::NodeRef::parse(system) {
            Ok(node) if node.kind != aims_core::inventory::Kind::AiSystem => {
                let item = store.get_item(node.kind, node.id).await?;
                (node.kind.code().to_owned(), node.id, item.display_name())
            }
            _ => {
                let system = crate::cmd_system::resolve(&store, system).await?;
                ("ai_system".to_owned(), system.id, system.fields.name)
            }
        };
    let config = aims_server::ServerConfig::default();
    let state = aims_server::AppState::new(
        store,
        std::sync::Arc::new(aims_server::SystemClock),
        config,
        None,
    )?;
    let mut inputs = std::collections::BTreeMap::new();
    inputs.insert("data".to_owned(), sha256_of(&args.data)?);
    inputs.insert("spec".to_owned(), sha256_of(&args.spec)?);
    if let Some(reference) = &args.reference {
        inputs.insert("reference".to_owned(), sha256_of(reference)?);
    }
    let submission = aims_server::api_checks::CheckSubmission {
        report: serde_json::to_value(&report)?,
        subject_type,
        subject_id: subject_id.to_string(),
        controls: args.controls.clone(),
        inputs,
    };
    let run = aims_server::api_checks::record(&state, &app.cli_ctx(), submission)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    eprintln!(
        "Recorded run {} as evidence about `{}` for {}",
        run.id,
        subject_name,
        run.run.controls.join(", ")
    );
    Ok(code)
}
