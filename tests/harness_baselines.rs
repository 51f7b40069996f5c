//! The SGD/Adam baselines: the minibatch gradient is the gradient of the stated
//! objective (finite differences), the objective matches the recovered network's,
//! a gated network maps onto a C-GReLU point with the same loss and a smaller
//! objective, divergence and the time limit are honoured.

use cvxrelu::certify::certify;
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};
use cvxrelu::solvers::Status;
use cvxrelu::solvers::baselines::net::{self, Shape, Workspace};
use cvxrelu::solvers::baselines::{BaselineSettings, Method, train};

fn problem(model: Model, c: usize) -> Problem {
    Problem::build(&ProblemSpec {
        data: format!("synth:n=50,d=3,width=3,noise=0.1,seed=2,c={c}"),
        test: None,
        split: Some(0.2),
        split_seed: 1,
        model,
        lambda: 1e-2,
        reg: Regularizer::NeuronGl1,
        patterns: Some(6),
        seed: 4,
        gates: None,
        bias: true,
        scale: Scaling::Standardize,
        target: None,
    })
    .unwrap()
}

fn theta(shape: &Shape) -> Vec<f64> {
    (0..shape.len())
        .map(|i| ((i * 7919 % 101) as f64 / 50.0 - 1.0) * 0.7)
        .collect()
}

#[test]
fn gradient_matches_finite_differences() {
    for model in [Model::GatedRelu, Model::Relu] {
        let p = problem(model, 2);
        let shape = Shape::of(&p);
        let th = theta(&shape);
        let mut ws = Workspace::new(&shape, shape.n, 1);
        let rows: Vec<usize> = (0..shape.n).collect();
        let mut g = vec![0.0; th.len()];
        net::gradient(&p, &shape, p.lambda(), &th, &rows, &mut ws, &mut g);
        let mut buf = Vec::new();
        let h = 1e-6;
        for j in (0..th.len()).step_by(3) {
            let mut a = th.clone();
            a[j] += h;
            let fp = net::objective(&p, &shape, p.lambda(), &a, &mut ws, &mut buf).1;
            a[j] -= 2.0 * h;
            let fm = net::objective(&p, &shape, p.lambda(), &a, &mut ws, &mut buf).1;
            let fd = (fp - fm) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() <= 1e-6 * (1.0 + fd.abs()),
                "{model:?} coordinate {j}: finite difference {fd} vs gradient {}",
                g[j]
            );
        }
    }
}

#[test]
fn objective_is_the_networks_and_bounds_the_convex_one() {
    for model in [Model::GatedRelu, Model::Relu] {
        for method in [Method::Sgd, Method::Adam] {
            let p = problem(model, 2);
            let mut s = BaselineSettings::new(method);
            s.epochs = 30;
            s.batch_size = Some(8);
            let out = train(&p, &s).unwrap();
            assert_eq!(out.grid.len(), 7);
            assert_eq!(out.trace.len(), out.epochs + 1);
            // Best in hindsight.
            let best = out
                .grid
                .iter()
                .filter(|r| r.status != Status::Diverged)
                .map(|r| r.objective)
                .fold(f64::INFINITY, f64::min);
            assert_eq!(out.objective, best);
            // The network's own objective, recomputed by network.rs.
            let again = out.network(&p).objective(&p);
            assert!(
                (again - out.objective).abs() <= 1e-10 * out.objective,
                "{again} vs {}",
                out.objective
            );
            match out.convex_weights() {
                Some(w) => {
                    assert_eq!(model, Model::GatedRelu);
                    let cert = certify(&p, &w);
                    assert!((cert.loss - out.loss).abs() <= 1e-10 * out.loss.max(1e-300));
                    assert!(cert.objective <= out.objective * (1.0 + 1e-12));
                    let rec =
                        cvxrelu::results::Record::from_baseline(&p, method.name().into(), &out);
                    assert!(rec.dual_objective.unwrap() <= cert.objective);
                    assert!(rec.duality_gap.unwrap() >= 0.0);
                }
                None => assert_eq!(model, Model::Relu),
            }
        }
    }
}

#[test]
fn divergence_and_time_limit() {
    let p = problem(Model::Relu, 1);
    let mut s = BaselineSettings::new(Method::Sgd);
    s.step_sizes = Some(vec![1e6]);
    s.epochs = 50;
    let out = train(&p, &s).unwrap();
    assert_eq!(out.status, Status::Diverged);
    let mut s = BaselineSettings::new(Method::Adam);
    s.epochs = u32::MAX;
    s.batch_size = Some(1);
    s.time_limit = 0.2;
    s.step_sizes = Some(vec![1e-3, 1e-4]);
    let t = std::time::Instant::now();
    let out = train(&p, &s).unwrap();
    assert_eq!(out.status, Status::TimeLimit);
    assert!(
        out.grid
            .iter()
            .all(|r| r.status == Status::TimeLimit && r.time_s < 0.5)
    );
    assert!(t.elapsed().as_secs_f64() < 2.0);
    let mut bad = BaselineSettings::new(Method::Sgd);
    bad.step_sizes = Some(vec![]);
    assert!(train(&p, &bad).is_err());
}

#[test]
fn published_protocol_defaults() {
    let s = BaselineSettings::new(Method::Sgd);
    assert_eq!(s.grid(), vec![10.0, 5.0, 1.0, 0.5, 0.1, 0.01, 0.001]);
    assert_eq!(s.epochs, 2000);
    // ⌈10% of n⌉.
    assert_eq!(s.batch(455), 46);
    assert_eq!(s.batch(5), 1);
    // ×0.5 every 100 epochs.
    assert_eq!(s.step(1.0, 1), 1.0);
    assert_eq!(s.step(1.0, 100), 1.0);
    assert_eq!(s.step(1.0, 101), 0.5);
    assert_eq!(s.step(1.0, 250), 0.25);
}

#[test]
fn repeats_and_relu_width() {
    let p = problem(Model::Relu, 1);
    let mut s = BaselineSettings::new(Method::Adam);
    s.epochs = 5;
    s.repeats = 2;
    s.neurons = Some(7);
    s.step_sizes = Some(vec![1e-2, 1e-3]);
    let out = train(&p, &s).unwrap();
    assert_eq!(out.shape.m, 7);
    assert_eq!(out.grid.len(), 4);
    assert_eq!(
        out.grid.iter().map(|g| g.repeat).collect::<Vec<_>>(),
        vec![0, 0, 1, 1]
    );
    // Different seeds give different runs.
    assert_ne!(out.grid[0].objective, out.grid[2].objective);
    // The grid time is that of the best run's repetition.
    let best = out
        .grid
        .iter()
        .filter(|g| g.objective == out.objective)
        .map(|g| g.repeat)
        .next()
        .unwrap();
    let t: f64 = out
        .grid
        .iter()
        .filter(|g| g.repeat == best)
        .map(|g| g.time_s)
        .sum();
    assert!((t - out.grid_time_s).abs() < 1e-12);
    assert!(out.grid_time_s >= out.solve_s);
    // The gated network keeps its P gates whatever the width says.
    let g = problem(Model::GatedRelu, 1);
    assert_eq!(train(&g, &s).unwrap().shape.m, 6);
}
