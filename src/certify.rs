//! Certificates, computed from the weights and the data only — never trusted from
//! the solver that produced them (SPEC §3):
//!
//! - objective, loss and penalty recomputed from the weights;
//! - the max cone violation `max_{k,i} max(0, −min X̃_i v_{k,i}, −min X̃_i w_{k,i})`;
//! - a duality gap (C-GReLU, and C-ReLU: see [`relu_dual_norm`]; for C-ReLU it
//!   bounds the suboptimality only of a point inside the cones, so read it next to
//!   the cone violation). With `N = nc`, `A` the map `u ↦ Σ_i D_i X u_i` and
//!   residual `r = Au − Y`, the Fenchel dual of `1/(2N)‖Au − Y‖² + λR(u)` is
//!
//!   ```text
//!     max_θ  −N/2 ‖θ‖² − ⟨θ, Y⟩    s.t. R°(Aᵀθ) ≤ λ           (norm regularizers)
//!     max_θ  −N/2 ‖θ‖² − ⟨θ, Y⟩ − ‖Aᵀθ‖²/(2λ)                 (l2 = ½‖·‖²)
//!   ```
//!
//!   We take `θ = α r / N` (the optimal dual is `r*/N`) with the best `α` that keeps
//!   `θ` dual feasible: `α ∈ [0, λN / R°(Aᵀr)]`, maximising the concave quadratic
//!   `−α²‖r‖²/(2N) − α⟨r, Y⟩/N` in closed form. Any such `θ` gives a lower bound on
//!   the optimum, so `objective − dual` bounds the suboptimality of the point.

use faer::{Accum, Mat, MatRef, Par, linalg::matmul::matmul};
use serde::{Deserialize, Serialize};

use crate::model::objective::{cone_violation, loss, penalty, predictions};
use crate::model::{Blocks, Patterns, Problem, Regularizer, Weights};
use crate::solvers::native::cone_projection::{ConeProjector, Passive};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub objective: f64,
    pub loss: f64,
    pub penalty: f64,
    pub max_cone_violation: f64,
    /// Lower bound on the optimal value (C-GReLU).
    pub dual_objective: Option<f64>,
    /// `objective − dual_objective` (C-GReLU).
    pub duality_gap: Option<f64>,
    /// `duality_gap / objective`.
    pub relative_duality_gap: Option<f64>,
}

/// `G_k = Xᵀ (M ⊙ (r_k 1ᵀ))` for every output, as blocks (`G_{k,i} = (D_i X)ᵀ r_k`).
pub fn adjoint(x: &Mat<f64>, patterns: &Patterns, r: &Mat<f64>) -> Blocks {
    let (n, d, p, c) = (x.nrows(), x.ncols(), patterns.p(), r.ncols());
    let mut g = Blocks::zeros(c, p, d);
    let mut masked = Mat::<f64>::zeros(n, p);
    for k in 0..c {
        for i in 0..p {
            let col = masked.col_mut(i);
            let col = col
                .try_as_col_major_mut()
                .expect("owned column is contiguous")
                .as_slice_mut();
            col.iter_mut().for_each(|v| *v = 0.0);
            for row in patterns.active_rows(i) {
                col[row] = r[(row, k)];
            }
        }
        let gk = faer::MatMut::from_column_major_slice_mut(g.output_mut(k), d, p);
        matmul(
            gk,
            Accum::Replace,
            x.as_ref().transpose(),
            masked.as_ref(),
            1.0,
            Par::Seq,
        );
    }
    g
}

/// The dual objective at `θ = α r / N` with the best feasible `α` (see module docs).
///
/// `rr = ‖r‖²`, `ry = ⟨r, Y⟩`, `g = Aᵀ r` (unscaled), `nc = N`.
pub fn dual_objective(
    reg: Regularizer,
    lambda: f64,
    nc: f64,
    rr: f64,
    ry: f64,
    g: &Blocks,
) -> Option<f64> {
    if rr == 0.0 {
        return Some(0.0);
    }
    match reg.dual_norm(g) {
        Some(dn) => Some(scaled_residual_bound(lambda, nc, rr, ry, dn)),
        None => {
            // l2: concave quadratic in α without constraint.
            if lambda <= 0.0 {
                return None;
            }
            let gg: f64 = g.data.iter().map(|v| v * v).sum();
            let a = rr / nc + gg / (lambda * nc * nc);
            let b = -ry / nc;
            Some(b * b / (2.0 * a))
        }
    }
}

