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
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let kind = aims_analytics::CheckKind::parse(&args.kind)
        .ok_or_else(|| anyhow::anyhow!("unknown check kind `{}`", args.kind))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .ok();
    let request = aims_analytics::CheckRequest {
        kind,
        data: args.data,
        reference: args.reference,
        spec: args.spec,
        now_unix_seconds: now,
    };
    if std::io::stderr().is_terminal() {
        eprintln!("checking {} ...", request.data.display());
    }
    let report = match aims_analytics::run_check(&request) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: the check could not run: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    let output = match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)?,
        "html" => report.render_html(),
        _ => report.render_table(),
    };
    println!("{output}");
    if report.passed {
        Ok(ExitCode::SUCCESS)
    } else {
        // Also on stderr, so the failures show when the report is redirected to a file.
        for failure in &report.failures {
            eprintln!("FAIL {}", failure.message);
        }
        Ok(ExitCode::FAILURE)
    }
}
