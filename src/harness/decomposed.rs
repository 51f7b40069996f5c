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
//!   status        the worse of the C-GReLU solve's and the decomposition's
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

use serde_json::{Map, Value};

use super::bench::{error_record, memory_skip, solver_args};
use super::expand::Run;
use crate::certify::certify;
use crate::decompose::{self, DecomposeSettings, Method, quality::assess};
use crate::model::{Problem, Weights};
use crate::record::Record;
use crate::solvers::SolveOutput;

/// Run the decomposition run `run` (method `method`) on its relu problem `relu`.
pub fn run(relu: &Problem, run: &Run, method: Method) -> Record {
    let gated = decompose::gated_problem(relu);
    if let Some(skipped) = memory_skip(relu, &gated, run) {
        return skipped;
    }
    let solved = match solver_args(run).run(&gated) {
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

    let mut info = Map::new();
    info.insert("method".into(), method.name().into());
    info.insert("inflation".into(), quality.inflation.into());
    info.insert("prediction_change".into(), quality.prediction_change.into());
    info.insert("gated_objective".into(), quality.gated_objective.into());
    info.insert("gated_status".into(), solved.status.name().into());
    info.insert(
        "gated_dual_objective".into(),
        gated_cert.dual_objective.into(),
    );
    info.insert(
        "gated_relative_duality_gap".into(),
        gated_cert.relative_duality_gap.into(),
    );
    info.insert("gated_iterations".into(), solved.iterations.into());
    info.insert("gated_setup_s".into(), solved.setup_s.into());
    info.insert("gated_solve_s".into(), solved.solve_s.into());
    info.insert("decomposition_status".into(), dec.status.name().into());
    info.insert("decomposition_s".into(), dec.time_s.into());
    info.insert("decomposition_iterations".into(), dec.iterations.into());
    info.insert("reported_violation".into(), dec.reported_violation.into());
    info.insert(
        "blocks".into(),
        serde_json::to_value(dec.blocks).unwrap_or_default(),
    );
    for (k, v) in &dec.details {
        info.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut details = Map::new();
    details.insert("decomposition".into(), Value::Object(info));

    let out = SolveOutput {
        weights: dec.weights(),
        status: decompose::worse(solved.status, dec.status),
        iterations: solved.iterations + dec.iterations,
        setup_s: solved.setup_s,
        solve_s: solved.solve_s + dec.time_s,
        trace: Vec::new(),
        details,
    };
    Record::new(relu, &run.info.solver.name, &out, &quality.relu)
}

/// `details.decomposition.KEY` of a record, as a number.
pub fn detail(r: &Record, key: &str) -> Option<f64> {
    r.details
        .get("decomposition")
        .and_then(|d| d.get(key))
        .and_then(Value::as_f64)
}
