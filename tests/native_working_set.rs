//! C-GReLU on working sets (issue 13, item 1): the same results as the full
//! problem — objectives within 1e-9 of each other (both within 1e-9 of the
//! working-set run's dual bound), the same active blocks — on every gated
//! reference problem, certified by the full problem's gap; and on a synthetic
//! problem with more patterns than the solution uses, the sets stay small.
//!
//! The comparison is at 1e-9, the tolerance. It used to stall
//! (breast_cancer λ = 0.01 at a certified gap of 1.6e-7 after 300000
//! iterations): R-FISTA's line search compared the difference of two objective
//! values with a slack of `1e-12·|f|`, so near the optimum it accepted steps that
//! violated the quadratic bound, the step grew, and the objective floated ~1e-12
//! above the optimum — a gap of `O(√1e-12)`. The test is now on the Bregman
//! divergence of the states ([`Smooth::curvature`](cvxrelu::solvers::native::fista::Smooth::curvature)).

mod common;

use common::{reference_problem, references, rel, synth_problem};
use cvxrelu::certify::certify;
use cvxrelu::model::{Model, Regularizer, Weights};
use cvxrelu::solvers::native::fista::{FistaSettings, WorkingSets};
use cvxrelu::solvers::native::{gated, working_set};
use cvxrelu::solvers::{SolveOutput, Status};

fn settings(tol: f64, max_iters: usize) -> FistaSettings {
    FistaSettings {
        tol,
        max_iters,
        ..gated::default_settings()
    }
}

fn active(out: &SolveOutput) -> Vec<usize> {
    let Weights::GatedRelu { u } = &out.weights else {
        unreachable!()
    };
    (0..u.c * u.p)
        .filter(|&j| u.norm(j / u.p, j % u.p) > 0.0)
        .collect()
}

/// Both answers within `tol` (relative) of the working-set run's dual bound, so
/// their objectives agree to `tol`.
fn compare(prob: &cvxrelu::model::Problem, what: &str, tol: f64) -> (usize, usize, Vec<usize>) {
    // Both answers are judged by the working-set run's dual bound, a lower bound
    // on the full problem's optimum computed on all patterns.
    let full = gated::solve(prob, &settings(tol, 100_000), None).unwrap();
    // `On`: the reference problems have fewer patterns than `Auto` needs.
    let on = FistaSettings {
        working_sets: WorkingSets::On,
        ..settings(tol, 300_000)
    };
    let ws = working_set::solve(prob, &on, None).unwrap();
    assert_eq!(ws.status, Status::Solved, "{what}: working set");
    let (cf, cw) = (certify(prob, &full.weights), certify(prob, &ws.weights));
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
        e <= 1e-9,
        "{what}: objectives {} vs {} ({e:.1e})",
        cw.objective,
        cf.objective
    );
    assert_eq!(active(&full), active(&ws), "{what}: active blocks");
    let sizes: Vec<usize> = serde_json::to_value(&ws.details).unwrap()["working_set_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    eprintln!(
        "{what}: full {} iterations ({}), working sets {} iterations, sizes {sizes:?} of {}, {} active",
        full.iterations,
        full.status.name(),
        ws.iterations,
        prob.p(),
        active(&ws).len()
    );
    (full.iterations, ws.iterations, sizes)
}

#[test]

fn working_sets_equal_the_full_problem_on_every_reference_problem() {
    let mut n = 0;
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        compare(&prob, &format!("{} λ={}", r.data, r.lambda), 1e-9);
        n += 1;
    }
    assert_eq!(n, 12);
}

#[test]
fn working_sets_stay_small_when_few_patterns_are_used() {
    for c in [1, 2] {
        let prob = synth_problem(
            Model::GatedRelu,
            Regularizer::NeuronGl1,
            2e-2,
            300,
            5,
            c,
            400,
            5,
        );
        let (_, _, sizes) = compare(&prob, &format!("synth P={} c={c}", prob.p()), 1e-9);
        assert!(*sizes.iter().max().unwrap() < prob.p(), "{sizes:?}");
    }
}

