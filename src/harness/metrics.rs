//! The numbers of a report, from records alone (SPEC §4). The rules:
//!
//! - **Certified point**: objective finite and max cone violation ≤ 1e-6
//!   ([`VIOLATION_TOL`]), both recomputed from the weights by
//!   [`certify`](crate::certify::certify) when the record was made.
//! - **Reference optimum** `f*` of a problem: the lowest objective among the
//!   certified points of the *convex* solvers (Clarabel, FISTA, AL), whatever
//!   their status (any feasible point's objective bounds the optimum from above).
//!   Baseline records never define `f*`: their objective is the non-convex
//!   network's, which for ReLU may use activation patterns outside the sampled
//!   ones (see [`crate::solvers::baselines`]).
//! - **Gap** `(f − f*)/f*` when `λ > 0` and `f* > 0`; the absolute `f − f*`
//!   otherwise (λ = 0).
//! - **Status ok**: the run ended with a point — `solved`, `inaccurate`,
//!   `max_iterations`, `time_limit`, or a decomposition's `feasible` /
//!   `approximate` — and not `diverged`, `numerical_error`,
//!   `infeasible` or `skipped`. (A point cut by a limit counts if its certificate
//!   says it is good enough.)
//! - **Solved at τ**: status ok, certified, the gap reaches τ (final point, or a
//!   trace point for solvers whose iterates are feasible), and time to τ within
//!   the run's time limit.
//! - **Time basis**: every time below is on the record's basis (`time.basis`, the
//!   suite's `time-basis`): CPU seconds (`time.cpu`) or wall seconds.
//! - **Accountings** of a baseline ([`Accounting`]): its best run in hindsight,
//!   or the whole step-size grid (the other runs' time added; the limit is then
//!   the grid's runs × the time limit). Reports show both.
//! - **Time to τ** (setup included, measured from the start of the run):
//!   - Clarabel and AL: the run's total time. Clarabel's trace holds the primal
//!     costs of interior-point iterates and AL's the objectives of iterates that
//!     violate the cones: neither is a certified point, so only the final point
//!     counts.
//!   - Decomposition runs (`decompose = ...`): the run's total time (C-GReLU solve
//!     plus decomposition; only the final point is a C-ReLU point).
//!   - FISTA, SGD, Adam: `setup + t` for the first trace point whose objective has
//!     gap ≤ τ (their iterates are feasible points of their own problems; a
//!     thinned trace holds best-so-far objectives, so this is the first time the
//!     best so far reaches τ on either kind of trace), and the total time when
//!     the trace has no such point but the final point does.
//! - **Shifted geometric mean** of times (shift 1 s) over the runs of a solver, an
//!   unsolved run counting as its time limit: `exp(mean ln(t + 1)) − 1`.

use std::collections::BTreeMap;

use crate::results::record::Record;
use crate::solvers::{SolverKind, Status};

/// Cone violation a certified point may have.
pub const VIOLATION_TOL: f64 = 1e-6;
/// Shift of the shifted geometric mean, seconds.
pub const SGM_SHIFT: f64 = 1.0;

/// The record's solver; `None` when neither its run nor its name says (such a
/// record never defines `f*` and its time to τ is its total time).
fn kind(r: &Record) -> Option<SolverKind> {
    r.solver_kind()
}

fn problem_id(r: &Record) -> &str {
    r.run.as_ref().map(|x| x.problem_id.as_str()).unwrap_or("")
}

/// Whether the record is of a decomposition entry (C-GReLU solve + decomposition).
pub fn is_decomposition(r: &Record) -> bool {
    r.run.as_ref().is_some_and(|x| x.solver.decompose.is_some())
}

/// Time limit of the record's run (∞ when unknown).
pub fn time_limit(r: &Record) -> f64 {
    r.run
        .as_ref()
        .map(|x| x.time_limit)
        .unwrap_or(f64::INFINITY)
}

pub fn status_ok(s: Status) -> bool {
    match s {
        Status::Solved
        | Status::Inaccurate
        | Status::MaxIterations
        | Status::TimeLimit
        | Status::Feasible
        | Status::Approximate => true,
        Status::NumericalError
        | Status::Infeasible
        | Status::Unbounded
        | Status::Diverged
        | Status::Skipped => false,
    }
}

pub fn certified(r: &Record) -> bool {
    r.objective.is_finite() && r.max_cone_violation <= VIOLATION_TOL
}

