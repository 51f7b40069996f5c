//! C-ReLU by cone-projected R-FISTA on working sets of patterns (issue 13, items 1
//! and 3), certified on the full problem.
//!
//! With `u = (v, w)` (`2cP` blocks, [`super::relu`]'s layout) and `g_j = ∇_j f(u)`
//! (for pattern `i`: `g = (D_i X)ᵀr_k/N` on the `v` block, `−g` on the `w` block),
//! the optimality condition of a block that is zero is
//!
//! ```text
//!   0 ∈ g_j + λ∂‖·‖(0) + N_{K_i}(0) = g_j + λB + K_i°
//!   ⟺  dist(−g_j, K_i°) ≤ λ  ⟺  ‖Π_{K_i}(−g_j)‖ ≤ λ
//! ```
//!
//! (`N_K(0) = K°`, the polar cone; by Moreau `−g = Π_K(−g) + Π_{K°}(−g)`, so the
//! distance from `−g` to `K°` is `‖Π_K(−g)‖`.) Since `‖Π_K(−g)‖ ≤ ‖g‖`, a block with
//! `‖g_j‖ ≤ λ` passes without a projection. The same norms give the full dual
//! bound: `dn = max_j ‖Π_{K_i}(−g_j)‖` ([`certify::relu_dual_norm`]), visited by
//! decreasing `‖g_j‖`, so one scan serves both:
//!
//! ```text
//!   W ← patterns of the warm start's nonzero blocks (projected onto the cones)
//!   repeat
//!     one full forward + adjoint at u: objective F, gradients g_j
//!     scan blocks by decreasing b_j = min(‖g_j‖, ‖−g_j − p_j‖) (upper bounds on
//!       ‖Π_{K_i}(−g_j)‖, p_j ∈ K_i° from the block's last projection), projecting
//!       −g_j while b_j > dn (dual norm) or (pattern ∉ W and b_j > λ) (zero-block
//!       test); stop at the first block with b_j ≤ min(dn, λ)
//!     D = the scaled-residual bound with dn; stop if (F − D)/F ≤ tol (the full certificate)
//!     violators V = { i ∉ W : max_{j on i} ‖Π_{K_i}(−g_j)‖ > λ }
//!     W ← W ∪ (the max(|W|, 10) largest of V);  inner tol and round budget as in
//!       [`super::working_set`]
//!     cone-projected R-FISTA on the blocks of W only, warm-started from u (its
//!       blocks, their passive sets and their screening anchors), to the inner tol
//! ```
//!
//! With the tight dual point on (the default), every full check whose plain gap
//! is within `10√tol` ([`super::tight_dual::REACH`]) also tries it ([`super::tight_dual`]), and the inner solve
//! of a round without violators tries it on its own problem; an inner solve that
//! stops at its start (its tight point already proves its tolerance) makes the
//! next round's tolerance ten times smaller, so the rounds cannot repeat.
//!
//! Blocks outside `W` are zero, so the restricted objective is the full one at the
//! same point; the stop is decided by the full problem's bound only, so the result
//! is certified whatever the working sets were. Every projection norm comes from a
//! multiplier `μ ≥ 0` ([`crate::cone::polyhedral`]), an upper bound on the exact
//! one: the bound stays valid, and an unconverged projection can only add a block.
//!
//! **Projection cost (item 3).** Only the blocks of `W` are projected in the prox,
//! and every projection (prox and check) screens its rows
//! ([`ConeProjector::project_screened`]): with `q` a point of the cone near `z` (the
//! block's last output, or for the check the last projection of `−g_j`), rows with
//! `(X̃z)_l > ‖z − q‖·‖x_l‖` are inactive at `Π_K(z)`, so the Lawson–Hanson steps
//! touch only the rows near their boundary.
//!
//! **Cheaper checks.** The scan needs `‖Π_K(−g_j)‖` exactly only above a
//! threshold (`λ` outside `W`, `dn` inside): below it any upper bound will do, so
//! each projection stops at the first Lawson–Hanson step whose point `−g_j + X̃ᵀμ`
//! (`μ ≥ 0`) has norm under the threshold ([`ConeProjector::bound_below`]); its
//! `X̃ᵀμ` is the next check's polar point. An outside block that cannot raise `dn`
//! is a violator without a projection when its projection onto the ray of its last
//! projection (a lower bound: the ray is in the cone) exceeds `λ`. On the issue's
//! P = 2500 problem (300 iterations, `results/scale/relu-checks`) the four checks
//! computed 4.22·10⁹ cone values instead of 4.82·10⁹, and the solve took 201.6 s
//! instead of 251.8 s.
//!
//! The checks' projections (and the dual norm's, [`certify::relu_dual_norm`]) take
//! restricted steps ([`ConeProjector::with_restricted_steps`]): started far from
//! the cone, they add ~30 rows each, and a pass over all rows per added row was
//! most of a check. On the whole P = 2500 solve the checks computed 1.02·10⁹ cone
//! values instead of 7.05·10⁹, on the same blocks, with the same iterates
//! (`results/scale`).
//!
//! Allocations happen once per round (the restricted operators and workspaces),
//! none inside the inner iterations.

