//! Results: what a run leaves behind, built above the solvers from their outputs.
//!
//! - [`record`]: the JSON result record (SPEC §7) — certificate, metrics, times,
//!   trace and typed [`details`] — made from a [`crate::solvers::Solution`];
//! - [`solver_name`]: the record's `solver`, as a type;
//! - [`run`]: the harness run a record came from (suite entry, ids, fingerprint);
//! - [`path`]: one warm-started step of a regularisation path;
//! - [`solution`]: the weights file (`solve --weights`), read by `decompose` and
//!   warm starts.
//!
//! Solvers never build records; the certificate in a record is always recomputed
//! from the weights here ([`crate::certify`]).

pub mod decomposition;
pub mod details;
pub mod guard;
pub mod path;
pub mod predict;
pub mod record;
pub mod run;
pub mod solution;
pub mod solver_name;

pub use details::{DecompositionRun, Details, GatedSolve, SCHEMA_VERSION};
pub use record::{Record, Times};
pub use run::{ExternalDef, RunInfo, SolverDef};
pub use solution::SolutionFile;
pub use solver_name::SolverName;
