//! The one error type of the ledger crate.

/// Everything that can go wrong while encoding, proving, signing or verifying.
///
/// Variants carry static reasons rather than nested source errors so that
/// the type stays `Clone + PartialEq`: tests match on exact variants, and
/// the store crate can map them to stable API codes without string parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// RFC 8785 has no representation for NaN or the infinities.
    #[error("number is not finite")]
    NonFiniteNumber,

    /// An integer beyond ±2^53 that RFC 8785 (which models numbers as IEEE
    /// 754 doubles) would round, so two different values could hash the
    /// same: refused instead.
    #[error("integer {0} is outside the exactly representable range ±2^53")]
    UnsafeInteger(String),

    /// A value nested deeper than the limit; refused to bound recursion.
    #[error("json value is nested deeper than {0} levels")]
    TooDeep(usize),

    /// A Rust value could not be turned into JSON.
    #[error("json conversion failed: {0}")]
    Json(String),

    /// An entry whose fields do not have the required shape.
    #[error("invalid entry: {0}")]
    InvalidEntry(&'static str),

    /// A leaf index at or beyond the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// The requested zero-based leaf index.
        index: u64,
        /// The size of the tree it was requested in.
        size: u64,
    },

    /// A tree size that is larger than the data available, or an older tree
    /// that is larger than the newer one.
    #[error("tree size {requested} exceeds available size {available}")]
    SizeOutOfRange {
        /// The size that was asked for.
        requested: u64,
        /// The largest size that makes sense here.
        available: u64,
    },

    /// The inclusion proof does not lead to the expected root.
    #[error("invalid inclusion proof: {0}")]
    InvalidInclusionProof(&'static str),

    /// The consistency proof does not link the two roots.
    #[error("invalid consistency proof: {0}")]
    InvalidConsistencyProof(&'static str),

    /// A persisted compact range whose frontier cannot belong to its size.
    #[error("invalid compact range: {0}")]
    InvalidCompactRange(&'static str),

    /// Key names must be non-empty and free of whitespace and '+'.
    #[error("invalid key name")]
    InvalidKeyName,

    /// A signer or verifier key string that does not parse or does not match
    /// its own key id.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),

    /// Note text or a signed note that breaks the C2SP signed-note grammar.
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),

    /// No signature line belongs to the verifier's key.
    #[error("note has no signature from a known key")]
    UnverifiedNote,

    /// A signature line claims the verifier's key but does not verify.
    #[error("signature from key {0} does not verify")]
    InvalidSignature(String),

    /// Checkpoint text that breaks the C2SP tlog-checkpoint grammar.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),

    /// Proof text that breaks the C2SP tlog-proof grammar.
    #[error("malformed proof bundle: {0}")]
    MalformedBundle(&'static str),
}
