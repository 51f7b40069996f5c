//! The interior-point backend: compile the problem (quadratic lowering by default), solve the
//! SOCP with Clarabel, map the solution back through the compiler's inverse.
//!
//! Settings are validated here, and the program by [`ConeProgram::validate`], before
//! anything reaches Clarabel, so nothing it can panic on gets there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus};

use super::clock::{Stopwatch, TimeBasis};
use super::details::{ClarabelDetails, SolverDetails};
use super::progress::{IterationLog, Measure, Phase, SharedProgress};
use super::{CpuTimes, SolveOutput, SolverError, Status, TracePoint};
use crate::compile::{self, Lowering};
use crate::cone::ConeProgram;
use crate::model::Problem;

/// Clarabel's sparse LDLᵀ factorisation of the KKT system (`direct_solve_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirectMethod {
    /// faer's supernodal sparse LDLᵀ (Clarabel's `faer-sparse` feature).
    Faer,
    /// QDLDL, Clarabel's own simplicial LDLᵀ.
    Qdldl,
}

impl DirectMethod {
    pub const fn name(&self) -> &'static str {
        match self {
            DirectMethod::Faer => "faer",
            DirectMethod::Qdldl => "qdldl",
        }
    }
}

crate::named::named!(DirectMethod, [Faer, Qdldl]);

/// Settings of the Clarabel backend.
///
/// The defaults of the last four (`direct_method`, `equilibrate`,
/// `static_regularization`, `lowering`) are the choice kept by the comparison of
/// `examples/ipm_variants.rs` (`results/ipm/`): every variant reaches the same
/// optimum; see that table for their iterations (and, on a quiet machine, times).
#[derive(Clone, Debug, PartialEq)]
pub struct ClarabelSettings {
    /// Absolute and relative gap and feasibility tolerance (default 1e-8, Clarabel's).
    pub tol: f64,
    /// Maximum interior-point iterations (default 200).
    pub max_iters: u32,
    /// Time limit in seconds (default: none), counted from the start of the
    /// interior-point iterations, on `time_basis`.
    pub time_limit: f64,
    /// The clock of the limit and of the trace (default wall). A wall limit is
    /// Clarabel's own `time_limit`; a CPU limit is enforced by Clarabel's
    /// termination callback, checked once per interior-point iteration (one
    /// iteration is the overshoot; the status is then `time_limit`).
    pub time_basis: TimeBasis,
    pub verbose: bool,
    /// Threads for Clarabel's linear algebra (default 1: on 2 cores two threads are
    /// slower than one).
    pub max_threads: u32,
    /// Refuse problems whose estimated memory exceeds this many bytes (default 8 GiB).
    pub max_memory: u64,
    /// The KKT factorisation (default faer).
    pub direct_method: DirectMethod,
    /// Ruiz equilibration of the data before the solve (default on, Clarabel's).
    pub equilibrate: bool,
    /// Static regularisation constant of the KKT diagonal (default 1e-8,
    /// Clarabel's; 0 turns static regularisation off).
    pub static_regularization: f64,
    /// How the training problem becomes an SOCP (default quadratic: the loss as
    /// `½xᵀPx`; conic: an epigraph variable in a second-order cone).
    pub lowering: Lowering,
}

impl Default for ClarabelSettings {
    fn default() -> Self {
        ClarabelSettings {
            tol: 1e-8,
            max_iters: 200,
            time_limit: f64::INFINITY,
            time_basis: TimeBasis::Wall,
            verbose: false,
            max_threads: 1,
            max_memory: compile::DEFAULT_MAX_MEMORY,
            direct_method: DirectMethod::Faer,
            equilibrate: true,
            static_regularization: 1e-8,
            lowering: Lowering::Quadratic,
        }
    }
}

