//! The solver API that every caller uses — the command line, the harness, and the
//! Python bindings — without going through any of them:
//!
//! 1. [`SolverOptions`]: the overrides a user gives (flags, suite keys); `None`
//!    keeps the solver's documented default.
//! 2. [`SolverConfig::new`]: one configured solver — its settings type with the
//!    overrides applied, validated (a [`SettingsError`] otherwise).
//! 3. [`solve`]: run it on a problem; a [`Solution`] says how the solve ended by
//!    its status (never an error), and an `Err` means the solver refused to start.
//!
//! Certificates and records are built above this layer ([`crate::results`]).

use super::baselines::{self, BaselineOutput, BaselineSettings, Method};
use super::clarabel::ClarabelSettings;
use super::clock::TimeBasis;
use super::native::al::AlSettings;
use super::native::fista::{FistaSettings, Metric, Momentum, Stopping, WorkingSets};
use super::progress::{Progress, Silent};
use super::{SolveOutput, SolverError, SolverKind};
use crate::model::{Model, Problem, Weights};

/// Overrides of a solver's defaults (what `--tol`, `--max-iters`, ... and the
/// suite keys say). Each field applies to the solvers its doc names; the others
/// ignore it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SolverOptions {
    /// clarabel: gap and feasibility tolerance (default 1e-8); fista: certified
    /// relative duality gap (default 1e-6) or squared subgradient with
    /// `stopping = subgradient`; al: the AL phase's tolerances and the polish gap
    /// (default 1e-6).
    pub tol: Option<f64>,
    /// fista: stopping rule (default: duality gap).
    pub stopping: Option<Stopping>,
    /// Iteration limit (sgd/adam: epochs per step size).
    pub max_iters: Option<u32>,
    /// Time limit of the solve, seconds (sgd/adam: per step size).
    pub time_limit: Option<f64>,
    /// The clock of the time limit and of the trace (default wall;
    /// [`super::clock`]).
    pub time_basis: Option<TimeBasis>,
    /// Print the solver's own log on stderr.
    pub verbose: bool,
    /// clarabel: refuse problems whose estimated memory exceeds this (default 8 GiB).
    pub max_memory: Option<u64>,
    /// sgd/adam: minibatch size (default ⌈n/10⌉).
    pub batch_size: Option<usize>,
    /// sgd/adam: the step-size grid (default {10, 5, 1, 0.5, 0.1, 0.01, 0.001}).
    pub step_sizes: Option<Vec<f64>>,
    /// sgd/adam: repetitions of the grid with seeds `seed + r` (default 1).
    pub repeats: Option<u32>,
    /// sgd/adam on the relu model: neurons per output (default 2P).
    pub neurons: Option<usize>,
    /// Threads for the dense kernels and Clarabel (default 1).
    pub threads: Option<usize>,
    /// fista (either model): working sets of patterns; al: its inner solves on
    /// working sets of blocks (default auto:
    /// [`super::native::working_set::AUTO_MIN_PATTERNS`] patterns or more).
    pub working_sets: Option<WorkingSets>,
    /// fista on C-GReLU with the neuron group norm: the metric of the steps
    /// (default auto: [`super::native::fista::Metric::Auto`]).
    pub metric: Option<Metric>,
    /// fista, and the AL's inner solves: the momentum between restarts (default
    /// auto: [`super::native::fista::Momentum::Auto`]).
    pub momentum: Option<Momentum>,
}

impl SolverOptions {
    pub fn new() -> SolverOptions {
        SolverOptions::default()
    }
}

/// Settings that cannot be used, with the solver they were meant for.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("invalid {solver} settings: {message}")]
pub struct SettingsError {
    pub solver: SolverKind,
    pub message: String,
}

/// One configured solver.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SolverConfig {
    /// Clarabel on the compiled SOCP.
    Clarabel(ClarabelSettings),
    /// R-FISTA (either model).
    Fista(FistaSettings),
    /// Augmented Lagrangian then projected R-FISTA (C-ReLU).
    Al(AlSettings),
    /// SGD or Adam on the non-convex network (`settings.method` says which).
    Baseline(BaselineSettings),
}

