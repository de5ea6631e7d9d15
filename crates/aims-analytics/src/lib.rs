//! Analytics engine of AIMS: streaming data-quality, fairness, drift, performance, process-control
//! and privacy checks over CSV and Parquet files.
//!
//! Every metric is computed from small aggregates built in one streaming pass over Arrow record
//! batches (rayon across batches), so memory stays near the size of the aggregates and results do
//! not depend on batch size or thread count. Each metric carries a named definition matching the
//! Python tool users know (Fairlearn, AIF360, scikit-learn, scipy, Evidently, NannyML, pandas).
//!
//! The one entry point for the CLI is [`run_check`]; see `CLI.md` in this crate for the wiring.

mod binary;
mod check;
pub mod drift;
mod error;
pub mod expr;
pub mod fairness;
pub mod input;
pub mod kolmogorov;
pub mod ks;
pub mod num;
pub mod performance;
pub mod privacy;
pub mod quality;
mod render;
mod rng;
pub mod spc;
pub mod spec;
mod stream;
mod tally;
mod time;
mod values;

pub use check::{
    CheckKind, CheckReport, CheckRequest, Failure, FairnessResult, request, run_check,
    run_check_with_progress, run_check_with_spec,
};
pub use error::{Error, Result};
pub use input::{Progress, ProgressSink};
pub use render::esc;
pub use spec::DatasetSpec;
pub use time::parse_timestamp;
