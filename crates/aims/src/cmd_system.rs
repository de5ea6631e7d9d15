//! `aims system`: the AI system register from the command line.

use std::process::ExitCode;

use aims_core::ai_system::{
    AiSystem, AiSystemFields, AiSystemFilter, AiSystemPatch, AutonomyLevel, HumanOversight,
    LifecycleStage, OrgRole,
};
use aims_store::{ListParams, Store};
use anyhow::Result;
use clap::{Args, Subcommand};
use uuid::Uuid;

use crate::app::App;
use crate::output::{cell, emit, table};

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Register an AI system.
    Add(SystemFieldArgs),
    /// List AI systems.
    List(ListArgs),
    /// Show one AI system (by id or exact name).
    Show { system: String },
    /// Change fields of an AI system.
    Update {
        system: String,
        /// The version you last saw; if the record has changed since, the update is refused.
        /// Default: the current version.
        #[arg(long)]
        expect_version: Option<i64>,
        #[command(flatten)]
        fields: SystemFieldArgs,
    },
    /// Archive an AI system (kept with its history, hidden from default lists).
    Archive { system: String },
    /// Restore an archived AI system.
    Restore { system: String },
    /// Show the audit-trail entries of an AI system.
    History { system: String },
}

/// Every field as an optional flag: required ones are checked by the same validation as
/// the API, so the error names the field in the same words.
#[derive(Debug, Args, Default)]
pub struct SystemFieldArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    purpose: Option<String>,
    #[arg(long)]
    intended_use: Option<String>,
    #[arg(long)]
    foreseeable_misuse: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    business_unit: Option<String>,
    #[arg(long = "stage", value_parser = LifecycleStage::parse)]
    lifecycle_stage: Option<LifecycleStage>,
    #[arg(long = "role", value_parser = OrgRole::parse)]
    org_role: Option<OrgRole>,
    #[arg(long = "autonomy", value_parser = AutonomyLevel::parse)]
    autonomy_level: Option<AutonomyLevel>,
    #[arg(long = "oversight", value_parser = HumanOversight::parse)]
    human_oversight: Option<HumanOversight>,
    #[arg(long)]
    deployment_context: Option<String>,
    #[arg(long)]
    data_subjects: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    last_review: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    next_review: Option<String>,
}

