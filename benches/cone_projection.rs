//! The C-ReLU prox (`shrink ∘ Π_K` on every block) near a solution, where R-FISTA
//! spends its time: the solver's batched, warm-started prox against projecting
//! every block from scratch, next to one GEMM `X·[V W]` of the same shape (the
//! yardstick: the prox needs at least that product).
//!
//! Problem: `synth:n=2000,d=20,width=10,noise=0.1,seed=0`, P = 50, λ = 1e-3 (the
//! issue's relu target size); the point is the R-FISTA solution plus a small
//! perturbation, as after a gradient step.
//!
//! Run: `cargo bench --bench cone_projection`.

use criterion::{Criterion, criterion_group, criterion_main};
use cvxrelu::cone::polyhedral::{ConeProjector, Passive};
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling, Weights};
use cvxrelu::solvers::native::fista::Proximal;
use cvxrelu::solvers::native::operators::Operators;
use cvxrelu::solvers::native::relu::{self, ConeProx};

fn problem() -> Problem {
    Problem::build(&ProblemSpec {
        data: "synth:n=2000,d=20,width=10,noise=0.1,seed=0".into(),
        test: None,
        split: None,
        split_seed: 0,
        model: Model::Relu,
        lambda: 1e-3,
        reg: Regularizer::NeuronGl1,
        patterns: Some(50),
        seed: 0,
        gates: None,
        bias: false,
        scale: Scaling::Standardize,
        target: None,
    })
    .expect("problem")
}

fn bench_prox(c: &mut Criterion) {
    let prob = problem();
    let mut settings = relu::default_settings();
    settings.tol = 1e-4;
    let out = relu::solve(&prob, &settings, None).expect("fista");
    let Weights::Relu { v, w } = out.weights else {
        panic!("relu weights")
    };
    let mut point: Vec<f64> = v.data.iter().chain(&w.data).copied().collect();
    for (i, x) in point.iter_mut().enumerate() {
        *x += 1e-3 * (((i * 7919) % 13) as f64 - 6.0) / 6.0;
    }
    let ops = Operators::new(prob.x(), prob.patterns());
    let (n, d, p) = (prob.n(), prob.d(), prob.p());
    let step = 0.1;
    let mut g = c.benchmark_group("cone_prox");
    g.sample_size(20);

    let mut h = ConeProx::new(&ops, prob.c(), prob.lambda());
    let mut buf = point.clone();
    h.prox(step, &mut buf); // establish the warm sets
    g.bench_function("batched warm prox (solver)", |b| {
        b.iter(|| {
            buf.copy_from_slice(&point);
            h.prox(step, &mut buf);
        })
    });

    let mut projector = ConeProjector::new(ops.x());
    let mut cz = vec![0.0; n];
    let mut passive = Passive::new(d);
    g.bench_function("cold projection of every block", |b| {
        b.iter(|| {
            buf.copy_from_slice(&point);
            for (j, blk) in buf.chunks_mut(d).enumerate() {
                let mask = ops.mask_col(j % p);
                projector.cone_values(mask, blk, &mut cz);
                passive.clear();
                projector.project(mask, blk, &cz, &mut passive);
            }
        })
    });

    let mut z = vec![0.0; ops.workspace_len(2 * p)];
    g.bench_function("GEMM X·[V W] (yardstick)", |b| {
        b.iter(|| ops.products(&point, &mut z))
    });
    g.finish();
}

criterion_group!(benches, bench_prox);
criterion_main!(benches);
