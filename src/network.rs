//! Recovering the two-layer network from convex weights (SPEC §1).
//!
//! Each nonzero block gives a neuron with balanced scaling: gated ReLU
//! `(u/√‖u‖, √‖u‖)` with the block's gate; ReLU `(v/√‖v‖, +√‖v‖)` and
//! `(w/√‖w‖, −√‖w‖)`. Then the network's weight-decay penalty
//! `λ/2 Σ_j (‖W1_j‖² + ‖W2_j‖²)` equals the convex penalty, and at a feasible C-ReLU
//! point the network's objective equals the convex objective.
//!
//! Weights and gates live in the model feature space (scaled, with the bias column);
//! [`Network`] also stores them mapped back to raw inputs through
//! [`Preprocess::to_raw`], so the network predicts on raw data (gates included).

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::model::{Model, Preprocess, Problem, Weights};

/// One hidden neuron.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neuron {
    /// Output this neuron feeds (one-vs-all: exactly one).
    pub output: usize,
    /// First-layer row in model feature space.
    pub first: Vec<f64>,
    /// Output weight.
    pub second: f64,
    /// First-layer row on raw inputs and its bias.
    pub raw_first: Vec<f64>,
    pub raw_bias: f64,
    /// Gated ReLU: the gate (model space), and on raw inputs with its bias.
    pub gate: Option<Vec<f64>>,
    pub raw_gate: Option<(Vec<f64>, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub model: Model,
    pub c: usize,
    pub neurons: Vec<Neuron>,
}

/// How predictions are scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// ±1 labels (sign of the output) or one-hot targets (argmax).
    Accuracy,
    /// Mean squared error over all `n·c` entries.
    Mse,
}

impl Metric {
    /// Accuracy when the targets are ±1 (c = 1) or one-hot (c > 1), MSE otherwise.
    pub fn for_targets(y: &Mat<f64>) -> Metric {
        let (n, c) = (y.nrows(), y.ncols());
        if c == 1 {
            if (0..n).all(|i| y[(i, 0)] == 1.0 || y[(i, 0)] == -1.0) {
                return Metric::Accuracy;
            }
        } else if (0..n).all(|i| {
            let ones = (0..c).filter(|&k| y[(i, k)] == 1.0).count();
            let zeros = (0..c).filter(|&k| y[(i, k)] == 0.0).count();
            ones == 1 && zeros == c - 1
        }) {
            return Metric::Accuracy;
        }
        Metric::Mse
    }

    pub fn score(&self, pred: &Mat<f64>, y: &Mat<f64>) -> f64 {
        let (n, c) = (y.nrows(), y.ncols());
        match self {
            Metric::Mse => {
                let mut s = 0.0;
                for k in 0..c {
                    for i in 0..n {
                        s += (pred[(i, k)] - y[(i, k)]).powi(2);
                    }
                }
                s / (n * c) as f64
            }
            Metric::Accuracy => {
                let correct = (0..n)
                    .filter(|&i| {
                        if c == 1 {
                            (pred[(i, 0)] > 0.0) == (y[(i, 0)] > 0.0)
                        } else {
                            let argmax = |f: &dyn Fn(usize) -> f64| {
                                (0..c).fold(0, |b, k| if f(k) > f(b) { k } else { b })
                            };
                            argmax(&|k| pred[(i, k)]) == argmax(&|k| y[(i, k)])
                        }
                    })
                    .count();
                correct as f64 / n as f64
            }
        }
    }
}

