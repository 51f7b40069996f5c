//! What a solver says about its own run, beyond the status and the weights: one
//! type per solver, serialised into the record's `details` object under the keys
//! the records have always used, plus a `kind` tag naming the type.
//!
//! These are the solver's *own* numbers (its view of the objective, its tolerance,
//! its internal counters). The certified numbers of a record (objective, cone
//! violation, duality gap) never come from here: they are recomputed from the
//! weights ([`crate::certify`]).

use serde::{Deserialize, Serialize};

use super::Status;
use super::baselines::GridRun;
use super::native::fista::{Metric, Momentum, Stopping};
use crate::cone::ProgramSize;
use crate::json::nullable_f64;

/// Details of one solver's run, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SolverDetails {
    Clarabel(ClarabelDetails),
    Fista(FistaDetails),
    Al(AlDetails),
    Baseline(BaselineDetails),
    WorkingSet(WorkingSetDetails),
    External(ExternalDetails),
}

/// A solver outside the process, run by the harness through files: what the
/// command did and what its solution file said (the record's certified numbers
/// are recomputed from the solution's point, as for every solver).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExternalDetails {
    /// The entry's command, placeholders not substituted.
    pub command: String,
    /// The instance format (`cbf`).
    pub format: String,
    /// Size of the instance (the compiled program written to the file).
    pub instance: ProgramSize,
    /// Seconds to compile the problem and to write the instance (the record's
    /// setup time is their sum).
    pub compile_s: f64,
    pub write_s: f64,
    /// The command's exit code (`None` when a signal ended it).
    pub exit_code: Option<i32>,
    /// Killed by the harness at the time limit.
    pub killed: bool,
    /// User + system CPU seconds of the command (`None` where unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
    /// The solution file's `status`, `objective`, `solve_s` and `solver` lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver_status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver_objective: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver_solve_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<String>,
    /// Largest violation of the instance's own cones at the returned point
    /// (auxiliary variables included; the record's `max_cone_violation` is the
    /// model's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_violation: Option<f64>,
    /// The last lines of the command's standard error, when the run failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
}

/// R-FISTA on growing working sets of patterns (C-GReLU, and C-ReLU with cone
/// projections), certified on the full problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkingSetDetails {
    pub stopping: Stopping,
    pub tol: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub solver_objective: f64,
    /// The full problem's relative gap at the last check (C-GReLU: `null` when an
    /// inner solve ran out of time, as the full check is then skipped).
    #[serde(deserialize_with = "nullable_f64")]
    pub solver_relative_gap: f64,
    /// Working-set rounds.
    pub outer_iterations: usize,
    /// Patterns in the working set of each round.
    pub working_set_sizes: Vec<usize>,
    /// R-FISTA iterations of each round (on its working set).
    #[serde(default)]
    pub round_iterations: Vec<usize>,
    /// C-ReLU: the prox's cone projections over all rounds, their Lawson–Hanson
    /// steps, the projections that hit the step limit and the cone values their
    /// steps computed (as [`FistaDetails`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection_steps: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projections_unconverged: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection_rows: Option<usize>,
    /// C-ReLU: the full checks' projections of `−∇_j f` (dual norm and zero-block
    /// optimality), their steps and cone values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_projections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_projection_steps: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_projection_rows: Option<usize>,
    /// C-ReLU: the checks' projections stopped once their norm was below what
    /// the test needed (an upper bound sufficed), and the zero-block tests decided
    /// by a lower bound without a projection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_projections_bounded: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_ray_tests: Option<usize>,
    /// The metric and momentum of the inner solves (`auto` resolved); absent in
    /// records written before 2026-12-06 and when no round ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<Momentum>,
    /// Full checks that tried the tight dual point, and tries whose bound beat
    /// the plain one (as [`FistaDetails`]; the inner solves' own tries are
    /// [`WorkingSetDetails::inner_tight_dual_tries`]); absent in records written
    /// before 2026-12-07 (before 52d8ee0 also for C-ReLU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tight_dual_tries: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tight_dual_wins: Option<usize>,
    /// C-ReLU: the inner solves' tries of the tight dual point on their own
    /// restricted problems (rounds without violators), and tries that beat the
    /// plain bound; absent in records written before 2026-12-07 (f926e16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_tight_dual_tries: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_tight_dual_wins: Option<usize>,
}

