//! C-ReLU on working sets (issue 13, items 1 and 3): the same results as the full
//! problem — objectives within 1e-9 of each other (both within 1e-9 of the
//! working-set run's certified dual bound), the same active blocks, feasible to
//! 1e-8 — on every relu reference problem (scale none, no bias, the file's gates),
//! certified by the independent certificate; on a synthetic problem with more
//! patterns than the solution uses, the sets stay small; and the row-screened
//! projection equals the plain one while computing fewer cone values.

mod common;

use common::{active_blocks as active, details_json as details};
use common::{reference_problem, references, rel, synth_problem};
use cvxrelu::certify::certify;
use cvxrelu::cone::polyhedral::{ConeProjector, Passive};
use cvxrelu::model::{Model, Problem, Regularizer, Weights};
use cvxrelu::solvers::native::fista::{FistaSettings, WorkingSets};
use cvxrelu::solvers::native::{relu, relu_working_set};
use cvxrelu::solvers::{SolveOutput, Status};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn settings(tol: f64, max_iters: usize) -> FistaSettings {
    FistaSettings {
        tol,
        max_iters,
        ..relu::default_settings()
    }
}

/// Both answers within `tol` (relative) of the working-set run's dual bound, so
/// their objectives agree to `tol`; the same active blocks; both feasible.
fn compare(prob: &Problem, what: &str, tol: f64) -> (SolveOutput, SolveOutput) {
    let full = relu::solve(prob, &settings(tol, 300_000), None).unwrap();
    // `On`: the reference problems have fewer patterns than `Auto` needs.
    let on = FistaSettings {
        working_sets: WorkingSets::On,
        ..settings(tol, 300_000)
    };
    let ws = relu_working_set::solve(prob, &on, None).unwrap();
    assert_eq!(ws.status, Status::Solved, "{what}: working set");
    assert_eq!(details(&ws)["kind"], "working-set", "{what}");
    let (cf, cw) = (certify(prob, &full.weights), certify(prob, &ws.weights));
    assert!(cw.max_cone_violation <= 1e-8, "{what}: {cw:?}");
    assert!(cf.max_cone_violation <= 1e-8, "{what}: {cf:?}");
    let dual = cw.dual_objective.unwrap();
    assert!(cw.relative_duality_gap.unwrap() <= tol, "{what}: {cw:?}");
    assert!(
        (cf.objective - dual) / cf.objective <= tol,
        "{what}: full objective {} not within tol of the bound {dual} ({:?})",
        cf.objective,
        full.status
    );
    let e = rel(cw.objective, cf.objective);
    assert!(
        e <= tol,
        "{what}: objectives {} vs {} ({e:.1e})",
        cw.objective,
        cf.objective
    );
    assert_eq!(active(&full), active(&ws), "{what}: active blocks");
    let dw = details(&ws);
    eprintln!(
        "{what}: full {} iterations ({}), working sets {} iterations, sizes {} of {}, {} active; rel {e:.1e}",
        full.iterations,
        full.status.name(),
        ws.iterations,
        dw["working_set_sizes"],
        prob.p(),
        active(&ws).len()
    );
    (full, ws)
}

/// Working sets against the full problem on the relu reference problems of one
/// dataset (one test per dataset, so that the test harness runs them on every core;
/// `reference_datasets_are_all_covered` checks that the four cover the 12).
fn equal_the_full_problem_on(data: &str) {
    // The inner solves' tries of the tight point, over the dataset's problems.
    let mut inner_tries = 0;
    for r in &common::relu_references_of(data) {
        let prob = reference_problem(r);
        let (_, ws) = compare(&prob, &format!("{} λ={}", r.data, r.lambda), 1e-9);
        let dw = details(&ws);
        let count = |k: &str| dw[k].as_u64().unwrap_or_else(|| panic!("{k}: {dw}"));
        let (tries, wins) = (
            count("inner_tight_dual_tries"),
            count("inner_tight_dual_wins"),
        );
        assert!(
            wins <= tries,
            "{} λ={}: {wins} wins of {tries}",
            r.data,
            r.lambda
        );
        inner_tries += tries;
        // The certified bound is below the reference optimum, to the references'
        // own accuracy (their solvers' spread is up to 1.1e-7, tests/data/README.md).
        let dual = certify(&prob, &ws.weights).dual_objective.unwrap();
        assert!(
            dual <= r.objective * (1.0 + 2e-7),
            "{} λ={}: bound {dual} above the reference {} ({:.1e})",
            r.data,
            r.lambda,
            r.objective,
            rel(dual, r.objective)
        );
    }
    // Their last rounds have no violators, and their inner solves try it.
    assert!(inner_tries > 0, "{data}: no inner try of the tight point");
}

#[test]
fn relu_working_sets_equal_the_full_problem_on_breast_cancer() {
    equal_the_full_problem_on("breast_cancer.csv");
}

#[test]
fn relu_working_sets_equal_the_full_problem_on_diabetes() {
    equal_the_full_problem_on("diabetes.csv");
}

#[test]
fn relu_working_sets_equal_the_full_problem_on_digits38() {
    equal_the_full_problem_on("digits38.csv");
}

