//! `aims`: the one binary. Initialise a data directory, serve the web UI and API, manage
//! users, tokens and the AI system register, and verify the audit trail.

mod app;
mod cmd_check;
mod cmd_conformance;
mod cmd_ledger;
mod cmd_system;
mod cmd_user;
mod config;
mod demo;
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
    /// Print the OpenAPI document of the JSON API.
    Openapi,
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
