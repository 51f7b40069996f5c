//! C-ReLU by cone-projected R-FISTA (`--solver fista --model relu`): every reference
//! problem, the independent C-ReLU duality-gap certificate, the prox formula
//! against Clarabel, agreement with Clarabel on multi-output, warm starts.

mod common;

use ::clarabel::algebra::CscMatrix;
use ::clarabel::solver::{
    DefaultSettings, DefaultSolver, IPSolver, NonnegativeConeT, SecondOrderConeT,
};
use common::{reference_problem, references, rel, synth_problem};
use cvxrelu::certify::certify;
use cvxrelu::cone::polyhedral::{ConeProjector, Passive};
use cvxrelu::model::{Blocks, Model, Regularizer, Weights};
use cvxrelu::solvers::clarabel;
use cvxrelu::solvers::native::relu;
use cvxrelu::solvers::{SolverError, Status};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// The 12 relu reference problems at the defaults (within 1e-6 of the reference,
// feasible to 1e-8, certified gap ≤ 1e-6 below the optimum) are checked in
// `behaviour_unchanged.rs`, which runs each default solve once.

/// The dual bound is a lower bound at any point: zero, and feasible points far from
/// the optimum (random weights projected onto the cones).
#[test]
fn dual_bound_is_below_the_optimum_everywhere() {
    let refs = references();
    for r in refs
        .iter()
        .filter(|r| r.model == Model::Relu && r.data != "digits38.csv")
    {
        let prob = reference_problem(r);
        let (c, p, d) = (prob.c(), prob.p(), prob.d());
        let zero = Weights::zeros(Model::Relu, c, p, d);
        let cz = certify(&prob, &zero);
        assert!(cz.dual_objective.unwrap() <= r.objective * (1.0 + 1e-12));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut random = || {
            let mut b = Blocks::zeros(c, p, d);
            b.data
                .iter_mut()
                .for_each(|v| *v = 0.05 * (rng.random::<f64>() - 0.5));
            b
        };
        let (v, w) = (random(), random());
        let mut point = Weights::Relu { v, w };
        project_onto_cones(&prob, &mut point);
        let cert = certify(&prob, &point);
        assert!(cert.max_cone_violation <= 1e-10);
        assert!(cert.duality_gap.unwrap() >= 0.0);
        assert!(
            cert.dual_objective.unwrap() <= r.objective * (1.0 + 1e-12),
            "{} λ={}",
            r.data,
            r.lambda
        );
        assert!(cert.objective >= r.objective * (1.0 - 1e-9));
    }
}

fn project_onto_cones(prob: &cvxrelu::model::Problem, point: &mut Weights) {
    let Weights::Relu { v, w } = point else {
        unreachable!()
    };
    let n = prob.n();
    let mut proj = ConeProjector::new(prob.x().as_ref());
    let mut cz = vec![0.0; n];
    let mut mask = vec![0.0; n];
    for b in [v, w] {
        for i in 0..b.p {
            mask.iter_mut().for_each(|m| *m = 0.0);
            for row in prob.patterns().active_rows(i) {
                mask[row] = 1.0;
            }
            for k in 0..b.c {
                let blk = b.block_mut(k, i);
                proj.cone_values(&mask, blk, &mut cz);
                proj.project(&mask, blk, &cz, &mut Passive::new(blk.len()));
            }
        }
    }
}

