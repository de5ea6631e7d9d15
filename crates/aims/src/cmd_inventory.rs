//! `aims inventory`, `aims dataset`, `aims link`, `aims graph`, `aims change`,
//! `aims waiver`, `aims classify` and `aims governance`: the inventory and its governance
//! from the command line, through the same store functions as the API.
//!
//! Decisions made from the command line name the person making them (`--as <username>`),
//! and that person's role is checked exactly as on the web: the CLI has database access,
//! but governance decisions still belong to named people.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aims_core::access::Permission;
use aims_core::governance::{Decision, Policy, Requirement, Subject};
use aims_core::inventory::Kind;
use aims_core::inventory::graph::{Direction, NodeRef};
use aims_core::risk::classification::IntakeAnswers;
use aims_store::{Actor, ItemFilter, NewLink, NewWaiver, WriteCtx};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::app::{App, acting_as as person};
use crate::output::{cell, emit, table};
use crate::output::{invalid, json_arg};

fn kind(text: &str) -> Result<Kind, String> {
    Kind::parse(text).and_then(|k| {
        if k == Kind::AiSystem {
            Err("AI systems have their own command: `aims system`".into())
        } else {
            Ok(k)
        }
    })
}

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// The kinds of record and their fields.
    Kinds,
    /// List records of one kind.
    List {
        #[arg(value_parser = kind)]
        kind: Kind,
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one record.
    Show {
        #[arg(value_parser = kind)]
        kind: Kind,
        id: uuid::Uuid,
    },
    /// Register a record from its fields as JSON (`--fields '{...}'`, `--fields @file.json`, or
    /// `--fields -` for standard input).
    Add {
        #[arg(value_parser = kind)]
        kind: Kind,
        #[arg(long)]
        fields: String,
    },
    /// Replace a record's fields.
    Update {
        #[arg(value_parser = kind)]
        kind: Kind,
        id: uuid::Uuid,
        #[arg(long)]
        fields: String,
        /// The version you last saw (default: the current one).
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// The audit-trail entries of a record.
    History {
        #[arg(value_parser = kind)]
        kind: Kind,
        id: uuid::Uuid,
    },
    /// Dataset versions past their retention date.
    Retention,
    /// Record that a dataset version's data was deleted under its retention rule.
    RecordDeletion { id: uuid::Uuid },
}

/// `aims dataset register`.
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Register a CSV or Parquet file as a version of a dataset: its SHA-256, row count and
    /// schema are computed from the file.
    Register(RegisterArgs),
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The CSV or Parquet file.
    file: PathBuf,
    /// The dataset (id or exact name); created when `--create` is given and none matches.
    #[arg(long)]
    dataset: String,
    /// The version label, such as 2026-11.
    #[arg(long)]
    label: String,
    /// Dataset versions it was derived from (ids), for lineage.
    #[arg(long = "parent")]
    parents: Vec<uuid::Uuid>,
    /// Create the dataset when no dataset has this name.
    #[arg(long)]
    create: bool,
}

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Link an AI system to what it depends on: `aims link add ai_system:<id> uses_model model_version:<id>`.
    Add {
        from: String,
        relation: String,
        to: String,
        /// For `exchanges_data`: inbound, outbound or both.
        #[arg(long)]
        direction: Option<String>,
        /// What flows, in a few words.
        #[arg(long, default_value = "")]
        data: String,
    },
    /// Remove an explicit link by id.
    Remove { id: uuid::Uuid },
}

