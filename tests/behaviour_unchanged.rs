//! Behaviour pinned: `tests/data/behaviour.json` holds what the `cvxrelu` binary
//! printed for every reference problem (fista, clarabel, al) and for the tiny
//! suite's convex runs; the solvers, run through the library's API and the
//! harness, must give the same status and iteration count and the same certified
//! objective (to 1e-12 relative: the solvers are deterministic and
//! single-threaded). A change that is meant to move these numbers regenerates the
//! file in the same commit and says why (its `about`).
//!
//! History: the issue-11 restructuring (solver API out of the CLI, typed details,
//! results layer) passed this test against the output of the binary of commit
//! bba6cdd, from before it; the file was regenerated when issue 13 changed
//! R-FISTA's first step (1/L̂ from power iterations instead of η = 10).

mod common;

use cvxrelu::harness::bench::run_one;
use cvxrelu::harness::{Suite, expand};
use cvxrelu::model::{Model, Problem, Regularizer};
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
    status: Status,
    objective: f64,
    iterations: usize,
}

fn golden() -> Golden {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/behaviour.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden behaviour file parses")
}

fn check(what: &str, rec: &Record, status: Status, objective: f64, iterations: usize) {
    assert_eq!(rec.status, status, "{what}: status");
    assert_eq!(rec.iterations, iterations, "{what}: iterations");
    let rel = (rec.objective - objective).abs() / objective.abs().max(1e-300);
    assert!(
        rel <= 1e-12,
        "{what}: objective {} vs {objective} before (rel {rel:.1e})",
        rec.objective
    );
}

fn reference_runs(solver: SolverKind) {
    let runs: Vec<RefRun> = golden()
        .reference
        .into_iter()
        .filter(|r| r.solver == solver)
        .collect();
    assert!(!runs.is_empty());
    let config = SolverConfig::new(solver, &SolverOptions::default()).unwrap();
    for r in runs {
        let gates = r.data.replace(".csv", "_gates.csv");
        let problem: Problem =
            common::problem(&r.data, &gates, r.model, r.lambda, Regularizer::NeuronGl1);
        let solution = solvers::solve(&problem, &config, None).unwrap();
        let rec = Record::from_solution(&problem, solver.into(), &solution);
        let what = format!("{} {} λ={} {}", r.data, r.model.name(), r.lambda, solver);
        check(&what, &rec, r.status, r.objective, r.iterations);
    }
}

#[test]
fn reference_problems_fista() {
    reference_runs(SolverKind::Fista);
}

#[test]
fn reference_problems_clarabel() {
    reference_runs(SolverKind::Clarabel);
}

#[test]
fn reference_problems_al() {
    reference_runs(SolverKind::Al);
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
        check(&g.id, &rec, g.status, g.objective, g.iterations);
    }
}