/// `prox_{τ(‖·‖ + ι_K)}(z) = shrink_τ(Π_K(z))`, against Clarabel on
/// `min ½‖v − z‖² + τ t  s.t. (t, v) ∈ SOC, X̃v ≥ 0`.
#[test]
fn prox_of_norm_plus_cone_is_shrunk_projection() {
    let (n, d) = (120, 6);
    for seed in 0..6u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = Mat::from_fn(n, d, |_, _| rng.random::<f64>() * 2.0 - 1.0);
        let mask: Vec<f64> = (0..n).map(|_| f64::from(rng.random::<bool>())).collect();
        let z: Vec<f64> = (0..d).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
        let tau = 0.05 * seed as f64;
        // Ours.
        let mut proj = ConeProjector::new(x.as_ref());
        let mut cz = vec![0.0; n];
        proj.cone_values(&mask, &z, &mut cz);
        let mut v = z.clone();
        proj.project(&mask, &mut v, &cz, &mut Passive::new(d));
        let nv = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        let s = if nv > tau { 1.0 - tau / nv } else { 0.0 };
        v.iter_mut().for_each(|a| *a *= s);
        // Clarabel: variables (v, t).
        let mut pcol = vec![0];
        let mut prow = vec![];
        for j in 0..d {
            prow.push(j);
            pcol.push(j + 1);
        }
        pcol.push(d);
        let pm = CscMatrix::new(d + 1, d + 1, pcol, prow, vec![1.0; d]);
        let mut q: Vec<f64> = z.iter().map(|a| -a).collect();
        q.push(tau);
        let (mut colptr, mut rowval, mut nzval) = (vec![0], vec![], vec![]);
        for j in 0..d {
            for l in 0..n {
                rowval.push(l);
                nzval.push(-(2.0 * mask[l] - 1.0) * x[(l, j)]);
            }
            rowval.push(n + 1 + j);
            nzval.push(-1.0);
            colptr.push(rowval.len());
        }
        rowval.push(n);
        nzval.push(-1.0);
        colptr.push(rowval.len());
        let a = CscMatrix::new(n + 1 + d, d + 1, colptr, rowval, nzval);
        let settings = DefaultSettings {
            verbose: false,
            tol_gap_abs: 1e-12,
            tol_gap_rel: 1e-12,
            tol_feas: 1e-12,
            ..DefaultSettings::default()
        };
        let cones = [NonnegativeConeT(n), SecondOrderConeT(d + 1)];
        let mut solver =
            DefaultSolver::new(&pm, &q, &a, &vec![0.0; n + 1 + d], &cones, settings).unwrap();
        solver.solve();
        let err: f64 = v
            .iter()
            .zip(&solver.solution.x[..d])
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(err <= 1e-6, "seed {seed}: ‖ours − clarabel‖ = {err}");
    }
}

/// Multi-output (c = 3) agrees with Clarabel on the compiled SOCP.
#[test]
fn multi_output_agrees_with_clarabel() {
    let prob = synth_problem(Model::Relu, Regularizer::NeuronGl1, 1e-2, 150, 4, 3, 8, 5);
    assert_eq!(prob.c(), 3);
    let ours = relu::solve(&prob, &relu::default_settings(), None).unwrap();
    assert_eq!(ours.status, Status::Solved);
    let theirs = clarabel::solve(&prob, &Default::default()).unwrap();
    let (a, b) = (
        certify(&prob, &ours.weights),
        certify(&prob, &theirs.weights),
    );
    assert!(a.max_cone_violation <= 1e-10);
    assert!(
        rel(a.objective, b.objective) <= 1e-6,
        "fista {} vs clarabel {}",
        a.objective,
        b.objective
    );
    // The certified gap of our point bounds its distance to Clarabel's optimum.
    assert!(a.objective - b.objective <= a.duality_gap.unwrap() + 1e-9 * b.objective);
}