impl SystemFieldArgs {
    fn into_patch(self, version: i64) -> AiSystemPatch {
        AiSystemPatch {
            version,
            name: self.name,
            purpose: self.purpose,
            intended_use: self.intended_use,
            foreseeable_misuse: self.foreseeable_misuse,
            owner: self.owner,
            business_unit: self.business_unit,
            lifecycle_stage: self.lifecycle_stage,
            org_role: self.org_role,
            autonomy_level: self.autonomy_level,
            human_oversight: self.human_oversight,
            deployment_context: self.deployment_context,
            data_subjects: self.data_subjects,
            last_review: self.last_review,
            next_review: self.next_review,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Text in the name, purpose or owner.
    #[arg(long)]
    q: Option<String>,
    #[arg(long, value_parser = LifecycleStage::parse)]
    stage: Option<LifecycleStage>,
    #[arg(long, value_parser = OrgRole::parse)]
    role: Option<OrgRole>,
    #[arg(long)]
    business_unit: Option<String>,
    /// Include archived systems.
    #[arg(long)]
    all: bool,
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

/// Finds a system by id or by exact (case-insensitive) name.
pub async fn resolve(store: &Store, reference: &str) -> Result<AiSystem> {
    if let Ok(id) = Uuid::parse_str(reference) {
        return Ok(store.get_ai_system(id).await?);
    }
    let filter = AiSystemFilter {
        q: Some(reference.to_owned()),
        include_archived: Some(true),
        ..AiSystemFilter::default()
    };
    let page = store
        .list_ai_systems(&filter, &ListParams::default())
        .await?;
    let mut matches = page
        .items
        .into_iter()
        .filter(|s| s.fields.name.eq_ignore_ascii_case(reference.trim()));
    match (matches.next(), matches.next()) {
        (Some(system), None) => Ok(system),
        (Some(_), Some(_)) => anyhow::bail!("several systems are named `{reference}`: use the id"),
        (None, _) => anyhow::bail!("no AI system has the id or name `{reference}`"),
    }
}

fn print_system(system: &AiSystem) {
    let f = &system.fields;
    let rows = [
        ("id", system.id.to_string()),
        ("name", f.name.clone()),
        ("purpose", f.purpose.clone()),
        ("intended use", f.intended_use.clone()),
        ("foreseeable misuse", f.foreseeable_misuse.clone()),
        ("owner", f.owner.clone()),
        ("business unit", f.business_unit.clone()),
        ("stage", f.lifecycle_stage.to_string()),
        ("our role", f.org_role.to_string()),
        ("autonomy", f.autonomy_level.to_string()),
        ("oversight", f.human_oversight.to_string()),
        ("deployment context", f.deployment_context.clone()),
        ("data subjects", f.data_subjects.clone()),
        ("last review", f.last_review.clone()),
        ("next review", f.next_review.clone()),
        ("archived", system.archived.to_string()),
        ("version", system.version.to_string()),
        ("updated", system.updated_at.clone()),
    ];
    for (label, value) in rows {
        println!("{label:<20}{value}");
    }
}

fn validation(error: aims_store::StoreError) -> anyhow::Error {
    match error {
        aims_store::StoreError::Validation(errors) => anyhow::anyhow!(
            "invalid input: {}",
            errors
                .errors
                .iter()
                .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}

pub async fn run(app: &App, command: SystemCommand) -> Result<ExitCode> {
    match command {
        SystemCommand::Add(args) => {
            let store = app.write_store().await?;
            let fields = AiSystemFields::blank().patched(args.into_patch(0));
            let system = store
                .create_ai_system(&app.cli_ctx(), fields)
                .await
                .map_err(validation)?;
            emit(app.json, &system, |s| {
                println!("Registered `{}` ({})", s.fields.name, s.id);
            })?;
        }
        SystemCommand::List(args) => {
            let store = app.read_store().await?;
            let filter = AiSystemFilter {
                q: args.q,
                lifecycle_stage: args.stage,
                org_role: args.role,
                business_unit: args.business_unit,
                include_archived: Some(args.all),
            };
            let params = ListParams {
                limit: Some(args.limit),
                ..ListParams::default()
            };
            let page = store.list_ai_systems(&filter, &params).await?;
            emit(app.json, &page, |page| {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|s| {
                        vec![
                            s.id.to_string(),
                            cell(&s.fields.name, 32),
                            s.fields.lifecycle_stage.to_string(),
                            s.fields.org_role.to_string(),
                            cell(&s.fields.owner, 24),
                            if s.archived {
                                "archived".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                table(&["ID", "NAME", "STAGE", "ROLE", "OWNER", ""], &rows);
                println!("{} of {} shown", page.items.len(), page.total);
            })?;
        }
        SystemCommand::Show { system } => {
            let store = app.read_store().await?;
            let system = resolve(&store, &system).await?;
            emit(app.json, &system, print_system)?;
        }
        SystemCommand::Update {
            system,
            expect_version,
            fields,
        } => {
            let store = app.write_store().await?;
            let current = resolve(&store, &system).await?;
            let patch = fields.into_patch(expect_version.unwrap_or(current.version));
            let updated = store
                .update_ai_system(&app.cli_ctx(), current.id, patch)
                .await
                .map_err(validation)?;
            emit(app.json, &updated, |s| {
                println!("Updated `{}` to version {}", s.fields.name, s.version);
            })?;
        }
        SystemCommand::Archive { system } => archive(app, &system, true).await?,
        SystemCommand::Restore { system } => archive(app, &system, false).await?,
        SystemCommand::History { system } => {
            let store = app.read_store().await?;
            let system = resolve(&store, &system).await?;
            let history = store.history("ai_system", &system.id.to_string()).await?;
            emit(app.json, &history, |history| {
                let rows: Vec<Vec<String>> = history
                    .iter()
                    .map(|h| {
                        vec![
                            h.seq.to_string(),
                            h.time.clone(),
                            h.action.clone(),
                            h.actor.clone(),
                        ]
                    })
                    .collect();
                table(&["SEQ", "TIME", "ACTION", "ACTOR"], &rows);
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn archive(app: &App, reference: &str, archived: bool) -> Result<()> {
    let store = app.write_store().await?;
    let current = resolve(&store, reference).await?;
    let system = store
        .set_ai_system_archived(&app.cli_ctx(), current.id, current.version, archived)
        .await
        .map_err(validation)?;
    emit(app.json, &system, |s| {
        let what = if archived { "Archived" } else { "Restored" };
        println!("{what} `{}`", s.fields.name);
    })
}