/// Default thread count (on this project's 2-core reference machine one thread is
/// the fastest choice for the problems of the bundled suites).
pub const DEFAULT_THREADS: usize = 1;

impl SolverConfig {
    /// `kind` with its defaults, overridden by `options`, validated.
    pub fn new(kind: SolverKind, options: &SolverOptions) -> Result<SolverConfig, SettingsError> {
        let o = options;
        let threads = o.threads.unwrap_or(DEFAULT_THREADS);
        let basis = o.time_basis.unwrap_or_default();
        let err = |message: String| SettingsError {
            solver: kind,
            message,
        };
        if threads == 0 {
            return Err(err("threads must be >= 1".into()));
        }
        let config = match kind {
            SolverKind::Clarabel => {
                let mut s = ClarabelSettings::default();
                if let Some(t) = o.tol {
                    s.tol = t;
                }
                if let Some(m) = o.max_iters {
                    s.max_iters = m;
                }
                if let Some(t) = o.time_limit {
                    s.time_limit = t;
                }
                s.time_basis = basis;
                if let Some(m) = o.max_memory {
                    s.max_memory = m;
                }
                s.verbose = o.verbose;
                s.max_threads = u32::try_from(threads).unwrap_or(u32::MAX);
                s.validate().map_err(|e| err(e.to_string()))?;
                SolverConfig::Clarabel(s)
            }
            SolverKind::Fista => {
                let mut s = super::native::gated::default_settings();
                if let Some(stop) = o.stopping {
                    s.stopping = stop;
                    if stop == Stopping::Subgradient {
                        s.tol = FistaSettings::default().tol;
                    }
                }
                if let Some(t) = o.tol {
                    s.tol = t;
                }
                if let Some(m) = o.max_iters {
                    s.max_iters = m as usize;
                }
                if let Some(t) = o.time_limit {
                    s.time_limit = t;
                }
                s.time_basis = basis;
                s.threads = threads;
                if let Some(m) = o.max_memory {
                    s.max_memory = m;
                }
                if let Some(w) = o.working_sets {
                    s.working_sets = w;
                }
                if let Some(m) = o.metric {
                    s.metric = m;
                }
                if let Some(m) = o.momentum {
                    s.momentum = m;
                }
                s.validate().map_err(err)?;
                SolverConfig::Fista(s)
            }
            SolverKind::Al => {
                let mut s = AlSettings::default();
                if let Some(t) = o.tol {
                    s = s.with_tol(t);
                }
                if let Some(m) = o.max_iters {
                    s.max_iters = m as usize;
                }
                if let Some(t) = o.time_limit {
                    s.time_limit = t;
                }
                s.verbose = o.verbose;
                s.inner.threads = threads;
                s.inner.time_basis = basis;
                if let Some(m) = o.max_memory {
                    s.inner.max_memory = m;
                }
                if let Some(w) = o.working_sets {
                    s.inner.working_sets = w;
                }
                if let Some(m) = o.momentum {
                    s.inner.momentum = m;
                }
                s.validate().map_err(err)?;
                SolverConfig::Al(s)
            }
            SolverKind::Sgd | SolverKind::Adam => {
                let method = match kind {
                    SolverKind::Sgd => Method::Sgd,
                    _ => Method::Adam,
                };
                let mut s = BaselineSettings::new(method);
                if let Some(m) = o.max_iters {
                    s.epochs = m;
                }
                s.batch_size = o.batch_size.or(s.batch_size);
                if let Some(t) = o.time_limit {
                    s.time_limit = t;
                }
                s.time_basis = basis;
                s.step_sizes = o.step_sizes.clone();
                if let Some(r) = o.repeats {
                    s.repeats = r;
                }
                s.neurons = o.neurons;
                s.threads = threads;
                s.validate().map_err(|e| err(e.to_string()))?;
                SolverConfig::Baseline(s)
            }
            SolverKind::External => {
                return Err(err(
                    "an external solver runs through files, from a suite [[solver]] entry with command and format (see harness::external)".into(),
                ));
            }
        };
        Ok(config)
    }