/// Every log of a solve, in order.
struct Recorder(Vec<cvxrelu::solvers::progress::IterationLog>);

impl cvxrelu::solvers::progress::Progress for Recorder {
    fn log(&mut self, line: &cvxrelu::solvers::progress::IterationLog) {
        self.0.push(*line);
    }
}

/// At the time limit the working-set loop returns the inner solve's point: no full
/// check (a forward and an adjoint over all patterns, 90 s on the MNIST-shaped
/// problem of issue 13) starts after the limit. When the limit passes inside an
/// inner solve the solver's own full gap is left unknown (the record's certificate
/// computes it); when it passes during a full check that started in time (an inner
/// solve ended just before the limit), that check's gap is the returned point's
/// and equals the independent certificate's. Which of the two happens depends on
/// timing (a fresh-clone CI run met the second), so both are accepted.
#[test]
fn no_full_check_starts_after_the_time_limit() {
    use cvxrelu::solvers::progress::Phase;
    let problem = synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-4,
        3000,
        20,
        1,
        400,
        5,
    );
    let limit = 0.3;
    let s = FistaSettings {
        time_limit: limit,
        working_sets: WorkingSets::On,
        ..settings(1e-14, 1_000_000)
    };
    let mut rec = Recorder(Vec::new());
    let out = working_set::solve_observed(&problem, &s, None, &mut rec).unwrap();
    assert_eq!(out.status, Status::TimeLimit);
    let inner = rec
        .0
        .iter()
        .filter(|l| l.phase == Phase::WorkingSetInner)
        .count();
    assert!(
        inner > 0,
        "the limit passed before any inner solve: enlarge the limit"
    );
    for (k, l) in rec.0.iter().enumerate().skip(1) {
        if l.phase == Phase::WorkingSetCheck {
            let before = &rec.0[k - 1];
            assert!(
                before.elapsed_s <= limit,
                "a full check started at {:.3} s, after the {limit} s limit",
                before.elapsed_s
            );
        }
    }
    let cvxrelu::solvers::SolverDetails::WorkingSet(w) = &out.details else {
        panic!("not a working-set run: {:?}", out.details)
    };
    // The returned point is a valid point of the full problem: its objective is
    // the solver's (the restricted objective is the full one).
    let cert = certify(&problem, &out.weights);
    assert!(rel(cert.objective, w.solver_objective) < 1e-12);
    if !w.solver_relative_gap.is_nan() {
        let last = rec.0.last().expect("logs");
        assert_eq!(
            last.phase,
            Phase::WorkingSetCheck,
            "a gap only from a full check"
        );
        let certified = cert.relative_duality_gap.expect("gated: a gap");
        assert!(
            rel(certified, w.solver_relative_gap) < 1e-6,
            "the check's gap {} is the returned point's ({certified})",
            w.solver_relative_gap
        );
    }
}

