//! C-GReLU by R-FISTA on working sets of patterns (issue 13, item 1), for the
//! neuron group lasso (the only regularizer separable by pattern with a group per
//! block).
//!
//! ```text
//!   W ← patterns of the warm start's nonzero blocks ∪ the 10 with largest ‖∇_i f(u)‖
//!   repeat
//!     the forward at u on its nonzero patterns, the full adjoint: objective F,
//!       gradient, the full dual bound D
//!     stop if (F − D)/F ≤ tol                              (the full certificate)
//!     W ← W ∖ { i ∈ W : u_i = 0, max_k ‖∇_{k,i} f‖ < 0.99 λ }  (prune the set)
//!     violators V = { i ∉ W : max_k ‖∇_{k,i} f‖ > λ }       (zero blocks not optimal)
//!     W ← W ∪ (the max(|W|, 10) largest of V)
//!     inner tol ← clamp(gap/10, tol, inner tol)   (if V = ∅ and inner tol ≤ tol: ÷10)
//!     R-FISTA on the blocks of W only, warm-started from u, to the inner tol
//!       (with violators: at most max(ROUND_MIN_ITERS, iterations so far))
//!     if out of time: return u                 (no full check after the limit)
//! ```
//!
//! Blocks outside `W` are zero, so the restricted problem's objective is the full
//! one at the same point and its traces are full objectives, and the forward of a
//! check is the last round's forward on `W` (the start's: on its nonzero
//! patterns), bit for bit the full forward's: a full check costs one adjoint over
//! all `P` patterns, not also a forward (on the MNIST-shaped problem a third of a
//! check). The sets' operators share `X` ([`Operators::restricted`]). The stop is
//! decided by the full problem's certificate only (the same bound as
//! [`super::gated`]'s), so the result is certified whatever the working sets were.

use super::block_metric::BlockMetric;
use super::fista::{self, Composite, FistaSettings, FistaWorkspace, Smooth, Stopping, WorkingSets};
use super::gated::{self, GatedLoss};
use super::operators::Operators;
use super::tight_dual::TightDual;
use crate::model::{Blocks, Model, Problem, Regularizer, Weights};
use crate::solvers::clock::Stopwatch;
use crate::solvers::progress::{IterationLog, Measure, Phase, Progress};
use crate::solvers::{CpuTimes, SolveOutput, SolverError, Status, TracePoint};

/// Patterns of the first working set besides the warm start's.
pub const INITIAL_SIZE: usize = 10;
/// The inner tolerance is this fraction of the full relative gap (at least `tol`).
pub const INNER_FRACTION: f64 = 0.1;
/// A zero block of `W` whose score is below this fraction of `λ` at a full check
/// leaves the set ([`prune`]); it comes back if it violates again. The sets
/// only grew until 2026-12-06 and ended with the blocks that once violated and
/// went back to zero: gated synth n = 5000, d = 30, P = 5000, λ = 1e-3 ended on
/// 1469 patterns for 1189 active ones. Most such blocks sit just below the
/// threshold (0.5 pruned none of them, 0.9 ten of 1168 at P = 2000), and the
/// fraction matters: at P = 5000, 0.99 gave 3170 iterations on sets of 1256
/// (55.6 s against 63.6 s), 0.95 gave 3390 iterations (64.4 s), and 1.0 gave
/// 2770 iterations against 2580 at P = 2000. With 0.99, on seven synthetic
/// problems (P = 1000–5000, λ = 1e-4–1e-2) the iterations moved by −7% to +4%
/// and the CPU time by −2% to −14% against no pruning, never up (one run each,
/// alone; issue 13's closing note of 2026-12-06).
pub const PRUNE_FRACTION: f64 = 0.99;
/// Outer iterations at most.
pub const MAX_OUTER: usize = 100;
/// The least iteration budget of a round whose check found violators
/// ([`round_budget`]).
pub const ROUND_MIN_ITERS: usize = 500;
/// [`WorkingSets::Auto`] uses working sets from this many patterns on. An inner
/// iteration on `W` costs `|W|/P` of a full one, and each round adds one full
/// forward, adjoint and dual bound; on the reference problems (`P = 50`) the sets
/// grow to most patterns and the full solve takes as many or fewer iterations, so
/// small problems keep it. The threshold is a choice, not a measured break-even.
pub const AUTO_MIN_PATTERNS: usize = 200;

