//! R-FISTA on C-GReLU: reference objectives, certified duality gaps, the line-search
//! condition, restarts, agreement with Clarabel for every regularizer, and
//! multi-output against single-output solves.

mod common;

use common::{problem, rel};
use cvxrelu::certify::certify;
use cvxrelu::model::{Blocks, Model, Problem, ProblemSpec, Regularizer, Scaling, Weights};
use cvxrelu::solvers::native::fista::{
    self, Composite, FistaSettings, FistaWorkspace, Smooth, Stopping,
};
use cvxrelu::solvers::native::gated::{self, GatedLoss};
use cvxrelu::solvers::native::operators::Operators;
use cvxrelu::solvers::{Status, clarabel};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

fn gap_settings(tol: f64) -> FistaSettings {
    FistaSettings {
        tol,
        ..gated::default_settings()
    }
}

// The 12 gated reference problems at the defaults (solved, within 1e-6 of the
// reference objective, certified gap ≤ 1e-6 below the optimum) are checked in
// `behaviour_unchanged.rs`, which runs each default solve once.

fn random_weights(prob: &Problem, seed: u64, scale: f64) -> Weights {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut u = Blocks::zeros(prob.c(), prob.p(), prob.d());
    u.data.iter_mut().for_each(|v| {
        let e: f64 = StandardNormal.sample(&mut rng);
        *v = scale * e
    });
    Weights::GatedRelu { u }
}

#[test]
fn duality_gap_nonnegative_at_arbitrary_points() {
    for reg in [
        Regularizer::NeuronGl1,
        Regularizer::FeatureGl1,
        Regularizer::L2,
        Regularizer::L1,
    ] {
        for lambda in [1e-3, 1e-1] {
            let prob = problem(
                "synth.csv",
                "synth_gates.csv",
                Model::GatedRelu,
                lambda,
                reg,
            );
            let sol = gated::solve(&prob, &gap_settings(1e-6), None)
                .unwrap()
                .weights;
            let mut points = vec![
                Weights::zeros(Model::GatedRelu, prob.c(), prob.p(), prob.d()),
                sol.clone(),
            ];
            for (seed, scale) in [(1, 1e-3), (2, 0.1), (3, 10.0)] {
                points.push(random_weights(&prob, seed, scale));
            }
            if let Weights::GatedRelu { u } = &sol {
                for f in [0.5, 1.01, 2.0] {
                    let mut v = u.clone();
                    v.data.iter_mut().for_each(|x| *x *= f);
                    points.push(Weights::GatedRelu { u: v });
                }
            }
            for w in &points {
                let c = certify(&prob, w);
                let gap = c.duality_gap.unwrap();
                assert!(gap >= -1e-12 * c.objective, "{reg:?} λ={lambda}: gap {gap}");
            }
        }
    }
}

#[test]
fn accepted_steps_satisfy_the_line_search_condition() {
    let prob = problem(
        "breast_cancer.csv",
        "breast_cancer_gates.csv",
        Model::GatedRelu,
        1e-2,
        Regularizer::NeuronGl1,
    );
    let ops = Operators::new(prob.x(), prob.patterns());
    let mut loss = GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda());
    let mut ws = FistaWorkspace::new(loss.dim(), loss.state_len());
    let mut u = vec![0.0; loss.dim()];
    let comp = Composite {
        reg: prob.reg(),
        lambda: prob.lambda(),
        d: prob.d(),
    };
    let (mut steps, mut backtracks, mut grew) = (0, 0, 0);
    let mut last_step = f64::NAN;
    let out = fista::solve_observed(
        &mut loss,
        comp,
        &mut u,
        &gap_settings(1e-6),
        &mut ws,
        0.0,
        &mut |s| {
            let bound = s.f_v + s.inner + s.ss / (2.0 * s.step);
            assert!(
                s.f_plus <= bound + 1e-12 * s.f_v.abs(),
                "iteration {}: f+ {} > bound {}",
                s.iteration,
                s.f_plus,
                bound
            );
            steps += 1;
            backtracks += s.backtracks;
            if s.step > last_step {
                grew += 1;
            }
            last_step = s.step;
        },
    );
    assert_eq!(out.status, Status::Solved);
    assert!(
        steps > 10 && backtracks > 0 && grew > 0,
        "{steps} {backtracks} {grew}"
    );
    // The solver's objective is the certificate's.
    let mut ub = Blocks::zeros(1, prob.p(), prob.d());
    ub.data.copy_from_slice(&u);
    let cert = certify(&prob, &Weights::GatedRelu { u: ub });
    assert!(rel(out.objective, cert.objective) < 1e-12);
}

