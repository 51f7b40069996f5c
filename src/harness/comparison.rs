//! What a reviewer checks before believing a comparison (issue 14): certified
//! brackets on `f*`, Dolan–Moré performance-ratio profiles over one problem set,
//! and an audit of the statuses the solvers report.
//!
//! **Brackets.** For a problem `p`, `U_p` is the lowest certified primal objective
//! of a convex solver (the `f*` of [`super::metrics`]) and `L_p` the highest valid
//! dual bound among the records of `p` (every convex record's certificate, and a
//! gated baseline's, carries one; weak duality makes each a lower bound on the
//! optimum, whether or not the point it came from is optimal). So
//! `L_p ≤ f*_p ≤ U_p`, and the bracket width is `gap(U_p, L_p)` (relative, or
//! absolute at λ = 0, as every gap here).
//!
//! **Decidability.** A run with objective `f` is solved at `τ` against the true
//! optimum when `gap(f, f*) ≤ τ`. Since `gap(f, ·)` decreases in its second
//! argument, `gap(f, L) ≤ τ` proves it solved, `gap(f, U) > τ` proves it not
//! solved, and anything between is *undecidable* from the records: the report
//! says so instead of counting it either way.
//!
//! **Performance-ratio profiles** (Dolan & Moré 2002). For the problem set `P` of
//! a model (every problem with a record) and solvers `S`, let `t_{p,s}` be the
//! time to `τ` ([`super::metrics::time_to`]; `∞` if not solved or no record), and
//! `r_{p,s} = t_{p,s} / min_s t_{p,s}` (`∞` when no solver solved `p`). The profile
//! of `s` is `ρ_s(α) = |{p ∈ P : r_{p,s} ≤ α}| / |P|`: the fraction of the suite's
//! problems `s` solves within a factor `α` of the fastest. Every curve has the same
//! denominator `|P|`; a (problem, solver) pair without a record is listed.
//!
//! **Status audit** (the "correct status" table of qpbenchmark): per solver, the
//! runs reporting `solved` whose point is not certified (cone violation above
//! [`super::metrics::VIOLATION_TOL`]) or whose gap to `U` exceeds the solver's own
//! tolerance, and the worst such gap.

use std::collections::{BTreeMap, BTreeSet};

use super::metrics::{self, VIOLATION_TOL};
use crate::model::Model;
use crate::results::Record;
use crate::solvers::{SolverKind, Status};

/// The certified bracket `L ≤ f* ≤ U` of one problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bracket {
    /// Lowest certified primal objective of a convex solver.
    pub upper: Option<f64>,
    /// Highest valid dual bound.
    pub lower: Option<f64>,
    pub lambda: f64,
}

impl Bracket {
    /// `gap(U, L)`; `None` without both ends.
    pub fn width(&self) -> Option<f64> {
        match (self.upper, self.lower) {
            (Some(u), Some(l)) => Some(metrics::gap(u, l, self.lambda).max(0.0)),
            _ => None,
        }
    }
}

fn problem_id(r: &Record) -> Option<&str> {
    r.run.as_ref().map(|x| x.problem_id.as_str())
}

/// The bracket of every problem with a record.
pub fn brackets(records: &[Record]) -> BTreeMap<String, Bracket> {
    let optima = metrics::reference_optima(records);
    let mut out: BTreeMap<String, Bracket> = BTreeMap::new();
    for r in records {
        let Some(pid) = problem_id(r) else { continue };
        let b = out.entry(pid.to_string()).or_insert(Bracket {
            upper: optima.get(pid).copied(),
            lower: None,
            lambda: r.problem.lambda,
        });
        if let Some(d) = r.dual_objective.filter(|d| d.is_finite()) {
            b.lower = Some(b.lower.map_or(d, |l: f64| l.max(d)));
        }
    }
    out
}

/// Whether a run is solved at `τ`, as far as the records can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Solved,
    NotSolved,
    /// The bracket is too wide to tell.
    Undecidable,
}

/// The verdict on `r` at `tau` given its problem's bracket: solved needs a point
/// (a status with one, certified) within `τ` of the lower bound and reached within
/// the time limit.
pub fn verdict(r: &Record, bracket: Option<&Bracket>, tau: f64) -> Verdict {
    let Some(b) = bracket else {
        return Verdict::Undecidable;
    };
    let Some(u) = b.upper else {
        return Verdict::Undecidable;
    };
    if metrics::time_to(r, Some(u), tau).is_none() {
        return Verdict::NotSolved;
    }
    match b.lower {
        Some(l) if metrics::gap(r.objective, l, b.lambda) <= tau => Verdict::Solved,
        _ => Verdict::Undecidable,
    }
}

/// Per solver: (solved, undecidable, not solved) run counts at `tau`.
pub fn decidability(records: &[Record], tau: f64) -> Vec<(Model, String, [usize; 3])> {
    let br = brackets(records);
    let mut out: Vec<(Model, String, [usize; 3])> = Vec::new();
    for r in records {
        let key = (r.problem.model, r.solver.to_string());
        let idx = match out.iter().position(|(m, s, _)| (*m, s.clone()) == key) {
            Some(i) => i,
            None => {
                out.push((key.0, key.1, [0; 3]));
                out.len() - 1
            }
        };
        let v = verdict(r, problem_id(r).and_then(|p| br.get(p)), tau);
        out[idx].2[match v {
            Verdict::Solved => 0,
            Verdict::Undecidable => 1,
            Verdict::NotSolved => 2,
        }] += 1;
    }
    out.sort_by_key(|(m, _, _)| m.name());
    out
}

