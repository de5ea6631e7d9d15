//! `aims risk`, `aims assessment` and `aims methodology`: the risk register, impact
//! assessments and the risk methodology from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use aims_core::access::Permission;
use aims_core::risk::assessment::Template;
use aims_core::risk::methodology::Methodology;
use aims_core::risk::register::RiskFields;
use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::app::{App, acting_as as person};
use crate::output::{cell, emit, table};
use crate::output::{invalid, json_arg};

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// The register.
    List,
    /// One risk (R-12 or its id).
    Show { risk: String },
    /// Record a risk from its fields as JSON (`--fields '{...}'` or `--fields @file.json`).
    Add {
        #[arg(long)]
        fields: String,
    },
    /// Accept a risk formally, as a named person whose role must have the authority.
    Accept {
        risk: String,
        #[arg(long)]
        reason: String,
        /// YYYY-MM-DD
        #[arg(long)]
        until: String,
        #[arg(long = "as")]
        by: String,
    },
    /// Add a treatment action from JSON (title, owner, due, controls, validation_criteria).
    Action {
        risk: String,
        #[arg(long)]
        fields: String,
    },
    /// Export the register as CSV (default) or JSON.
    Export {
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Import a register file (CSV, or JSON rows for a .json file); nothing is imported
    /// unless every row is valid.
    Import { file: PathBuf },
    /// Write the residual (or inherent) heat map as SVG.
    Heatmap {
        #[arg(long)]
        inherent: bool,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssessmentCommand {
    /// A system's assessments.
    List { system: String },
    /// Start an assessment (general, fria, hiring, lending or surveillance).
    Start {
        system: String,
        #[arg(long, default_value = "general", value_parser = Template::parse)]
        template: Template,
    },
    /// Save a draft's answers from a JSON object of section id to text.
    Save {
        id: uuid::Uuid,
        #[arg(long)]
        fields: String,
    },
    /// Approve a complete draft, as a named governance lead.
    Approve {
        id: uuid::Uuid,
        #[arg(long = "as")]
        by: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MethodologyCommand {
    /// Print the active methodology as JSON.
    Show,
    /// Approve a methodology (JSON file) as the new active version, as a governance lead.
    Approve {
        file: PathBuf,
        #[arg(long = "as")]
        by: String,
    },
}

fn write_out(output: Option<&PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

pub async fn risk(app: &App, command: RiskCommand) -> Result<ExitCode> {
    match command {
        RiskCommand::List => {
            let store = app.read_store().await?;
            let risks = store
                .risks(None, time::OffsetDateTime::now_utc().date())
                .await?;
            emit(app.json, &risks, |risks| {
                let rows: Vec<Vec<String>> = risks
                    .iter()
                    .map(|v| {
                        vec![
                            format!("R-{}", v.risk.number),
                            cell(&v.risk.fields.title, 40),
                            cell(&v.subject_name, 24),
                            v.risk.inherent_level.clone(),
                            v.risk.residual_level.clone(),
                            if v.risk.above_appetite {
                                if v.treated { "treated" } else { "UNTREATED" }
                            } else {
                                ""
                            }
                            .into(),
                            v.risk.fields.status.code().into(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "risk", "title", "on", "inherent", "residual", "appetite", "status",
                    ],
                    &rows,
                );
            })?;
        }
        RiskCommand::Show { risk } => {
            let store = app.read_store().await?;
            let view = store
                .risk(&risk, time::OffsetDateTime::now_utc().date())
                .await?;
            emit(app.json, &view, |v| {
                println!(
                    "R-{} {} on {} ({})",
                    v.risk.number, v.risk.fields.title, v.subject_name, v.risk.fields.subject
                );
                println!(
                    "  inherent {} / residual {}{}",
                    v.risk.inherent_level,
                    v.risk.residual_level,
                    if v.risk.above_appetite {
                        ", above appetite"
                    } else {
                        ""
                    }
                );
                for a in &v.actions {
                    println!(
                        "  action: {} ({}, due {}) controls {}",
                        a.fields.title,
                        a.fields.status,
                        a.fields.due,
                        a.fields.controls.join(", ")
                    );
                }
            })?;
        }
        RiskCommand::Add { fields: json } => {
            let fields: RiskFields =
                serde_json::from_value(json_arg(&json)?).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = app.write_store().await?;
            let risk = store
                .create_risk(&app.cli_ctx(), fields)
                .await
                .map_err(invalid)?;
            emit(app.json, &risk, |r| {
                println!("Recorded R-{}: {} residual", r.number, r.residual_level)
            })?;
        }
        RiskCommand::Accept {
            risk,
            reason,
            until,
            by,
        } => {
            let store = app.write_store().await?;
            let (who, ctx) = person(&store, &by, Permission::RiskWrite).await?;
            let id = store.risk_id(&risk).await?;
            let risk = store
                .accept_risk(&ctx, who, id, &reason, &until)
                .await
                .map_err(invalid)?;
            emit(app.json, &risk, |r| {
                println!("R-{} accepted until {until}", r.number)
            })?;
        }
        RiskCommand::Action { risk, fields: json } => {
            let fields: aims_store::ActionFields =
                serde_json::from_value(json_arg(&json)?).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = app.write_store().await?;
            let id = store.risk_id(&risk).await?;
            let action = store
                .add_risk_action(&app.cli_ctx(), id, fields)
                .await
                .map_err(invalid)?;
            emit(app.json, &action, |a| println!("Added action {}", a.id))?;
        }
        RiskCommand::Export { format, output } => {
            let store = app.read_store().await?;
            let risks = store
                .risks(None, time::OffsetDateTime::now_utc().date())
                .await?;
            let text = if format == "json" {
                serde_json::to_string_pretty(&aims_server::risk::to_json(&risks))? + "\n"
            } else {
                aims_server::risk::to_csv(&risks)
            };
            write_out(output.as_ref(), &text)?;
        }
        RiskCommand::Import { file } => {
            let csv = if file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                let rows: serde_json::Value = crate::output::json_file(&file)?;
                aims_server::risk::json_rows_to_csv(&rows).map_err(|e| anyhow::anyhow!(e))?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let store = app.write_store().await?;
            match aims_server::risk::import(&store, &app.cli_ctx(), &csv)
                .await
                .map_err(invalid)?
            {
                Ok((created, updated)) => println!(
                    "Imported {}: {created} created, {updated} updated",
                    file.display()
                ),
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("{}: {problem}", file.display());
                    }
                    bail!("nothing was imported ({} problem(s))", problems.len());
                }
            }
        }
        RiskCommand::Heatmap { inherent, output } => {
            let store = app.read_store().await?;
            let (methodology, _) = store.active_methodology().await?;
            let basis = if inherent {
                aims_server::risk::Basis::Inherent
            } else {
                aims_server::risk::Basis::Residual
            };
            let svg = aims_server::risk::heat_map(
                &methodology,
                &store
                    .risks(None, time::OffsetDateTime::now_utc().date())
                    .await?,
                basis,
            );
            write_out(Some(&output), &svg)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn assessment(app: &App, command: AssessmentCommand) -> Result<ExitCode> {
    match command {
        AssessmentCommand::List { system } => {
            let store = app.read_store().await?;
            let system = crate::cmd_system::resolve(&store, &system).await?;
            let list = store.assessments(system.id).await?;
            emit(app.json, &list, |list| {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|a| {
                        vec![
                            a.id.to_string(),
                            a.number.to_string(),
                            a.template.code().into(),
                            format!("{:?}", a.status).to_lowercase(),
                        ]
                    })
                    .collect();
                table(&["id", "version", "template", "status"], &rows);
            })?;
        }
        AssessmentCommand::Start { system, template } => {
            let store = app.write_store().await?;
            let system = crate::cmd_system::resolve(&store, &system).await?;
            let a = store
                .start_assessment(&app.cli_ctx(), system.id, template)
                .await
                .map_err(invalid)?;
            emit(app.json, &a, |a| {
                println!("Started version {} ({})", a.number, a.id)
            })?;
        }
        AssessmentCommand::Save { id, fields: json } => {
            let answers: std::collections::BTreeMap<String, String> =
                serde_json::from_value(json_arg(&json)?).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = app.write_store().await?;
            let version = store.assessment(id).await?.version;
            let a = store
                .save_assessment(&app.cli_ctx(), id, version, answers)
                .await
                .map_err(invalid)?;
            emit(app.json, &a, |a| println!("Saved version {}", a.number))?;
        }
        AssessmentCommand::Approve { id, by } => {
            let store = app.write_store().await?;
            let (who, ctx) = person(&store, &by, Permission::AssessmentApprove).await?;
            let a = store
                .approve_assessment(&ctx, who, id)
                .await
                .map_err(invalid)?;
            emit(app.json, &a, |a| println!("Approved version {}", a.number))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn methodology(app: &App, command: MethodologyCommand) -> Result<ExitCode> {
    match command {
        MethodologyCommand::Show => {
            let store = app.read_store().await?;
            let (methodology, version) = store.active_methodology().await?;
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"version": version, "methodology": methodology})
                )?
            );
        }
        MethodologyCommand::Approve { file, by } => {
            let methodology: Methodology = crate::output::json_file(&file)?;
            let store = app.write_store().await?;
            let (_, ctx) = person(&store, &by, Permission::PolicyAdmin).await?;
            let (_, active) = store.active_methodology().await?;
            let version = store
                .approve_methodology(&ctx, methodology, active)
                .await
                .map_err(invalid)?;
            println!("Methodology version {version} is now active");
        }
    }
    Ok(ExitCode::SUCCESS)
}