impl Network {
    /// Recover the network from convex weights.
    pub fn recover(problem: &Problem, weights: &Weights) -> Network {
        let pre = &problem.preprocess();
        let mut neurons = Vec::new();
        let (c, p, _) = weights.shape();
        let push =
            |neurons: &mut Vec<Neuron>, k: usize, i: usize, b: &[f64], sign: f64, gated: bool| {
                let norm = b.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm == 0.0 {
                    return;
                }
                let s = norm.sqrt();
                let first: Vec<f64> = b.iter().map(|v| v / s).collect();
                let (raw_first, raw_bias) = pre.to_raw(&first);
                let gate =
                    gated.then(|| problem.gates().col(i).iter().copied().collect::<Vec<f64>>());
                let raw_gate = gate.as_ref().map(|g| pre.to_raw(g));
                neurons.push(Neuron {
                    output: k,
                    first,
                    second: sign * s,
                    raw_first,
                    raw_bias,
                    gate,
                    raw_gate,
                });
            };
        for k in 0..c {
            for i in 0..p {
                match weights {
                    Weights::GatedRelu { u } => push(&mut neurons, k, i, u.block(k, i), 1.0, true),
                    Weights::Relu { v, w } => {
                        push(&mut neurons, k, i, v.block(k, i), 1.0, false);
                        push(&mut neurons, k, i, w.block(k, i), -1.0, false);
                    }
                }
            }
        }
        Network {
            model: weights.model(),
            c,
            neurons,
        }
    }

    fn forward(&self, x: &Mat<f64>, raw: bool, pre: Option<&Preprocess>) -> Mat<f64> {
        let _ = pre;
        let n = x.nrows();
        let mut out = Mat::zeros(n, self.c);
        for nu in &self.neurons {
            let (w, b) = if raw {
                (&nu.raw_first, nu.raw_bias)
            } else {
                (&nu.first, 0.0)
            };
            for r in 0..n {
                let z: f64 = w
                    .iter()
                    .enumerate()
                    .map(|(j, a)| a * x[(r, j)])
                    .sum::<f64>()
                    + b;
                let act = match self.model {
                    Model::Relu => z.max(0.0),
                    Model::GatedRelu => {
                        let on = if raw {
                            let (g, gb) = nu.raw_gate.as_ref().expect("gated neuron has a gate");
                            g.iter()
                                .enumerate()
                                .map(|(j, a)| a * x[(r, j)])
                                .sum::<f64>()
                                + gb
                                > 0.0
                        } else {
                            let g = nu.gate.as_ref().expect("gated neuron has a gate");
                            g.iter()
                                .enumerate()
                                .map(|(j, a)| a * x[(r, j)])
                                .sum::<f64>()
                                > 0.0
                        };
                        if on { z } else { 0.0 }
                    }
                };
                out[(r, nu.output)] += nu.second * act;
            }
        }
        out
    }

    /// Predictions on raw inputs (`n × d_raw`).
    pub fn predict_raw(&self, x: &Mat<f64>) -> Mat<f64> {
        self.forward(x, true, None)
    }

    /// Predictions on model features (`n × d`, preprocessed).
    pub fn predict_model(&self, x: &Mat<f64>) -> Mat<f64> {
        self.forward(x, false, None)
    }

    /// The non-convex training objective of the network on the model features:
    /// `1/(2nc)‖Σ_j act_j W2_j − Y‖² + λ/2 Σ_j (‖W1_j‖² + W2_j²)`.
    pub fn objective(&self, problem: &Problem) -> f64 {
        let pred = self.predict_model(&problem.x());
        let loss = crate::model::objective::loss(&pred, &problem.y());
        let decay: f64 = self
            .neurons
            .iter()
            .map(|nu| nu.first.iter().map(|v| v * v).sum::<f64>() + nu.second * nu.second)
            .sum();
        loss + problem.lambda() / 2.0 * decay
    }

    /// Train and test metric on the raw data of `problem`.
    pub fn metrics(&self, problem: &Problem) -> (Metric, f64, Option<f64>) {
        let metric = Metric::for_targets(&problem.raw_train().y);
        let train = metric.score(
            &self.predict_raw(&problem.raw_train().x),
            &problem.raw_train().y,
        );
        let test = problem
            .raw_test()
            .as_ref()
            .map(|t| metric.score(&self.predict_raw(&t.x), &t.y));
        (metric, train, test)
    }
}