/// A least-squares problem with one all-ones pattern and columns of very different
/// scales (condition number ~1e4): momentum overshoots and the gradient-mapping
/// test must restart it.
fn ill_conditioned_problem(dir: &std::path::Path) -> Problem {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut csv = String::from("x0,x1,y\n");
    for _ in 0..200 {
        let x0 = 1.0 + rand::Rng::random::<f64>(&mut rng);
        let e1: f64 = StandardNormal.sample(&mut rng);
        let x1 = 0.01 * e1;
        let e: f64 = StandardNormal.sample(&mut rng);
        csv += &format!("{x0},{x1},{}\n", x0 + 30.0 * x1 + 0.01 * e);
    }
    let data = dir.join("ill.csv");
    std::fs::write(&data, csv).unwrap();
    let gates = dir.join("ill_gates.csv");
    std::fs::write(&gates, "g0,g1\n1,0\n").unwrap();
    Problem::build(&ProblemSpec {
        data: data.display().to_string(),
        test: None,
        split: None,
        split_seed: 0,
        model: Model::GatedRelu,
        lambda: 1e-8,
        reg: Regularizer::L2,
        patterns: None,
        seed: 0,
        gates: Some(gates.display().to_string()),
        bias: false,
        scale: Scaling::None,
        target: None,
    })
    .unwrap()
}

#[test]
fn restart_fires_on_an_ill_conditioned_problem() {
    let dir = tempfile::tempdir().unwrap();
    let prob = ill_conditioned_problem(dir.path());
    let s = FistaSettings {
        tol: 1e-20,
        stopping: Stopping::Subgradient,
        max_iters: 200_000,
        ..FistaSettings::default()
    };
    let with = gated::solve(&prob, &s, None).unwrap();
    let without = gated::solve(
        &prob,
        &FistaSettings {
            restart: false,
            ..s.clone()
        },
        None,
    )
    .unwrap();
    let restarts = serde_json::to_value(&with.details).unwrap()["restarts"]
        .as_u64()
        .unwrap();
    assert!(restarts > 0, "no restart fired");
    assert_eq!(with.status, Status::Solved);
    assert_eq!(
        serde_json::to_value(&without.details).unwrap()["restarts"]
            .as_u64()
            .unwrap(),
        0
    );
    assert!(
        with.iterations < without.iterations,
        "restart {} vs no restart {}",
        with.iterations,
        without.iterations
    );
}

#[test]
fn every_regularizer_agrees_with_clarabel() {
    for reg in [
        Regularizer::FeatureGl1,
        Regularizer::L2,
        Regularizer::L1,
        Regularizer::NeuronGl1,
    ] {
        let prob = problem("synth.csv", "synth_gates.csv", Model::GatedRelu, 1e-2, reg);
        let ours = gated::solve(&prob, &gap_settings(1e-8), None).unwrap();
        assert_eq!(ours.status, Status::Solved, "{reg:?}");
        let theirs = clarabel::solve(&prob, &clarabel::ClarabelSettings::default()).unwrap();
        assert_eq!(theirs.status, Status::Solved, "{reg:?}");
        let (a, b) = (
            certify(&prob, &ours.weights),
            certify(&prob, &theirs.weights),
        );
        assert!(
            rel(a.objective, b.objective) < 1e-6,
            "{reg:?}: fista {} clarabel {}",
            a.objective,
            b.objective
        );
        // Ours is certified, so it cannot be far below the interior point's.
        assert!(a.objective >= a.dual_objective.unwrap());
    }
}

