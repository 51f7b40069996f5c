//! Solvers. Each returns a [`SolveOutput`]: the weights, a [`Status`] saying how the
//! solve ended (a status, not an error), iteration count, times and a trace. Errors
//! (`Err`) are reserved for problems the solver refused to start on.
//!
//! - [`clarabel`]: the compiled SOCP solved by the Clarabel interior-point method.
//! - [`native`]: R-FISTA (C-GReLU) and the augmented Lagrangian (C-ReLU) on
//!   structured operators.
//! - [`baselines`]: SGD and Adam on the non-convex networks (comparison baselines).
//!
//! Callers go through [`api`]: [`SolverOptions`] → [`SolverConfig::new`] → [`solve`]
//! (or [`solve_observed`], whose [`Progress`] observer sees the native solvers'
//! measurements: [`progress`]).
//! [`details`] holds each solver's own numbers, typed.

pub mod api;
pub mod baselines;
pub mod cancel;
pub mod clarabel;
pub mod clock;
pub mod details;
pub mod native;
pub mod progress;

pub use api::{
    SettingsError, Solution, SolverConfig, SolverOptions, solve, solve_convex,
    solve_convex_observed, solve_observed,
};
pub use details::SolverDetails;
pub use progress::{IterationLog, Progress};

use serde::{Deserialize, Serialize};

use crate::model::Weights;
pub use clock::{CpuClock, TimeBasis};

/// How a solve ended (the `status` field of a record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The solver's own termination criterion holds at its tolerance.
    Solved,
    /// The solver stopped at reduced accuracy (Clarabel's `AlmostSolved`).
    Inaccurate,
    MaxIterations,
    TimeLimit,
    /// Numerical trouble or lack of progress.
    NumericalError,
    /// The solver reports the problem infeasible (should not happen for these
    /// problems; reported honestly if it does).
    Infeasible,
    /// The objective is unbounded (Clarabel's dual infeasibility; for a CBF file the
    /// objective is −∞ for `MIN`, +∞ for `MAX`, `null` in JSON).
    Unbounded,
    /// The iterates blew up (first-order methods).
    Diverged,
    /// Not run (e.g. the SOCP would not fit in memory); the record says why.
    Skipped,
    /// A cone decomposition ended as it should: the point is a feasible C-ReLU
    /// point (cone violation ≤ 1e-6) with the gated model's predictions; its
    /// optimality is what its certificate (duality gap) says, not claimed.
    Feasible,
    /// A cone decomposition ended with a point that violates the cones by more
    /// than 1e-6 (the approximate method's residual): an approximation of a
    /// C-ReLU point, neither feasible nor optimal.
    Approximate,
}

impl Status {
    pub fn is_solved(&self) -> bool {
        matches!(self, Status::Solved)
    }
    pub fn name(&self) -> &'static str {
        match self {
            Status::Solved => "solved",
            Status::Inaccurate => "inaccurate",
            Status::MaxIterations => "max_iterations",
            Status::TimeLimit => "time_limit",
            Status::NumericalError => "numerical_error",
            Status::Infeasible => "infeasible",
            Status::Unbounded => "unbounded",
            Status::Diverged => "diverged",
            Status::Skipped => "skipped",
            Status::Feasible => "feasible",
            Status::Approximate => "approximate",
        }
    }
}

/// Which solver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolverKind {
    /// Clarabel interior point on the compiled SOCP.
    Clarabel,
    /// Restarted FISTA: C-GReLU, and C-ReLU with exact cone projections in the prox.
    Fista,
    /// Augmented Lagrangian with R-FISTA inner solves (C-ReLU).
    Al,
    /// Baseline: minibatch SGD on the non-convex network, best step size in hindsight.
    Sgd,
    /// Baseline: minibatch Adam on the non-convex network, best step size in hindsight.
    Adam,
    /// A solver outside this process, run by the harness through files: a suite's
    /// `[[solver]]` entry with `command` and `format` (see
    /// `crate::harness::external`). It has no in-process configuration
    /// ([`SolverConfig::new`] refuses it).
    External,
}