    /// Which solver this is.
    pub fn kind(&self) -> SolverKind {
        match self {
            SolverConfig::Clarabel(_) => SolverKind::Clarabel,
            SolverConfig::Fista(_) => SolverKind::Fista,
            SolverConfig::Al(_) => SolverKind::Al,
            SolverConfig::Baseline(s) => match s.method {
                Method::Sgd => SolverKind::Sgd,
                Method::Adam => SolverKind::Adam,
            },
        }
    }
}

/// What a solve produced: a point of the convex problem, or (sgd/adam) a trained
/// non-convex network.
#[derive(Clone, Debug)]
pub enum Solution {
    Convex(SolveOutput),
    Network(BaselineOutput),
}

impl Solution {
    /// The convex weights: the solver's point, or for a gated baseline network the
    /// C-GReLU point with its predictions (`None` for a ReLU baseline network, whose
    /// patterns are not the problem's).
    pub fn convex_weights(&self) -> Option<Weights> {
        match self {
            Solution::Convex(out) => Some(out.weights.clone()),
            Solution::Network(net) => net.convex_weights(),
        }
    }
}

/// Run `config` on `problem`, warm-started from `warm` where the solver can use it
/// (fista and al; ignored by clarabel and the baselines).
pub fn solve(
    problem: &Problem,
    config: &SolverConfig,
    warm: Option<&Weights>,
) -> Result<Solution, SolverError> {
    solve_observed(problem, config, warm, &mut Silent)
}

/// [`solve`], with the native solvers' measurements (fista, al: every
/// `check_every` iterations and at the end) passed to `progress`. Clarabel and
/// the baselines report nothing to it (Clarabel prints its own log with
/// `verbose`).
pub fn solve_observed(
    problem: &Problem,
    config: &SolverConfig,
    warm: Option<&Weights>,
    progress: &mut dyn Progress,
) -> Result<Solution, SolverError> {
    match config {
        SolverConfig::Baseline(s) => Ok(Solution::Network(baselines::train(problem, s)?)),
        SolverConfig::Clarabel(_) | SolverConfig::Fista(_) | SolverConfig::Al(_) => Ok(
            Solution::Convex(solve_convex_observed(problem, config, warm, progress)?),
        ),
    }
}

/// Run a convex solver (clarabel, fista, al) on `problem`; the baselines are
/// refused (they train the non-convex network: use [`solve`]).
pub fn solve_convex(
    problem: &Problem,
    config: &SolverConfig,
    warm: Option<&Weights>,
) -> Result<SolveOutput, SolverError> {
    solve_convex_observed(problem, config, warm, &mut Silent)
}

/// [`solve_convex`] with a [`Progress`] observer (see [`solve_observed`]).
pub fn solve_convex_observed(
    problem: &Problem,
    config: &SolverConfig,
    warm: Option<&Weights>,
    progress: &mut dyn Progress,
) -> Result<SolveOutput, SolverError> {
    // Native solvers refuse before allocating what would not fit (Clarabel checks
    // its compiled SOCP itself).
    let native_limit = match config {
        SolverConfig::Fista(s) => Some(s.max_memory),
        SolverConfig::Al(s) => Some(s.inner.max_memory),
        SolverConfig::Clarabel(_) | SolverConfig::Baseline(_) => None,
    };
    if let Some(limit) = native_limit {
        let working_sets = match config {
            SolverConfig::Fista(s) => super::native::working_set::applies(problem, s),
            SolverConfig::Al(s) => super::native::al_working_set::applies(problem, s),
            _ => false,
        };
        super::native::memory::check(config.kind(), problem, working_sets, limit)
            .map_err(SolverError::TooLarge)?;
    }
    match config {
        SolverConfig::Clarabel(s) => super::clarabel::solve_observed(problem, s, progress.shared()),
        SolverConfig::Fista(s) => match problem.model() {
            Model::GatedRelu => {
                super::native::working_set::solve_observed(problem, s, warm, progress)
            }
            Model::Relu => {
                super::native::relu_working_set::solve_observed(problem, s, warm, progress)
            }
        },
        SolverConfig::Al(s) => super::native::al::solve_observed(problem, s, warm, progress),
        SolverConfig::Baseline(_) => Err(SolverError::Unsupported {
            solver: config.kind().name(),
            model: problem.model().name(),
            hint: "solvers::solve (sgd/adam train the non-convex network, not a convex point)",
        }),
    }
}