/// At a small λ a round on a set that still lacks blocks cannot soon prove its own
/// gap (the restricted relative gap stays near 1 until its gradient is below λ):
/// its budget ([`working_set::round_budget`]) ends it, and the set grows. Before
/// the budget, the first round on 10 patterns spent every iteration there
/// (breast_cancer, P = 5000, λ = 1e-5, the paper suite: objective 0.113 against
/// Clarabel's 2.3e-4). With the same iteration budget as full R-FISTA (whose
/// iterations cost more: all 400 patterns) the working sets must come within 10×
/// of its objective: measured 3.7× (sets 10…160), and 243× before the budget (the
/// sets stopped at 40 after rounds of 1320, 2090 and 2590 iterations).
#[test]
fn rounds_with_violators_end_on_their_budget_and_the_set_grows() {
    let problem = synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-6,
        300,
        5,
        1,
        400,
        5,
    );
    let budget = 6000;
    let full = gated::solve(&problem, &settings(1e-10, budget), None).unwrap();
    let on = FistaSettings {
        working_sets: WorkingSets::On,
        ..settings(1e-10, budget)
    };
    let ws = working_set::solve(&problem, &on, None).unwrap();
    let (cf, cw) = (
        certify(&problem, &full.weights),
        certify(&problem, &ws.weights),
    );
    let cvxrelu::solvers::SolverDetails::WorkingSet(w) = &ws.details else {
        panic!("not a working-set run: {:?}", ws.details)
    };
    eprintln!(
        "full: objective {:.6e} gap {:.2e}; working sets: objective {:.6e} gap {:.2e}, sizes {:?}, rounds {:?}",
        cf.objective,
        cf.relative_duality_gap.unwrap(),
        cw.objective,
        cw.relative_duality_gap.unwrap(),
        w.working_set_sizes,
        w.round_iterations
    );
    assert!(w.working_set_sizes.len() > 1, "the set never grew: {w:?}");
    assert!(
        cw.objective <= 10.0 * cf.objective,
        "working sets {:.6e} vs full {:.6e} after {budget} iterations each",
        cw.objective,
        cf.objective
    );
}

/// The sets follow the support: zero blocks well below the threshold leave the
/// set at each check ([`working_set::PRUNE_FRACTION`]), so the last set holds
/// few more patterns than the answer uses, and the answer is the full
/// problem's. Here the last set holds 98 patterns for 91 active; with pruning
/// off (`PRUNE_FRACTION = 0`) it held 159, and this test failed.
#[test]
fn pruned_sets_follow_the_support() {
    let prob = synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-2,
        1500,
        15,
        1,
        800,
        3,
    );
    let (_, _, sizes) = compare(&prob, "synth P=800", 1e-9);
    let ws = working_set::solve(&prob, &settings(1e-8, 300_000), None).unwrap();
    let last = *sizes.last().unwrap();
    let used = active(&ws).len();
    assert!(
        last as f64 <= 1.1 * used as f64,
        "last set {last} patterns for {used} active ({sizes:?})"
    );
}

/// A warm start's state comes from its nonzero patterns only (and then from each
/// round's set): started at a certified answer, the working sets stop at their
/// first check with that answer's objective and gap as the independent
/// certificate computes them; started at another λ's answer (nonzero blocks
/// scattered over the patterns), they end at the cold start's optimum.
#[test]
fn warm_starts_are_checked_on_their_nonzero_patterns() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::GatedRelu && r.data == "digits38.csv" && r.lambda == 0.01)
        .expect("digits38 λ = 0.01");
    let prob = reference_problem(&r);
    let on = |tol| FistaSettings {
        working_sets: WorkingSets::On,
        ..settings(tol, 300_000)
    };
    let cold = working_set::solve(&prob, &on(1e-8), None).unwrap();
    assert_eq!(cold.status, Status::Solved);
    let again = working_set::solve(&prob, &on(1e-6), Some(&cold.weights)).unwrap();
    assert_eq!(again.status, Status::Solved);
    assert_eq!(
        again.iterations, 0,
        "a certified start stops at its first check"
    );
    let cert = certify(&prob, &cold.weights);
    let first = again.trace[0].objective;
    assert!(
        rel(first, cert.objective) <= 1e-13,
        "{first} vs {}",
        cert.objective
    );
    // Another λ's answer as the start: a support unlike this λ's.
    let other = prob.with_lambda(0.1);
    let start = working_set::solve(&other, &on(1e-6), None).unwrap();
    let warm = working_set::solve(&prob, &on(1e-8), Some(&start.weights)).unwrap();
    assert_eq!(warm.status, Status::Solved);
    let start_cert = certify(&prob, &start.weights);
    assert!(rel(warm.trace[0].objective, start_cert.objective) <= 1e-13);
    let (cw, cc) = (certify(&prob, &warm.weights), certify(&prob, &cold.weights));
    assert!(
        rel(cw.objective, cc.objective) <= 1e-8,
        "{} vs {}",
        cw.objective,
        cc.objective
    );
}
