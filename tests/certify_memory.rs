//! Memory per pattern of what runs around a solve (issue 13, item 5): the pattern
//! construction, the certificate, the objective, the network recovery with its
//! metrics and the whole record, measured as allocation sizes by a counting global
//! allocator ([`common::counting`]): the peak bytes live while each runs, above
//! the bytes live before it (the problem: `X`, `Y`, the gates, the pattern bits;
//! the weights).
//!
//! Targets: ≤ 1 B per n·P for C-GReLU, ≤ 16 B for C-ReLU — none of them makes an
//! `n × P` matrix of doubles any more (8 B per n·P each before): the products,
//! masked residuals and `X G` go through one row block of at most
//! `max(256 KiB, 512m)` bytes ([`cvxrelu::model::row_blocks`]). The weights are
//! dense random blocks, so the network has every neuron (`cP` gated, `2cP` ReLU).
//!
//! Then the whole library run the CLI makes — [`solvers::solve`] then
//! [`Record::from_solution`] (certificate, network, metrics) — for gated `fista`
//! with its default settings (working sets: auto) and without working sets: what
//! runs after the solve must not raise the peak above the solve's own, and the
//! peak above the problem must stay ≤ 1 B per n·P. At n = 2000 the solver's terms
//! that do not grow with `n·P` (`X`'s copy, `O(nc)`, `O(Pd)`, the row block) are
//! about as large as that alone (see `tests/native_memory.rs`, which subtracts
//! them), so the 1 B bound is asserted at n = 20000 (both sizes are printed).
//!
//! One `#[test]` in this binary, so no other test allocates while it measures.
//! Print the numbers with `cargo test --release --test certify_memory -- --nocapture`.

mod common;

use std::hint::black_box;

use common::counting::{Counting, peak_during};
use common::synth_problem;
use cvxrelu::certify::certify;
use cvxrelu::model::objective::evaluate;
use cvxrelu::model::{Blocks, Model, Patterns, Problem, Regularizer, Weights};
use cvxrelu::network::Network;
use cvxrelu::results::Record;
use cvxrelu::solvers::native::fista::WorkingSets;
use cvxrelu::solvers::{self, Solution, SolverConfig, SolverKind, SolverOptions};

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = 2000;
const D: usize = 10;
const P: usize = 400;

fn problem(model: Model, n: usize) -> Problem {
    let pr = synth_problem(model, Regularizer::NeuronGl1, 1e-3, n, D, 1, P, 1);
    assert!(pr.p() >= 390, "patterns deduplicated: {}", pr.p());
    pr
}

/// Dense random blocks (every neuron active).
fn random_blocks(pr: &Problem, seed: u64) -> Blocks {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut b = Blocks::zeros(pr.c(), pr.p(), pr.d());
    for v in &mut b.data {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *v = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
    }
    b
}

fn random_weights(pr: &Problem) -> Weights {
    match pr.model() {
        Model::GatedRelu => Weights::GatedRelu {
            u: random_blocks(pr, 1),
        },
        Model::Relu => Weights::Relu {
            v: random_blocks(pr, 2),
            w: random_blocks(pr, 3),
        },
    }
}

fn fista(working_sets: Option<WorkingSets>) -> SolverConfig {
    let mut o = SolverOptions::new();
    o.max_iters = Some(20);
    o.working_sets = working_sets;
    SolverConfig::new(SolverKind::Fista, &o).expect("valid settings")
}

fn target(model: Model) -> f64 {
    match model {
        Model::GatedRelu => 1.0,
        Model::Relu => 16.0,
    }
}

/// The peak of each function on `model`'s problem, in bytes per n·P:
/// `(name, bytes per n·P)`.
fn functions(model: Model) -> Vec<(&'static str, f64)> {
    let pr = problem(model, N);
    let np = (pr.n() * pr.p()) as f64;
    let weights = random_weights(&pr);
    let solution = match solvers::solve(&pr, &fista(None), None).expect("solves") {
        Solution::Convex(mut out) => {
            out.weights = weights.clone();
            Solution::Convex(out)
        }
        Solution::Network(_) => unreachable!("fista gives a convex point"),
    };
    let (x, gates) = (pr.x(), pr.gates());
    let per = |f: &dyn Fn()| peak_during(f) as f64 / np;
    vec![
        (
            "Patterns::from_gates",
            per(&|| drop(black_box(Patterns::from_gates(x, gates)))),
        ),
        (
            "certify::certify",
            per(&|| {
                black_box(certify(&pr, &weights));
            }),
        ),
        (
            "objective::evaluate",
            per(&|| {
                black_box(evaluate(&pr, &weights));
            }),
        ),
        (
            "Network::recover + metrics",
            per(&|| {
                let net = Network::recover(&pr, &weights);
                black_box(net.metrics(&pr));
            }),
        ),
        (
            "Record::from_solution",
            per(&|| {
                let rec = Record::from_solution(&pr, SolverKind::Fista.into(), &solution);
                drop(black_box(rec));
            }),
        ),
    ]
}

/// The peaks of the solve alone and of solve + record (gated fista) above the
/// problem, bytes per n·P.
fn whole_run(n: usize, working_sets: Option<WorkingSets>) -> (f64, f64) {
    let pr = problem(Model::GatedRelu, n);
    let np = (pr.n() * pr.p()) as f64;
    let config = fista(working_sets);
    let solve = peak_during(|| {
        drop(black_box(
            solvers::solve(&pr, &config, None).expect("solves"),
        ));
    });
    let whole = peak_during(|| {
        let solution = solvers::solve(&pr, &config, None).expect("solves");
        let rec = Record::from_solution(&pr, SolverKind::Fista.into(), &solution);
        drop(black_box((solution, rec)));
    });
    (solve as f64 / np, whole as f64 / np)
}

#[test]
fn bytes_per_pattern_row_around_the_solve() {
    // Thread-local GEMM buffers are made on the first large products and kept:
    // make them (every function once, both models) before measuring.
    for model in [Model::GatedRelu, Model::Relu] {
        functions(model);
    }
    whole_run(N, None);
    for model in [Model::GatedRelu, Model::Relu] {
        for (name, per_np) in functions(model) {
            eprintln!(
                "{:<10} n = {N}, d = {D}, P = {P}: {name:<28} {per_np:.3} B per n·P",
                model.name()
            );
            assert!(
                per_np <= target(model),
                "{}: {name}: {per_np} B per n·P",
                model.name()
            );
        }
    }
    for (label, ws) in [
        ("working sets auto", None),
        ("working sets off", Some(WorkingSets::Off)),
    ] {
        for n in [N, 10 * N] {
            let (solve, whole) = whole_run(n, ws);
            eprintln!(
                "gated-relu solve + record, {label}, n = {n}: {whole:.3} B per n·P (the solve alone {solve:.3})"
            );
            // The certificate, network and metrics after the solve never raise the
            // peak above the solver's own.
            assert!(
                whole <= solve,
                "{label}, n = {n}: solve + record {whole} above the solve {solve}"
            );
            if n > N {
                assert!(
                    whole <= 1.0,
                    "solve + record ({label}) at n = {n}: {whole} B per n·P"
                );
            }
        }
    }
}