#[test]
fn multi_output_equals_sum_of_single_output_solves() {
    let lambda = 1e-2;
    let multi = problem(
        "digits10.csv",
        "digits10_gates.csv",
        Model::GatedRelu,
        lambda,
        Regularizer::NeuronGl1,
    );
    let c = multi.c();
    assert_eq!(c, 10);
    let out = gated::solve(&multi, &gap_settings(1e-7), None).unwrap();
    assert_eq!(out.status, Status::Solved);
    let f_multi = certify(&multi, &out.weights).objective;
    // 1/(2nc)Σ_k‖·‖² + λΣ_{k,i}‖u‖ = (1/c) Σ_k [1/(2n)‖·‖² + cλ Σ_i ‖u_{k,i}‖].
    let mut sum = 0.0;
    let Weights::GatedRelu { u: um } = &out.weights else {
        unreachable!()
    };
    let mut max_block_diff: f64 = 0.0;
    for k in 0..c {
        let single = multi.with_lambda(c as f64 * lambda).single_output(k);
        let o = gated::solve(&single, &gap_settings(1e-8), None).unwrap();
        assert_eq!(o.status, Status::Solved, "output {k}");
        sum += certify(&single, &o.weights).objective / c as f64;
        let Weights::GatedRelu { u } = &o.weights else {
            unreachable!()
        };
        for (a, b) in u.data.iter().zip(um.output(k)) {
            max_block_diff = max_block_diff.max((a - b).abs());
        }
    }
    assert!(rel(f_multi, sum) < 1e-6, "multi {f_multi} vs sum {sum}");
    assert!(max_block_diff < 1e-2, "weights differ by {max_block_diff}");
}

/// At λ = 0 no dual bound certifies anything; the default rule becomes "gradient
/// norm reduced by the factor `tol` from zero". Both models then end within
/// 1e-5·f(0) of Clarabel's optimal loss (a fixed 1e-6 on the squared subgradient
/// stopped with several times the optimal loss).
#[test]
fn lambda_zero_reaches_the_optimal_loss() {
    use cvxrelu::solvers::native::relu;
    for (data, gates) in [
        ("diabetes.csv", "diabetes_gates.csv"),
        ("synth.csv", "synth_gates.csv"),
    ] {
        for model in [Model::GatedRelu, Model::Relu] {
            let prob = problem(data, gates, model, 0.0, Regularizer::NeuronGl1);
            let zero = Weights::zeros(model, prob.c(), prob.p(), prob.d());
            let f0 = certify(&prob, &zero).objective;
            let out = match model {
                Model::GatedRelu => gated::solve(&prob, &gated::default_settings(), None),
                Model::Relu => relu::solve(&prob, &relu::default_settings(), None),
            }
            .unwrap();
            assert_eq!(out.status, Status::Solved, "{data} {}", model.name());
            let ours = certify(&prob, &out.weights).objective;
            let best = certify(
                &prob,
                &clarabel::solve(&prob, &Default::default()).unwrap().weights,
            )
            .objective;
            assert!(
                ours - best <= 1e-5 * f0,
                "{data} {}: fista {ours} clarabel {best} f(0) {f0}",
                model.name()
            );
        }
    }
}

/// [`GatedLoss`] counting its adjoints, with its screen offered or hidden.
struct Counted<'a> {
    loss: GatedLoss<'a>,
    screen: bool,
    adjoints: usize,
}

impl Smooth for Counted<'_> {
    fn dim(&self) -> usize {
        self.loss.dim()
    }
    fn state_len(&self) -> usize {
        self.loss.state_len()
    }
    fn forward(&mut self, u: &[f64], state: &mut [f64]) {
        self.loss.forward(u, state)
    }
    fn value(&mut self, state: &[f64]) -> f64 {
        self.loss.value(state)
    }
    fn gradient(&mut self, state: &[f64], grad: &mut [f64]) -> f64 {
        self.adjoints += 1;
        self.loss.gradient(state, grad)
    }
    fn curvature(&mut self, state_plus: &[f64], state: &[f64]) -> Option<f64> {
        self.loss.curvature(state_plus, state)
    }
    fn dual_bound(&mut self, u: &[f64], state: &[f64], grad: &[f64]) -> Option<f64> {
        self.loss.dual_bound(u, state, grad)
    }
    fn screen_bound(&mut self, u: &[f64], state: &[f64], grad: &[f64]) -> Option<f64> {
        if self.screen {
            self.loss.screen_bound(u, state, grad)
        } else {
            None
        }
    }
}