/// Whether `settings` send `problem` to the working sets (C-GReLU, neuron-gl1,
/// λ > 0, duality-gap stopping, and the setting says so).
pub fn applies(problem: &Problem, settings: &FistaSettings) -> bool {
    let eligible = problem.model() == Model::GatedRelu
        && problem.reg() == Regularizer::NeuronGl1
        && problem.lambda() > 0.0
        && settings.stopping == Stopping::DualityGap;
    eligible && wanted(settings.working_sets, problem.p())
}

/// Whether `mode` sends an eligible problem of `p` patterns to working sets
/// ([`WorkingSets::Auto`]: from [`AUTO_MIN_PATTERNS`] on). Shared by the C-GReLU,
/// C-ReLU and AL working sets.
pub fn wanted(mode: WorkingSets, p: usize) -> bool {
    match mode {
        WorkingSets::Off => false,
        WorkingSets::On => true,
        WorkingSets::Auto => p >= AUTO_MIN_PATTERNS,
    }
}

/// Grow the working set `in_set` (one flag per pattern or block) by its
/// violators, the indices `i` outside it with `score(i) > lambda`: the
/// `max(|W|, INITIAL_SIZE)` largest of them, largest first. Returns how many
/// violated (added or not). Shared by the C-GReLU, C-ReLU and AL working sets.
pub fn grow(in_set: &mut [bool], score: impl Fn(usize) -> f64, lambda: f64) -> usize {
    let mut violators: Vec<(f64, usize)> = (0..in_set.len())
        .filter(|&i| !in_set[i])
        .map(|i| (score(i), i))
        .filter(|&(s, _)| s > lambda)
        .collect();
    violators.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let size = in_set.iter().filter(|&&b| b).count();
    for &(_, i) in violators.iter().take(size.max(INITIAL_SIZE)) {
        in_set[i] = true;
    }
    violators.len()
}

/// Drop from the working set `in_set` the indices whose blocks are all zero
/// (`zero(i)`) and whose `score(i)` is below `threshold`; returns how many. The
/// C-GReLU loop prunes at [`PRUNE_FRACTION`]`·λ` before it grows, so a set
/// follows the support instead of keeping every block that ever violated.
pub fn prune(
    in_set: &mut [bool],
    zero: impl Fn(usize) -> bool,
    score: impl Fn(usize) -> f64,
    threshold: f64,
) -> usize {
    let mut dropped = 0;
    for i in 0..in_set.len() {
        if in_set[i] && zero(i) && score(i) < threshold {
            in_set[i] = false;
            dropped += 1;
        }
    }
    dropped
}

/// The next round's inner tolerance (on the restricted problem's relative gap),
/// from the number of `violators` just found, the full relative `gap`, the last
/// round's tolerance `inner` (`∞` before the first round) and the target `tol`.
/// It follows the full gap, as Celer's does, and never loosens:
///
/// ```text
///   inner ← clamp(INNER_FRACTION · gap, tol, max(inner, tol))
///   except: no violator and inner ≤ tol already  →  inner ← inner / 10
/// ```
///
/// So the first sets are solved loosely, and a set without violators is still
/// solved one decade at a time with a full check between: blocks just below the
/// threshold can turn into violators as the point converges. Until 2026-12-06 a
/// round without violators went to `tol` at once; on gated synth n = 5000,
/// d = 30, P = 5000, λ = 1e-3 that round spent 1510 iterations (38 s) proving
/// `tol` on a set that lacked 3 blocks, which the next check found (62 blocks
/// outside the set were within 1% of the threshold), and the run took 4050
/// iterations, 88 s; with this rule 3220 iterations, 68 s (one run each,
/// alone). On three problems at P = 1000–2000 the two rules were within ±3% of
/// each other's iterations. Shared by the C-GReLU and C-ReLU working sets.
pub fn next_inner_tol(violators: usize, gap: f64, inner: f64, tol: f64) -> f64 {
    if violators == 0 && inner <= tol {
        (inner * 0.1).max(f64::MIN_POSITIVE)
    } else {
        (INNER_FRACTION * gap).clamp(tol, inner.max(tol))
    }
}