impl SolverKind {
    pub const fn name(&self) -> &'static str {
        match self {
            SolverKind::Clarabel => "clarabel",
            SolverKind::Fista => "fista",
            SolverKind::Al => "al",
            SolverKind::Sgd => "sgd",
            SolverKind::Adam => "adam",
            SolverKind::External => "external",
        }
    }

    /// Whether this solver applies to `model` (the harness pairs solvers with the
    /// models they solve).
    pub fn solves(&self, model: crate::model::Model) -> bool {
        use crate::model::Model;
        match self {
            SolverKind::Clarabel
            | SolverKind::Fista
            | SolverKind::Sgd
            | SolverKind::Adam
            | SolverKind::External => true,
            SolverKind::Al => model == Model::Relu,
        }
    }

    /// Baselines train the non-convex network: their objective is the network's,
    /// an upper bound on the convex optimum only for the gated model, and their
    /// records never define the reference optimum `f*` of a report.
    pub fn is_baseline(&self) -> bool {
        match self {
            SolverKind::Clarabel | SolverKind::Fista | SolverKind::Al | SolverKind::External => {
                false
            }
            SolverKind::Sgd | SolverKind::Adam => true,
        }
    }
}

/// One point of a solver's progress: iteration, seconds since the solve started
/// on the solve's time basis ([`clock::TimeBasis`]: wall or CPU), objective (the
/// solver's own view of it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    pub iteration: usize,
    pub time_s: f64,
    /// `null` in JSON when not finite (read back as NaN).
    #[serde(deserialize_with = "crate::json::nullable_f64")]
    pub objective: f64,
}

/// What every solver returns.
#[derive(Clone, Debug)]
pub struct SolveOutput {
    pub weights: Weights,
    pub status: Status,
    pub iterations: usize,
    /// Wall seconds of the setup and of the solve.
    pub setup_s: f64,
    pub solve_s: f64,
    /// CPU seconds of the same two phases.
    pub cpu: CpuTimes,
    /// The clock of the time limit and of the trace.
    pub basis: TimeBasis,
    pub trace: Vec<TracePoint>,
    /// The solver's own numbers (e.g. Clarabel's primal/dual costs).
    pub details: SolverDetails,
}

/// CPU seconds of a solve's setup and solve phases, and the clock they were read
/// on ([`clock`]: the thread's for single-threaded solves, the process's otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuTimes {
    pub clock: CpuClock,
    pub setup_s: f64,
    pub solve_s: f64,
}

impl CpuTimes {
    /// From the reading of the setup and the reading of the solve (each measured
    /// over its own phase) on `clock`.
    pub fn new(clock: CpuClock, setup: clock::Reading, solve: clock::Reading) -> CpuTimes {
        CpuTimes {
            clock,
            setup_s: setup.cpu_s,
            solve_s: solve.cpu_s,
        }
    }
}

/// Errors that stop a solver before it runs.
#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    #[error(transparent)]
    Compile(#[from] crate::compile::CompileError),
    #[error("invalid compiled program: {0}")]
    Program(#[from] crate::cone::ConeProgramError),
    #[error("invalid solver settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Config(#[from] SettingsError),
    #[error("{solver} does not solve the {model} model: use {hint}")]
    Unsupported {
        solver: &'static str,
        model: &'static str,
        hint: &'static str,
    },
    #[error("{0}")]
    TooLarge(String),
    #[error("Clarabel refused the problem: {0}")]
    Clarabel(String),
}

crate::named::named!(SolverKind, [Clarabel, Fista, Al, Sgd, Adam, External]);

impl SolverKind {
    /// The solvers that run in this process (what `solve --solver` accepts).
    pub const IN_PROCESS: &'static [SolverKind] = &[
        SolverKind::Clarabel,
        SolverKind::Fista,
        SolverKind::Al,
        SolverKind::Sgd,
        SolverKind::Adam,
    ];
    /// The names of [`Self::IN_PROCESS`].
    pub const IN_PROCESS_NAMES: &'static [&'static str] = &[
        SolverKind::Clarabel.name(),
        SolverKind::Fista.name(),
        SolverKind::Al.name(),
        SolverKind::Sgd.name(),
        SolverKind::Adam.name(),
    ];
}
