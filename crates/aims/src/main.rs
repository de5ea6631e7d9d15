//! `aims`: the one binary. Initialise a data directory, serve the web UI and API, manage
//! users, tokens and the AI system register, and verify the audit trail.

mod app;
mod cmd_check;
mod cmd_conformance;
mod cmd_inventory;
mod cmd_ledger;
mod cmd_risk;
mod cmd_system;
mod cmd_user;
mod config;
mod demo;
mod demo_inventory;
mod init;
mod output;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::{Config, FlagOverrides};

/// AIMS: the AI management system for ISO/IEC 42001.
#[derive(Debug, Parser)]
#[command(name = "aims", version, about, propagate_version = true)]
struct Cli {
    /// Configuration file (default: ./aims.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory for the embedded database and the signing key [default: ./aims-data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…) instead of the embedded database.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the data directory, database, signing key and first administrator.
    Init(init::InitArgs),
    /// Serve the web UI and the JSON API.
    Serve(serve::ServeArgs),
    /// Apply pending database migrations (for upgrades and extra servers).
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(cmd_user::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(cmd_user::TokenCommand),
    /// The AI system register.
    #[command(subcommand)]
    System(Box<cmd_system::SystemCommand>),
    /// Verify the audit trail, write and check offline proofs.
    #[command(subcommand)]
    Ledger(cmd_ledger::LedgerCommand),
    /// Framework libraries: list, show, import.
    #[command(subcommand)]
    Framework(cmd_conformance::FrameworkCommand),
    /// The organisation's applied controls.
    #[command(subcommand)]
    Control(cmd_conformance::ControlCommand),
    /// The Statement of Applicability: show, decide, approve, export.
    #[command(subcommand)]
    Soa(cmd_conformance::SoaCommand),
    /// Conformance with clauses 4 to 10.
    #[command(subcommand)]
    Clause(cmd_conformance::ClauseCommand),
    /// Evidence files and links.
    #[command(subcommand)]
    Evidence(Box<cmd_conformance::EvidenceCommand>),
    /// Certification readiness and gaps.
    #[command(subcommand)]
    Gap(cmd_conformance::GapCommand),
    /// Check a data set (quality, fairness, drift, performance, privacy) against a spec;
    /// exits 1 when a threshold fails, so it can gate a pipeline.
    Check(cmd_check::CheckArgs),
    /// Models, datasets, vendors, the organisation and enterprise systems.
    #[command(subcommand)]
    Inventory(cmd_inventory::InventoryCommand),
    /// Register data files as dataset versions (fingerprint, rows, schema).
    #[command(subcommand)]
    Dataset(cmd_inventory::DatasetCommand),
    /// Link AI systems to the models, data, vendors and enterprise systems they use.
    #[command(subcommand)]
    Link(cmd_inventory::LinkCommand),
    /// The dependency graph: what a record depends on, or what depends on it.
    Graph(cmd_inventory::GraphArgs),
    /// Lifecycle change requests: gates, requests, approvals.
    #[command(subcommand)]
    Change(cmd_inventory::ChangeCommand),
    /// Time-limited waivers of stage gates.
    #[command(subcommand)]
    Waiver(cmd_inventory::WaiverCommand),
    /// The governance policy, impact classification and the escalation sweep.
    #[command(subcommand)]
    Governance(cmd_inventory::GovernanceCommand),
    /// The risk register: record, treat, accept, export, import, heat map.
    #[command(subcommand)]
    Risk(cmd_risk::RiskCommand),
    /// Impact assessments of AI systems.
    #[command(subcommand)]
    Assessment(cmd_risk::AssessmentCommand),
    /// The risk methodology.
    #[command(subcommand)]
    Methodology(cmd_risk::MethodologyCommand),
    /// Import models and versions from other registries.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print the OpenAPI document of the JSON API.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import registered models and their versions from an MLflow tracking server (2.x).
    Mlflow {
        /// The tracking server's base URL, such as http://mlflow.internal:5000.
        #[arg(long, env = "MLFLOW_TRACKING_URI")]
        url: String,
        /// A bearer token (Databricks, or an auth proxy in front of MLflow).
        #[arg(long, env = "MLFLOW_TRACKING_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Openapi => {
            print!("{}", aims_server::openapi_json());
            return Ok(ExitCode::SUCCESS);
        }
        // Checks need no configuration or database unless they are recorded.
        Command::Check(args) if args.record_for.is_none() => return Ok(cmd_check::run(args)?.0),
        _ => {}
    }
    let flags = FlagOverrides {
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        bind: match &cli.command {
            Command::Serve(args) => args.bind.clone(),
            _ => None,
        },
    };
    let config = Config::load(cli.config.as_deref(), &flags)?;
    let app = App::new(config, cli.json);
    match cli.command {
        Command::Init(args) => init::run(&app, args).await,
        Command::Serve(args) => serve::run(app, args).await,
        Command::Migrate => init::migrate(&app).await,
        Command::User(command) => cmd_user::run_user(&app, command).await,
        Command::Token(command) => cmd_user::run_token(&app, command).await,
        Command::System(command) => cmd_system::run(&app, *command).await,
        Command::Ledger(command) => cmd_ledger::run(&app, command).await,
        Command::Framework(command) => cmd_conformance::framework(&app, command).await,
        Command::Control(command) => cmd_conformance::control(&app, command).await,
        Command::Soa(command) => cmd_conformance::soa(&app, command).await,
        Command::Clause(command) => cmd_conformance::clause(&app, command).await,
        Command::Evidence(command) => cmd_conformance::evidence(&app, *command).await,
        Command::Gap(command) => cmd_conformance::gap(&app, command).await,
        Command::Check(args) => cmd_check::run_and_record(&app, args).await,
        Command::Inventory(command) => cmd_inventory::inventory(&app, command).await,
        Command::Dataset(command) => cmd_inventory::dataset(&app, command).await,
        Command::Link(command) => cmd_inventory::link(&app, command).await,
        Command::Graph(args) => cmd_inventory::graph(&app, args).await,
        Command::Change(command) => cmd_inventory::change(&app, command).await,
        Command::Waiver(command) => cmd_inventory::waiver(&app, command).await,
        Command::Governance(command) => cmd_inventory::governance(&app, command).await,
        Command::Risk(command) => cmd_risk::risk(&app, command).await,
        Command::Assessment(command) => cmd_risk::assessment(&app, command).await,
        Command::Methodology(command) => cmd_risk::methodology(&app, command).await,
        Command::Import(ImportCommand::Mlflow { url, token }) => {
            let store = app.write_store().await?;
            let report =
                aims_server::mlflow::run(&store, &app.cli_ctx(), &url, token.as_deref()).await?;
            output::emit(app.json, &report, |r| println!("{r}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => Ok(ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Catches clashing flags and other definition mistakes in every subcommand.
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
