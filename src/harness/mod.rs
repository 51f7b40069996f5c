//! The comparison harness (SPEC §4): suites of problems × solvers, run to one
//! JSON record per (problem, solver), resumably and in shards, then reported.
//!
//! - [`suite`]: the TOML suite files and their validation;
//! - [`expand`]: the suite as a deterministic, ordered list of runs with stable ids,
//!   and shards `k/N` of it;
//! - [`store`]: the output directory — `records/ID.json`, one per run, each written
//!   atomically (temporary file in the same directory, then rename), and
//!   `manifest.json`;
//! - [`bench`]: running the pending runs of a shard, with a progress bar;
//!   [`decomposed`]: the runs of decomposition entries (C-GReLU solve, then a cone
//!   decomposition, recorded on the C-ReLU problem);
//! - [`metrics`]: reference optima `f*`, gaps, "solved at τ", time to τ, shifted
//!   geometric means;
//! - [`report`]: the Markdown report and the CSV of all records; [`profile`]: the
//!   SVG performance profiles; [`study`]: the study sections a suite asks for
//!   (gated ↔ relu equivalence, Table-1 analog, regularization path).
//!
//! **Interruptions.** A record file appears only once complete (atomic rename), so
//! Ctrl-C or `kill -9` at any moment leaves either the old state or the new record,
//! never a partial `.json`; the run that was interrupted has no record and is run
//! again by `--resume`. A kill can leave a `records/.tmpXXXXXX` temporary file:
//! it is ignored by `--resume` and `report`, and may be deleted.

pub mod bench;
pub mod decomposed;
pub mod expand;
pub mod lock;
pub mod metrics;
pub mod profile;
pub mod report;
pub mod store;
pub mod study;
pub mod suite;

use serde::{Deserialize, Serialize};

use crate::model::ProblemSpec;
pub use expand::{Run, Shard, expand};
pub use suite::{SolverDef, Suite, SuiteError};

/// What a record says about the harness run that produced it (the record's `run`
/// field). `fingerprint` hashes everything that defines the run — problem spec,
/// solver and settings, time limit — so `--resume` can tell a finished run from
/// one whose suite entry changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: String,
    pub problem_id: String,
    pub suite: String,
    pub dataset: String,
    pub time_limit: f64,
    pub fingerprint: String,
    pub spec: ProblemSpec,
    pub solver: SolverDef,
}

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