use super::deadline::Deadline;
use super::fista::{self, FistaSettings, FistaWorkspace, Proximal, Smooth, Stopping};
use super::gated::GatedLoss;
use super::operators::Operators;
use super::relu::{ConeProx, ReluLoss};
use super::tight_dual::TightDual;
use super::working_set;
use super::working_set::{MAX_OUTER, next_inner_tol_after};
use crate::certify;
use crate::cone::polyhedral::{ConeProjector, Passive};
use crate::model::{Blocks, Model, Problem, Regularizer, Weights};
use crate::solvers::clock::Stopwatch;
use crate::solvers::details::WorkingSetDetails;
use crate::solvers::progress::{IterationLog, Measure, Phase, Progress};
use crate::solvers::{CpuTimes, SolveOutput, SolverDetails, SolverError, Status, TracePoint};

/// Whether `settings` send the C-ReLU `problem` to the working sets (λ > 0,
/// duality-gap stopping, and the setting says so: [`working_set::wanted`], as for
/// C-GReLU).
pub fn applies(problem: &Problem, settings: &FistaSettings) -> bool {
    let eligible = problem.model() == Model::Relu
        && problem.reg() == Regularizer::NeuronGl1
        && problem.lambda() > 0.0
        && settings.stopping == Stopping::DualityGap;
    eligible && working_set::wanted(settings.working_sets, problem.p())
}

/// Solve the C-ReLU `problem` on working sets (falls back to [`super::relu::solve`]
/// when they do not [apply](applies)).
pub fn solve(
    problem: &Problem,
    settings: &FistaSettings,
    warm: Option<&Weights>,
) -> Result<SolveOutput, SolverError> {
    solve_observed(
        problem,
        settings,
        warm,
        &mut crate::solvers::progress::Silent,
    )
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The full check's projections of `−g_j` (module docs), with a passive set and a
/// screening anchor per block kept between rounds.
struct FullCheck<'a> {
    ops: &'a Operators,
    projector: ConeProjector<'a>,
    mask: Vec<f64>,
    block: Vec<f64>,
    cone: Vec<f64>,
    warm: Vec<Passive>,
    /// The last projection of `−g_j` per block (a point of its cone), `d × 2cP`.
    anchors: Vec<f64>,
    /// Per block a point `p_j = −X̃ᵀμ` (`μ ≥ 0`) of the polar cone from its last
    /// projection (`d × 2cP`): `‖Π_K(z)‖ = dist(z, K°) ≤ ‖z − p_j‖` bounds the next
    /// projection's norm without computing it.
    polar: Vec<f64>,
    /// Projections stopped at a bound ([`ConeProjector::bound_below`]).
    bounded: usize,
    order: Vec<(f64, usize)>,
    /// Per pattern: the largest `‖Π_K(−g_j)‖` of its blocks outside `W` (0 where
    /// none was needed).
    score: Vec<f64>,
    projections: usize,
    steps: usize,
    rows: usize,
    /// Zero-block tests decided by the ray's lower bound, without a projection.
    ray_hits: usize,
}

