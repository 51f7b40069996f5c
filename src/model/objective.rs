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
//! Predictions and cone values are GEMMs `X_B [U_0 … U_{c−1}]` by row blocks
//! ([`super::row_blocks`]), each block masked while in cache: no `n × P` matrix.

use faer::{Mat, MatRef, Par};
use serde::{Deserialize, Serialize};

use super::patterns::Patterns;
use super::problem::Problem;
use super::regularizers::Regularizer;
use super::row_blocks;
use super::weights::{Blocks, Weights};

/// All outputs' weights as one column-major `d × cP` matrix `[U_0 … U_{c−1}]`
/// (block column `kP + i` is `u_{k,i}`).
pub fn stacked(u: &Blocks) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(&u.data, u.d, u.c * u.p)
}

/// `pred[:, k] = Σ_i D_i X u_{k,i}`, an `n × c` matrix: by row blocks, one GEMM
/// `X_B [U_0 … U_{c−1}]` per block and its masked row sums while it is in cache.
pub fn predictions(x: &Mat<f64>, patterns: &Patterns, u: &Blocks) -> Mat<f64> {
    let (n, p) = (x.nrows(), u.p);
    let mut pred = Mat::zeros(n, u.c);
    row_blocks::products(x.as_ref(), stacked(u), Par::Seq, |r0, rows, zb| {
        for (k, zk) in zb.chunks(rows * p.max(1)).enumerate() {
            let out = pred.col_mut(k).subrows_mut(r0, rows);
            let out = out
                .try_as_col_major_mut()
                .expect("owned column is contiguous")
                .as_slice_mut();
            row_blocks::add_masked_row_sum(patterns, r0, zk, out);
        }
    });
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

/// `max_{k,i} max(0, −min_r [X̃_i b_{k,i}]_r)` for one family of blocks, by row
/// blocks of `X [B_0 … B_{c−1}]`.
pub fn block_cone_violation(x: &Mat<f64>, patterns: &Patterns, b: &Blocks) -> f64 {
    let mut worst: f64 = 0.0;
    row_blocks::products(x.as_ref(), stacked(b), Par::Seq, |r0, rows, zb| {
        worst = worst.max(row_blocks::max_sign_violation(patterns, r0, rows, zb));
    });
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
    let pred = predictions(problem.x(), problem.patterns(), &weights.effective());
    let loss = loss(&pred, problem.y());
    let penalty = penalty(problem.reg(), problem.lambda(), weights);
    Evaluation {
        objective: loss + penalty,
        loss,
        penalty,
    }
}