impl ClarabelSettings {
    pub fn validate(&self) -> Result<(), SolverError> {
        if !(self.tol.is_finite() && self.tol > 0.0 && self.tol < 1.0) {
            return Err(SolverError::Settings(format!(
                "tol must be in (0, 1), got {}",
                self.tol
            )));
        }
        if self.max_iters == 0 {
            return Err(SolverError::Settings("max-iters must be >= 1".into()));
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(SolverError::Settings(format!(
                "time-limit must be > 0, got {}",
                self.time_limit
            )));
        }
        let r = self.static_regularization;
        if !(r.is_finite() && (0.0..1.0).contains(&r)) {
            return Err(SolverError::Settings(format!(
                "static regularization must be in [0, 1), got {r}"
            )));
        }
        Ok(())
    }

    fn to_clarabel(&self) -> DefaultSettings<f64> {
        let mut s = DefaultSettings::<f64>::default();
        s.tol_gap_abs = self.tol;
        s.tol_gap_rel = self.tol;
        s.tol_feas = self.tol;
        s.tol_ktratio = s.tol_ktratio.min(self.tol * 1e2);
        s.max_iter = self.max_iters;
        // A CPU limit is the termination callback's (`solve_program`).
        s.time_limit = match self.time_basis {
            TimeBasis::Wall => self.time_limit,
            TimeBasis::Cpu => f64::INFINITY,
        };
        s.verbose = self.verbose;
        s.max_threads = self.max_threads;
        s.direct_solve_method = self.direct_method.name().to_string();
        s.equilibrate_enable = self.equilibrate;
        s.static_regularization_enable = self.static_regularization > 0.0;
        if self.static_regularization > 0.0 {
            s.static_regularization_constant = self.static_regularization;
        }
        s
    }
}

/// Map Clarabel's status to ours.
pub fn map_status(s: SolverStatus) -> Status {
    match s {
        SolverStatus::Solved => Status::Solved,
        SolverStatus::AlmostSolved => Status::Inaccurate,
        SolverStatus::MaxIterations => Status::MaxIterations,
        SolverStatus::MaxTime => Status::TimeLimit,
        SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => Status::Infeasible,
        SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible => Status::Unbounded,
        SolverStatus::NumericalError | SolverStatus::InsufficientProgress => Status::NumericalError,
        // The only callback is the cancel request, which ends a solve as a time limit.
        SolverStatus::CallbackTerminated => Status::TimeLimit,
        SolverStatus::Unsolved => Status::NumericalError,
    }
}

/// Clarabel's result on a raw cone program.
#[derive(Clone, Debug)]
pub struct ProgramSolution {
    pub x: Vec<f64>,
    pub z: Vec<f64>,
    pub s: Vec<f64>,
    pub status: Status,
    pub clarabel_status: String,
    pub iterations: usize,
    /// Wall seconds of Clarabel's setup and of its iterations.
    pub setup_s: f64,
    pub solve_s: f64,
    /// CPU seconds of the same two phases.
    pub cpu: CpuTimes,
    pub cost_primal: f64,
    pub cost_dual: f64,
    pub trace: Vec<TracePoint>,
}

/// Solve a cone program with Clarabel (the program is validated first).
pub fn solve_program(
    program: ConeProgram,
    settings: &ClarabelSettings,
) -> Result<ProgramSolution, SolverError> {
    solve_program_observed(program, settings, None)
}

