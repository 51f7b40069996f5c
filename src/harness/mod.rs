//! The comparison harness (SPEC §4): suites of problems × solvers, run to one
//! JSON record per (problem, solver), resumably and in shards, then reported.
//!
//! - [`suite`]: the TOML suite files and their validation;
//! - [`expand`](mod@expand): the suite as a deterministic, ordered list of runs with stable ids,
//!   and shards `k/N` of it;
//! - [`store`]: the output directory — `records/ID.json`, one per run, each written
//!   atomically (temporary file in the same directory, then rename), and
//!   `manifest.json`;
//! - [`bench`](mod@bench): running the pending runs of a shard, with a progress bar;
//!   [`decomposed`]: the runs of decomposition entries (C-GReLU solve, then a cone
//!   decomposition, recorded on the C-ReLU problem); [`external`]: the runs of
//!   external solvers (instance file → command → solution file → certificate);
//! - [`ipm`]: Clarabel's configurations compared on the reference problems
//!   (`examples/ipm_variants.rs`, `results/ipm/`);
//! - [`metrics`]: reference optima `f*`, gaps, "solved at τ", time to τ, shifted
//!   geometric means;
//! - [`report`]: the Markdown report and the CSV of all records; [`profile`]: the
//!   SVG performance profiles; [`study`]: the study sections a suite asks for
//!   (gated ↔ relu equivalence, Table-1 analog, regularization path);
//! - [`slurm`]: the `sbatch` script of a suite run as an array job, one shard per
//!   task; [`merge`]: the check that shard folders together are the suite, and
//!   their merge into one folder.
//!
//! **Interruptions.** A record file appears only once complete (atomic rename), so
//! Ctrl-C or `kill -9` at any moment leaves either the old state or the new record,
//! never a partial `.json`; the run that was interrupted has no record and is run
//! again by `--resume`. A kill can leave a `records/.tmpXXXXXX` temporary file:
//! it is ignored by `--resume` and `report`, and may be deleted.

pub mod bench;
pub mod comparison;
pub mod comparison_report;
pub mod decomposed;
pub mod expand;
pub mod external;
pub mod ipm;
pub mod lock;
pub mod machine;
pub mod merge;
pub mod metrics;
pub mod profile;
pub mod ratio_profile;
pub mod report;
pub mod slurm;
pub mod store;
pub mod study;
pub mod suite;
pub mod width;

pub use crate::results::run::{RunInfo, SolverDef};
pub use expand::{Run, Shard, expand};
pub use suite::{Suite, SuiteError};

/// Errors of `bench` and `report`: each names the file or the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error(transparent)]
    Write(#[from] crate::fsio::WriteError),
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    #[error("{path}: cannot read: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Corrupt {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("{0}")]
    Usage(String),
}
