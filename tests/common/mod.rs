//! Shared helpers for the integration tests: the reference problems of
//! `tests/data/reference/objectives.json` (vendored, see `tests/data/README.md`) and
//! small problem builders.
#![allow(dead_code)]

pub mod counting;
pub mod records;

use std::path::PathBuf;

use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};

/// The vendored reference problems (`tests/data/reference/`).
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference")
}

/// A vendored test file (path relative to `tests/data/`); panics naming the path
/// when it is missing, so a broken checkout says what it lacks.
pub fn data_file(rel: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    assert!(
        path.is_file(),
        "missing vendored test file {} (see tests/data/README.md)",
        path.display()
    );
    path
}

/// A file of the reference set (`tests/data/reference/NAME`), checked to exist.
pub fn reference_file(name: &str) -> PathBuf {
    data_file(&format!("reference/{name}"))
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct Reference {
    pub data: String,
    pub gates: String,
    pub n: usize,
    pub d: usize,
    pub c: usize,
    pub patterns_requested: usize,
    pub patterns: usize,
    pub model: Model,
    pub lambda: f64,
    pub objective: f64,
    pub dual_bound: Option<f64>,
    /// The largest relative difference between the agreeing solvers' objectives.
    #[serde(default)]
    pub max_rel_spread_between_solvers: f64,
}

#[derive(serde::Deserialize)]
struct File {
    problems: Vec<Reference>,
}

pub fn references() -> Vec<Reference> {
    let path = reference_file("objectives.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str::<File>(&text)
        .expect("objectives.json parses")
        .problems
}

impl Reference {
    pub fn spec(&self) -> ProblemSpec {
        ProblemSpec {
            data: reference_file(&self.data).display().to_string(),
            test: None,
            split: None,
            split_seed: 0,
            model: self.model,
            lambda: self.lambda,
            reg: Regularizer::NeuronGl1,
            patterns: None,
            seed: 0,
            gates: Some(reference_file(&self.gates).display().to_string()),
            bias: false,
            scale: Scaling::None,
            target: None,
        }
    }

    pub fn problem(&self) -> Problem {
        Problem::build(&self.spec()).expect("reference problem builds")
    }
}

/// A small synthetic problem.
pub fn synth_problem(
    model: Model,
    reg: Regularizer,
    lambda: f64,
    n: usize,
    d: usize,
    c: usize,
    p: usize,
    seed: u64,
) -> Problem {
    let spec = ProblemSpec {
        data: format!("synth:n={n},d={d},c={c},width=3,noise=0.1,seed={seed}"),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda,
        reg,
        patterns: Some(p),
        seed,
        gates: None,
        bias: true,
        scale: Scaling::Standardize,
        target: None,
    };
    Problem::build(&spec).expect("synthetic problem builds")
}

pub fn rel_diff(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// A reference dataset with its 50 gates (standardized already: scale none, no bias).
pub fn problem(data: &str, gates: &str, model: Model, lambda: f64, reg: Regularizer) -> Problem {
    let spec = ProblemSpec {
        data: reference_file(data).display().to_string(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda,
        reg,
        patterns: None,
        seed: 0,
        gates: Some(reference_file(gates).display().to_string()),
        bias: false,
        scale: Scaling::None,
        target: None,
    };
    Problem::build(&spec).expect("reference problem builds")
}

pub fn reference_problem(r: &Reference) -> Problem {
    problem(&r.data, &r.gates, r.model, r.lambda, Regularizer::NeuronGl1)
}

/// A lower bound `b` (named `what`) on reference problem `r` is at most its
/// independent solvers' optimum (to their 1e-9 agreement).
pub fn assert_below_optimum(r: &Reference, b: f64, what: &str) {
    assert!(
        b <= r.objective * (1.0 + 1e-9),
        "{} λ={}: {what} bound {b} above the optimum {}",
        r.data,
        r.lambda,
        r.objective
    );
}

pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// A gated solve's answer, judged independently of the solver: solved, the
/// certificate recomputed from the weights proves a relative gap ≤ 1e-6, and its
/// objective is within 1e-6 of the reference optimum. Returns that objective.
pub fn assert_gated_certified(
    prob: &Problem,
    out: &cvxrelu::solvers::SolveOutput,
    r: &Reference,
    what: &str,
) -> f64 {
    assert_eq!(out.status, cvxrelu::solvers::Status::Solved, "{what}");
    let cert = cvxrelu::certify::certify(prob, &out.weights);
    let gap = cert.relative_duality_gap.expect("gated: a duality gap");
    assert!(gap <= 1e-6, "{what}: certified gap {gap}");
    assert!(
        rel(cert.objective, r.objective) <= 1e-6,
        "{what}: objective {} vs reference {}",
        cert.objective,
        r.objective
    );
    cert.objective
}

/// Nonzero blocks of a C-ReLU solution's `[v; w]` (index `j < 2cP`).
pub fn active_blocks(out: &cvxrelu::solvers::SolveOutput) -> Vec<usize> {
    let cvxrelu::model::Weights::Relu { v, w } = &out.weights else {
        panic!("not a C-ReLU solution")
    };
    let (c, p) = (v.c, v.p);
    (0..2 * c * p)
        .filter(|&j| {
            let (b, k, i) = (if j < c * p { v } else { w }, (j % (c * p)) / p, j % p);
            b.norm(k, i) > 0.0
        })
        .collect()
}

/// A solution's details as JSON.
pub fn details_json(out: &cvxrelu::solvers::SolveOutput) -> serde_json::Value {
    serde_json::to_value(&out.details).unwrap()
}

/// The datasets of the relu reference problems, for tests split per dataset.
pub const RELU_DATASETS: [&str; 4] = [
    "breast_cancer.csv",
    "diabetes.csv",
    "digits38.csv",
    "synth.csv",
];

/// The three relu reference problems (three λ) of `data`.
pub fn relu_references_of(data: &str) -> Vec<Reference> {
    let list: Vec<Reference> = references()
        .into_iter()
        .filter(|r| r.model == Model::Relu && r.data == data)
        .collect();
    assert_eq!(list.len(), 3, "{data}: three λ");
    list
}

/// The relu reference problems are exactly those of `datasets`, three λ each (for
/// tests split into one test per dataset).
pub fn assert_relu_reference_datasets(datasets: &[&str]) {
    let relu: Vec<Reference> = references()
        .into_iter()
        .filter(|r| r.model == Model::Relu)
        .collect();
    assert_eq!(relu.len(), 12);
    for r in &relu {
        assert!(
            datasets.contains(&r.data.as_str()),
            "{} not covered",
            r.data
        );
    }
    for d in datasets {
        assert_eq!(relu.iter().filter(|r| r.data == *d).count(), 3, "{d}");
    }
}

/// The gaps of a bound at two perturbations of the optimum, `at(ρ)` returning
/// `(true suboptimality, plain gap, tight gap)` for ρ = 1e-5 and 1e-6: the plain
/// gap falls less than 30× (first order, about 10×), the tight one more than 30×
/// (second order, about 100×) and ends below a tenth of the plain one. Returns
/// both triples for the caller's own checks.
pub fn assert_tight_gap_second_order(
    what: &str,
    at: impl Fn(f64) -> (f64, f64, f64),
) -> ((f64, f64, f64), (f64, f64, f64)) {
    let (sub1, plain1, tight1) = at(1e-5);
    let (sub2, plain2, tight2) = at(1e-6);
    println!(
        "{what}: ρ = 1e-5: true {sub1:.2e} plain {plain1:.2e} tight {tight1:.2e}; \
         ρ = 1e-6: true {sub2:.2e} plain {plain2:.2e} tight {tight2:.2e}"
    );
    assert!(plain1 / plain2 < 30.0, "{what}: plain gap not first order");
    assert!(tight1 / tight2 > 30.0, "{what}: tight gap not second order");
    assert!(
        tight2 < plain2 / 10.0,
        "{what}: tight gap not below the plain one"
    );
    ((sub1, plain1, tight1), (sub2, plain2, tight2))
}

/// A native solver's entry point (`gated::solve`, `working_set::solve`, ...).
pub type NativeSolve = fn(
    &Problem,
    &cvxrelu::solvers::native::fista::FistaSettings,
    Option<&cvxrelu::model::Weights>,
) -> Result<cvxrelu::solvers::SolveOutput, cvxrelu::solvers::SolverError>;

/// `solve` on `prob` with `settings`, then again with the tight dual point off.
pub fn with_and_without_tight_dual(
    solve: NativeSolve,
    prob: &Problem,
    settings: &cvxrelu::solvers::native::fista::FistaSettings,
) -> (cvxrelu::solvers::SolveOutput, cvxrelu::solvers::SolveOutput) {
    let tight = solve(prob, settings, None).unwrap();
    let plain_settings = cvxrelu::solvers::native::fista::FistaSettings {
        tight_dual: false,
        ..settings.clone()
    };
    (tight, solve(prob, &plain_settings, None).unwrap())
}
