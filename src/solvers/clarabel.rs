//! The interior-point backend: compile the problem (quadratic lowering), solve the
//! SOCP with Clarabel, map the solution back through the compiler's inverse.
//!
//! Settings are validated here, and the program by [`ConeProgram::validate`], before
//! anything reaches Clarabel, so nothing it can panic on gets there.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus};

use super::details::{ClarabelDetails, SolverDetails};
use super::{SolveOutput, SolverError, Status, TracePoint};
use crate::compile::{self, Lowering};
use crate::cone::ConeProgram;
use crate::model::Problem;

/// Settings of the Clarabel backend.
#[derive(Clone, Debug, PartialEq)]
pub struct ClarabelSettings {
    /// Absolute and relative gap and feasibility tolerance (default 1e-8, Clarabel's).
    pub tol: f64,
    /// Maximum interior-point iterations (default 200).
    pub max_iters: u32,
    /// Time limit in seconds (default: none).
    pub time_limit: f64,
    pub verbose: bool,
    /// Threads for Clarabel's linear algebra (default 1: on 2 cores two threads are
    /// slower than one).
    pub max_threads: u32,
    /// Refuse problems whose estimated memory exceeds this many bytes (default 8 GiB).
    pub max_memory: u64,
}

impl Default for ClarabelSettings {
    fn default() -> Self {
        ClarabelSettings {
            tol: 1e-8,
            max_iters: 200,
            time_limit: f64::INFINITY,
            verbose: false,
            max_threads: 1,
            max_memory: compile::DEFAULT_MAX_MEMORY,
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
        Ok(())
    }

    fn to_clarabel(&self) -> DefaultSettings<f64> {
        let mut s = DefaultSettings::<f64>::default();
        s.tol_gap_abs = self.tol;
        s.tol_gap_rel = self.tol;
        s.tol_feas = self.tol;
        s.tol_ktratio = s.tol_ktratio.min(self.tol * 1e2);
        s.max_iter = self.max_iters;
        s.time_limit = self.time_limit;
        s.verbose = self.verbose;
        s.max_threads = self.max_threads;
        s.direct_solve_method = "faer".to_string();
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
    pub setup_s: f64,
    pub solve_s: f64,
    pub cost_primal: f64,
    pub cost_dual: f64,
    pub trace: Vec<TracePoint>,
}

/// Solve a cone program with Clarabel (the program is validated first).
pub fn solve_program(
    program: ConeProgram,
    settings: &ClarabelSettings,
) -> Result<ProgramSolution, SolverError> {
    settings.validate()?;
    program.validate()?;
    let start = Instant::now();
    let cones = crate::cone::clarabel::cones(&program.cones);
    let ConeProgram { p, q, a, b, .. } = program;
    let (p, a) = (crate::cone::clarabel::csc(p), crate::cone::clarabel::csc(a));
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings.to_clarabel())
        .map_err(|e| SolverError::Clarabel(e.to_string()))?;
    drop((p, a));
    let setup_s = start.elapsed().as_secs_f64();
    let trace = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&trace);
    let t0 = Instant::now();
    solver.set_termination_callback(move |info: &clarabel::solver::DefaultInfo<f64>| {
        if let Ok(mut t) = sink.lock() {
            t.push(TracePoint {
                iteration: info.iterations as usize,
                time_s: t0.elapsed().as_secs_f64(),
                objective: info.cost_primal,
            });
        }
        // `true` stops the solve: a cancel request (crate::solvers::cancel).
        crate::solvers::cancel::requested()
    });
    solver.solve();
    let solve_s = t0.elapsed().as_secs_f64();
    let sol = &solver.solution;
    let trace = trace.lock().map(|t| t.clone()).unwrap_or_default();
    Ok(ProgramSolution {
        x: sol.x.clone(),
        z: sol.z.clone(),
        s: sol.s.clone(),
        status: map_status(sol.status),
        clarabel_status: format!("{:?}", sol.status),
        iterations: sol.iterations as usize,
        setup_s,
        solve_s,
        cost_primal: sol.obj_val,
        cost_dual: sol.obj_val_dual,
        trace,
    })
}

/// Compile `problem` and solve it with Clarabel.
pub fn solve(problem: &Problem, settings: &ClarabelSettings) -> Result<SolveOutput, SolverError> {
    settings.validate()?;
    let t = Instant::now();
    compile::check_memory(problem, Lowering::Quadratic, settings.max_memory)?;
    let (program, inverse) = compile::apply(problem, Lowering::Quadratic);
    let size = program.size();
    let compile_s = t.elapsed().as_secs_f64();
    let sol = solve_program(program, settings)?;
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
        trace: sol.trace,
        details,
    })
}