/// `f*` per problem id.
pub fn reference_optima(records: &[Record]) -> BTreeMap<String, f64> {
    let mut best: BTreeMap<String, f64> = BTreeMap::new();
    for r in records {
        if kind(r).is_none_or(|k| k.is_baseline()) || !certified(r) {
            continue;
        }
        let e = best
            .entry(problem_id(r).to_string())
            .or_insert(f64::INFINITY);
        *e = e.min(r.objective);
    }
    best.retain(|_, v| v.is_finite());
    best
}

/// The gap of objective `f` against `f_star` (relative, or absolute at λ = 0).
pub fn gap(f: f64, f_star: f64, lambda: f64) -> f64 {
    if lambda > 0.0 && f_star > 0.0 {
        (f - f_star) / f_star
    } else {
        f - f_star
    }
}

/// The gap of a record, if its problem has an `f*`.
pub fn record_gap(r: &Record, optima: &BTreeMap<String, f64>) -> Option<f64> {
    optima
        .get(problem_id(r))
        .map(|&fs| gap(r.objective, fs, r.problem.lambda))
}

/// Time to reach `tau`, or `None` when the run is not solved at `tau` (best-run
/// accounting for baselines: see [`time_to_with`]).
pub fn time_to(r: &Record, f_star: Option<f64>, tau: f64) -> Option<f64> {
    time_to_with(r, f_star, tau, Accounting::BestRun)
}

/// How a baseline's time is counted (convex solvers: the same either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accounting {
    /// The best run in hindsight alone (favours the baselines).
    BestRun,
    /// The best run plus every other run of its step-size grid, in full: what a
    /// user pays to find the best step size (`details.grid_time_s` /
    /// `grid_cpu_s`). The limit is then the grid's: its runs × the time limit.
    WholeGrid,
}

/// Seconds, on the record's basis, of the runs of a baseline's grid other than
/// the best one (0 for other records and for [`Accounting::BestRun`]), and the
/// number of runs in the grid (1 likewise).
fn grid_extra(r: &Record, accounting: Accounting) -> (f64, usize) {
    let b = match (&r.details.solver, accounting) {
        (Some(crate::solvers::SolverDetails::Baseline(b)), Accounting::WholeGrid) => b,
        _ => return (0.0, 1),
    };
    let grid_total = match (r.time.basis, b.grid_cpu_s) {
        (crate::solvers::TimeBasis::Cpu, Some(c)) => c,
        _ => b.grid_time_s,
    };
    let (_, best_run) = r.time.on_basis();
    let repeats = b.repeats.unwrap_or(1).max(1) as usize;
    let runs = (b.grid.len() / repeats).max(1);
    ((grid_total - best_run).max(0.0), runs)
}

/// The time limit of `r` under `accounting` (grid runs × the limit for a
/// baseline's whole grid).
pub fn time_limit_with(r: &Record, accounting: Accounting) -> f64 {
    time_limit(r) * grid_extra(r, accounting).1 as f64
}

/// Time to reach `tau` on the record's time basis (CPU or wall seconds, see
/// [`Record::time`]), or `None` when the run is not solved at `tau`.
///
/// One rule for every solver whose trace holds feasible points of its problem
/// (FISTA, SGD, Adam): the first trace point whose objective — as written, the
/// best so far once [thinned](super::bench::thin_trace) — has gap ≤ τ, or the
/// total time when only the final point does. Other solvers (Clarabel, AL,
/// decompositions): the total time, if the final point is within τ. The run must
/// end with a point (status ok) whose certificate holds, and the time must be
/// within the run's limit.
pub fn time_to_with(
    r: &Record,
    f_star: Option<f64>,
    tau: f64,
    accounting: Accounting,
) -> Option<f64> {
    let fs = f_star?;
    if !status_ok(r.status) || !certified(r) {
        return None;
    }
    let lambda = r.problem.lambda;
    let final_within = within(gap(r.objective, fs, lambda), tau);
    let setup = r.time.setup_on_basis();
    let total = r.time.total_on_basis();
    let from_trace = !is_decomposition(r)
        && match kind(r) {
            Some(SolverKind::Clarabel | SolverKind::Al | SolverKind::External) | None => false,
            Some(SolverKind::Fista | SolverKind::Sgd | SolverKind::Adam) => true,
        };
    let hit = if from_trace {
        r.trace
            .iter()
            .find(|p| within(gap(p.objective, fs, lambda), tau))
            .map(|p| (setup + p.time_s).min(total))
    } else {
        None
    };
    let t = match (hit, final_within) {
        (Some(t), _) => t,
        (None, true) => total,
        (None, false) => return None,
    };
    let (extra, _) = grid_extra(r, accounting);
    let t = t + extra;
    (t <= time_limit_with(r, accounting)).then_some(t)
}

