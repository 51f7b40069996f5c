//! The convex objective, evaluated from the weights (shared by every certificate):
//!
//! ```text
//!   pred_k = Σ_i D_i X u_{k,i}                 (u = v − w for C-ReLU)
//!   loss   = 1/(2nc) Σ_k ‖pred_k − Y_{:,k}‖²
//!   penalty = λ R(u)                            (C-GReLU)
//!           = λ Σ_{k,i} ‖v_{k,i}‖ + ‖w_{k,i}‖   (C-ReLU)
//!   cone violation = max_{k,i} max(0, −min X̃_i v_{k,i}, −min X̃_i w_{k,i})
//! ```
//!
//! Predictions are one GEMM `X U_k` per output followed by a masked row sum.

use faer::{Accum, Mat, MatRef, Par, linalg::matmul::matmul};
use serde::{Deserialize, Serialize};

use super::patterns::Patterns;
use super::problem::Problem;
use super::regularizers::Regularizer;
use super::weights::{Blocks, Weights};

/// `X U_k` for every output: returns `c` matrices `n × P`.
fn products(x: &Mat<f64>, u: &Blocks, k: usize) -> Mat<f64> {
    let uk = MatRef::from_column_major_slice(u.output(k), u.d, u.p);
    let mut z = Mat::zeros(x.nrows(), u.p);
    matmul(z.as_mut(), Accum::Replace, x.as_ref(), uk, 1.0, Par::Seq);
    z
}

/// `pred[:, k] = Σ_i D_i X u_{k,i}`, an `n × c` matrix.
pub fn predictions(x: &Mat<f64>, patterns: &Patterns, u: &Blocks) -> Mat<f64> {
    let n = x.nrows();
    let mut pred = Mat::zeros(n, u.c);
    for k in 0..u.c {
        let z = products(x, u, k);
        for i in 0..u.p {
            let zi = z.col(i);
            for r in patterns.active_rows(i) {
                pred[(r, k)] += zi[r];
            }
        }
    }
    pred
}

/// `1/(2nc) ‖pred − Y‖_F²`.
pub fn loss(pred: &Mat<f64>, y: &Mat<f64>) -> f64 {
    let (n, c) = (y.nrows(), y.ncols());
    let mut s = 0.0;
    for k in 0..c {
        for r in 0..n {
            let e = pred[(r, k)] - y[(r, k)];
            s += e * e;
        }
    }
    s / (2.0 * (n * c) as f64)
}

/// `λ R(u)` for C-GReLU, `λ Σ ‖v‖ + ‖w‖` for C-ReLU.
pub fn penalty(reg: Regularizer, lambda: f64, weights: &Weights) -> f64 {
    match weights {
        Weights::GatedRelu { u } => lambda * reg.value(u),
        Weights::Relu { v, w } => {
            lambda * (Regularizer::NeuronGl1.value(v) + Regularizer::NeuronGl1.value(w))
        }
    }
}

/// `max_{k,i} max(0, −min_r [X̃_i b_{k,i}]_r)` for one family of blocks.
pub fn block_cone_violation(x: &Mat<f64>, patterns: &Patterns, b: &Blocks) -> f64 {
    let mut worst: f64 = 0.0;
    for k in 0..b.c {
        let z = products(x, b, k);
        for i in 0..b.p {
            let zi = z.col(i);
            for (r, &v) in zi.iter().enumerate() {
                let signed = if patterns.get(r, i) { v } else { -v };
                worst = worst.max(-signed);
            }
        }
    }
    worst
}

/// Max cone violation of a point (0 for C-GReLU, which has no cones).
pub fn cone_violation(x: &Mat<f64>, patterns: &Patterns, weights: &Weights) -> f64 {
    match weights {
        Weights::GatedRelu { .. } => 0.0,
        Weights::Relu { v, w } => {
            block_cone_violation(x, patterns, v).max(block_cone_violation(x, patterns, w))
        }
    }
}

/// Objective, loss and penalty of a point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub objective: f64,
    pub loss: f64,
    pub penalty: f64,
}

/// Evaluate the convex objective of `weights` on `problem`.
pub fn evaluate(problem: &Problem, weights: &Weights) -> Evaluation {
    let pred = predictions(&problem.x(), &problem.patterns(), &weights.effective());
    let loss = loss(&pred, &problem.y());
    let penalty = penalty(problem.reg(), problem.lambda(), weights);
    Evaluation {
        objective: loss + penalty,
        loss,
        penalty,
    }
}