/// [`next_inner_tol`], except after an inner solve that stopped at its start
/// (`rounds`: the inner solves' iterations so far, the last one 0): its own tight
/// dual point already proved its tolerance where the full check did not, and the
/// same tolerance would repeat the round unchanged, so it gets a tenth of it.
/// Used by the C-ReLU working sets, whose inner solves try the tight point; the
/// C-GReLU ones do not (tried at 52d8ee0 on gated synth n = 5000, d = 30,
/// P = 5000, λ = 1e-3: 2230 iterations against 2210 without, one run each,
/// alone; P = 1000: the same 2050, every round had violators).
pub fn next_inner_tol_after(
    rounds: &[usize],
    violators: usize,
    gap: f64,
    inner: f64,
    tol: f64,
) -> f64 {
    if rounds.last() == Some(&0) {
        (inner * 0.1).max(f64::MIN_POSITIVE)
    } else {
        next_inner_tol(violators, gap, inner, tol)
    }
}

/// The iteration budget of the next round, `iterations` having been spent of
/// `max_iters`. With violators outside `W` the restricted problem is not the full
/// one, and proving its own gap can take far longer than finding the blocks it
/// lacks: at small λ its relative gap stays near 1 until its gradient is below λ
/// (breast_cancer, P = 5000, λ = 1e-5: the first round on 10 patterns spent all
/// 100 000 iterations at a restricted gap of 1.0, objective 0.113 against
/// Clarabel's 2.3e-4). Such a round gets `max(ROUND_MIN_ITERS, iterations)`: the
/// rounds at most double the work done, and a check follows each. A round
/// without violators (the set is right) runs to its tolerance on what is left.
/// Shared by the C-GReLU and C-ReLU working sets.
pub fn round_budget(violators: usize, iterations: usize, max_iters: usize) -> usize {
    let left = max_iters.saturating_sub(iterations);
    if violators == 0 {
        left
    } else {
        left.min(ROUND_MIN_ITERS.max(iterations))
    }
}

/// Solve the C-GReLU `problem` on working sets (falls back to [`super::gated::solve`]
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