/// `gap ≤ τ` (false for NaN).
fn within(gap: f64, tau: f64) -> bool {
    gap <= tau
}

/// `exp(mean ln(t + shift)) − shift`.
pub fn shifted_geometric_mean(times: &[f64], shift: f64) -> f64 {
    if times.is_empty() {
        return f64::NAN;
    }
    let s: f64 = times.iter().map(|t| (t + shift).ln()).sum();
    (s / times.len() as f64).exp() - shift
}

/// Median of the finite values (NaN when there are none).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Median, first and third quartiles of the finite values (linear interpolation
/// between order statistics); `None` when there are none.
pub fn quartiles(values: &[f64]) -> Option<(f64, f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |f: f64| {
        let pos = f * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    Some((q(0.5), q(0.25), q(0.75)))
}

/// The suffix of a baseline's whole-grid summary row (`sgd (whole grid)`).
pub const WHOLE_GRID: &str = "(whole grid)";

/// Per-solver numbers at each τ (over the records of that solver and model). A
/// baseline has two: its best run (`sgd`) and its whole grid (`sgd (whole
/// grid)`, [`Accounting::WholeGrid`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SolverSummary {
    pub solver: String,
    pub model: crate::model::Model,
    pub runs: usize,
    /// Per τ: runs solved.
    pub solved: Vec<usize>,
    /// Per τ: shifted geometric mean of time to τ (unsolved at the time limit).
    pub sgm_time: Vec<f64>,
    pub median_gap: f64,
    /// Runs whose objective is below `f*` by more than 1e-9 relative: baselines on
    /// the relu model whose network uses patterns outside the sampled ones (or, for
    /// a convex solver, an uncertified point).
    pub below_f_star: usize,
    pub worst_violation: f64,
    /// Status counts, by status name.
    pub statuses: BTreeMap<&'static str, usize>,
}

/// Summaries per (model, solver), in first-appearance order of the records.
pub fn summarize(records: &[Record], taus: &[f64]) -> Vec<SolverSummary> {
    let optima = reference_optima(records);
    let mut keys: Vec<(crate::model::Model, String, Accounting)> = Vec::new();
    for r in records {
        let k = (r.problem.model, r.solver.to_string(), Accounting::BestRun);
        if !keys.contains(&k) {
            keys.push(k);
        }
        let grid = (r.problem.model, r.solver.to_string(), Accounting::WholeGrid);
        if kind(r).is_some_and(|k| k.is_baseline()) && !keys.contains(&grid) {
            keys.push(grid);
        }
    }
    keys.sort_by_key(|(m, _, _)| m.name());
    keys.into_iter()
        .map(|(model, solver, accounting)| {
            let rs: Vec<&Record> = records
                .iter()
                .filter(|r| r.problem.model == model && r.solver == *solver.as_str())
                .collect();
            let solver = match accounting {
                Accounting::BestRun => solver,
                Accounting::WholeGrid => format!("{solver} {WHOLE_GRID}"),
            };
            let mut solved = Vec::new();
            let mut sgm_time = Vec::new();
            for &tau in taus {
                let times: Vec<Option<f64>> = rs
                    .iter()
                    .map(|r| time_to_with(r, optima.get(problem_id(r)).copied(), tau, accounting))
                    .collect();
                solved.push(times.iter().filter(|t| t.is_some()).count());
                let t: Vec<f64> = rs
                    .iter()
                    .zip(&times)
                    .map(|(r, t)| t.unwrap_or_else(|| time_limit_with(r, accounting)))
                    .collect();
                sgm_time.push(shifted_geometric_mean(&t, SGM_SHIFT));
            }
            let gaps: Vec<f64> = rs.iter().filter_map(|r| record_gap(r, &optima)).collect();
            let below_f_star = gaps.iter().filter(|g| **g < -1e-9).count();
            let worst_violation = rs
                .iter()
                .map(|r| r.max_cone_violation)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let mut statuses = BTreeMap::new();
            for r in &rs {
                *statuses.entry(r.status.name()).or_insert(0) += 1;
            }
            SolverSummary {
                solver,
                model,
                runs: rs.len(),
                solved,
                sgm_time,
                median_gap: median(&gaps),
                below_f_star,
                worst_violation,
                statuses,
            }
        })
        .collect()
}
