//! Decomposition runs of a suite (`decompose = "exact" | "approx" | "lp"` on a fista
//! or clarabel entry): C-GReLU solve, then cone decomposition, recorded as a run of
//! the C-ReLU problem (SPEC §1, "Theory"; [`crate::decompose`]).
//!
//! Given the relu problem `R` of a run (data, λ, gates, seed), its C-GReLU twin `G`
//! ([`decompose::gated_problem`]: same patterns, neuron-gl1, same λ) is solved by the
//! entry's solver with the entry's settings; its solution `u` is decomposed into
//! `(v, w)` with `v_i − w_i = u_i`, `v_i, w_i ∈ K_i`, and the record is that of the
//! point `(v, w)` on `R`:
//!
//! ```text
//!   objective, loss, penalty, cone violation   certify(R, (v, w))  (recomputed)
//!   status        feasible / approximate when both ended solved (by the cone
//!                 violation, decompose::record_status), else the worse status
//!   time          setup = the C-GReLU solve's; solve = its solve + the decomposition
//!   iterations    C-GReLU iterations + decomposition iterations
//!   trace         none (the C-GReLU trace is of another objective)
//!   details.decomposition   method, inflation Σ(‖v‖+‖w‖)/Σ‖u‖, prediction change,
//!                 C-GReLU objective/dual bound/relative duality gap (its
//!                 certificate)/status/iterations/times, decomposition
//!                 status/time/iterations, block counts, polish shift
//! ```
//!
//! The memory guard applies to the C-GReLU Clarabel solve; a solver or
//! decomposition that refuses to start gives a `numerical_error` record.

use super::bench::{error_record, memory_skip, solver_config, solver_name};
use super::expand::Run;
use crate::certify::certify;
use crate::decompose::{self, DecomposeSettings, Method, quality::assess};
use crate::model::{Problem, Weights};
use crate::results::decomposition::Source;
use crate::results::{DecompositionRun, Record};
use crate::solvers::{self, SolverError};

/// Run the decomposition run `run` (method `method`) on its relu problem `relu`.
pub fn run(relu: &Problem, run: &Run, method: Method) -> Record {
    let gated = decompose::gated_problem(relu);
    if let Some(skipped) = memory_skip(relu, &gated, run) {
        return skipped;
    }
    let solved = match solver_config(run)
        .map_err(SolverError::from)
        .and_then(|config| solvers::solve_convex(&gated, &config, None))
    {
        Ok(out) => out,
        Err(e) => return error_record(relu, run, format!("C-GReLU solve: {e}")),
    };
    let Weights::GatedRelu { u } = &solved.weights else {
        return error_record(relu, run, "the C-GReLU solve returned relu weights");
    };
    let dec = match decompose::decompose(&gated, u, method, &DecomposeSettings::default()) {
        Ok(dec) => dec,
        Err(e) => return error_record(relu, run, format!("decomposition: {e}")),
    };
    let quality = assess(&gated, u, &dec);
    let gated_cert = certify(&gated, &solved.weights);
    Record::from_decomposition(
        relu,
        solver_name(run),
        &dec,
        &quality,
        Source::Solved(&solved, &gated_cert),
    )
}

/// The decomposition details of a record, if it is a decomposition's.
pub fn detail(r: &Record) -> Option<&DecompositionRun> {
    r.details.decomposition.as_ref()
}
