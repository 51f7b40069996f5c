//! What a decomposition is worth, recomputed from the weights (never from the method
//! that produced them):
//!
//! ```text
//!   max cone violation   max_{k,i} max(0, −min X̃_i v_{k,i}, −min X̃_i w_{k,i})
//!   prediction change    ‖f_ReLU − f_GReLU‖_∞ / ‖f_GReLU‖_∞ on the training rows
//!                        f_GReLU = Σ_i D_i X u_i (the gated model),
//!                        f_ReLU  = Σ_i (X v_i)_+ − (X w_i)_+ (the ReLU network of (v, w))
//!   test prediction change   the same on the test rows, with the gated model's
//!                        gates applied to them (`1[x·g_i > 0]`): the cone
//!                        constraints hold on the training rows only, so a feasible
//!                        decomposition keeps the training predictions exactly but
//!                        may change the test ones
//!   inflation            κ = Σ (‖v‖ + ‖w‖) / Σ ‖u‖   (1 when u = 0)
//!   objective            the C-ReLU objective of (v, w) (certificate), and the
//!                        C-GReLU objective of u
//! ```
//!
//! For a feasible `(v, w)` the ReLU network reproduces the gated predictions exactly
//! (up to rounding); an infeasible one (the approximate method's residual) changes
//! them, and the prediction change says by how much.

use faer::{Mat, Par};
use serde::{Deserialize, Serialize};

use super::{Decomposition, relu_problem};
use crate::certify::{Certificate, certify};
use crate::model::objective::{predictions, stacked};
use crate::model::{Blocks, Problem, Regularizer, Weights, row_blocks};
use crate::network::Network;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    pub max_cone_violation: f64,
    /// On the training rows.
    pub prediction_change: f64,
    /// On the test rows (`None` without a test split).
    pub prediction_change_test: Option<f64>,
    pub inflation: f64,
    /// Certificate of `(v, w)` on the C-ReLU problem.
    pub relu: Certificate,
    /// Objective of `u` on the C-GReLU problem it came from.
    pub gated_objective: f64,
    pub time_s: f64,
}

/// `Σ_i (X v_i)_+ − (X w_i)_+` per output: the ReLU network's predictions (`n × c`),
/// by row blocks of `X [V_0 … V_{c−1}]` then of `X [W_0 … W_{c−1}]` (no `n × P`
/// products).
pub fn relu_predictions(x: &Mat<f64>, v: &Blocks, w: &Blocks) -> Mat<f64> {
    let n = x.nrows();
    let mut pred = Mat::zeros(n, v.c);
    for (b, sign) in [(v, 1.0), (w, -1.0)] {
        row_blocks::products(x.as_ref(), stacked(b), Par::Seq, |r0, rows, zb| {
            for (j, zc) in zb.chunks(rows).enumerate() {
                let k = j / b.p;
                for (r, &z) in zc.iter().enumerate() {
                    pred[(r0 + r, k)] += sign * z.max(0.0);
                }
            }
        });
    }
    pred
}

/// `Σ(‖v‖ + ‖w‖) / Σ‖u‖`, 1 for `u = 0`.
pub fn inflation(u: &Blocks, v: &Blocks, w: &Blocks) -> f64 {
    let gl = Regularizer::NeuronGl1;
    let base = gl.value(u);
    let num = gl.value(v) + gl.value(w);
    if base == 0.0 {
        if num == 0.0 { 1.0 } else { f64::INFINITY }
    } else {
        num / base
    }
}

/// `‖new − base‖_∞ / ‖base‖_∞` (absolute when `base = 0`).
fn relative_change(base: &Mat<f64>, new: &Mat<f64>) -> f64 {
    let (mut diff, mut scale): (f64, f64) = (0.0, 0.0);
    for k in 0..base.ncols() {
        for r in 0..base.nrows() {
            diff = diff.max((new[(r, k)] - base[(r, k)]).abs());
            scale = scale.max(base[(r, k)].abs());
        }
    }
    if scale > 0.0 { diff / scale } else { diff }
}

/// Assess `dec`, a decomposition of `u` on the C-GReLU problem `gated`.
pub fn assess(gated: &Problem, u: &Blocks, dec: &Decomposition) -> Quality {
    let (v, w) = (&dec.v, &dec.w);
    let relu = certify(&relu_problem(gated), &dec.weights());
    let f_gated = predictions(gated.x(), gated.patterns(), u);
    let f_relu = relu_predictions(gated.x(), v, w);
    let (mut diff, mut scale): (f64, f64) = (0.0, 0.0);
    for k in 0..u.c {
        for r in 0..gated.n() {
            diff = diff.max((f_relu[(r, k)] - f_gated[(r, k)]).abs());
            scale = scale.max(f_gated[(r, k)].abs());
        }
    }
    let prediction_change = if scale > 0.0 { diff / scale } else { diff };
    let prediction_change_test = gated.raw_test().map(|test| {
        let gated_net = Network::recover(gated, &Weights::GatedRelu { u: u.clone() });
        let relu_net = Network::recover(&relu_problem(gated), &dec.weights());
        relative_change(
            &gated_net.predict_raw(&test.x),
            &relu_net.predict_raw(&test.x),
        )
    });
    let gated_objective =
        crate::model::objective::evaluate(gated, &Weights::GatedRelu { u: u.clone() }).objective;
    Quality {
        max_cone_violation: relu.max_cone_violation,
        prediction_change,
        prediction_change_test,
        inflation: inflation(u, v, w),
        relu,
        gated_objective,
        time_s: dec.time_s,
    }
}
