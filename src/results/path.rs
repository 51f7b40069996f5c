//! One step of a regularisation path (SPEC §3): the problem at `λ_idx` of a
//! strictly decreasing grid, solved by a convex solver warm-started from the
//! previous step's weights, certified, and recorded with its place on the path.
//! `cvxrelu path` and the Python package's `path` both walk a grid with it.

use crate::certify::certify;
use crate::model::{Problem, Weights};
use crate::results::record::Record;
use crate::solvers::progress::Progress;
use crate::solvers::{self, SolverConfig, SolverError};

/// Check a path's grid: non-empty, finite, non-negative, strictly decreasing. The
/// message names the offending value (1-based) for the caller to prefix with its
/// own name of the grid.
pub fn check_grid(lambdas: &[f64]) -> Result<(), String> {
    if lambdas.is_empty() {
        return Err("give at least one value".into());
    }
    for (i, &l) in lambdas.iter().enumerate() {
        if !l.is_finite() || l < 0.0 {
            return Err(format!(
                "value {} ({l}) must be a finite number >= 0",
                i + 1
            ));
        }
        if i > 0 && l >= lambdas[i - 1] {
            return Err(format!(
                "values must be strictly decreasing (value {} = {l} follows {})",
                i + 1,
                lambdas[i - 1]
            ));
        }
    }
    Ok(())
}

/// Solve `base` at `lambda` (the `index`-th value of the grid) warm-started from
/// `warm`; returns the record (with `details.path_index` and `warm_started`) and
/// the weights that warm-start the next step.
pub fn path_step(
    base: &Problem,
    index: usize,
    lambda: f64,
    config: &SolverConfig,
    warm: Option<&Weights>,
    progress: &mut dyn Progress,
) -> Result<(Record, Weights), SolverError> {
    let problem = base.with_lambda(lambda);
    let out = solvers::solve_convex_observed(&problem, config, warm, progress)?;
    let cert = certify(&problem, &out.weights);
    let mut rec = Record::new(&problem, config.kind().into(), &out, &cert);
    rec.details.path_index = Some(index);
    rec.details.warm_started = Some(warm.is_some());
    Ok((rec, out.weights))
}
