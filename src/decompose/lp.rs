//! The LP cone decomposition: one small LP per general block, modelled with good_lp
//! and solved by its pure-Rust simplex backend (microlp; no system libraries).
//!
//! For a block with data `u`, signs `S` and `X̃ = S X`, in the variable `v`:
//!
//! ```text
//!   min  ‖v‖₁ = Σ_l (p_l + q_l)          v = p − q,  p, q ≥ 0
//!   s.t. X̃ v ≥ (X̃ u)_+                  (⇔ X̃ v ≥ 0 and X̃ (v − u) ≥ 0)
//! ```
//!
//! solved for `u/‖u‖` (the LP is positively homogeneous in `u`) and scaled back,
//! returning `(v, v − u)`; rows with `x_r = 0` are `0 ≥ 0` and are left out. The LP is
//! feasible whenever the block's gate is interior to its cone (`v = u + αg`), and
//! bounded below by 0. A failed LP is reported in the status, and its block falls back
//! to `w = 0` followed by the polish (`w = αg`), which is feasible but not ℓ1-minimal.

use std::time::Instant;

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    WithTimeLimit, microlp, variable,
};

use super::split::GeneralBlock;
use super::{Solved, Split, worse};
use crate::model::Problem;
use crate::solvers::{SolverError, Status};

#[derive(Clone, Debug, PartialEq)]
pub struct LpSettings {
    /// Time limit per LP in seconds (default: none).
    pub time_limit: f64,
}

impl Default for LpSettings {
    fn default() -> Self {
        LpSettings {
            time_limit: f64::INFINITY,
        }
    }
}

impl LpSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(format!("time-limit must be > 0, got {}", self.time_limit));
        }
        Ok(())
    }
}

/// Solve one block's LP; returns `w = v − u` and the status.
fn solve_block(problem: &Problem, blk: &GeneralBlock, settings: &LpSettings) -> (Vec<f64>, Status) {
    let (n, d) = (problem.n(), problem.d());
    let x = &problem.x();
    let mut vars = ProblemVariables::new();
    let pos = vars.add_vector(variable().min(0.0), d);
    let neg = vars.add_vector(variable().min(0.0), d);
    let mut objective = Expression::with_capacity(2 * d);
    for l in 0..d {
        objective.add_mul(1.0, pos[l]);
        objective.add_mul(1.0, neg[l]);
    }
    let mut model = vars.minimise(objective).using(microlp);
    if settings.time_limit.is_finite() {
        model = model.with_time_limit(settings.time_limit);
    }
    for r in 0..n {
        if (0..d).all(|l| x[(r, l)] == 0.0) {
            continue;
        }
        let mut row = Expression::with_capacity(2 * d);
        for l in 0..d {
            let a = blk.sign[r] * x[(r, l)];
            if a != 0.0 {
                row.add_mul(a, pos[l]);
                row.add_mul(-a, neg[l]);
            }
        }
        model.add_constraint(row.geq(blk.xu[r].max(0.0) / blk.norm));
    }
    match model.solve() {
        Ok(sol) => {
            let status = match sol.status() {
                SolutionStatus::Optimal => Status::Solved,
                SolutionStatus::TimeLimit | SolutionStatus::GapLimit => Status::TimeLimit,
            };
            let w = (0..d)
                .map(|l| blk.norm * (sol.value(pos[l]) - sol.value(neg[l])) - blk.u[l])
                .collect();
            (w, status)
        }
        Err(e) => {
            let status = match e {
                ResolutionError::Infeasible => Status::Infeasible,
                ResolutionError::Unbounded => Status::Unbounded,
                ResolutionError::Other(_) | ResolutionError::Str(_) => Status::NumericalError,
            };
            (vec![0.0; d], status)
        }
    }
}

/// Solve the LP decomposition of the general blocks of `split`.
pub fn solve(
    problem: &Problem,
    split: &Split,
    settings: &LpSettings,
) -> Result<Solved, SolverError> {
    settings.validate().map_err(SolverError::Settings)?;
    let start = Instant::now();
    let mut w = Vec::with_capacity(split.general.len());
    let mut status = Status::Solved;
    let mut failed = 0usize;
    for blk in &split.general {
        let (wj, s) = solve_block(problem, blk, settings);
        if s != Status::Solved {
            failed += 1;
        }
        status = worse(status, s);
        w.push(wj);
    }
    let details = super::MethodDetails::Lp {
        lp_backend: "good_lp/microlp".into(),
        lp_programs: split.general.len(),
        lp_not_optimal: failed,
        lp_s: start.elapsed().as_secs_f64(),
    };
    Ok(Solved {
        w,
        status,
        iterations: split.general.len(),
        reported_violation: 0.0,
        details,
    })
}