impl<'a> FullCheck<'a> {
    fn new(ops: &'a Operators, c: usize) -> FullCheck<'a> {
        let (n, d, p) = (ops.n(), ops.d(), ops.p());
        FullCheck {
            ops,
            projector: ConeProjector::new(ops.x()).with_restricted_steps(),
            mask: vec![0.0; n],
            block: vec![0.0; d],
            cone: vec![0.0; n],
            warm: (0..2 * c * p).map(|_| Passive::new(d)).collect(),
            anchors: vec![0.0; 2 * c * p * d],
            polar: vec![0.0; 2 * c * p * d],
            bounded: 0,
            order: vec![(0.0, 0); 2 * c * p],
            score: vec![0.0; p],
            projections: 0,
            steps: 0,
            rows: 0,
            ray_hits: 0,
        }
    }

    /// The dual norm `max_j ‖Π_{K_j}(−g_j)‖` of the gradient `grad` of `f` in
    /// `v − w` (`d × cP`; the `v` blocks' gradients are `grad`, the `w` blocks'
    /// `−grad`), filling [`FullCheck::score`] for the patterns outside `in_set`;
    /// `None` once `deadline` has passed (a partial maximum is no bound).
    fn scan(
        &mut self,
        grad: &[f64],
        in_set: &[bool],
        lambda: f64,
        deadline: Deadline,
    ) -> Option<f64> {
        let (d, p) = (self.ops.d(), self.ops.p());
        let cp = grad.len() / d;
        // −g_j: −grad on a v block (j < cP), +grad on a w block.
        let target = |j: usize, out: &mut [f64]| {
            let (b, sign) = if j < cp { (j, -1.0) } else { (j - cp, 1.0) };
            for (o, g) in out.iter_mut().zip(&grad[b * d..(b + 1) * d]) {
                *o = sign * g;
            }
        };
        // Upper bounds without a projection: ‖Π_K(z)‖ = dist(z, K°) ≤ ‖z − p‖ for
        // p = 0 and for the block's last polar point.
        for j in 0..2 * cp {
            target(j, &mut self.block);
            let moved = self
                .block
                .iter()
                .zip(&self.polar[j * d..(j + 1) * d])
                .map(|(z, q)| (z - q) * (z - q))
                .sum::<f64>()
                .sqrt();
            self.order[j] = (norm(&self.block).min(moved), j);
        }
        self.order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        self.score.iter_mut().for_each(|s| *s = 0.0);
        let mut dn: f64 = 0.0;
        for &(ub, j) in &self.order {
            if ub <= dn && ub <= lambda {
                break;
            }
            let i = j % p;
            let outside = !in_set[i];
            if ub <= dn && !outside {
                continue;
            }
            target(j, &mut self.block);
            let anchor = &mut self.anchors[j * d..(j + 1) * d];
            if ub <= dn {
                // Outside W, ub ∈ (λ, dn]: the dual norm does not need this block;
                // a lower bound above λ (the projection onto the ray of the last
                // projection, inside the cone) already makes it a violator.
                let an = norm(anchor);
                if an > 0.0 {
                    let along = self
                        .block
                        .iter()
                        .zip(anchor.iter())
                        .map(|(z, a)| z * a)
                        .sum::<f64>()
                        / an;
                    if along > lambda {
                        self.score[i] = self.score[i].max(along);
                        self.ray_hits += 1;
                        continue;
                    }
                }
            }
            if deadline.expired() {
                return None;
            }
            // What the scan needs of ‖Π_K(z)‖: outside W whether it exceeds λ (and
            // if so its value, for the ranking), and for the dual norm whether it
            // exceeds dn. Below that threshold any upper bound will do.
            let threshold = if outside { lambda } else { dn };
            let polar = &mut self.polar[j * d..(j + 1) * d];
            polar.copy_from_slice(&self.block);
            self.ops.fill_mask_col(i, &mut self.mask);
            self.projector
                .cone_values(&self.mask, &self.block, &mut self.cone);
            let dist = self
                .block
                .iter()
                .zip(anchor.iter())
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt();
            // The radius bounds dist(z, K): the anchor and 0 are in K.
            let radius = dist.min(norm(&self.block));
            let info = self.projector.bound_below(
                &self.mask,
                &mut self.block,
                &self.cone,
                &mut self.warm[j],
                radius,
                threshold,
            );
            self.projections += 1;
            self.steps += info.steps;
            self.rows += info.rows;
            // p = z − (z + X̃ᵀμ) ∈ K°.
            for (q, y) in polar.iter_mut().zip(&self.block) {
                *q -= y;
            }
            if info.bounded {
                self.bounded += 1;
            } else {
                anchor.copy_from_slice(&self.block);
            }
            let s = norm(&self.block);
            dn = dn.max(s);
            if outside {
                self.score[i] = self.score[i].max(s);
            }
        }
        Some(dn)
    }
}

/// [`solve`], reporting the full certificate before each inner solve
/// ([`Phase::WorkingSetCheck`]) and the inner solves' measurements to `progress`.
pub fn solve_observed(
    problem: &Problem,
    settings: &FistaSettings,
    warm: Option<&Weights>,
    progress: &mut dyn Progress,
) -> Result<SolveOutput, SolverError> {
    super::check_start(
        problem,
        Model::Relu,
        "fista (relu, working sets)",
        "--solver fista",
        settings.validate(),
    )?;
    if !applies(problem, settings) {
        return super::relu::solve_observed(problem, settings, warm, progress);
    }
    let t = Stopwatch::start(settings.time_basis, settings.threads);
    let (c, p, d) = (problem.c(), problem.p(), problem.d());
    let (cp, lambda) = (c * p, problem.lambda());
    let half = cp * d;
    let mut u = Weights::relu_stacked(warm, c, p, d);
    let ops = Operators::new(problem.x(), problem.patterns()).with_threads(settings.threads);
    let mut full = GatedLoss::new(&ops, problem.y(), Regularizer::NeuronGl1, lambda);
    let mut diff = vec![0.0; half];
    let (mut state, mut grad) = (vec![0.0; full.state_len()], vec![0.0; half]);
    let mut check = FullCheck::new(&ops, c);
    // The tight dual point at the full checks ([`super::tight_dual`]); its dual
    // norm starts each projection cold (a few tries per run: no `2cP` sets).
    let mut tight = settings.tight_dual.then(|| {
        let norm = certify::ReluDualNorm::cold(ops.x(), problem.patterns(), 2 * cp);
        (
            TightDual::new(problem, settings.tol).at_every_check(),
            norm,
            Blocks::zeros(c, p, d),
        )
    });
    // The inner solves' tries of the tight point, and their wins.
    let mut inner_tight = (0, 0);
    let mut prox_warm: Vec<Passive> = (0..2 * cp).map(|_| Passive::new(d)).collect();
    let (mut projections, mut projection_steps, mut unconverged, mut projection_rows) =
        (0, 0, 0, 0);
    if warm.is_some() {
        // A warm start need not be feasible: project it first (step 0), as
        // `relu::run` does.
        let mut h = ConeProx::new(&ops, c, lambda).with_screening();
        h.set_deadline(Deadline::on(t, settings.time_limit));
        h.prox(0.0, &mut u);
        for (a, b) in prox_warm.iter_mut().zip(h.warm_sets_mut()) {
            std::mem::swap(a, b);
        }
        (projections, projection_steps) = (h.projections, h.steps);
        (unconverged, projection_rows) = (h.unconverged, h.rows);
    }
    let setup = t.read();
    let start = Stopwatch::start(settings.time_basis, settings.threads);
    let deadline = Deadline::on(start, settings.time_limit);
    let block_of = |side: usize, k: usize, i: usize| side * cp + k * p + i;
    let mut in_set = vec![false; p];
    for (i, inside) in in_set.iter_mut().enumerate() {
        *inside = (0..2)
            .flat_map(|side| (0..c).map(move |k| (side, k)))
            .any(|(side, k)| {
                let j = block_of(side, k, i);
                u[j * d..(j + 1) * d].iter().any(|&x| x != 0.0)
            });
    }
    let mut inner_tol = f64::INFINITY;
    let mut iterations = 0;
    let mut trace: Vec<TracePoint> = Vec::new();
    let mut status = Status::MaxIterations;
    let mut objective: f64;
    let mut gap: f64;
    let mut outer = 0;
    let mut sizes = Vec::new();
    let mut round_iterations = Vec::new();
    let mut step = None;
    let mut steps_used = None;
    loop {
        // The full certificate at u (and the zero blocks' optimality).
        for ((o, a), b) in diff.iter_mut().zip(&u[..half]).zip(&u[half..]) {
            *o = a - b;
        }
        full.forward(&diff, &mut state);
        let f = full.gradient(&state, &mut grad);
        objective = f + lambda * u.chunks(d).map(norm).sum::<f64>();
        let (rr, ry) = full.residual_products(&state);
        let nc = full.nc();
        let dn = check.scan(&grad, &in_set, lambda, deadline);
        let mut dual = match dn {
            Some(dn) => certify::scaled_residual_bound(lambda, nc, rr, ry, dn * nc),
            None => f64::NEG_INFINITY,
        };
        if let (Some(dn), Some((t, norm, g))) = (dn, tight.as_mut())
            && t.due(fista::relative(objective - dual, objective))
        {
            for (g, v) in g.data.iter_mut().zip(&grad) {
                *g = v * nc;
            }
            if let Some(b) = t.try_relu_bound(
                &u,
                &state,
                g,
                (nc, dn * nc),
                (objective, dual),
                norm,
                &|| deadline.expired(),
            ) && b > dual
            {
                dual = b;
            }
        }
        gap = fista::relative(objective - dual, objective);
        if outer == 0 {
            trace.push(TracePoint {
                iteration: 0,
                time_s: start.elapsed(),
                objective,
            });
        }
        let done = gap <= settings.tol
            || !objective.is_finite()
            || outer >= MAX_OUTER
            || iterations >= settings.max_iters
            || deadline.expired();
        progress.log(&IterationLog {
            phase: Phase::WorkingSetCheck,
            iteration: iterations,
            objective,
            measure: Measure::RelativeGap,
            value: if gap.is_nan() { f64::INFINITY } else { gap },
            target: settings.tol,
            step: step.unwrap_or(settings.initial_step),
            restarts: 0,
            elapsed_s: start.elapsed(),
            last: done,
        });
        if gap <= settings.tol {
            status = Status::Solved;
            break;
        }
        if !objective.is_finite() {
            status = Status::Diverged;
            break;
        }
        if outer >= MAX_OUTER || iterations >= settings.max_iters {
            break;
        }
        if deadline.expired() {
            status = Status::TimeLimit;
            break;
        }
        outer += 1;
        // Grow: the largest violators outside W.
        let violators = working_set::grow(&mut in_set, |i| check.score[i], lambda);
        // The inner tolerance follows the full gap ([`super::working_set`]).
        inner_tol =
            next_inner_tol_after(&round_iterations, violators, gap, inner_tol, settings.tol);
        let set: Vec<usize> = (0..p).filter(|&i| in_set[i]).collect();
        if set.is_empty() {
            // No pattern to solve on yet a gap (only from rounding): stop here.
            break;
        }
        sizes.push(set.len());
        // The restricted problem, warm-started from u's blocks on W, their
        // passive sets and their last outputs (screening anchors).
        let m = set.len();
        let sub_patterns = problem.patterns().select(&set);
        let sub_ops = ops.restricted(&sub_patterns);
        let mut sub = ReluLoss::new(&sub_ops, &sub_patterns, problem.y(), lambda);
        if settings.tight_dual && violators == 0 {
            // The inner solve stops on its own certificate: the tight point
            // proves its tolerance when the iterate reaches it, not later. Only
            // once the set is right (with violators the round's budget is short
            // and its support not yet the optimum's: tries would not pay).
            let (x, y) = (problem.x(), problem.y());
            sub = sub.with_tight_dual(TightDual::on(x, &sub_patterns, y, lambda, inner_tol));
        }
        let mut h = ConeProx::new(&sub_ops, c, lambda).with_screening();
        let mut su = vec![0.0; 2 * c * m * d];
        let set_ref = &set;
        let pairs = || {
            (0..2).flat_map(move |side| {
                (0..c).flat_map(move |k| {
                    set_ref
                        .iter()
                        .enumerate()
                        .map(move |(w, &i)| (side * c * m + k * m + w, block_of(side, k, i)))
                })
            })
        };
        for (sj, fj) in pairs() {
            su[sj * d..(sj + 1) * d].copy_from_slice(&u[fj * d..(fj + 1) * d]);
            std::mem::swap(&mut h.warm_sets_mut()[sj], &mut prox_warm[fj]);
        }
        h.set_anchors(&su);
        let mut ws = FistaWorkspace::new(sub.dim(), sub.state_len());
        let elapsed = start.elapsed();
        let inner = FistaSettings {
            tol: inner_tol,
            max_iters: working_set::round_budget(violators, iterations, settings.max_iters),
            time_limit: (settings.time_limit - elapsed).max(f64::MIN_POSITIVE),
            initial_step: step.unwrap_or(settings.initial_step),
            power_iterations: if step.is_some() {
                0
            } else {
                settings.power_iterations
            },
            ..settings.clone()
        };
        let mut monitor = fista::Monitor {
            phase: Phase::WorkingSetInner,
            iteration_offset: iterations,
            progress: &mut *progress,
        };
        let out = fista::solve_monitored(
            &mut sub,
            &mut h,
            &mut su,
            &inner,
            &mut ws,
            elapsed,
            &mut |_| {},
            &mut monitor,
        );
        step = Some(out.step);
        steps_used = Some((out.metric, out.momentum));
        trace.extend(out.trace.iter().skip(1).map(|tp| TracePoint {
            iteration: tp.iteration + iterations,
            ..*tp
        }));
        iterations += out.iterations;
        round_iterations.push(out.iterations);
        let (tries, wins) = sub.tight_counts();
        inner_tight = (inner_tight.0 + tries, inner_tight.1 + wins);
        for (sj, fj) in pairs() {
            u[fj * d..(fj + 1) * d].copy_from_slice(&su[sj * d..(sj + 1) * d]);
            std::mem::swap(&mut h.warm_sets_mut()[sj], &mut prox_warm[fj]);
        }
        projections += h.projections;
        projection_steps += h.steps;
        unconverged += h.unconverged;
        projection_rows += h.rows;
        if out.status == Status::Diverged {
            status = Status::Diverged;
            break;
        }
    }
    if trace.last().map(|tp| tp.iteration) != Some(iterations) {
        trace.push(TracePoint {
            iteration: iterations,
            time_s: start.elapsed(),
            objective,
        });
    }
    let solve = start.read();
    let details = SolverDetails::WorkingSet(WorkingSetDetails {
        stopping: settings.stopping,
        tol: settings.tol,
        solver_objective: objective,
        solver_relative_gap: gap,
        outer_iterations: outer,
        working_set_sizes: sizes,
        round_iterations,
        projections: Some(projections),
        projection_steps: Some(projection_steps),
        projections_unconverged: Some(unconverged),
        projection_rows: Some(projection_rows),
        check_projections: Some(check.projections),
        check_projection_steps: Some(check.steps),
        check_projection_rows: Some(check.rows),
        check_projections_bounded: Some(check.bounded),
        check_ray_tests: Some(check.ray_hits),
        metric: steps_used.map(|s| s.0),
        momentum: steps_used.map(|s| s.1),
        tight_dual_tries: tight.as_ref().map(|t| t.0.tries),
        tight_dual_wins: tight.as_ref().map(|t| t.0.wins),
        inner_tight_dual_tries: settings.tight_dual.then_some(inner_tight.0),
        inner_tight_dual_wins: settings.tight_dual.then_some(inner_tight.1),
    });
    Ok(SolveOutput {
        weights: Weights::relu_from_stacked(&u, c, p, d),
        status,
        iterations,
        setup_s: setup.wall_s,
        solve_s: solve.wall_s,
        cpu: CpuTimes::new(start.cpu_clock(), setup, solve),
        basis: settings.time_basis,
        trace,
        details,
    })
}