/// [`solve`], reporting the full certificate before each inner solve
/// ([`Phase::WorkingSetCheck`]) and the inner solves' measurements to `progress`.
pub fn solve_observed(
    problem: &Problem,
    settings: &FistaSettings,
    warm: Option<&Weights>,
    progress: &mut dyn Progress,
) -> Result<SolveOutput, SolverError> {
    settings.validate().map_err(SolverError::Settings)?;
    if problem.model() != Model::GatedRelu {
        return Err(SolverError::Unsupported {
            solver: "fista (working sets)",
            model: problem.model().name(),
            hint: "--solver al (or clarabel)",
        });
    }
    if !applies(problem, settings) {
        return super::gated::solve_observed(problem, settings, warm, progress);
    }
    let t = Stopwatch::start(settings.time_basis, settings.threads);
    let (c, p, d) = (problem.c(), problem.p(), problem.d());
    let lambda = problem.lambda();
    let mut u = match warm {
        Some(Weights::GatedRelu { u }) if u.c == c && u.p == p && u.d == d => u.clone(),
        _ => Blocks::zeros(c, p, d),
    };
    let ops = Operators::new(problem.x(), problem.patterns()).with_threads(settings.threads);
    let mut full = GatedLoss::new(&ops, problem.y(), problem.reg(), lambda);
    if settings.tight_dual {
        full = full.with_tight_dual(TightDual::new(problem, settings.tol).checked_per_round());
    }
    let (mut state, mut grad) = (vec![0.0; full.state_len()], vec![0.0; full.dim()]);
    let setup = t.read();
    let start = Stopwatch::start(settings.time_basis, settings.threads);
    // The metric of every pattern, built once (one pass over X); each round takes
    // its set's blocks. A failed eigendecomposition means Euclidean steps.
    let metric = if gated::uses_block_metric(problem, settings) {
        BlockMetric::new(problem.x(), problem.patterns(), (problem.n() * c) as f64)
    } else {
        None
    };
    let mut in_set = vec![false; p];
    for i in 0..p {
        in_set[i] = (0..c).any(|k| u.norm(k, i) > 0.0);
    }
    // The state `Σ_i D_i X u_i` of the start, from its nonzero patterns only;
    // from then on the inner solves' sets hold every nonzero block, and each
    // round's forward on its set gives the next check's state.
    let start_set: Vec<usize> = (0..p).filter(|&i| in_set[i]).collect();
    if !start_set.is_empty() {
        let start_ops = ops.restricted(&problem.patterns().select(&start_set));
        let mut z = vec![0.0; start_ops.block_workspace_len(c * start_set.len())];
        start_ops.forward(&gather(&u, &start_set), &mut z, &mut state);
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
        // The full certificate at u (`state` is its forward, made on the set).
        let f = full.gradient(&state, &mut grad);
        objective = f + lambda * problem.reg().value(&u);
        let dual = full
            .dual_bound(&u.data, &state, &grad)
            .unwrap_or(f64::NEG_INFINITY);
        gap = if objective > 0.0 {
            (objective - dual) / objective
        } else {
            (objective - dual).abs()
        };
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
            || start.elapsed() > settings.time_limit;
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
        if start.elapsed() > settings.time_limit {
            status = Status::TimeLimit;
            break;
        }
        outer += 1;
        // Grow: the largest violators outside W.
        let score = |i: usize| {
            (0..c)
                .map(|k| {
                    let j = k * p + i;
                    grad[j * d..(j + 1) * d]
                        .iter()
                        .map(|v| v * v)
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(0.0, f64::max)
        };
        // Prune, then grow: the zero blocks well inside the threshold leave W,
        // the largest violators outside it join.
        let zero = |i: usize| (0..c).all(|k| u.norm(k, i) == 0.0);
        prune(&mut in_set, zero, score, PRUNE_FRACTION * lambda);
        let violators = grow(&mut in_set, score, lambda);
        inner_tol = next_inner_tol(violators, gap, inner_tol, settings.tol);
        let set: Vec<usize> = (0..p).filter(|&i| in_set[i]).collect();
        sizes.push(set.len());
        // The restricted problem, warm-started from u's blocks on W.
        let sub_patterns = problem.patterns().select(&set);
        let sub_ops = ops.restricted(&sub_patterns);
        let mut sub = GatedLoss::new(&sub_ops, problem.y(), problem.reg(), lambda);
        let m = set.len();
        let mut su = gather(&u, &set);
        let mut ws = FistaWorkspace::new(sub.dim(), sub.state_len());
        let elapsed = start.elapsed();
        let inner = FistaSettings {
            tol: inner_tol,
            max_iters: round_budget(violators, iterations, settings.max_iters),
            time_limit: (settings.time_limit - elapsed).max(f64::MIN_POSITIVE),
            initial_step: step.unwrap_or(settings.initial_step),
            power_iterations: if step.is_some() {
                0
            } else {
                settings.power_iterations
            },
            ..settings.clone()
        };
        let comp = Composite {
            reg: problem.reg(),
            lambda,
            d,
        };
        let mut monitor = fista::Monitor {
            phase: Phase::WorkingSetInner,
            iteration_offset: iterations,
            progress: &mut *progress,
        };
        let out = gated::run(
            &mut sub,
            comp,
            metric.as_ref().map(|m| m.select(&set)),
            &mut su,
            &inner,
            &mut ws,
            elapsed,
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
        for k in 0..c {
            for (w, &i) in set.iter().enumerate() {
                u.block_mut(k, i)
                    .copy_from_slice(&su[(k * m + w) * d..(k * m + w + 1) * d]);
            }
        }
        if out.status == Status::Diverged {
            status = Status::Diverged;
            break;
        }
        // Out of time in the inner solve: return its point without the full check
        // (a forward and an adjoint over all P patterns: 90 s past a 1200 s limit
        // on the MNIST-shaped problem). The restricted objective is the full one;
        // the full gap is left to the caller's certificate.
        if out.status == Status::TimeLimit || start.elapsed() > settings.time_limit {
            status = Status::TimeLimit;
            objective = out.objective;
            gap = f64::NAN;
            break;
        }
        // Blocks outside W are zero, so the forward on W is the full one.
        sub.forward(&su, &mut state);
    }
    if trace.last().map(|tp| tp.iteration) != Some(iterations) {
        trace.push(TracePoint {
            iteration: iterations,
            time_s: start.elapsed(),
            objective,
        });
    }
    let solve = start.read();
    let details =
        crate::solvers::SolverDetails::WorkingSet(crate::solvers::details::WorkingSetDetails {
            stopping: settings.stopping,
            tol: settings.tol,
            solver_objective: objective,
            solver_relative_gap: gap,
            outer_iterations: outer,
            working_set_sizes: sizes,
            round_iterations,
            projections: None,
            projection_steps: None,
            projections_unconverged: None,
            projection_rows: None,
            check_projections: None,
            check_projection_steps: None,
            check_projection_rows: None,
            check_projections_bounded: None,
            check_ray_tests: None,
            metric: steps_used.map(|s| s.0),
            momentum: steps_used.map(|s| s.1),
            tight_dual_tries: Some(full.tight_counts().0),
            tight_dual_wins: Some(full.tight_counts().1),
            inner_tight_dual_tries: None,
            inner_tight_dual_wins: None,
        });
    Ok(SolveOutput {
        weights: Weights::GatedRelu { u },
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

/// The blocks of `u` on the patterns `set`, `c·|set|` blocks laid out `k·|set| + w`
/// (the restricted problem's weights).
fn gather(u: &Blocks, set: &[usize]) -> Vec<f64> {
    let (c, d, m) = (u.c, u.d, set.len());
    let mut su = vec![0.0; c * m * d];
    for k in 0..c {
        for (w, &i) in set.iter().enumerate() {
            su[(k * m + w) * d..(k * m + w + 1) * d].copy_from_slice(u.block(k, i));
        }
    }
    su
}

#[cfg(test)]
mod tests {
    use super::{INNER_FRACTION, next_inner_tol, next_inner_tol_after, prune};

    /// Only zero blocks strictly below the threshold leave the set; blocks
    /// outside it stay outside.
    #[test]
    fn prune_drops_only_zero_blocks_below_the_threshold() {
        let mut in_set = vec![true, true, true, true, false, true];
        let zero = [true, true, false, true, true, true];
        let score = [0.5, 0.99, 0.1, 0.98, 0.0, 1.5];
        let dropped = prune(&mut in_set, |i| zero[i], |i| score[i], 0.99);
        assert_eq!(dropped, 2);
        assert_eq!(in_set, [false, true, true, false, false, true]);
    }

    /// Rounds whose inner solves end exactly at their tolerance, with the full gap
    /// equal to the restricted one: the tolerance follows the gap a decade at a
    /// time and never loosens, reaches `tol` (never below it while the full gap
    /// is above), and a set without violators is not sent to `tol` at once.
    /// A round whose inner solve stopped at its start would repeat unchanged
    /// with the same tolerance (the C-ReLU working sets looped so on synth
    /// n = 2000, P = 500 before this rule): the next gets a tenth; any other
    /// round follows `next_inner_tol`.
    #[test]
    fn a_round_stopped_at_its_start_asks_the_next_for_a_tenth() {
        let tol = 1e-6;
        let next = next_inner_tol_after(&[180, 220, 0], 0, 1.6e-4, 1.8e-5, tol);
        assert!((next - 1.8e-6).abs() < 1e-18, "{next}");
        // Even with violators, and below tol.
        let next = next_inner_tol_after(&[0], 4, 0.5, 5e-7, tol);
        assert!((next - 5e-8).abs() < 1e-20, "{next}");
        for (rounds, violators, gap, inner) in [
            (&[][..], 0, 0.5, f64::INFINITY),
            (&[180, 40][..], 0, 1.6e-4, 1.8e-5),
            (&[10][..], 3, 2e-3, 1e-3),
        ] {
            assert_eq!(
                next_inner_tol_after(rounds, violators, gap, inner, tol),
                next_inner_tol(violators, gap, inner, tol)
            );
        }
    }

    #[test]
    fn the_inner_tolerance_follows_the_full_gap_a_decade_at_a_time() {
        let tol = 1e-6;
        // No violator at a full gap of 1.66e-3 (the P = 5000 run's check): one
        // decade below the gap, not `tol`.
        let first = next_inner_tol(0, 1.66e-3, 0.0166, tol);
        assert!((first - INNER_FRACTION * 1.66e-3).abs() < 1e-18, "{first}");
        // Violators or not, the tolerance never loosens.
        assert_eq!(next_inner_tol(5, 0.5, 1e-4, tol), 1e-4);
        assert_eq!(next_inner_tol(0, 0.5, 1e-4, tol), 1e-4);
        // Simulated rounds: each ends at its tolerance, the full gap is that.
        let (mut inner, mut gap, mut rounds) = (f64::INFINITY, 0.3, 0);
        while gap > tol {
            let next = next_inner_tol(0, gap, inner, tol);
            assert!(next <= inner && next >= tol, "{next} after {inner}");
            inner = next;
            gap = inner;
            rounds += 1;
            assert!(rounds <= 7, "too many rounds");
        }
        assert_eq!(rounds, 6);
        // A round that reached `tol` while the full gap stayed above it (blocks
        // outside the set raise the dual norm) goes a decade further.
        assert!((next_inner_tol(0, 2e-6, tol, tol) - 1e-7).abs() < 1e-20);
        // With violators the tolerance stays at `tol`.
        assert_eq!(next_inner_tol(3, 2e-6, tol, tol), tol);
    }
}
