//! Cone decompositions of an R-FISTA C-GReLU solution (the breast-cancer and synth
//! reference problems, P = 50, λ = 1e-3): the exact SOCP solved per block versus as
//! one joint program, the LP (good_lp/microlp) and the approximate method (R-FISTA).
//! The per-block form is the default because it measured faster here.
//!
//! Run: `cargo bench --bench decompose`.

use criterion::{Criterion, criterion_group, criterion_main};
use cvxrelu::decompose::exact::ExactForm;
use cvxrelu::decompose::{DecomposeSettings, Method, decompose};
use cvxrelu::model::{Blocks, Model, Problem, ProblemSpec, Regularizer, Scaling, Weights};
use cvxrelu::solvers::native::gated;

fn reference(name: &str) -> (Problem, Blocks) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference");
    let problem = Problem::build(&ProblemSpec {
        data: dir.join(format!("{name}.csv")).display().to_string(),
        test: None,
        split: None,
        split_seed: 0,
        model: Model::GatedRelu,
        lambda: 1e-3,
        reg: Regularizer::NeuronGl1,
        patterns: None,
        seed: 0,
        gates: Some(dir.join(format!("{name}_gates.csv")).display().to_string()),
        bias: false,
        scale: Scaling::None,
        target: None,
    })
    .expect("reference problem");
    let out = gated::solve(&problem, &gated::default_settings(), None).expect("fista");
    let Weights::GatedRelu { u } = out.weights else {
        panic!("gated weights")
    };
    (problem, u)
}

fn bench_decompose(c: &mut Criterion) {
    let mut g = c.benchmark_group("decompose");
    g.sample_size(10);
    for name in ["synth", "breast_cancer"] {
        let (problem, u) = reference(name);
        let mut joint = DecomposeSettings::default();
        joint.exact.form = ExactForm::Joint;
        let cases = [
            (
                "exact_per_block",
                Method::Exact,
                DecomposeSettings::default(),
            ),
            ("exact_joint", Method::Exact, joint),
            ("lp", Method::Lp, DecomposeSettings::default()),
            ("approx", Method::Approx, DecomposeSettings::default()),
        ];
        for (label, method, settings) in cases {
            g.bench_function(format!("{name}_{label}"), |b| {
                b.iter(|| decompose(&problem, &u, method, &settings).expect("decomposes"))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench_decompose);
criterion_main!(benches);
