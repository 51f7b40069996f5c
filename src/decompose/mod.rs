//! Cone decompositions: from a C-GReLU solution to a feasible C-ReLU point with the
//! same predictions (SPEC §1, "Theory").
//!
//! C-GReLU is a relaxation of C-ReLU: every C-ReLU point `(v, w)` gives the C-GReLU
//! point `u = v − w` with the same predictions and a penalty no larger (triangle
//! inequality), so `p*_GReLU ≤ p*_ReLU`. Conversely, a *cone decomposition* writes each
//! block as `u_i = v_i − w_i` with `v_i, w_i ∈ K_i = {z : X̃_i z ≥ 0}`; then
//! `D_i X v_i = (X v_i)_+` and `D_i X w_i = (X w_i)_+`, so `(v, w)` is a feasible C-ReLU
//! point — a ReLU network — with the predictions of `u`. Its penalty is inflated by
//!
//! ```text
//!   κ = Σ_i (‖v_i‖ + ‖w_i‖) / Σ_i ‖u_i‖  ≥ 1,
//! ```
//!
//! the approximation factor reported with every decomposition (SPEC §1).
//!
//! **One constraint per row.** Write `v_i = u_i + w_i`. Both cone constraints,
//! `X̃_i w_i ≥ 0` and `X̃_i (u_i + w_i) ≥ 0`, hold exactly when
//!
//! ```text
//!   X̃_i w_i ≥ t_i,    t_i = (−X̃_i u_i)_+ ,
//! ```
//!
//! row by row (`max(0, −a·u) ≤ a·w`), so the cone violation of `(u + w, w)` is exactly
//! `max_r (t_i − X̃_i w_i)_r⁺`. Every method below works on this form:
//!
//! - [`exact`] (the minimum-norm decomposition, an SOCP compiled like the training
//!   problems and solved by Clarabel):
//!   `min_w Σ_i ‖u_i + w_i‖ + ‖w_i‖  s.t.  X̃_i w_i ≥ t_i`;
//! - [`lp`] (per-pattern LPs through good_lp with the pure-Rust microlp backend), in
//!   the variable `v`: `min ‖v‖₁  s.t.  X̃_i v ≥ (X̃_i u_i)_+` (that is `X̃_i v ≥ 0`,
//!   `X̃_i (v − u_i) ≥ 0`), returning `(v, v − u_i)`;
//! - [`approx`] (the penalty form, by R-FISTA):
//!   `min_w 1/(2nc) Σ_i ‖(t_i − X̃_i w_i)_+‖² + ρ Σ_i ‖w_i‖`, `ρ = 1e-10`, returning
//!   `(u + w, w)` and its residual violation, honestly — it need not be feasible.
//!
//! **Blocks that need no solve** ([`split`]): `u_i = 0` gives `v_i = w_i = 0`;
//! `u_i ∈ K_i` gives `(u_i, 0)`; `u_i ∈ −K_i` gives `(0, −u_i)`. These are minimum-norm
//! (κ = 1 on the block, the triangle inequality's bound), so a point already inside
//! its cones decomposes with inflation exactly 1 by every method. The problem
//! separates over blocks `(k, i)`; only the remaining "general" blocks are solved.
//!
//! **Polish** (exact and LP): an interior-point or simplex solution can miss
//! `X̃_i w_i ≥ t_i` by rounding. Since `X̃_i g_i ≥ 0` for the block's own gate (strictly
//! on the rows with `x_r·g_i ≠ 0`), shifting `w_i ← w_i + α g_i` (and with it
//! `v_i = u_i + w_i`) removes the miss without changing `v_i − w_i`; the smallest such
//! `α ≥ 0` is applied and reported. The approximate method is not polished.

pub mod approx;
pub mod details;
pub mod exact;
pub mod lp;
pub mod quality;
pub mod split;

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::model::{Blocks, Model, Problem, Weights};
use crate::solvers::clarabel::ClarabelSettings;
use crate::solvers::{SolverError, Status};

pub use details::{ApproxFista, DecompositionDetails, MethodDetails};
pub use quality::Quality;
pub use split::{BlockKind, GeneralBlock, Split};