#[test]
fn relu_working_sets_equal_the_full_problem_on_synth() {
    equal_the_full_problem_on("synth.csv");
}

#[test]
fn reference_datasets_are_all_covered() {
    common::assert_relu_reference_datasets(&common::RELU_DATASETS);
}

#[test]
fn relu_working_sets_stay_small_when_few_patterns_are_used() {
    for c in [1, 2] {
        let prob = synth_problem(Model::Relu, Regularizer::NeuronGl1, 2e-2, 300, 5, c, 400, 5);
        let (_, ws) = compare(&prob, &format!("synth P={} c={c}", prob.p()), 1e-8);
        let sizes: Vec<u64> = details(&ws)["working_set_sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert!(*sizes.iter().max().unwrap() < prob.p() as u64, "{sizes:?}");
    }
}

/// `Auto` leaves the problems below the threshold to the full solver (the same
/// result bit for bit), and `Off` always does.
#[test]
fn auto_keeps_small_problems_on_the_full_solver() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::Relu)
        .unwrap();
    let prob = reference_problem(&r);
    let full = relu::solve(&prob, &settings(1e-6, 100_000), None).unwrap();
    for mode in [WorkingSets::Auto, WorkingSets::Off] {
        let s = FistaSettings {
            working_sets: mode,
            ..settings(1e-6, 100_000)
        };
        let out = relu_working_set::solve(&prob, &s, None).unwrap();
        assert_eq!(details(&out)["kind"], "fista");
        assert_eq!(out.iterations, full.iterations);
        assert_eq!(
            certify(&prob, &out.weights).objective,
            certify(&prob, &full.weights).objective
        );
    }
}

/// A warm start (infeasible: random weights) is projected first; the result is
/// certified and feasible.
#[test]
fn relu_working_sets_accept_an_infeasible_warm_start() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::Relu && r.data == "synth.csv")
        .unwrap();
    let prob = reference_problem(&r);
    let (c, p, d) = (prob.c(), prob.p(), prob.d());
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let u: Vec<f64> = (0..2 * c * p * d)
        .map(|_| rng.random_range(-0.1..0.1))
        .collect();
    let warm = Weights::relu_from_stacked(&u, c, p, d);
    let on = FistaSettings {
        working_sets: WorkingSets::On,
        ..settings(1e-8, 300_000)
    };
    let out = relu_working_set::solve(&prob, &on, Some(&warm)).unwrap();
    let cert = certify(&prob, &out.weights);
    assert_eq!(out.status, Status::Solved);
    assert!(cert.max_cone_violation <= 1e-8, "{cert:?}");
    assert!(cert.relative_duality_gap.unwrap() <= 1e-8, "{cert:?}");
    assert!(rel(cert.objective, r.objective) <= 1e-6);
}

/// Row screening: for `z` near a point `q` of the cone, the projection screened
/// with the radius `‖z − q‖` is the plain projection (to rounding), computes fewer
/// cone values, and so does any radius at least `dist(z, K)`.
#[test]
fn screened_projection_equals_the_plain_one() {
    let (n, d) = (400, 8);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let x = Mat::from_fn(n, d, |_, _| rng.random_range(-1.0..1.0));
    let mut fewer = 0;
    for trial in 0..200 {
        // The pattern of a random gate (so the cone has an interior).
        let gate: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mask: Vec<f64> = (0..n)
            .map(|l| {
                let s: f64 = (0..d).map(|j| x[(l, j)] * gate[j]).sum();
                if s > 0.0 { 1.0 } else { 0.0 }
            })
            .collect();
        let mut proj = ConeProjector::new(x.as_ref());
        // q: a projection of a random point; z: q perturbed.
        let mut q: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut cone = vec![0.0; n];
        proj.cone_values(&mask, &q, &mut cone);
        proj.project(&mask, &mut q, &cone, &mut Passive::new(d));
        let scale = [1e-1, 1e-3, 1.0][trial % 3];
        let z: Vec<f64> = q
            .iter()
            .map(|v| v + scale * rng.random_range(-1.0..1.0))
            .collect();
        let radius: f64 = z
            .iter()
            .zip(&q)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        proj.cone_values(&mask, &z, &mut cone);
        let mut plain = z.clone();
        let a = proj.project(&mask, &mut plain, &cone, &mut Passive::new(d));
        for r in [radius, 2.0 * radius, f64::INFINITY] {
            let mut screened = z.clone();
            let b = proj.project_screened(&mask, &mut screened, &cone, &mut Passive::new(d), r);
            assert!(a.converged && b.converged);
            let err: f64 = plain
                .iter()
                .zip(&screened)
                .map(|(s, t)| (s - t).abs())
                .fold(0.0, f64::max);
            assert!(err <= 1e-12, "trial {trial} radius {r}: {err:.1e}");
            assert!(b.rows <= a.rows, "{b:?} vs {a:?}");
            if r == radius && b.rows < a.rows {
                fewer += 1;
            }
        }
    }
    assert!(fewer > 50, "screening saved rows in only {fewer} of 200");
}
