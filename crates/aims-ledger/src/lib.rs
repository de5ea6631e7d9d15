//! The AIMS tamper-evident audit trail: canonical entries, an RFC 6962 Merkle tree, and C2SP signed checkpoints and proofs.
//!
//! This crate is algorithm only. It does no I/O, holds no database handle
//! and starts no runtime, so that an auditor can run the exact same
//! verification code offline that the server runs when it appends entries.
//!
//! The pieces, bottom up:
//!
//! - [`canonical`]: RFC 8785 JSON Canonicalization Scheme, so that the same
//!   record always hashes to the same bytes whichever program wrote it.
//! - [`entry`]: one ledger entry and the hash of a record's state.
//! - [`merkle`]: the RFC 6962 / RFC 9162 Merkle tree hash, inclusion and
//!   consistency proofs, and an append-only [`merkle::CompactRange`] for
//!   the write path.
//! - [`note`]: C2SP signed notes with Ed25519 keys.
//! - [`checkpoint`]: C2SP tlog-checkpoint, the signed tree head.
//! - [`bundle`]: C2SP tlog-proof, an offline proof that one entry is in the
//!   log.
//!
//! Together they implement the record-keeping and traceability evidence an
//! AI management system needs for ISO/IEC 42001 clause 7.5 (documented
//! information) and Annex A.6.2.8 (event logs).

pub mod bundle;
pub mod canonical;
pub mod checkpoint;
pub mod entry;
pub mod merkle;
pub mod note;

mod error;

pub use bundle::ProofBundle;
pub use checkpoint::Checkpoint;
pub use entry::{Entry, state_hash};
pub use error::Error;
pub use merkle::{CompactRange, MerkleTree, TreeBuilder};
pub use note::{Signer, Verifier};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];