/// [`solve_program`], reporting each interior-point iteration to `progress`
/// (phase [`Phase::Interior`], measure Clarabel's own relative gap).
pub fn solve_program_observed(
    program: ConeProgram,
    settings: &ClarabelSettings,
    progress: Option<SharedProgress>,
) -> Result<ProgramSolution, SolverError> {
    settings.validate()?;
    program.validate()?;
    let threads = settings.max_threads as usize;
    let start = Stopwatch::start(settings.time_basis, threads);
    let cones = crate::cone::clarabel::cones(&program.cones);
    let ConeProgram { p, q, a, b, .. } = program;
    let (p, a) = (crate::cone::clarabel::csc(p), crate::cone::clarabel::csc(a));
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings.to_clarabel())
        .map_err(|e| SolverError::Clarabel(e.to_string()))?;
    drop((p, a));
    let setup = start.read();
    let trace = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&trace);
    let out_of_time = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&out_of_time);
    let t0 = Stopwatch::start(settings.time_basis, threads);
    let cpu_limit = match settings.time_basis {
        TimeBasis::Wall => f64::INFINITY,
        TimeBasis::Cpu => settings.time_limit,
    };
    let tol_gap_rel = settings.tol;
    solver.set_termination_callback(move |info: &clarabel::solver::DefaultInfo<f64>| {
        if let Ok(mut t) = sink.lock() {
            t.push(TracePoint {
                iteration: info.iterations as usize,
                time_s: t0.elapsed(),
                objective: info.cost_primal,
            });
        }
        // `true` stops the solve: the CPU limit, or a cancel request
        // (crate::solvers::cancel); both end as `time_limit`.
        if let Some(report) = &progress {
            report(&IterationLog {
                phase: Phase::Interior,
                iteration: info.iterations as usize,
                objective: info.cost_primal,
                measure: Measure::InteriorGap,
                value: info.gap_rel,
                target: tol_gap_rel,
                step: info.step_length,
                restarts: 0,
                elapsed_s: t0.elapsed(),
                last: false,
            });
        }
        let stop = t0.passed(cpu_limit) || crate::solvers::cancel::requested();
        if stop {
            flag.store(true, Ordering::Relaxed);
        }
        stop
    });
    solver.solve();
    let solve = t0.read();
    let sol = &solver.solution;
    let trace = trace.lock().map(|t| t.clone()).unwrap_or_default();
    Ok(ProgramSolution {
        x: sol.x.clone(),
        z: sol.z.clone(),
        s: sol.s.clone(),
        status: match sol.status {
            SolverStatus::CallbackTerminated if out_of_time.load(Ordering::Relaxed) => {
                Status::TimeLimit
            }
            other => map_status(other),
        },
        clarabel_status: format!("{:?}", sol.status),
        iterations: sol.iterations as usize,
        setup_s: setup.wall_s,
        solve_s: solve.wall_s,
        cpu: CpuTimes::new(t0.cpu_clock(), setup, solve),
        cost_primal: sol.obj_val,
        cost_dual: sol.obj_val_dual,
        trace,
    })
}

/// Compile `problem` and solve it with Clarabel.
pub fn solve(problem: &Problem, settings: &ClarabelSettings) -> Result<SolveOutput, SolverError> {
    solve_observed(problem, settings, None)
}

/// [`solve`], reporting each interior-point iteration to `progress`.
pub fn solve_observed(
    problem: &Problem,
    settings: &ClarabelSettings,
    progress: Option<SharedProgress>,
) -> Result<SolveOutput, SolverError> {
    settings.validate()?;
    let t = Stopwatch::start(settings.time_basis, settings.max_threads as usize);
    compile::check_memory(problem, settings.lowering, settings.max_memory)?;
    let (program, inverse) = compile::apply(problem, settings.lowering);
    let size = program.size();
    let compile = t.read();
    let compile_s = compile.wall_s;
    let sol = solve_program_observed(program, settings, progress)?;
    let weights = inverse
        .invert(&sol.x)
        .map_err(|e| SolverError::Clarabel(e.to_string()))?;
    let details = SolverDetails::Clarabel(ClarabelDetails {
        clarabel_status: sol.clarabel_status.clone(),
        cost_primal: sol.cost_primal,
        cost_dual: sol.cost_dual,
        compile_s,
        socp: size,
    });
    Ok(SolveOutput {
        weights,
        status: sol.status,
        iterations: sol.iterations,
        setup_s: compile_s + sol.setup_s,
        solve_s: sol.solve_s,
        cpu: CpuTimes {
            setup_s: compile.cpu_s + sol.cpu.setup_s,
            ..sol.cpu
        },
        basis: settings.time_basis,
        trace: sol.trace,
        details,
    })
}