/// Clarabel on the compiled SOCP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClarabelDetails {
    /// Clarabel's own status name (e.g. `Solved`, `AlmostSolved`).
    pub clarabel_status: String,
    #[serde(deserialize_with = "nullable_f64")]
    pub cost_primal: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub cost_dual: f64,
    /// Time to compile the problem to the SOCP (part of the record's setup time).
    pub compile_s: f64,
    /// Size of the compiled SOCP.
    pub socp: ProgramSize,
}

/// R-FISTA (either model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FistaDetails {
    pub stopping: Stopping,
    pub tol: f64,
    /// The solver's value of the objective at its last iterate.
    #[serde(deserialize_with = "nullable_f64")]
    pub solver_objective: f64,
    /// Squared min-norm subgradient at the last check.
    #[serde(deserialize_with = "nullable_f64")]
    pub subgradient_sq: f64,
    /// The relative duality gap the solver last computed (duality-gap stopping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver_relative_gap: Option<f64>,
    pub restarts: usize,
    #[serde(deserialize_with = "nullable_f64")]
    pub final_step: f64,
    /// C-ReLU: cone projections run, their Lawson–Hanson steps, and how many hit
    /// the step limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection_steps: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projections_unconverged: Option<usize>,
    /// C-ReLU: cone values `(X̃v)_l` the projections' steps computed (`d`
    /// multiply-adds each; `n` per step without row screening).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection_rows: Option<usize>,
    /// C-GReLU: how many checks the extrapolated dual point gave the better bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrapolated_dual_wins: Option<usize>,
    /// The neuron group norm (C-GReLU, and C-ReLU since 52d8ee0): checks that
    /// tried the tight dual point ([`crate::certify::tight`]), and tries whose
    /// bound beat the plain one; absent in records written before 2026-12-07.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tight_dual_tries: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tight_dual_wins: Option<usize>,
    /// The metric and momentum the steps used (`auto` resolved); absent in
    /// records written before 2026-12-06.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<Momentum>,
}

/// The augmented Lagrangian (C-ReLU): the AL phase, then the projected R-FISTA
/// polish (`polish`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlDetails {
    /// How the AL phase ended.
    pub al_status: Status,
    pub al_iterations: usize,
    pub al_seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polish: Option<FistaDetails>,
    pub outer_iterations: usize,
    /// The final penalty parameter δ.
    pub delta: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub al_squared_violation: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub al_max_violation: f64,
    pub violation_tol: f64,
    pub tol: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub subgradient_sq: f64,
    /// How the last inner solve ended.
    pub inner_status: Status,
    /// AL phase: block products, the columns of every product with `X` or `Xᵀ`
    /// over all rows (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_products: Option<usize>,
    /// AL phase on working sets ([`crate::solvers::native::al_working_set`]): the
    /// R-FISTA rounds of all inner solves and the blocks of the final set (absent
    /// without working sets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_set_rounds: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_set_blocks: Option<usize>,
}

/// SGD or Adam on the non-convex network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineDetails {
    /// `sgd` or `adam`.
    pub method: String,
    /// Every run of the step-size grid.
    pub grid: Vec<GridRun>,
    /// The grid's wall time: every step size of the best run's repetition (the
    /// record's time is the best run's).
    pub grid_time_s: f64,
    /// The same in CPU seconds (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_cpu_s: Option<f64>,
    /// Repetitions of the grid (absent in older records = 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<u32>,
    pub neurons_per_output: usize,
    /// Where the ReLU width came from when the suite asked for `width = "active"`
    /// (e.g. `max(50, 37 active neurons of iris-...-clarabel)`, or why it fell
    /// back to 2P).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width_source: Option<String>,
    /// Gated model: the objective of the C-GReLU point with the network's
    /// predictions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convex_objective: Option<f64>,
}

impl SolverDetails {
    /// R-FISTA's details (of `fista`, or of the AL's polish).
    pub fn fista(&self) -> Option<&FistaDetails> {
        match self {
            SolverDetails::Fista(f) => Some(f),
            SolverDetails::Al(a) => a.polish.as_ref(),
            SolverDetails::Clarabel(_)
            | SolverDetails::Baseline(_)
            | SolverDetails::WorkingSet(_)
            | SolverDetails::External(_) => None,
        }
    }
}
