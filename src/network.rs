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
//! [`Preprocess::to_raw`](crate::model::Preprocess::to_raw), so the network predicts on raw data (gates included).

use crate::linalg::matmul;
use faer::{Accum, Mat, MatRef, Par};
use serde::{Deserialize, Serialize};

use crate::model::{Model, Problem, Weights, row_blocks};

/// Most rows per block of the network's forward pass (its buffer is `rows × 2m`
/// for `m` gated neurons, `rows × m` for ReLU; fewer rows when that buffer would
/// exceed [`row_blocks::BLOCK_BYTES`]).
pub const FORWARD_ROWS: usize = 1024;

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
    /// The metric's name as records write it (`accuracy`, `mse`).
    pub const fn name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Mse => "mse",
        }
    }

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

    /// Predictions as dense products, by row blocks ([`row_blocks`]) of at most
    /// [`FORWARD_ROWS`] rows: with the `m` neurons' first layers stacked as `W`
    /// (`d × m`, biases `b`) and their gates as `G`,
    ///
    /// ```text
    ///   [Z_B A_B] = X_B [W G],  Z_B ← act(Z_B + 1bᵀ) (ReLU, or where A_B + 1gᵀ > 0)
    ///   out_B = Z_B S,          S_{j,k} = second_j if neuron j feeds output k
    /// ```
    ///
    /// two GEMMs per block, one buffer of `rows × 2m` doubles (`rows × m` for
    /// ReLU) sized by [`row_blocks::block_rows`], never an `n × m` matrix.
    fn forward(&self, x: &Mat<f64>, raw: bool) -> Mat<f64> {
        let (n, d, m, c) = (x.nrows(), x.ncols(), self.neurons.len(), self.c);
        let mut out = Mat::zeros(n, c);
        if m == 0 || n == 0 {
            return out;
        }
        let gated = self.model == Model::GatedRelu;
        // [W G]: the first layers, then (gated) the gates.
        let mut wg = Mat::<f64>::zeros(d, if gated { 2 * m } else { m });
        let (mut wb, mut gb) = (vec![0.0; m], vec![0.0; m]);
        let mut s = Mat::<f64>::zeros(m, c);
        for (j, nu) in self.neurons.iter().enumerate() {
            let (first, b) = if raw {
                (&nu.raw_first, nu.raw_bias)
            } else {
                (&nu.first, 0.0)
            };
            for (l, &v) in first.iter().enumerate() {
                wg[(l, j)] = v;
            }
            wb[j] = b;
            if gated {
                let (gate, b) = if raw {
                    let (g, b) = nu.raw_gate.as_ref().expect("gated neuron has a gate");
                    (g, *b)
                } else {
                    (nu.gate.as_ref().expect("gated neuron has a gate"), 0.0)
                };
                for (l, &v) in gate.iter().enumerate() {
                    wg[(l, m + j)] = v;
                }
                gb[j] = b;
            }
            s[(j, nu.output)] = nu.second;
        }
        let cols = wg.ncols();
        let nb = row_blocks::block_rows(n, cols).min(FORWARD_ROWS);
        let mut work = vec![0.0; nb * cols];
        row_blocks::products_in(
            x.as_ref(),
            wg.as_ref(),
            nb,
            Par::Seq,
            &mut work,
            |r0, rows, block| {
                let (z, a) = block.split_at_mut(rows * m);
                for (j, zc) in z.chunks_mut(rows).enumerate() {
                    if gated {
                        let ac = &a[j * rows..(j + 1) * rows];
                        for (v, &g) in zc.iter_mut().zip(ac) {
                            *v = if g + gb[j] > 0.0 { *v + wb[j] } else { 0.0 };
                        }
                    } else {
                        for v in zc.iter_mut() {
                            *v = (*v + wb[j]).max(0.0);
                        }
                    }
                }
                matmul(
                    out.as_mut().subrows_mut(r0, rows),
                    Accum::Replace,
                    MatRef::from_column_major_slice(z, rows, m),
                    s.as_ref(),
                    1.0,
                    Par::Seq,
                );
            },
        );
        out
    }

    /// Predictions on raw inputs (`n × d_raw`).
    pub fn predict_raw(&self, x: &Mat<f64>) -> Mat<f64> {
        self.forward(x, true)
    }

    /// Predictions on model features (`n × d`, preprocessed).
    pub fn predict_model(&self, x: &Mat<f64>) -> Mat<f64> {
        self.forward(x, false)
    }

    /// The non-convex training objective of the network on the model features:
    /// `1/(2nc)‖Σ_j act_j W2_j − Y‖² + λ/2 Σ_j (‖W1_j‖² + W2_j²)`.
    pub fn objective(&self, problem: &Problem) -> f64 {
        let pred = self.predict_model(problem.x());
        let loss = crate::model::objective::loss(&pred, problem.y());
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
