//! Behaviour pinned: `tests/data/behaviour.json` holds what the `cvxrelu` binary
//! printed for every reference problem (fista, clarabel, al) and for the tiny
//! suite's convex runs; the solvers, run through the library's API and the
//! harness, must give the same status and iteration count and the same certified
//! objective (to 1e-12 relative: the solvers are deterministic and
//! single-threaded). A change that is meant to move these numbers regenerates the
//! file in the same commit and says why (its `about`):
//! `scripts/regenerate-behaviour.py "REASON"` runs this test in its regenerating
//! mode and prints which entries moved.
//!
//! The same solves are also checked against the independent reference objectives
//! ([`check_against_reference`]): each default solve of a reference problem runs
//! once in the test suite, here.
//!
//! History: the issue-11 restructuring (solver API out of the CLI, typed details,
//! results layer) passed this test against the output of the binary of commit
//! bba6cdd, from before it; the file was regenerated when issue 13 changed
//! R-FISTA's first step (1/L̂ from power iterations instead of η = 10).

mod common;

use cvxrelu::harness::bench::run_one;
use cvxrelu::harness::{Suite, expand};
use cvxrelu::model::{Model, Problem};
use cvxrelu::results::Record;
use cvxrelu::solvers::{self, SolverConfig, SolverKind, SolverOptions, Status};
use std::path::Path;

#[derive(serde::Deserialize)]
struct Golden {
    reference: Vec<RefRun>,
    tiny: Vec<TinyRun>,
}

#[derive(serde::Deserialize)]
struct RefRun {
    data: String,
    model: Model,
    lambda: f64,
    solver: SolverKind,
    status: Status,
    objective: f64,
    iterations: usize,
}

#[derive(serde::Deserialize)]
struct TinyRun {
    id: String,
    solver: String,
    status: Status,
    objective: f64,
    iterations: usize,
}

fn golden() -> Golden {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/behaviour.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden behaviour file parses")
}

/// With `CVXRELU_REGENERATE_BEHAVIOUR` set, [`check`] prints what it observed as a
/// `BEHAVIOUR {json}` line instead of comparing; `scripts/regenerate-behaviour.py`
/// collects those lines into `behaviour.json` (the reference checks still run).
fn regenerating() -> bool {
    std::env::var_os("CVXRELU_REGENERATE_BEHAVIOUR").is_some()
}

/// `key`: the golden entry's identifying fields (a JSON object), printed when
/// regenerating.
fn check(
    what: &str,
    key: serde_json::Value,
    rec: &Record,
    status: Status,
    objective: f64,
    iterations: usize,
) {
    if regenerating() {
        let mut entry = key;
        entry["status"] = serde_json::to_value(rec.status).unwrap();
        entry["objective"] = rec.objective.into();
        entry["iterations"] = rec.iterations.into();
        println!("BEHAVIOUR {entry}");
        return;
    }
    assert_eq!(rec.status, status, "{what}: status");
    assert_eq!(rec.iterations, iterations, "{what}: iterations");
    let rel = (rec.objective - objective).abs() / objective.abs().max(1e-300);
    assert!(
        rel <= 1e-12,
        "{what}: objective {} vs {objective} before (rel {rel:.1e})",
        rec.objective
    );
}

/// The independent checks of one default solve of a reference problem, against
/// `tests/data/reference/objectives.json` (CVXPY + Clarabel, ECOS and SCS agree
/// on those objectives): solved, within 1e-6 of the reference objective, feasible
/// (relu: violation ≤ 1e-8 for the native solvers, which project exactly, 1e-7 for
/// Clarabel's interior point), and a certified gap that is a valid bound — the
/// dual objective is not above the reference optimum (gap ≤ 1e-6; Clarabel, whose
/// stop is its own, 1e-5). These used to be separate loops in
/// `clarabel_reference`, `native_fista`, `native_relu` and `native_al` that ran
/// the same default solves a second time.
fn check_against_reference(what: &str, solver: SolverKind, rec: &Record, r: &common::Reference) {
    assert_eq!(rec.status, Status::Solved, "{what}: status");
    let e = common::rel_diff(rec.objective, r.objective);
    assert!(
        e <= 1e-6,
        "{what}: objective {} vs reference {} (rel {e:.1e})",
        rec.objective,
        r.objective
    );
    let (violation_tol, gap_tol, dual_slack) = match solver {
        SolverKind::Clarabel => (1e-7, 1e-5, 1e-7),
        _ => (1e-8, 1e-6, 1e-9),
    };
    assert!(
        rec.max_cone_violation <= violation_tol,
        "{what}: violation {:.1e}",
        rec.max_cone_violation
    );
    let gap = rec.relative_duality_gap.expect("a certified gap");
    assert!((0.0..=gap_tol).contains(&gap), "{what}: gap {gap:.1e}");
    let dual = rec.dual_objective.expect("a dual bound");
    assert!(
        dual <= r.objective * (1.0 + dual_slack),
        "{what}: dual bound {dual} above the reference optimum {}",
        r.objective
    );
}