/// The dual objective at `θ = α r / N` with the best `α ∈ [0, λN/dn]`, where `dn` is
/// the dual norm of `Aᵀr` (for C-ReLU `max_j ‖Π_{K_j}(−A_jᵀr)‖`, see
/// [`relu_dual_norm`]); `rr = ‖r‖²`, `ry = ⟨r, Y⟩`, `nc = N`.
pub fn scaled_residual_bound(lambda: f64, nc: f64, rr: f64, ry: f64, dn: f64) -> f64 {
    if rr == 0.0 {
        return 0.0;
    }
    let alpha_max = if dn > 0.0 {
        lambda * nc / dn
    } else {
        f64::INFINITY
    };
    let alpha = (-ry / rr).clamp(0.0, alpha_max);
    -alpha * alpha * rr / (2.0 * nc) - alpha * ry / nc
}

/// The C-ReLU dual norm of `G = Aᵀr` (blocks `G_{k,i} = (D_i X)ᵀ r_k`): the `v` block
/// sees `−G_{k,i}` and the `w` block `+G_{k,i}`, and the conjugate of
/// `λ‖·‖ + ι_{K_i}` is finite iff `‖Π_{K_i}(·)‖ ≤ λ`, so
/// `dn = max_{k,i} max(‖Π_{K_i}(−G_{k,i})‖, ‖Π_{K_i}(G_{k,i})‖)`. Each norm comes from
/// the projector's `μ ≥ 0`, an upper bound on the exact one, so the bound built on it
/// is valid even if a projection stops early.
pub fn relu_dual_norm(x: &Mat<f64>, patterns: &Patterns, g: &Blocks) -> f64 {
    let (n, d) = (x.nrows(), x.ncols());
    let mut projector = ConeProjector::new(x.as_ref());
    let (mut mask, mut s, mut cone) = (vec![0.0; n], vec![0.0; d], vec![0.0; n]);
    let mut active = Passive::new(d);
    let mut dn: f64 = 0.0;
    for i in 0..g.p {
        mask.iter_mut().for_each(|m| *m = 0.0);
        for row in patterns.active_rows(i) {
            mask[row] = 1.0;
        }
        for k in 0..g.c {
            for sign in [-1.0, 1.0] {
                s.iter_mut()
                    .zip(g.block(k, i))
                    .for_each(|(a, b)| *a = sign * b);
                if s.iter().map(|v| v * v).sum::<f64>().sqrt() <= dn {
                    continue; // a projection cannot be longer than its input
                }
                projector.cone_values(&mask, &s, &mut cone);
                active.clear();
                projector.project(&mask, &mut s, &cone, &mut active);
                dn = dn.max(s.iter().map(|v| v * v).sum::<f64>().sqrt());
            }
        }
    }
    dn
}

/// Certify a point of `problem`.
pub fn certify(problem: &Problem, weights: &Weights) -> Certificate {
    let eff = weights.effective();
    let pred = predictions(&problem.x, &problem.patterns, &eff);
    let loss = loss(&pred, &problem.y);
    let penalty = penalty(problem.reg, problem.lambda, weights);
    let objective = loss + penalty;
    let max_cone_violation = cone_violation(&problem.x, &problem.patterns, weights);
    let (n, c) = (problem.n(), problem.c());
    let r = Mat::from_fn(n, c, |i, k| pred[(i, k)] - problem.y[(i, k)]);
    let mut rr = 0.0;
    let mut ry = 0.0;
    for k in 0..c {
        for i in 0..n {
            rr += r[(i, k)] * r[(i, k)];
            ry += r[(i, k)] * problem.y[(i, k)];
        }
    }
    let g = adjoint(&problem.x, &problem.patterns, &r);
    let nc = (n * c) as f64;
    let dual = match weights {
        Weights::Relu { .. } => Some(scaled_residual_bound(
            problem.lambda,
            nc,
            rr,
            ry,
            relu_dual_norm(&problem.x, &problem.patterns, &g),
        )),
        Weights::GatedRelu { .. } => dual_objective(problem.reg, problem.lambda, nc, rr, ry, &g),
    };
    let (dual_objective, duality_gap, relative_duality_gap) = match dual {
        Some(dual) => {
            let gap = objective - dual;
            let rel = if objective > 0.0 {
                gap / objective
            } else {
                gap.abs()
            };
            (Some(dual), Some(gap), Some(rel))
        }
        None => (None, None, None),
    };
    Certificate {
        objective,
        loss,
        penalty,
        max_cone_violation,
        dual_objective,
        duality_gap,
        relative_duality_gap,
    }
}

/// Convenience: `MatRef` view of one output's weights.
pub fn output_view(u: &Blocks, k: usize) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(u.output(k), u.d, u.p)
}
