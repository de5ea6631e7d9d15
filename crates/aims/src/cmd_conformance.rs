//! `aims framework`, `aims control`, `aims soa`, `aims clause`, `aims evidence` and
//! `aims gap`: conformance from the command line, through the same application functions
//! as the web UI and the API.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use aims_core::access::Permission;
use aims_core::control::{ControlFields, ControlFrequency, ControlStatus, RequirementRef};
use aims_core::evidence::EvidenceFields;
use aims_core::soa::{
    Applicability, ClauseFields, ClauseState, ImplementationStatus, SoaRowFields,
};
use aims_server::{AppState, ServerConfig, SystemClock, conformance, export};
use aims_store::{Actor, ISO42001, WriteCtx};
use anyhow::{Context, Result};
use clap::Subcommand;

use crate::app::App;
use crate::output::{cell, emit, table};

#[derive(Debug, Subcommand)]
pub enum FrameworkCommand {
    /// List the framework libraries, built in and imported.
    List,
    /// Show one framework's requirements.
    Show { id: String },
    /// Import a custom framework from a YAML file (checked by the same validator).
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// List applied controls.
    List,
    /// Add an applied control.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        owner: String,
        #[arg(long, value_parser = ControlStatus::parse, default_value = "planned")]
        status: ControlStatus,
        #[arg(long, value_parser = ControlFrequency::parse, default_value = "continuous")]
        frequency: ControlFrequency,
        #[arg(long, default_value_t = 0)]
        cost: i64,
        #[arg(long, default_value_t = 0)]
        effort_days: i64,
        /// A requirement it implements: `A.6.2.4` (ISO/IEC 42001) or `framework-id:REQ`. Repeatable.
        #[arg(long = "requirement")]
        requirements: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SoaCommand {
    /// Show the Statement of Applicability (the working draft, or an approved version).
    Show {
        /// An approved version's number.
        #[arg(long)]
        approved: Option<i64>,
    },
    /// Decide about one Annex A control.
    Set {
        control: String,
        #[arg(long, value_parser = Applicability::parse)]
        applicability: Applicability,
        #[arg(long)]
        justification: String,
        #[arg(long, value_parser = ImplementationStatus::parse)]
        status: ImplementationStatus,
        #[arg(long, default_value = "")]
        owner: String,
    },
    /// Approve the current SoA as a new frozen version, as a governance lead.
    Approve {
        /// The governance lead approving (their username): approval is theirs, not the CLI's.
        #[arg(long = "as", value_name = "USERNAME")]
        approver: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Export the SoA.
    Export {
        #[arg(long, value_parser = ["html", "md", "csv", "oscal-profile", "oscal-ssp"])]
        format: String,
        /// An approved version's number; default the working draft.
        #[arg(long)]
        approved: Option<i64>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClauseCommand {
    /// List clause requirements with their conformance.
    List,
    /// Record conformance with one clause requirement.
    Set {
        id: String,
        #[arg(long, value_parser = ClauseState::parse)]
        status: ClauseState,
        #[arg(long, default_value = "")]
        responsible: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Add a file or a link as evidence.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long, conflicts_with = "url")]
        file: Option<PathBuf>,
        #[arg(long)]
        url: Option<String>,
        /// What it supports, as `type:id` (`requirement:iso-iec-42001-2023:A.6.2.4`,
        /// `applied_control:<id>`, `ai_system:<id>`). Repeatable.
        #[arg(long = "link")]
        links: Vec<String>,
        #[arg(long, default_value = "")]
        owner: String,
        #[arg(long, default_value = "")]
        reviewer: String,
        #[arg(long, default_value = "")]
        effective_from: String,
        #[arg(long, default_value = "")]
        expires_on: String,
        #[arg(long, default_value = "")]
        reviewed_on: String,
        #[arg(long, default_value_t = 0)]
        review_cycle_days: i64,
    },
    /// Link evidence to more records.
    Link {
        id: uuid::Uuid,
        #[arg(long = "link", required = true)]
        links: Vec<String>,
    },
    /// List evidence (current versions), optionally by status.
    List {
        #[arg(long)]
        status: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GapCommand {
    /// The readiness report: scores, gaps with next actions, documented information.
    Report {
        #[arg(long, default_value = "text", value_parser = ["text", "json", "html"])]
        format: String,
    },
}

/// The application state the server would have, for calling the same functions.
async fn state(app: &App, writable: bool) -> Result<AppState> {
    let store = if writable {
        app.write_store().await?
    } else {
        app.read_store().await?
    };
    let config = ServerConfig {
        evidence_dir: app.config.data_dir.join("evidence"),
        evidence_max_bytes: app.config.server.evidence_max_bytes,
        ..ServerConfig::default()
    };
    AppState::new(store, Arc::new(SystemClock), config, None)
        .context("the built-in framework libraries do not load")
}

/// Turns an application error into a message: validation problems one per line.
fn api(error: aims_server::ApiError) -> anyhow::Error {
    if error.details.is_empty() {
        return anyhow::anyhow!("{}", error.message);
    }
    let details: Vec<String> = error
        .details
        .iter()
        .map(|d| format!("  {}: {}", d.field, d.message))
        .collect();
    let heading = if error.code == "validation_failed" {
        "invalid input:".to_owned()
    } else {
        error.message.clone()
    };
    anyhow::anyhow!("{heading}\n{}", details.join("\n"))
}

fn store_error(error: aims_store::StoreError) -> anyhow::Error {
    api(error.into())
}

pub async fn framework(app: &App, command: FrameworkCommand) -> Result<ExitCode> {
    match command {
        FrameworkCommand::List => {
            let state = state(app, false).await?;
            let catalog = conformance::full_catalog(&state).await.map_err(api)?;
            let rows: Vec<Vec<String>> = catalog
                .frameworks
                .iter()
                .map(|f| {
                    vec![
                        f.id.clone(),
                        cell(&f.name, 48),
                        f.requirements.len().to_string(),
                        if f.custom {
                            "custom".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            emit(app.json, &catalog.frameworks, |_| {
                table(&["ID", "NAME", "ITEMS", ""], &rows)
            })?;
        }
        FrameworkCommand::Show { id } => {
            let state = state(app, false).await?;
            let catalog = conformance::full_catalog(&state).await.map_err(api)?;
            let framework = catalog
                .framework(&id)
                .with_context(|| format!("no framework `{id}`"))?;
            emit(app.json, framework, |f| {
                for r in f.sorted() {
                    println!("{:<16}{}", r.id, r.title);
                }
            })?;
        }
        FrameworkCommand::Import { file } => {
            let state = state(app, true).await?;
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let framework = conformance::import_framework(&state, &app.cli_ctx(), &name, &source)
                .await
                .map_err(api)?;
            emit(app.json, &framework, |f| {
                println!(
                    "Imported `{}` ({} requirements)",
                    f.id,
                    f.requirements.len()
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn requirement_ref(text: &str) -> RequirementRef {
    match text.split_once(':') {
        Some((framework, requirement)) => RequirementRef {
            framework: framework.trim().into(),
            requirement: requirement.trim().into(),
        },
        None => RequirementRef {
            framework: ISO42001.into(),
            requirement: text.trim().into(),
        },
    }
}

pub async fn control(app: &App, command: ControlCommand) -> Result<ExitCode> {
    match command {
        ControlCommand::List => {
            let state = state(app, false).await?;
            let controls = state.store().list_controls().await?;
            emit(app.json, &controls, |controls| {
                let rows: Vec<Vec<String>> = controls
                    .iter()
                    .map(|c| {
                        let reqs: Vec<String> = c
                            .fields
                            .requirements
                            .iter()
                            .map(|r| r.requirement.clone())
                            .collect();
                        vec![
                            c.id.to_string(),
                            cell(&c.fields.name, 36),
                            c.fields.status.to_string(),
                            cell(&reqs.join(" "), 40),
                        ]
                    })
                    .collect();
                table(&["ID", "NAME", "STATUS", "REQUIREMENTS"], &rows);
            })?;
        }
        ControlCommand::Add {
            name,
            description,
            owner,
            status,
            frequency,
            cost,
            effort_days,
            requirements,
        } => {
            let state = state(app, true).await?;
            let fields = ControlFields {
                name,
                description,
                owner,
                status,
                frequency,
                cost_estimate: cost,
                effort_days,
                requirements: requirements.iter().map(|r| requirement_ref(r)).collect(),
            };
            let catalog = conformance::full_catalog(&state).await.map_err(api)?;
            conformance::check_references(&catalog, &fields.requirements)
                .map_err(|e| store_error(e.into()))?;
            let control = state
                .store()
                .create_control(&app.cli_ctx(), fields)
                .await
                .map_err(store_error)?;
            emit(app.json, &control, |c| {
                println!("Added applied control `{}` ({})", c.fields.name, c.id)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn soa(app: &App, command: SoaCommand) -> Result<ExitCode> {
    match command {
        SoaCommand::Show { approved } => {
            let state = state(app, false).await?;
            let document = export::load(&state, approved).await.map_err(api)?;
            emit(app.json, &document.rows, |rows| {
                let rows: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.row.control_id.clone(),
                            cell(&r.title, 40),
                            r.row.fields.applicability.to_string(),
                            r.row.fields.implementation_status.to_string(),
                            cell(&r.row.fields.justification, 40),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "CONTROL",
                        "TITLE",
                        "APPLICABILITY",
                        "STATUS",
                        "JUSTIFICATION",
                    ],
                    &rows,
                );
            })?;
        }
        SoaCommand::Set {
            control,
            applicability,
            justification,
            status,
            owner,
        } => {
            let state = state(app, true).await?;
            conformance::known_control(state.catalog(), &control).map_err(api)?;
            let current = conformance::current_soa(&state).await.map_err(api)?;
            let version = current
                .iter()
                .find(|r| r.row.control_id == control)
                .map_or(0, |r| r.row.version);
            let fields = SoaRowFields {
                applicability,
                justification,
                implementation_status: status,
                owner,
            };
            let row = state
                .store()
                .update_soa_row(&app.cli_ctx(), &control, version, fields)
                .await
                .map_err(store_error)?;
            emit(app.json, &row, |r| {
                println!(
                    "{} is now {} ({})",
                    r.control_id, r.fields.applicability, r.fields.implementation_status
                )
            })?;
        }
        SoaCommand::Approve { approver, note } => {
            let state = state(app, true).await?;
            let user = state
                .store()
                .get_user_by_name(&approver)
                .await?
                .with_context(|| format!("no user named `{approver}`"))?;
            if user.disabled || !user.role.allows(Permission::SoaApprove) {
                anyhow::bail!(
                    "`{}` ({}) may not approve the SoA: only an active governance lead may",
                    user.username,
                    user.role
                );
            }
            let ids = conformance::control_ids(state.catalog()).map_err(api)?;
            let ctx = WriteCtx::new(Actor::User(user.id), time::OffsetDateTime::now_utc());
            let version = state
                .store()
                .approve_soa(&ctx, &ids, &note)
                .await
                .map_err(store_error)?;
            emit(app.json, &version, |v| {
                println!("Approved SoA version {} for {}", v.number, user.username)
            })?;
        }
        SoaCommand::Export {
            format,
            approved,
            output,
        } => {
            let state = state(app, false).await?;
            let rendered = export::render(&state, &format, approved)
                .await
                .map_err(api)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &rendered.body)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote {}", path.display());
                }
                None => print!("{}", rendered.body),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn clause(app: &App, command: ClauseCommand) -> Result<ExitCode> {
    match command {
        ClauseCommand::List => {
            let state = state(app, false).await?;
            let clauses = conformance::clauses(&state).await.map_err(api)?;
            emit(app.json, &clauses, |clauses| {
                let rows: Vec<Vec<String>> = clauses
                    .iter()
                    .map(|c| {
                        vec![
                            c.record.requirement_id.clone(),
                            cell(&c.title, 48),
                            c.record.fields.status.to_string(),
                            cell(&c.record.fields.responsible_role, 24),
                        ]
                    })
                    .collect();
                table(&["CLAUSE", "TITLE", "STATUS", "RESPONSIBLE"], &rows);
            })?;
        }
        ClauseCommand::Set {
            id,
            status,
            responsible,
            notes,
        } => {
            let state = state(app, true).await?;
            conformance::known_clause(state.catalog(), &id).map_err(api)?;
            let current = conformance::clauses(&state).await.map_err(api)?;
            let version = current
                .iter()
                .find(|c| c.record.requirement_id == id)
                .map_or(0, |c| c.record.version);
            let fields = ClauseFields {
                status,
                responsible_role: responsible,
                notes,
            };
            let record = state
                .store()
                .update_clause_record(&app.cli_ctx(), &id, version, fields)
                .await
                .map_err(store_error)?;
            emit(app.json, &record, |r| {
                println!("{} is now {}", r.requirement_id, r.fields.status)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn evidence(app: &App, command: EvidenceCommand) -> Result<ExitCode> {
    use aims_server::evidence::{parse_link, status, store_file};
    match command {
        EvidenceCommand::Add {
            title,
            file,
            url,
            links,
            owner,
            reviewer,
            effective_from,
            expires_on,
            reviewed_on,
            review_cycle_days,
        } => {
            let state = state(app, true).await?;
            let links = links
                .iter()
                .map(|l| parse_link(l))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--link: {e}"))?;
            let fields = EvidenceFields {
                title,
                description: String::new(),
                owner,
                reviewer,
                url: url.clone().unwrap_or_default(),
                effective_from,
                expires_on,
                reviewed_on,
                review_cycle_days,
                links,
            };
            let stored = match &file {
                Some(path) => {
                    fields
                        .clone()
                        .validated(false)
                        .map_err(|e| store_error(e.into()))?;
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    Some(store_file(&state, &name, &bytes).map_err(api)?)
                }
                None if url.is_none() => anyhow::bail!("give --file or --url"),
                None => None,
            };
            let created = state
                .store()
                .create_evidence(&app.cli_ctx(), fields, stored)
                .await
                .map_err(store_error)?;
            emit(app.json, &created, |e| {
                println!("Added evidence `{}` ({})", e.fields.title, e.id)
            })?;
        }
        EvidenceCommand::Link { id, links } => {
            let state = state(app, true).await?;
            let current = state.store().get_evidence(id).await.map_err(store_error)?;
            let mut fields = current.fields.clone();
            for link in &links {
                fields
                    .links
                    .push(parse_link(link).map_err(|e| anyhow::anyhow!("--link: {e}"))?);
            }
            let updated = state
                .store()
                .update_evidence(&app.cli_ctx(), id, current.version, fields)
                .await
                .map_err(store_error)?;
            emit(app.json, &updated, |e| {
                println!(
                    "`{}` now supports {} record(s)",
                    e.fields.title,
                    e.fields.links.len()
                )
            })?;
        }
        EvidenceCommand::List { status: wanted } => {
            let state = state(app, false).await?;
            let today = aims_server::evidence::today(&state);
            let items: Vec<_> = state
                .store()
                .list_evidence(&aims_store::EvidenceFilter::default())
                .await?
                .into_iter()
                .map(|e| aims_server::evidence::view(e, today))
                .filter(|v| {
                    wanted.as_deref().is_none_or(|w| {
                        serde_json::to_value(v.status)
                            .ok()
                            .and_then(|s| s.as_str().map(|s| s == w))
                            .unwrap_or(false)
                    })
                })
                .collect();
            emit(app.json, &items, |items| {
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|v| {
                        let s = serde_json::to_value(status(&v.evidence, today))
                            .ok()
                            .and_then(|s| s.as_str().map(str::to_owned))
                            .unwrap_or_default();
                        vec![
                            v.evidence.id.to_string(),
                            cell(&v.evidence.fields.title, 40),
                            s,
                            v.evidence.fields.expires_on.clone(),
                        ]
                    })
                    .collect();
                table(&["ID", "TITLE", "STATUS", "EXPIRES"], &rows);
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn gap(app: &App, command: GapCommand) -> Result<ExitCode> {
    let GapCommand::Report { format } = command;
    let state = state(app, false).await?;
    let readiness = aims_server::readiness::compute(&state).await.map_err(api)?;
    match format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&readiness)?),
        "html" => print!(
            "{}",
            aims_server::readiness::report_html(&state, &readiness).map_err(api)?
        ),
        _ => {
            println!(
                "Readiness {:.1}% (clauses {:.1}%, Annex A {:.1}%)",
                readiness.score, readiness.clauses.score, readiness.annex_a.score
            );
            println!("{}", readiness.explanation);
            println!("\n{} gap(s):", readiness.gaps.len());
            let rows: Vec<Vec<String>> = readiness
                .gaps
                .iter()
                .map(|g| {
                    vec![
                        g.severity.to_string(),
                        g.requirement_id.clone(),
                        cell(&g.next_action, 90),
                    ]
                })
                .collect();
            table(&["SEVERITY", "REQUIREMENT", "NEXT ACTION"], &rows);
            let missing: Vec<&str> = readiness
                .documented_information
                .iter()
                .filter(|d| !d.present)
                .map(|d| d.requirement_id.as_str())
                .collect();
            println!(
                "\nDocumented information missing for: {}",
                if missing.is_empty() {
                    "none".into()
                } else {
                    missing.join(", ")
                }
            );
            println!(
                "Business case: {} applied control(s) to finish, cost {}, effort {} person-days",
                readiness.business_case.items.len(),
                readiness.business_case.total_cost,
                readiness.business_case.total_effort_days
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