/// A warm start need not be feasible: it is projected, and the solve ends at the
/// same optimum with fewer iterations than from zero when started near it.
#[test]
fn warm_starts_are_projected_and_help() {
    let r = references()
        .into_iter()
        .find(|r| r.model == Model::Relu && r.data == "diabetes.csv" && r.lambda == 0.01)
        .unwrap();
    let prob = reference_problem(&r);
    let cold = relu::solve(&prob, &relu::default_settings(), None).unwrap();
    // Perturb the solution off the cones.
    let Weights::Relu { v, w } = &cold.weights else {
        unreachable!()
    };
    let mut v2 = v.clone();
    v2.data
        .iter_mut()
        .enumerate()
        .for_each(|(i, a)| *a += 1e-3 * ((i % 7) as f64 - 3.0));
    let start = Weights::Relu {
        v: v2,
        w: w.clone(),
    };
    assert!(certify(&prob, &start).max_cone_violation > 1e-6);
    let warm = relu::solve(&prob, &relu::default_settings(), Some(&start)).unwrap();
    let cert = certify(&prob, &warm.weights);
    assert_eq!(warm.status, Status::Solved);
    assert!(cert.max_cone_violation <= 1e-10);
    assert!(rel(cert.objective, r.objective) <= 1e-6);
    assert!(
        warm.iterations < cold.iterations,
        "{} vs {}",
        warm.iterations,
        cold.iterations
    );
}

#[test]
fn refuses_the_gated_model() {
    let refs = references();
    let g = refs.iter().find(|r| r.model == Model::GatedRelu).unwrap();
    assert!(matches!(
        relu::solve(&reference_problem(g), &relu::default_settings(), None),
        Err(SolverError::Unsupported { .. })
    ));
}

/// The squared min-norm subgradient (tangent-cone projection for nonzero blocks,
/// `(‖Π_K(−g)‖ − λ)_+²` for zero ones) vanishes at the optimum: stopping on it
/// reaches the reference objective too, and it is large away from the optimum.
#[test]
fn subgradient_stopping_reaches_the_optimum() {
    use cvxrelu::solvers::native::fista::Stopping;
    for r in references()
        .iter()
        .filter(|r| r.model == Model::Relu && r.data == "synth.csv")
    {
        let prob = reference_problem(r);
        let mut s = relu::default_settings();
        s.stopping = Stopping::Subgradient;
        s.tol = 1e-14;
        let out = relu::solve(&prob, &s, None).unwrap();
        assert_eq!(out.status, Status::Solved, "λ={}", r.lambda);
        let cert = certify(&prob, &out.weights);
        assert!(rel(cert.objective, r.objective) <= 1e-6, "λ={}", r.lambda);
        assert!(
            serde_json::to_value(&out.details).unwrap()["subgradient_sq"]
                .as_f64()
                .unwrap()
                <= 1e-14
        );
        // One iteration from zero is far from stationary.
        s.max_iters = 1;
        let early = relu::solve(&prob, &s, None).unwrap();
        assert!(
            serde_json::to_value(&early.details).unwrap()["subgradient_sq"]
                .as_f64()
                .unwrap()
                > 1e-8
        );
    }
}

/// `[v; w]` stacking of the native solvers round-trips, and a warm start of the
/// wrong model or shape falls back to zeros.
#[test]
fn stacked_relu_weights_round_trip() {
    let (c, p, d) = (2, 3, 4);
    let mut v = Blocks::zeros(c, p, d);
    let mut w = Blocks::zeros(c, p, d);
    v.data
        .iter_mut()
        .enumerate()
        .for_each(|(i, x)| *x = i as f64);
    w.data
        .iter_mut()
        .enumerate()
        .for_each(|(i, x)| *x = -(i as f64) - 0.5);
    let point = Weights::Relu { v, w };
    let u = Weights::relu_stacked(Some(&point), c, p, d);
    assert_eq!(u.len(), 2 * c * p * d);
    assert_eq!(u[c * p * d], -0.5);
    assert_eq!(Weights::relu_from_stacked(&u, c, p, d), point);
    let gated = Weights::zeros(Model::GatedRelu, c, p, d);
    assert!(
        Weights::relu_stacked(Some(&gated), c, p, d)
            .iter()
            .all(|&x| x == 0.0)
    );
    assert!(
        Weights::relu_stacked(Some(&point), c, p + 1, d)
            .iter()
            .all(|&x| x == 0.0)
    );
}