/// Screened gap checks (the module docs of `fista`): the gradient at the iterate
/// taken from the step's gradient by `∇f(u) = (∇f(v) + β∇f(u_prev))/(1 + β)` must
/// leave every check that stops, and so the whole path, as it was — the same
/// iterates to the bit — while skipping the adjoint of the checks that cannot
/// stop. A wrong gradient shows either way: a screen too pessimistic skips a check
/// that stops (the runs then differ), one too optimistic saves nothing.
#[test]
fn screened_checks_keep_the_path_and_skip_adjoints() {
    use cvxrelu::solvers::native::fista::Momentum;
    for (data, gates, lambda) in [
        ("breast_cancer.csv", "breast_cancer_gates.csv", 1e-2),
        ("diabetes.csv", "diabetes_gates.csv", 1e-3),
        ("synth.csv", "synth_gates.csv", 1e-3),
    ] {
        let prob = problem(
            data,
            gates,
            Model::GatedRelu,
            lambda,
            Regularizer::NeuronGl1,
        );
        let ops = Operators::new(prob.x(), prob.patterns());
        let comp = Composite {
            reg: prob.reg(),
            lambda: prob.lambda(),
            d: prob.d(),
        };
        for momentum in [Momentum::Fista, Momentum::Greedy] {
            let settings = FistaSettings {
                momentum,
                ..gap_settings(1e-6)
            };
            let run = |screen: bool| {
                let loss = GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda());
                let mut counted = Counted {
                    loss,
                    screen,
                    adjoints: 0,
                };
                let mut ws = FistaWorkspace::new(counted.dim(), counted.state_len());
                let mut u = vec![0.0; counted.dim()];
                let out = fista::solve_observed(
                    &mut counted,
                    comp,
                    &mut u,
                    &settings,
                    &mut ws,
                    0.0,
                    &mut |_| {},
                );
                (out, u, counted.adjoints)
            };
            let (plain, u_plain, adjoints_plain) = run(false);
            let (screened, u_screened, adjoints_screened) = run(true);
            let case = format!("{data} λ = {lambda} {momentum:?}");
            assert_eq!(plain.status, Status::Solved, "{case}");
            assert_eq!(screened.status, Status::Solved, "{case}");
            assert_eq!(plain.iterations, screened.iterations, "{case}");
            assert_eq!(plain.restarts, screened.restarts, "{case}");
            assert_eq!(u_plain, u_screened, "{case}: the iterates differ");
            assert_eq!(plain.relative_gap, screened.relative_gap, "{case}");
            // Every check but the last cannot stop; those with `v ≠ u` (most of
            // them) lose their adjoint.
            let checks = plain.iterations / settings.check_every;
            assert!(
                adjoints_plain.saturating_sub(adjoints_screened) >= checks / 2,
                "{case}: {adjoints_screened} adjoints screened against {adjoints_plain}, {checks} checks"
            );
        }
    }
}

/// The screen is the plain bound, so it is offered only where the check proper
/// uses the plain bound too: with the dual extrapolation or the best bound kept,
/// a check can stop on a bound above the screen's, and a screen would skip it.
#[test]
fn no_screen_where_the_check_can_beat_the_plain_bound() {
    let prob = problem(
        "synth.csv",
        "synth_gates.csv",
        Model::GatedRelu,
        1e-3,
        Regularizer::NeuronGl1,
    );
    let ops = Operators::new(prob.x(), prob.patterns());
    let new = || GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda());
    let mut plain = new();
    let mut state = vec![0.0; plain.state_len()];
    let mut grad = vec![0.0; plain.dim()];
    let u = vec![0.0; plain.dim()];
    plain.forward(&u, &mut state);
    plain.gradient(&state, &mut grad);
    let screen = plain.screen_bound(&u, &state, &grad);
    assert_eq!(screen, plain.dual_bound(&u, &state, &grad));
    assert!(screen.is_some());
    let mut extrapolated = new().with_extrapolation(gated::DUAL_EXTRAPOLATION_K);
    assert_eq!(extrapolated.screen_bound(&u, &state, &grad), None);
    let mut best_kept = new();
    best_kept.keep_best_dual = true;
    assert_eq!(best_kept.screen_bound(&u, &state, &grad), None);
}
