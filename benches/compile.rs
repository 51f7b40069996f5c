//! Compile throughput: lowering C-ReLU with n = 1000, d = 20, P = 100 (about 6 M
//! nonzeros in A) to the sparse SOCP. Target: under 1 s (CVXPY needs seconds).
//!
//! Run: `cargo bench --bench compile`.

use criterion::{Criterion, criterion_group, criterion_main};
use cvxrelu::compile::{self, Lowering};
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};

fn problem(model: Model) -> Problem {
    Problem::build(&ProblemSpec {
        data: "synth:n=1000,d=20,width=10,noise=0.1,seed=0".into(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda: 1e-3,
        reg: Regularizer::NeuronGl1,
        patterns: Some(100),
        seed: 0,
        gates: None,
        bias: false,
        scale: Scaling::None,
        target: None,
    })
    .expect("synthetic problem")
}

fn bench_compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    for model in [Model::Relu, Model::GatedRelu] {
        let p = problem(model);
        let (prog, _) = compile::apply(&p, Lowering::Quadratic);
        eprintln!(
            "{}: n=1000 d=20 P={}: {} rows, {} cols, {} nonzeros in A",
            model.name(),
            p.p(),
            prog.num_rows(),
            prog.num_vars(),
            prog.a.nnz()
        );
        g.bench_function(format!("{}_n1000_d20_P100", model.name()), |b| {
            b.iter(|| compile::apply(&p, Lowering::Quadratic))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_compile);
criterion_main!(benches);
