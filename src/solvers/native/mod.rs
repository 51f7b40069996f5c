//! Native first-order solvers on structured operators (SPEC §3): nothing of size
//! `n × d × P` is ever formed.
//!
//! - [`operators`]: `X U`, masked row sums, `Xᵀ(M ⊙ r)`, cone maps — GEMM kernels
//!   on workspaces sized once.
//! - [`prox`]: proximal operators and min-norm subgradients of the regularizers.
//! - [`fista`]: R-FISTA on any smooth part seen through a linear state.
//! - [`gated`]: C-GReLU (any regularizer), stopping on the certified duality gap.
//! - [`block_metric`]: R-FISTA's steps in the block-Gram metric (C-GReLU, neuron group norm).
//! - [`al`]: C-ReLU by an augmented Lagrangian with warm-started R-FISTA inner solves.
//! - [`al_working_set`]: the AL's inner solves on growing working sets of blocks.
//! - [`relu`]: C-ReLU by R-FISTA whose prox projects exactly onto the cones.
//! - [`dual_point`]: dual points extrapolated from the residuals of the iterates.
//! - [`working_set`]: C-GReLU on growing working sets of patterns, certified on the full problem.
//! - [`relu_working_set`]: the same for C-ReLU (cone-projected R-FISTA), with row
//!   screening in the projections.

pub mod al;
pub mod al_working_set;
pub mod block_metric;
pub mod deadline;
pub mod dual_point;
pub mod fista;
pub mod gated;
pub mod memory;
pub mod operators;
pub mod prox;
pub mod relu;
pub mod relu_working_set;
pub mod tight_dual;
pub mod working_set;

use crate::model::{Model, Problem};
use crate::solvers::SolverError;

/// What every native solver checks before it starts: its settings are valid and
/// the problem is of the model it solves (`hint` names the solver to use instead).
pub(crate) fn check_start(
    problem: &Problem,
    solves: Model,
    solver: &'static str,
    hint: &'static str,
    settings: Result<(), String>,
) -> Result<(), SolverError> {
    settings.map_err(SolverError::Settings)?;
    if problem.model() != solves {
        return Err(SolverError::Unsupported {
            solver,
            model: problem.model().name(),
            hint,
        });
    }
    Ok(())
}
