//! The CLI's error type: every variant is a one-line message, and every error exits
//! with code 2 (bad input or usage). Solver outcomes are statuses, not errors.

use std::path::PathBuf;

use crate::fsio::WriteError;
use crate::model::ModelError;
use crate::solvers::SolverError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Solver(#[from] SolverError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Harness(#[from] crate::harness::HarnessError),
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    pub fn usage(m: impl Into<String>) -> CliError {
        CliError::Usage(m.into())
    }
}
