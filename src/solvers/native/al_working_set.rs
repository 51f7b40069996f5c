//! The augmented Lagrangian's inner solves on working sets of blocks (issue 13,
//! item 3): R-FISTA on the blocks of a set `W`, the other blocks fixed at zero,
//! `W` grown until every zero block is optimal for the inner problem.
//!
//! The inner problem of [`super::al`] at penalty `δ` and multipliers `γ` is
//! `min_u φ(u) + λ Σ_j ‖u_j‖` over all `2cP` blocks, with `φ` the smooth part of
//! `L_δ` (block `j` on pattern `i`, output `k`, `σ_j = ±1` on `v`/`w` blocks,
//! `S_i = 2M_i − 1`, `r` the residual, `N = nc`):
//!
//! ```text
//!   φ(u)  = 1/(2N)‖Σ_i D_i X (v_i − w_i) − Y‖² + δ/2 Σ_j ‖(−S_i ⊙ X u_j + γ_j/δ)_+‖²
//!   ∇_j φ = Xᵀ( σ_j M_i ⊙ r_k / N − δ S_i ⊙ (−S_i ⊙ X u_j + γ_j/δ)_+ )
//! ```
//!
//! At `u_j = 0` the positive part is `(γ_j/δ)_+ = γ_j/δ` (the multipliers start at
//! zero and every update is a positive part, so `γ ≥ 0`), hence
//!
//! ```text
//!   ∇_j φ |_{u_j = 0} = Xᵀ( σ_j M_i ⊙ r_k / N − S_i ⊙ γ_j )
//! ```
//!
//! (the multiplier term stays: a zero block whose constraint carries a positive
//! multiplier is pushed by it), and as `∂‖·‖(0)` is the unit ball `B`, a zero block
//! is optimal given the others iff `0 ∈ ∇_j φ + λB`, i.e. **`‖∇_j φ‖ ≤ λ`**.
//!
//! A zero block adds nothing to the residual, a constant `‖γ_j‖²/(2δ)` to the
//! penalty ([`AugmentedLoss::fix_outside`]), nothing to the violation, and its
//! multipliers do not move (`(γ_j + δ·0)_+ = γ_j`): so R-FISTA on `W` with the
//! rest at zero runs the full inner objective at the same points, and the AL's
//! violation and multiplier passes run on `W` only, exactly. Per inner solve (`δ`,
//! `γ` fixed):
//!
//! ```text
//!   W ← the nonzero blocks of u (the support: blocks that went to zero leave W)
//!   if W = ∅: check (below) and grow
//!   repeat
//!     R-FISTA on the blocks of W from u (the last step, no power iterations after
//!       the first round), to the inner tolerance
//!     check: ONE product X U_W (the residual) and ONE adjoint Xᵀ over the blocks
//!       outside W: ∇_j φ at u_j = 0 for every j ∉ W
//!     V = { j ∉ W : ‖∇_j φ‖ > λ };  done if V = ∅
//!     W ← W ∪ (the max(|W|, 10) largest of V)               ([`working_set::grow`])
//! ```
//!
//! When it is done every block outside `W` satisfies its optimality condition
//! with the subgradient `−∇_j φ/λ ∈ B`, so the squared min-norm subgradient of the
//! full inner problem is the restricted one's (`Σ_{j∉W} (‖∇_j φ‖ − λ)_+² = 0`):
//! the inner solve ends as the full one would, and the outer loop (δ, γ, its
//! stopping rule) is [`super::al`]'s, unchanged. With the iteration budget or the
//! time limit spent before that, the solve returns unfinished, as a full one would.
//!
//! Memory: the point on `W` (`d·|W|`), the check's gradients (`d·(2cP − |W|)`),
//! R-FISTA's workspace on `W` (at most the full one) and flags per block; nothing
//! with `n` rows (the check reuses the loss's row block of `2cP` columns).

use super::al::{AlSettings, AugmentedLoss, run_inner};
use super::fista::{Composite, FistaOutcome, FistaSettings, FistaWorkspace, Monitor, Smooth};
use super::working_set;
use crate::model::{Model, Problem};
use crate::solvers::Status;
use crate::solvers::clock::Stopwatch;

/// Whether the AL's inner solves run on working sets: C-ReLU, λ > 0, and the
/// inner settings' [`working_sets`](FistaSettings::working_sets) say so
/// ([`working_set::wanted`], as for `fista`).
pub fn applies(problem: &Problem, settings: &AlSettings) -> bool {
    problem.model() == Model::Relu
        && problem.lambda() > 0.0
        && working_set::wanted(settings.inner.working_sets, problem.p())
}

/// The working set of the AL's inner solves (module docs).
pub struct WorkingSet {
    d: usize,
    /// Per block (`2cP`): in `W`.
    in_set: Vec<bool>,
    /// The blocks of `W`, ascending (the loss's point).
    cols: Vec<usize>,
    /// `u` on the blocks of `W`, `d × |W|`.
    point: Vec<f64>,
    /// The check's gradients of the blocks outside `W`, `d × (2cP − |W|)` used.
    grad: Vec<f64>,
    /// Per block: the norm of its last check's gradient (0 for blocks of `W`).
    score: Vec<f64>,
    /// R-FISTA rounds over all inner solves.
    rounds: usize,
}