/// Which decomposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Minimum-norm decomposition: an SOCP solved by Clarabel.
    Exact,
    /// Penalty form solved by R-FISTA (may leave a residual cone violation).
    Approx,
    /// Per-pattern LPs (minimum ℓ1 norm of v) through good_lp/microlp.
    Lp,
}

impl Method {
    pub const fn name(&self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Approx => "approx",
            Method::Lp => "lp",
        }
    }
}

/// Settings of all three methods (each with documented defaults).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecomposeSettings {
    pub exact: exact::ExactSettings,
    pub approx: approx::ApproxSettings,
    pub lp: lp::LpSettings,
}

impl DecomposeSettings {
    pub fn validate(&self) -> Result<(), DecomposeError> {
        self.exact.clarabel.validate()?;
        self.approx.validate().map_err(DecomposeError::Settings)?;
        self.lp.validate().map_err(DecomposeError::Settings)?;
        Ok(())
    }

    /// Clarabel settings used by the exact method.
    pub fn clarabel(&self) -> &ClarabelSettings {
        &self.exact.clarabel
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecomposeError {
    #[error("a decomposition needs a gated-relu solution, got {0} weights")]
    NotGated(&'static str),
    #[error("weights have shape (c={0}, P={1}, d={2}) but the problem has (c={3}, P={4}, d={5})")]
    Shape(usize, usize, usize, usize, usize, usize),
    #[error("invalid decomposition settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Solver(#[from] SolverError),
}

/// Counts of blocks by how they were decomposed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockCounts {
    pub zero: usize,
    pub in_cone: usize,
    pub in_negative_cone: usize,
    pub solved: usize,
}

/// A decomposition and how it ended.
#[derive(Clone, Debug)]
pub struct Decomposition {
    pub method: Method,
    /// The C-ReLU point `(v, w)`.
    pub v: Blocks,
    pub w: Blocks,
    /// `Solved` when every sub-solve reached its tolerance; otherwise the worst status.
    pub status: Status,
    /// Iterations summed over the sub-solves.
    pub iterations: usize,
    pub blocks: BlockCounts,
    /// The violation the method itself reports (approx: from its own state;
    /// exact/LP: after the polish, recomputed on its rows).
    pub reported_violation: f64,
    /// Largest polish shift `α` applied (exact and LP).
    pub max_polish_shift: f64,
    /// Seconds for the whole decomposition (classification, solves, polish).
    pub time_s: f64,
    /// Method-specific numbers for the record.
    pub details: MethodDetails,
}

impl Decomposition {
    /// What the record says of this decomposition, with its `quality`.
    pub fn record_details(&self, quality: &Quality) -> DecompositionDetails {
        DecompositionDetails {
            method: self.method,
            inflation: quality.inflation,
            prediction_change: quality.prediction_change,
            prediction_change_test: quality.prediction_change_test,
            gated_objective: quality.gated_objective,
            reported_violation: self.reported_violation,
            blocks: self.blocks,
            decomposition_status: self.status,
            decomposition_s: self.time_s,
            decomposition_iterations: self.iterations,
            polish_max_shift: match self.method {
                Method::Exact | Method::Lp => Some(self.max_polish_shift),
                Method::Approx => None,
            },
            method_details: self.details.clone(),
        }
    }

    /// The C-ReLU weights `(v, w)`.
    pub fn weights(&self) -> Weights {
        Weights::Relu {
            v: self.v.clone(),
            w: self.w.clone(),
        }
    }
}

/// The C-ReLU problem of the same data and patterns as `gated` (neuron-gl1, same λ).
pub fn relu_problem(gated: &Problem) -> Problem {
    gated.twin(Model::Relu)
}

/// The C-GReLU problem (neuron-gl1, same λ) of the same data and patterns as the
/// C-ReLU problem `relu`: the problem whose solution a decomposition turns into a
/// point of `relu` (the inverse of [`relu_problem`]).
pub fn gated_problem(relu: &Problem) -> Problem {
    relu.twin(Model::GatedRelu)
}

/// Cone violation up to which a decomposed point counts as feasible (the
/// harness's certified-point tolerance, SPEC §4).
pub const FEASIBILITY_TOL: f64 = 1e-6;

/// The status of a decomposition's record. A decomposition never says `solved`:
/// it makes a C-ReLU point with the gated model's predictions, and whether that
/// point is optimal is its certificate's to say (its duality gap). When the
/// sub-solves (and the C-GReLU solve, if any) ended `solved`, the record's status
/// says what the point is — [`Status::Feasible`] when its certified
/// `max_cone_violation ≤` [`FEASIBILITY_TOL`], [`Status::Approximate`] when
/// finite but larger, `numerical_error` when not finite; otherwise it is the
/// worst sub-solve's status (e.g. `time_limit`).
pub fn record_status(sub_solves: Status, max_cone_violation: f64) -> Status {
    match sub_solves {
        Status::Solved | Status::Feasible | Status::Approximate => {
            if !max_cone_violation.is_finite() {
                Status::NumericalError
            } else if max_cone_violation <= FEASIBILITY_TOL {
                Status::Feasible
            } else {
                Status::Approximate
            }
        }
        other => other,
    }
}

/// The worse of two statuses (for combining sub-solves): `Solved` only if both are.
pub fn worse(a: Status, b: Status) -> Status {
    fn rank(s: Status) -> u8 {
        match s {
            Status::Solved => 0,
            Status::Inaccurate => 1,
            Status::MaxIterations => 2,
            Status::TimeLimit => 3,
            Status::NumericalError => 4,
            Status::Diverged => 5,
            Status::Infeasible => 6,
            Status::Unbounded => 7,
            Status::Skipped => 8,
            // Statuses of decomposition records, never of a sub-solve.
            Status::Feasible => 0,
            Status::Approximate => 1,
        }
    }
    if rank(b) > rank(a) { b } else { a }
}

/// Decompose the C-GReLU point `u` of `problem` with `method`.
pub fn decompose(
    problem: &Problem,
    u: &Blocks,
    method: Method,
    settings: &DecomposeSettings,
) -> Result<Decomposition, DecomposeError> {
    settings.validate()?;
    if (u.c, u.p, u.d) != (problem.c(), problem.p(), problem.d()) {
        return Err(DecomposeError::Shape(
            u.c,
            u.p,
            u.d,
            problem.c(),
            problem.p(),
            problem.d(),
        ));
    }
    let start = Instant::now();
    let split = Split::new(problem, u);
    let mut v = Blocks::zeros(u.c, u.p, u.d);
    let mut w = Blocks::zeros(u.c, u.p, u.d);
    split.fill_trivial(u, &mut v, &mut w);
    let solved = match method {
        Method::Exact => exact::solve(problem, &split, &settings.exact)?,
        Method::Lp => lp::solve(problem, &split, &settings.lp)?,
        Method::Approx => approx::solve(problem, &split, &settings.approx),
    };
    let mut max_shift: f64 = 0.0;
    let mut reported: f64 = 0.0;
    for (blk, wj) in split.general.iter().zip(&solved.w) {
        let mut wj = wj.clone();
        match method {
            Method::Exact | Method::Lp => {
                max_shift = max_shift.max(split::polish(problem, blk, &mut wj));
            }
            Method::Approx => {}
        }
        if method != Method::Approx {
            reported = reported.max(split::residual(problem, blk, &wj));
        }
        let vk = v.block_mut(blk.k, blk.i);
        for ((a, b), c) in vk.iter_mut().zip(&blk.u).zip(&wj) {
            *a = b + c;
        }
        w.block_mut(blk.k, blk.i).copy_from_slice(&wj);
    }
    if method == Method::Approx {
        reported = solved.reported_violation;
    }
    let details = solved.details;
    Ok(Decomposition {
        method,
        v,
        w,
        status: solved.status,
        iterations: solved.iterations,
        blocks: split.counts(),
        reported_violation: reported,
        max_polish_shift: max_shift,
        time_s: start.elapsed().as_secs_f64(),
        details,
    })
}

/// What a method returns for the general blocks, in the order of [`Split::general`].
#[derive(Clone, Debug)]
pub struct Solved {
    pub w: Vec<Vec<f64>>,
    pub status: Status,
    pub iterations: usize,
    /// The method's own view of the residual `max (t − X̃w)_+` (approx only).
    pub reported_violation: f64,
    pub details: MethodDetails,
}

crate::named::named!(Method, [Exact, Approx, Lp]);