/// `aims graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// `kind:id` to start from; the whole graph without it.
    #[arg(long)]
    node: Option<String>,
    /// What depends on the node, rather than what it depends on.
    #[arg(long)]
    dependents: bool,
    /// Write the drawing as SVG to this file.
    #[arg(long)]
    svg: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ChangeCommand {
    /// Change requests, newest first.
    List {
        #[arg(long)]
        status: Option<String>,
    },
    /// One request (number or id).
    Show { request: String },
    /// The transitions open to a subject (`ai_system:<id>` or `model_version:<id>`), with
    /// their gates and approvers.
    Gates { subject: String },
    /// Ask for a transition.
    Request {
        subject: String,
        transition: String,
        #[arg(long)]
        reason: String,
        /// The person asking (username).
        #[arg(long = "as")]
        by: String,
    },
    /// Approve a request.
    Approve {
        request: String,
        #[arg(long = "as")]
        by: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject a request (a reason is required).
    Reject {
        request: String,
        #[arg(long = "as")]
        by: String,
        #[arg(long)]
        comment: String,
    },
    /// Withdraw one's own request.
    Withdraw {
        request: String,
        #[arg(long = "as")]
        by: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WaiverCommand {
    /// Waivers, newest first.
    List,
    /// Grant a waiver of one gate requirement until a date.
    Grant {
        subject: String,
        /// The requirement, such as impact_assessment_approved.
        #[arg(value_parser = Requirement::parse)]
        requirement: Requirement,
        #[arg(long)]
        reason: String,
        /// YYYY-MM-DD, the last day it applies.
        #[arg(long)]
        until: String,
        #[arg(long = "as")]
        by: String,
    },
    /// Revoke a waiver.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Subcommand)]
pub enum GovernanceCommand {
    /// Print the governance policy as JSON.
    Policy,
    /// Replace the policy from a JSON file (a governance lead's decision).
    SetPolicy {
        file: PathBuf,
        #[arg(long = "as")]
        by: String,
    },
    /// Escalate overdue change requests and expire waivers (the server does it hourly).
    Sweep,
    /// Record an AI system's intake answers (JSON file) and print its classification.
    Classify {
        /// The system (id or exact name).
        system: String,
        answers: PathBuf,
    },
}

fn node(text: &str) -> Result<NodeRef> {
    NodeRef::parse(text).map_err(|e| anyhow::anyhow!(e))
}

fn subject_of(text: &str) -> Result<(Subject, uuid::Uuid)> {
    let node = node(text)?;
    let subject = Subject::parse(node.kind.code()).map_err(|_| {
        anyhow::anyhow!("transitions apply to ai_system:<id> or model_version:<id>")
    })?;
    Ok((subject, node.id))
}

pub async fn inventory(app: &App, command: InventoryCommand) -> Result<ExitCode> {
    match command {
        InventoryCommand::Kinds => {
            let docs = aims_server::inventory::kind_docs();
            emit(app.json, &docs, |docs| {
                for doc in docs {
                    let fields: Vec<String> = doc
                        .fields
                        .iter()
                        .map(|f| {
                            if f.required {
                                format!("{}*", f.name)
                            } else {
                                f.name.clone()
                            }
                        })
                        .collect();
                    println!("{:<18}{}", doc.kind.code(), fields.join(", "));
                }
            })?;
        }
        InventoryCommand::List { kind, q, status } => {
            let store = app.read_store().await?;
            let page = store
                .list_items(
                    kind,
                    &ItemFilter {
                        q,
                        status,
                        limit: Some(1000),
                        ..Default::default()
                    },
                )
                .await?;
            emit(app.json, &page, |page| {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|i| {
                        vec![
                            i.id.to_string(),
                            cell(&i.display_name(), 40),
                            i.status.clone(),
                            i.updated_at[..10.min(i.updated_at.len())].to_owned(),
                        ]
                    })
                    .collect();
                table(&["id", "name", "status", "updated"], &rows);
            })?;
        }
        InventoryCommand::Show { kind, id } => {
            let store = app.read_store().await?;
            let item = store.get_item(kind, id).await?;
            emit(app.json, &item, |item| {
                println!(
                    "{} {} ({}){}",
                    kind.label(),
                    item.display_name(),
                    item.id,
                    if item.status.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", item.status)
                    }
                );
                for (name, value) in &item.fields {
                    if !aims_core::inventory::is_empty(value) {
                        println!(
                            "  {name:<26}{}",
                            value
                                .as_str()
                                .map_or_else(|| value.to_string(), str::to_owned)
                        );
                    }
                }
            })?;
        }
        InventoryCommand::Add { kind, fields: json } => {
            let fields = json_arg(&json)?;
            let store = app.write_store().await?;
            let item = store
                .create_item(&app.cli_ctx(), kind, &fields)
                .await
                .map_err(invalid)?;
            emit(app.json, &item, |i| {
                println!(
                    "Registered {} `{}` ({})",
                    kind.label().to_lowercase(),
                    i.display_name(),
                    i.id
                )
            })?;
        }
        InventoryCommand::Update {
            kind,
            id,
            fields: json,
            expect_version,
        } => {
            let fields = json_arg(&json)?;
            let store = app.write_store().await?;
            let version = match expect_version {
                Some(v) => v,
                None => store.get_item(kind, id).await?.version,
            };
            let item = store
                .update_item(&app.cli_ctx(), kind, id, version, &fields)
                .await
                .map_err(invalid)?;
            emit(app.json, &item, |i| {
                println!("Saved `{}`, now version {}", i.display_name(), i.version)
            })?;
        }
        InventoryCommand::History { kind, id } => {
            let store = app.read_store().await?;
            store.get_item(kind, id).await?;
            let history = store.history(kind.code(), &id.to_string()).await?;
            emit(app.json, &history, |h| {
                let rows: Vec<Vec<String>> = h
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.time.clone(),
                            e.actor.clone(),
                            e.action.clone(),
                        ]
                    })
                    .collect();
                table(&["seq", "time", "actor", "action"], &rows);
            })?;
        }
        InventoryCommand::Retention => {
            let store = app.read_store().await?;
            let due = aims_server::inventory::retention_due(
                &store,
                time::OffsetDateTime::now_utc().date(),
            )
            .await?;
            emit(app.json, &due, |due| {
                let rows: Vec<Vec<String>> = due
                    .iter()
                    .map(|i| {
                        vec![
                            i.id.to_string(),
                            i.display_name(),
                            i.text("retain_until").to_owned(),
                        ]
                    })
                    .collect();
                table(&["id", "dataset version", "keep until"], &rows);
            })?;
        }
        InventoryCommand::RecordDeletion { id } => {
            let store = app.write_store().await?;
            let version = store.get_item(Kind::DatasetVersion, id).await?.version;
            let item = store
                .record_dataset_deletion(&app.cli_ctx(), id, version)
                .await?;
            emit(app.json, &item, |i| {
                println!("Recorded the deletion of {}", i.display_name())
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What registering a data file records about it.
struct Described {
    columns: Vec<(String, String)>,
    rows: u64,
}

/// Reads a CSV or Parquet file's schema (inferred for CSV) and counts its rows in one
/// streaming pass over its narrowest column.
fn describe(path: &Path) -> Result<Described> {
    let source =
        aims_analytics::input::DataSource::open(path, &aims_analytics::DatasetSpec::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let columns: Vec<(String, String)> = source
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string().to_lowercase()))
        .collect();
    let rows = match (source.rows_exact(), source.rows_hint()) {
        (true, Some(rows)) => rows,
        _ => {
            let first: Vec<String> = columns.iter().take(1).map(|(n, _)| n.clone()).collect();
            let mut rows = 0_u64;
            for batch in source.batches(&first).map_err(|e| anyhow::anyhow!("{e}"))? {
                let batch = batch.map_err(|e| anyhow::anyhow!("{e}"))?;
                rows += batch.num_rows() as u64;
            }
            rows
        }
    };
    Ok(Described { columns, rows })
}

/// SHA-256 of a file, streamed.
fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hex::encode(hasher.finalize()))
}

pub async fn dataset(app: &App, command: DatasetCommand) -> Result<ExitCode> {
    let DatasetCommand::Register(args) = command;
    // Read the file first: a file that cannot be read registers nothing.
    let described = describe(&args.file)?;
    let sha256 = sha256_file(&args.file)?;
    let store = app.write_store().await?;
    let ctx = app.cli_ctx();
    let dataset = match uuid::Uuid::parse_str(&args.dataset) {
        Ok(id) => store.get_item(Kind::Dataset, id).await?,
        Err(_) => {
            let page = store
                .list_items(
                    Kind::Dataset,
                    &ItemFilter {
                        q: Some(args.dataset.clone()),
                        limit: Some(1000),
                        ..Default::default()
                    },
                )
                .await?;
            match page.items.into_iter().find(|d| d.name == args.dataset) {
                Some(found) => found,
                None if args.create => store
                    .create_item(
                        &ctx,
                        Kind::Dataset,
                        &serde_json::json!({"name": args.dataset}),
                    )
                    .await
                    .map_err(invalid)?,
                None => bail!(
                    "no dataset is named `{}`: give its id, or add --create",
                    args.dataset
                ),
            }
        }
    };
    let schema: Vec<Value> = described
        .columns
        .iter()
        .map(|(name, ty)| serde_json::json!({"name": name, "type": ty}))
        .collect();
    let fields = serde_json::json!({
        "dataset_id": dataset.id,
        "version": args.label,
        "file_name": args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "sha256": sha256,
        "row_count": described.rows,
        "schema": schema,
        "parents": args.parents,
    });
    let item = store
        .create_item(&ctx, Kind::DatasetVersion, &fields)
        .await
        .map_err(invalid)?;
    emit(app.json, &item, |i| {
        println!(
            "Registered {} ({}): {} rows, {} columns, SHA-256 {}",
            i.display_name(),
            i.id,
            described.rows,
            described.columns.len(),
            i.text("sha256")
        );
    })?;
    Ok(ExitCode::SUCCESS)
}

pub async fn link(app: &App, command: LinkCommand) -> Result<ExitCode> {
    let store = app.write_store().await?;
    match command {
        LinkCommand::Add {
            from,
            relation,
            to,
            direction,
            data,
        } => {
            let direction = direction
                .map(|d| aims_core::inventory::FlowDirection::parse(&d))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--direction: {e}"))?;
            let link = store
                .add_link(
                    &app.cli_ctx(),
                    NewLink {
                        from,
                        relation,
                        to,
                        direction,
                        data,
                    },
                )
                .await
                .map_err(invalid)?;
            emit(app.json, &link, |l| println!("Linked ({})", l.id))?;
        }
        LinkCommand::Remove { id } => {
            store.remove_link(&app.cli_ctx(), id).await?;
            if !app.json {
                println!("Removed");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn graph(app: &App, args: GraphArgs) -> Result<ExitCode> {
    let store = app.read_store().await?;
    let start = args.node.as_deref().map(node).transpose()?;
    let direction = if args.dependents {
        Direction::Dependents
    } else {
        Direction::Dependencies
    };
    let view = aims_server::inventory::graph(&store, start, direction).await?;
    if let Some(path) = &args.svg {
        std::fs::write(
            path,
            aims_server::inventory::graph_svg(&view, start.as_slice()),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    emit(app.json, &view, |view| {
        let name = |n: &NodeRef| {
            view.nodes
                .iter()
                .find(|g| g.node == *n)
                .map_or_else(|| n.key(), |g| format!("{} {}", n.kind.code(), g.name))
        };
        if start.is_some() {
            for reached in &view.reached {
                let via: Vec<String> = reached.path.iter().map(|e| e.relation.clone()).collect();
                println!("{:<50} via {}", name(&reached.node), via.join(" → "));
            }
            if view.reached.is_empty() {
                println!("nothing");
            }
        } else {
            for edge in &view.edges {
                println!(
                    "{} --{}--> {}",
                    name(&edge.from),
                    edge.relation,
                    name(&edge.to)
                );
            }
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

pub async fn change(app: &App, command: ChangeCommand) -> Result<ExitCode> {
    match command {
        ChangeCommand::List { status } => {
            let store = app.read_store().await?;
            let requests = store.change_requests(status.as_deref(), None).await?;
            emit(app.json, &requests, |rs| {
                let rows: Vec<Vec<String>> = rs
                    .iter()
                    .map(|r| {
                        vec![
                            format!("CR-{}", r.number),
                            cell(&r.subject_name, 30),
                            format!(
                                "{} {}→{}",
                                r.transition.name, r.transition.from, r.transition.to
                            ),
                            r.tier.code().into(),
                            format!("{}/{}", r.approvals(), r.rule.quorum),
                            r.status.clone(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "request",
                        "subject",
                        "transition",
                        "tier",
                        "approvals",
                        "status",
                    ],
                    &rows,
                );
            })?;
        }
        ChangeCommand::Show { request } => {
            let store = app.read_store().await?;
            let r = store.change_request(&request).await?;
            emit(app.json, &r, |r| {
                println!(
                    "CR-{} {} {} ({} → {}): {}",
                    r.number,
                    r.transition.name,
                    r.subject_name,
                    r.transition.from,
                    r.transition.to,
                    r.status
                );
                println!(
                    "  tier {}, {} of {} approvals from {}",
                    r.tier,
                    r.approvals(),
                    r.rule.quorum,
                    r.rule
                        .approvers
                        .iter()
                        .map(|x| x.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for d in &r.decisions {
                    println!(
                        "  {:?} by user:{} ({}) at {} {}",
                        d.decision, d.user_id, d.role, d.at, d.comment
                    );
                }
            })?;
        }
        ChangeCommand::Gates { subject } => {
            let store = app.read_store().await?;
            let (subject, id) = subject_of(&subject)?;
            let checks = store
                .transition_checks(subject, id, time::OffsetDateTime::now_utc().date())
                .await?;
            emit(app.json, &checks, |checks| {
                for c in checks {
                    println!(
                        "{} ({} → {}), tier {}: {}",
                        c.transition.name,
                        c.transition.from,
                        c.transition.to,
                        c.tier,
                        if c.ready {
                            "ready to request"
                        } else {
                            "gates unmet"
                        }
                    );
                    for g in &c.gates {
                        let mark = if g.met {
                            "ok"
                        } else if g.waiver.is_some() {
                            "waived"
                        } else {
                            "MISSING"
                        };
                        println!("  [{mark}] {}: {}", g.label, g.detail);
                    }
                }
            })?;
        }
        ChangeCommand::Request {
            subject,
            transition,
            reason,
            by,
        } => {
            let store = app.write_store().await?;
            let (who, ctx) = person(&store, &by, Permission::SystemWrite).await?;
            let (subject, id) = subject_of(&subject)?;
            let r = store
                .request_change(&ctx, who, subject, id, &transition, &reason)
                .await
                .map_err(invalid)?;
            emit(app.json, &r, |r| {
                println!(
                    "Requested CR-{}: needs {} approval(s)",
                    r.number, r.rule.quorum
                )
            })?;
        }
        ChangeCommand::Approve {
            request,
            by,
            comment,
        } => decide(app, &request, &by, Decision::Approve, &comment).await?,
        ChangeCommand::Reject {
            request,
            by,
            comment,
        } => decide(app, &request, &by, Decision::Reject, &comment).await?,
        ChangeCommand::Withdraw { request, by } => {
            let store = app.write_store().await?;
            let (who, ctx) = person(&store, &by, Permission::SystemWrite).await?;
            let id = store.change_request(&request).await?.id;
            let r = store.withdraw_change(&ctx, who, id).await?;
            emit(app.json, &r, |r| println!("CR-{} withdrawn", r.number))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn decide(
    app: &App,
    request: &str,
    by: &str,
    decision: Decision,
    comment: &str,
) -> Result<()> {
    let store = app.write_store().await?;
    let (who, ctx) = person(&store, by, Permission::GovernanceDecide).await?;
    let id = store.change_request(request).await?.id;
    let r = store
        .decide_change(&ctx, who, id, decision, comment)
        .await
        .map_err(invalid)?;
    emit(app.json, &r, |r| {
        println!(
            "CR-{} is {} ({} of {} approvals)",
            r.number,
            r.status,
            r.approvals(),
            r.rule.quorum
        )
    })
}

pub async fn waiver(app: &App, command: WaiverCommand) -> Result<ExitCode> {
    match command {
        WaiverCommand::List => {
            let store = app.read_store().await?;
            let waivers = store.waivers(None).await?;
            emit(app.json, &waivers, |ws| {
                let rows: Vec<Vec<String>> = ws
                    .iter()
                    .map(|w| {
                        vec![
                            w.id.to_string(),
                            format!("{}:{}", w.subject_type, w.subject_id),
                            w.requirement.code().into(),
                            w.expires_on.clone(),
                            w.status.clone(),
                        ]
                    })
                    .collect();
                table(&["id", "subject", "requirement", "until", "status"], &rows);
            })?;
        }
        WaiverCommand::Grant {
            subject,
            requirement,
            reason,
            until,
            by,
        } => {
            let store = app.write_store().await?;
            let (who, ctx) = person(&store, &by, Permission::WaiverGrant).await?;
            let (subject_type, subject_id) = subject_of(&subject)?;
            let w = store
                .grant_waiver(
                    &ctx,
                    who,
                    NewWaiver {
                        subject_type,
                        subject_id,
                        requirement,
                        reason,
                        expires_on: until,
                    },
                )
                .await
                .map_err(invalid)?;
            emit(app.json, &w, |w| {
                println!("Waiver {} granted until {}", w.id, w.expires_on)
            })?;
        }
        WaiverCommand::Revoke { id } => {
            let store = app.write_store().await?;
            let w = store.revoke_waiver(&app.cli_ctx(), id).await?;
            emit(app.json, &w, |w| println!("Waiver {} revoked", w.id))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn governance(app: &App, command: GovernanceCommand) -> Result<ExitCode> {
    match command {
        GovernanceCommand::Policy => {
            let store = app.read_store().await?;
            let (policy, version) = store.governance_policy().await?;
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"version": version, "policy": policy})
                )?
            );
        }
        GovernanceCommand::SetPolicy { file, by } => {
            let policy: Policy = crate::output::json_file(&file)?;
            let store = app.write_store().await?;
            let (_, ctx) = person(&store, &by, Permission::PolicyAdmin).await?;
            let (_, version) = store.governance_policy().await?;
            store
                .set_governance_policy(&ctx, policy, version)
                .await
                .map_err(invalid)?;
            if !app.json {
                println!("Policy saved as version {}", version + 1);
            }
        }
        GovernanceCommand::Sweep => {
            let store = app.write_store().await?;
            let report = store
                .governance_sweep(&WriteCtx::new(
                    Actor::System("sweep"),
                    time::OffsetDateTime::now_utc(),
                ))
                .await?;
            emit(app.json, &report, |r| {
                println!(
                    "{} request(s) escalated, {} waiver(s) expired",
                    r.escalated.len(),
                    r.waivers_expired.len()
                )
            })?;
        }
        GovernanceCommand::Classify { system, answers } => {
            let answers: IntakeAnswers = crate::output::json_file(&answers)?;
            let store = app.write_store().await?;
            let system = crate::cmd_system::resolve(&store, &system).await?;
            let version = store
                .classification(system.id)
                .await?
                .map_or(0, |c| c.version);
            let c = store
                .classify_system(
                    &app.cli_ctx(),
                    system.id,
                    answers,
                    version,
                    &aims_server::inventory::law_version(
                        &aims_catalog::Catalog::builtin().map_err(|e| anyhow::anyhow!("{e}"))?,
                    ),
                )
                .await
                .map_err(invalid)?;
            emit(app.json, &c, |c| {
                println!(
                    "{}: impact class {}; EU AI Act {}{}",
                    system.fields.name,
                    c.classification.class,
                    c.screening.tier,
                    c.screening
                        .annex_iii_area
                        .as_ref()
                        .map(|a| format!(" ({a})"))
                        .unwrap_or_default()
                );
                for d in &c.classification.drivers {
                    println!("  {}: {} (+{})", d.question, d.answer, d.points);
                }
                for line in &c.screening.rationale {
                    println!("  {line}");
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
