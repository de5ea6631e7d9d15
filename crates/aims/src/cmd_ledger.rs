//! `aims ledger`: verify the audit trail, publish checkpoints, write and check offline proofs.

use std::path::PathBuf;
use std::process::ExitCode;

use aims_ledger::bundle::ProofBundle;
use aims_ledger::entry::Entry;
use aims_ledger::merkle::leaf_hash;
use aims_ledger::note::Verifier;
use anyhow::{Context, Result};
use clap::Subcommand;

use crate::app::{App, load_signer};
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute the tree, check every signed checkpoint and every record.
    Verify {
        /// Verifier key (`name+id+key`, or @file); default: the configured signing key's.
        #[arg(long)]
        key: Option<String>,
    },
    /// Write an offline inclusion proof (C2SP tlog-proof) for one entry.
    Proof {
        entry: u64,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Check an offline proof with only the public key: no database needed.
    VerifyProof {
        file: PathBuf,
        /// Verifier key (`name+id+key`, or @file holding it).
        #[arg(long)]
        key: String,
    },
    /// Keep the current signed tree head as a published checkpoint and print it.
    Checkpoint,
    /// Print the current signed tree head.
    Head,
}

/// Reads a verifier key given inline or as `@file`.
fn verifier(text: &str) -> Result<Verifier> {
    let text = match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the key file {path}"))?,
        None => text.to_owned(),
    };
    Verifier::from_vkey(text.trim())
        .map_err(|e| anyhow::anyhow!("the verifier key is not valid: {e}"))
}

pub async fn run(app: &App, command: LedgerCommand) -> Result<ExitCode> {
    match command {
        LedgerCommand::Verify { key } => {
            let verifier = match key {
                Some(key) => verifier(&key)?,
                None => load_signer(&app.config.key_file())?.verifier(),
            };
            let store = app.read_store().await?;
            let report = store.verify_ledger(&verifier).await?;
            emit(app.json, &report, |r| {
                for problem in &r.problems {
                    println!("FAIL {}: {}", problem.kind, problem.message);
                }
                let status = if r.ok() { "OK" } else { "FAILED" };
                println!(
                    "{status}: {} entries, root {}, {} signed checkpoints and {} records checked, {} problems",
                    r.entries,
                    r.root,
                    r.checkpoints_checked,
                    r.records_checked,
                    r.problems.len()
                );
            })?;
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        LedgerCommand::Proof { entry, output } => {
            let store = app.read_store().await?;
            let bundle = store.inclusion_proof(entry).await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, bundle.to_text())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Proof of entry {entry} written to {}", path.display());
                }
                None => print!("{}", bundle.to_text()),
            }
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::VerifyProof { file, key } => {
            let verifier = verifier(&key)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let bundle = ProofBundle::parse(&text).map_err(|e| {
                anyhow::anyhow!("{} is not a tlog-proof bundle: {e}", file.display())
            })?;
            let entry_bytes = bundle.extra.clone().ok_or_else(|| {
                anyhow::anyhow!("the bundle carries no entry (its `extra` line is missing)")
            })?;
            let entry: Entry = serde_json::from_slice(&entry_bytes)
                .context("the bundle's entry is not an AIMS ledger entry")?;
            // The leaf is the hash of the canonical form, so a re-encoded entry cannot pass.
            if entry.canonical_bytes()? != entry_bytes {
                anyhow::bail!("the bundle's entry is not in canonical form");
            }
            let checkpoint = bundle
                .verify(&leaf_hash(&entry_bytes), &verifier)
                .map_err(|e| anyhow::anyhow!("the proof does not verify: {e}"))?;
            let result = serde_json::json!({
                "verified": true, "entry": entry, "checkpoint_origin": checkpoint.origin,
                "tree_size": checkpoint.size, "root": hex_root(&checkpoint.root),
            });
            emit(app.json, &result, |_| {
                println!(
                    "OK: entry {} ({} {} {} by {} at {}) is in the tree of {} entries signed by {}",
                    entry.seq,
                    entry.action,
                    entry.entity_type,
                    entry.entity_id,
                    entry.actor,
                    entry.time,
                    checkpoint.size,
                    checkpoint.origin
                );
            })?;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Checkpoint => {
            let store = app.read_store().await?;
            let head = store
                .publish_checkpoint(time::OffsetDateTime::now_utc())
                .await?;
            emit(app.json, &head, |h| print!("{}", h.checkpoint))?;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Head => {
            let store = app.read_store().await?;
            let head = store.ledger_head().await?;
            emit(app.json, &head, |h| print!("{}", h.checkpoint))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn hex_root(root: &[u8; 32]) -> String {
    root.iter().map(|b| format!("{b:02x}")).collect()
}