/// The performance-ratio profile of one model at one `τ`.
#[derive(Clone, Debug, PartialEq)]
pub struct RatioProfile {
    pub model: Model,
    pub tau: f64,
    /// The problem set (every problem of the model with a record).
    pub problems: Vec<String>,
    /// Per solver, `r_{p,s}` for each problem in `problems` order (`∞` = unsolved).
    pub ratios: Vec<(String, Vec<f64>)>,
    /// (solver, problem) pairs without a record, counted as unsolved.
    pub missing: Vec<(String, String)>,
}

impl RatioProfile {
    /// `ρ_s(α)` of the solver at `index`.
    pub fn fraction(&self, index: usize, alpha: f64) -> f64 {
        if self.problems.is_empty() {
            return 0.0;
        }
        let solved = self.ratios[index].1.iter().filter(|&&r| r <= alpha).count();
        solved as f64 / self.problems.len() as f64
    }
}

/// The ratio profiles at `tau`, one per model.
pub fn ratio_profiles(records: &[Record], tau: f64) -> Vec<RatioProfile> {
    let optima = metrics::reference_optima(records);
    let mut models: Vec<Model> = Vec::new();
    for r in records {
        if !models.contains(&r.problem.model) {
            models.push(r.problem.model);
        }
    }
    models.sort_by_key(|m| m.name());
    models
        .into_iter()
        .map(|model| {
            let rs: Vec<&Record> = records
                .iter()
                .filter(|r| r.problem.model == model && problem_id(r).is_some())
                .collect();
            let problems: Vec<String> = rs
                .iter()
                .filter_map(|r| problem_id(r))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(str::to_string)
                .collect();
            let mut solvers: Vec<String> = Vec::new();
            for r in &rs {
                let s = r.solver.to_string();
                if !solvers.contains(&s) {
                    solvers.push(s);
                }
            }
            // t[s][p]
            let mut missing = Vec::new();
            let times: Vec<Vec<f64>> = solvers
                .iter()
                .map(|s| {
                    problems
                        .iter()
                        .map(|p| {
                            let rec = rs.iter().find(|r| {
                                r.solver == *s.as_str() && problem_id(r) == Some(p.as_str())
                            });
                            match rec {
                                None => {
                                    missing.push((s.clone(), p.clone()));
                                    f64::INFINITY
                                }
                                Some(r) => metrics::time_to(r, optima.get(p).copied(), tau)
                                    .unwrap_or(f64::INFINITY),
                            }
                        })
                        .collect()
                })
                .collect();
            let best: Vec<f64> = (0..problems.len())
                .map(|j| times.iter().map(|t| t[j]).fold(f64::INFINITY, f64::min))
                .collect();
            let ratios = solvers
                .iter()
                .zip(&times)
                .map(|(s, t)| {
                    let r = t
                        .iter()
                        .zip(&best)
                        .map(|(&ts, &tb)| {
                            if ts.is_finite() && tb.is_finite() {
                                // A zero-time best (setup and solve below clock
                                // resolution) is treated as 1 µs.
                                ts.max(1e-6) / tb.max(1e-6)
                            } else {
                                f64::INFINITY
                            }
                        })
                        .collect();
                    (s.clone(), r)
                })
                .collect();
            RatioProfile {
                model,
                tau,
                problems,
                ratios,
                missing,
            }
        })
        .collect()
}

/// One row of the status audit.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRow {
    pub model: Model,
    pub solver: String,
    /// Runs reporting `solved`.
    pub solved: usize,
    /// Of those, not certified or with a gap to `U` above the solver's tolerance.
    pub wrong: usize,
    /// The largest gap to `U` among the wrong ones (∞ for an uncertified point).
    pub worst_gap: Option<f64>,
}

/// The tolerance a solver's `solved` promises (its suite entry's `tol`, else its
/// default: Clarabel 1e-8, fista and al 1e-6).
pub fn own_tolerance(r: &Record) -> Option<f64> {
    if let Some(t) = r.run.as_ref().and_then(|x| x.solver.tol) {
        return Some(t);
    }
    match r.solver_kind()? {
        SolverKind::Clarabel => Some(1e-8),
        SolverKind::Fista | SolverKind::Al => Some(1e-6),
        // An external solver's tolerance is its own: known only when the entry
        // gives `tol` (returned above).
        SolverKind::Sgd | SolverKind::Adam | SolverKind::External => None,
    }
}

/// The status audit per (model, solver).
pub fn status_audit(records: &[Record]) -> Vec<AuditRow> {
    let optima = metrics::reference_optima(records);
    let mut rows: Vec<AuditRow> = Vec::new();
    for r in records.iter().filter(|r| r.status == Status::Solved) {
        let solver = r.solver.to_string();
        let idx = match rows
            .iter()
            .position(|a| a.model == r.problem.model && a.solver == solver)
        {
            Some(i) => i,
            None => {
                rows.push(AuditRow {
                    model: r.problem.model,
                    solver,
                    solved: 0,
                    wrong: 0,
                    worst_gap: None,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[idx];
        row.solved += 1;
        let gap = if r.objective.is_finite() && r.max_cone_violation <= VIOLATION_TOL {
            metrics::record_gap(r, &optima)
        } else {
            Some(f64::INFINITY)
        };
        let tol = own_tolerance(r).unwrap_or(f64::INFINITY);
        if let Some(g) = gap
            && g > tol
        {
            row.wrong += 1;
            row.worst_gap = Some(row.worst_gap.map_or(g, |w: f64| w.max(g)));
        }
    }
    rows.sort_by_key(|a| a.model.name());
    rows
}
