//! The record of a cone decomposition (gated ReLU → ReLU), written once for
//! `decompose --from` and the harness's decomposition entries:
//!
//! ```text
//!   objective, loss, penalty, cone violation   certify(R, (v, w))  (quality.relu)
//!   status        feasible (cone violation ≤ 1e-6) or approximate (larger) when
//!                 the C-GReLU solve and the decomposition ended solved; otherwise
//!                 the worse of their statuses (decompose::record_status)
//!   time          setup = the C-GReLU solve's; solve = its solve + the decomposition
//!   iterations    C-GReLU iterations + decomposition iterations
//!   trace         none (the C-GReLU trace is of another objective)
//!   details.decomposition   DecompositionRun (with the C-GReLU solve when there is one)
//! ```

use super::details::{DecompositionRun, Details, GatedSolve};
use super::record::{Point, Record};
use super::solver_name::SolverName;
use crate::certify::Certificate;
use crate::decompose::{self, Decomposition, Quality};
use crate::model::Problem;
use crate::solvers::{CpuTimes, SolveOutput, TimeBasis};

/// Where the decomposed C-GReLU solution came from.
pub enum Source<'a> {
    /// Solved in this run: its output and certificate.
    Solved(&'a SolveOutput, &'a Certificate),
    /// Read from a weights file written by `solver`.
    File { path: String, solver: String },
}

impl Record {
    /// A record as this build would have written it: records of schema 1–2 gave a
    /// finished decomposition the status `solved`; it is read as
    /// [`decompose::record_status`] says (feasible or approximate, by the
    /// recorded cone violation). Other records are unchanged.
    pub fn upgraded(mut self) -> Record {
        if self.schema_version < 3
            && self.details.decomposition.is_some()
            && self.status == crate::solvers::Status::Solved
        {
            self.status = decompose::record_status(self.status, self.max_cone_violation);
        }
        self
    }

    /// The record of the C-ReLU point of `dec` on the relu problem `relu`.
    pub fn from_decomposition(
        relu: &Problem,
        solver: SolverName,
        dec: &Decomposition,
        quality: &Quality,
        source: Source<'_>,
    ) -> Record {
        let mut run = DecompositionRun {
            decomposition: dec.record_details(quality),
            gated: None,
            from: None,
            source_solver: None,
        };
        let (status, iterations, setup_s, solve_s, cpu, basis) = match source {
            Source::Solved(out, cert) => {
                run.gated = Some(GatedSolve {
                    gated_status: out.status,
                    gated_dual_objective: cert.dual_objective,
                    gated_relative_duality_gap: cert.relative_duality_gap,
                    gated_iterations: out.iterations,
                    gated_setup_s: out.setup_s,
                    gated_solve_s: out.solve_s,
                });
                (
                    decompose::worse(out.status, dec.status),
                    out.iterations + dec.iterations,
                    out.setup_s,
                    out.solve_s + dec.time_s,
                    // The decomposition's own time is wall time (single-threaded).
                    Some(CpuTimes {
                        solve_s: out.cpu.solve_s + dec.time_s,
                        ..out.cpu
                    }),
                    out.basis,
                )
            }
            Source::File { path, solver } => {
                run.from = Some(path);
                run.source_solver = Some(solver);
                (
                    dec.status,
                    dec.iterations,
                    0.0,
                    dec.time_s,
                    None,
                    TimeBasis::Wall,
                )
            }
        };
        let status = decompose::record_status(status, quality.relu.max_cone_violation);
        let details = Details {
            decomposition: Some(run),
            ..Details::default()
        };
        let point = Point {
            weights: &dec.weights(),
            status,
            iterations,
            setup_s,
            solve_s,
            cpu,
            basis,
            trace: &[],
        };
        Record::of_point(relu, solver, &point, &quality.relu, details)
    }
}