/// The golden runs of `solver` on the reference problems of `data` (one test per
/// solver and dataset, so that the test harness spreads them over every core;
/// `golden_runs_are_all_covered` checks that the tests cover every golden run).
fn reference_runs(solver: SolverKind, data: &str) {
    let runs: Vec<RefRun> = golden()
        .reference
        .into_iter()
        .filter(|r| r.solver == solver && r.data == data)
        .collect();
    let references = common::references();
    let expected = match solver {
        SolverKind::Al => 3,
        _ => 6,
    };
    assert_eq!(runs.len(), expected, "{solver} on {data}: golden runs");
    let config = SolverConfig::new(solver, &SolverOptions::default()).unwrap();
    for r in runs {
        let reference = references
            .iter()
            .find(|x| x.data == r.data && x.model == r.model && x.lambda == r.lambda)
            .unwrap_or_else(|| panic!("no reference for {} {:?} {}", r.data, r.model, r.lambda));
        let problem = common::reference_problem(reference);
        let what = format!("{} {} λ={} {}", r.data, r.model.name(), r.lambda, solver);
        assert_eq!(
            (problem.n(), problem.d(), problem.c()),
            (reference.n, reference.d, reference.c),
            "{what}: shape"
        );
        assert_eq!(
            problem.patterns().requested,
            reference.patterns_requested,
            "{what}"
        );
        assert_eq!(
            problem.p(),
            reference.patterns,
            "{what}: effective patterns"
        );
        let solution = solvers::solve(&problem, &config, None).unwrap();
        let rec = Record::from_solution(&problem, solver.into(), &solution);
        let key = serde_json::json!({
            "data": r.data, "model": r.model, "lambda": r.lambda, "solver": solver,
        });
        check(&what, key, &rec, r.status, r.objective, r.iterations);
        check_against_reference(&what, solver, &rec, reference);
    }
}

#[test]
fn reference_set_is_complete() {
    let refs = common::references();
    assert_eq!(refs.len(), 24);
    for r in &refs {
        assert!(
            [
                "breast_cancer.csv",
                "diabetes.csv",
                "digits38.csv",
                "synth.csv"
            ]
            .contains(&r.data.as_str()),
            "{}",
            r.data
        );
    }
}

#[test]
fn reference_problems_fista_breast_cancer() {
    reference_runs(SolverKind::Fista, "breast_cancer.csv");
}

#[test]
fn reference_problems_fista_diabetes() {
    reference_runs(SolverKind::Fista, "diabetes.csv");
}

#[test]
fn reference_problems_fista_digits38() {
    reference_runs(SolverKind::Fista, "digits38.csv");
}

#[test]
fn reference_problems_fista_synth() {
    reference_runs(SolverKind::Fista, "synth.csv");
}

#[test]
fn reference_problems_clarabel_breast_cancer() {
    reference_runs(SolverKind::Clarabel, "breast_cancer.csv");
}

#[test]
fn reference_problems_clarabel_diabetes() {
    reference_runs(SolverKind::Clarabel, "diabetes.csv");
}

#[test]
fn reference_problems_clarabel_digits38() {
    reference_runs(SolverKind::Clarabel, "digits38.csv");
}

#[test]
fn reference_problems_clarabel_synth() {
    reference_runs(SolverKind::Clarabel, "synth.csv");
}

#[test]
fn reference_problems_al_breast_cancer() {
    reference_runs(SolverKind::Al, "breast_cancer.csv");
}

#[test]
fn reference_problems_al_diabetes() {
    reference_runs(SolverKind::Al, "diabetes.csv");
}

#[test]
fn reference_problems_al_digits38() {
    reference_runs(SolverKind::Al, "digits38.csv");
}

#[test]
fn reference_problems_al_synth() {
    reference_runs(SolverKind::Al, "synth.csv");
}

#[test]
fn golden_runs_are_all_covered() {
    let runs = golden().reference;
    assert_eq!(
        runs.len(),
        24 + 24 + 12,
        "fista, clarabel (every problem), al (relu)"
    );
    for r in &runs {
        assert!(
            [
                "breast_cancer.csv",
                "diabetes.csv",
                "digits38.csv",
                "synth.csv"
            ]
            .contains(&r.data.as_str())
                && [SolverKind::Fista, SolverKind::Clarabel, SolverKind::Al].contains(&r.solver),
            "{} {} is run by no test",
            r.data,
            r.solver
        );
    }
}

#[test]
fn tiny_suite_through_the_harness() {
    let golden = golden().tiny;
    assert_eq!(
        golden.len(),
        20,
        "clarabel, fista and al runs of the tiny suite"
    );
    let suite =
        Suite::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("problems/tiny.toml")).unwrap();
    let runs = expand(&suite);
    for g in golden {
        let run = runs
            .iter()
            .find(|r| r.info.id == g.id)
            .unwrap_or_else(|| panic!("run {} is no longer in the tiny suite", g.id));
        let problem = Problem::build(&run.info.spec).unwrap();
        let rec = run_one(&problem, run);
        let key = serde_json::json!({ "id": g.id, "solver": g.solver });
        check(&g.id, key, &rec, g.status, g.objective, g.iterations);
    }
}