impl WorkingSet {
    /// `W` = the nonzero blocks of `u` (`d × 2cP`), set as `al`'s point.
    pub fn new(al: &mut AugmentedLoss<'_>, u: &[f64], d: usize) -> WorkingSet {
        let blocks = u.len() / d;
        let mut set = WorkingSet {
            d,
            in_set: u.chunks(d).map(|b| b.iter().any(|&x| x != 0.0)).collect(),
            cols: Vec::new(),
            point: Vec::new(),
            grad: vec![0.0; u.len()],
            score: vec![0.0; blocks],
            rounds: 0,
        };
        set.gather(al, u);
        set
    }

    /// R-FISTA rounds so far.
    pub fn rounds(&self) -> usize {
        self.rounds
    }

    /// Blocks in `W`.
    pub fn size(&self) -> usize {
        self.cols.len()
    }

    /// `W`'s blocks of `u` into the point, and `W` as `al`'s point.
    fn gather(&mut self, al: &mut AugmentedLoss<'_>, u: &[f64]) {
        let d = self.d;
        self.cols = (0..self.in_set.len()).filter(|&j| self.in_set[j]).collect();
        self.point.clear();
        for &j in &self.cols {
            self.point.extend_from_slice(&u[j * d..(j + 1) * d]);
        }
        al.set_blocks(&self.cols);
    }

    /// The point back into `u` (the blocks outside `W` are zero there already).
    fn scatter(&self, u: &mut [f64]) {
        let d = self.d;
        for (b, &j) in self.point.chunks(d).zip(&self.cols) {
            u[j * d..(j + 1) * d].copy_from_slice(b);
        }
    }

    /// The check at the point: the zero blocks' gradient norms, `W` grown by the
    /// violators; returns their number.
    fn check(&mut self, al: &mut AugmentedLoss<'_>, lambda: f64) -> usize {
        let d = self.d;
        let grad = &mut self.grad[..d * al.outside().len()];
        al.outside_gradient(&self.point, grad);
        self.score.iter_mut().for_each(|s| *s = 0.0);
        for (g, &j) in grad.chunks(d).zip(al.outside()) {
            self.score[j] = g.iter().map(|x| x * x).sum::<f64>().sqrt();
        }
        let score = &self.score;
        working_set::grow(&mut self.in_set, |j| score[j], lambda)
    }

    /// One inner solve of the AL on working sets (module docs), from `u` (all
    /// blocks, updated), with `inner`'s tolerance, iteration budget and time limit
    /// (on `clock`, the AL's); `ws` is resized to the set. Returns the last
    /// round's outcome with the iterations and trace of all rounds.
    #[allow(clippy::too_many_arguments)]
    pub fn solve(
        &mut self,
        al: &mut AugmentedLoss<'_>,
        comp: Composite,
        u: &mut [f64],
        inner: &FistaSettings,
        ws: &mut FistaWorkspace,
        clock: &Stopwatch,
        monitor: Monitor<'_>,
    ) -> FistaOutcome {
        let t0 = clock.elapsed();
        let (mut iterations, mut trace) = (0, Vec::new());
        let (mut step, mut first) = (inner.initial_step, true);
        // Set when a check found no violator: the next round is the last.
        let mut last_round = false;
        // W restarts from the support of u: blocks that went to zero leave it
        // (the checks bring back those that must move).
        let d = self.d;
        let support: Vec<bool> = u.chunks(d).map(|b| b.iter().any(|&x| x != 0.0)).collect();
        if support != self.in_set {
            self.in_set = support;
            self.resized(al, u, ws);
        }
        if self.cols.is_empty() {
            last_round = self.check(al, comp.lambda) == 0;
            self.resized(al, u, ws);
        }
        loop {
            al.fix_outside();
            let elapsed = clock.elapsed();
            let round = FistaSettings {
                max_iters: inner.max_iters - iterations,
                time_limit: (inner.time_limit - (elapsed - t0)).max(f64::MIN_POSITIVE),
                initial_step: step,
                power_iterations: if first { inner.power_iterations } else { 0 },
                ..inner.clone()
            };
            let mut out = run_inner(
                al,
                comp,
                &mut self.point,
                &round,
                ws,
                elapsed,
                Monitor {
                    phase: monitor.phase,
                    iteration_offset: monitor.iteration_offset + iterations,
                    progress: &mut *monitor.progress,
                },
            );
            self.rounds += 1;
            self.scatter(u);
            trace.extend(out.trace.iter().skip(usize::from(!first)).map(|tp| {
                let mut tp = *tp;
                tp.iteration += iterations;
                tp
            }));
            iterations += out.iterations;
            (step, first) = (out.step, false);
            // Done: a round that did not converge, or no violator left. With
            // violators but out of budget or time, the solve ends unfinished.
            let status =
                if out.status != Status::Solved || last_round || self.check(al, comp.lambda) == 0 {
                    Some(out.status)
                } else if iterations >= inner.max_iters {
                    Some(Status::MaxIterations)
                } else if clock.elapsed() - t0 >= inner.time_limit {
                    Some(Status::TimeLimit)
                } else {
                    None
                };
            if let Some(status) = status {
                out.status = status;
                out.iterations = iterations;
                out.trace = trace;
                return out;
            }
            self.resized(al, u, ws);
        }
    }

    /// After `W` changed: the new point, and `ws` sized to it.
    fn resized(&mut self, al: &mut AugmentedLoss<'_>, u: &[f64], ws: &mut FistaWorkspace) {
        self.gather(al, u);
        *ws = FistaWorkspace::new(al.dim(), al.state_len());
    }
}
