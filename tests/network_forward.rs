//! The network's predictions as dense products (issue 13, item 6) equal the
//! neuron-by-neuron definition, on raw and model inputs, with more rows than one
//! block of the forward pass, for both models.

mod common;

use common::synth_problem;
use cvxrelu::model::{Model, Regularizer};
use cvxrelu::network::{FORWARD_ROWS, Network};
use cvxrelu::solvers::native::{fista::FistaSettings, gated, relu};
use faer::Mat;

/// `Σ_j second_j · act(first_j · x + b_j)` row by row.
fn naive(net: &Network, x: &Mat<f64>, raw: bool) -> Mat<f64> {
    let mut out = Mat::zeros(x.nrows(), net.c);
    for nu in &net.neurons {
        let (w, b) = if raw {
            (&nu.raw_first, nu.raw_bias)
        } else {
            (&nu.first, 0.0)
        };
        for r in 0..x.nrows() {
            let dot = |v: &[f64]| {
                v.iter()
                    .enumerate()
                    .map(|(j, a)| a * x[(r, j)])
                    .sum::<f64>()
            };
            let z = dot(w) + b;
            let act = match net.model {
                Model::Relu => z.max(0.0),
                Model::GatedRelu => {
                    let on = if raw {
                        let (g, gb) = nu.raw_gate.as_ref().unwrap();
                        dot(g) + gb > 0.0
                    } else {
                        dot(nu.gate.as_ref().unwrap()) > 0.0
                    };
                    if on { z } else { 0.0 }
                }
            };
            out[(r, nu.output)] += nu.second * act;
        }
    }
    out
}

#[test]
fn dense_forward_equals_the_definition() {
    let n = FORWARD_ROWS + 377;
    for model in [Model::GatedRelu, Model::Relu] {
        for c in [1, 3] {
            let prob = synth_problem(model, Regularizer::NeuronGl1, 1e-3, n, 6, c, 40, 3);
            let settings = FistaSettings {
                max_iters: 200,
                ..gated::default_settings()
            };
            let out = match model {
                Model::GatedRelu => gated::solve(&prob, &settings, None),
                Model::Relu => relu::solve(&prob, &settings, None),
            }
            .unwrap();
            let net = Network::recover(&prob, &out.weights);
            assert!(!net.neurons.is_empty());
            for (raw, x) in [(true, &prob.raw_train().x), (false, prob.x())] {
                let fast = if raw {
                    net.predict_raw(x)
                } else {
                    net.predict_model(x)
                };
                let slow = naive(&net, x, raw);
                let scale = slow.norm_max().max(1.0);
                let diff = (&fast - &slow).norm_max();
                assert!(diff <= 1e-12 * scale, "{model:?} c={c} raw={raw}: {diff}");
            }
        }
    }
}
