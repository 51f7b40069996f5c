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
//!
//!   For C-GReLU with the neuron group norm the certificate also evaluates the
//!   same formula at a second direction, the residual moved so that every block
//!   nonzero in the weights is at the constraint ([`tight`]), and keeps the larger
//!   bound: the scaled residual alone is first-order off near the optimum and
//!   proves the accuracy of a point about twice as late as the point reaches it.
//!   C-ReLU does the same with its cones ([`tight_relu_dual_objective`]).
//!
//! The bound is chosen by (model, regularizer): every C-GReLU regularizer has one
//! (l2 needs λ > 0); C-ReLU has one for neuron-gl1, the only regularizer its
//! problems can be built with. Any other pair — or weights of the other model —
//! gets [`NoBound`] instead of a number that would not be a bound.
//!
//! Depends on the model and the cone math ([`crate::cone::polyhedral`]) only.

use faer::{Mat, MatRef, Par};
use serde::{Deserialize, Serialize};

use crate::cone::polyhedral::{ConeProjector, Passive};
use crate::model::objective::{cone_violation, loss, penalty, predictions};
use crate::model::row_blocks;
use crate::model::{Blocks, Model, Patterns, Problem, Regularizer, Weights};

pub mod tight;

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
    /// Why there is no dual bound (`None` when there is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_bound: Option<NoBound>,
}

/// Why a point has no certified dual bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "kebab-case")]
pub enum NoBound {
    /// C-GReLU with the l2 penalty at λ = 0: the dual is unbounded below.
    #[error("no dual bound for the l2 penalty at lambda = 0")]
    L2AtZeroLambda,
    /// A C-ReLU problem with a regularizer other than neuron-gl1 (cannot be built;
    /// kept so that the match is exhaustive and says so if it ever is).
    #[error("no C-ReLU dual bound for this regularizer (only neuron-gl1)")]
    ReluRegularizer,
    /// The weights are of the other model than the problem.
    #[error("the weights are of the other model than the problem")]
    ModelMismatch,
}

/// `G_k = Xᵀ (M ⊙ (r_k 1ᵀ))` for every output, as blocks (`G_{k,i} = (D_i X)ᵀ r_k`):
/// by row blocks, `G += X_Bᵀ W_B` with `W_B[:, kP + i] = M_{B,i} ⊙ r_{B,k}` built in
/// one `rows × cP` buffer ([`row_blocks`]), never the `n × P` masked residuals.
pub fn adjoint(x: &Mat<f64>, patterns: &Patterns, r: &Mat<f64>) -> Blocks {
    let (d, p, c) = (x.ncols(), patterns.p(), r.ncols());
    let mut g = Blocks::zeros(c, p, d);
    let gm = faer::MatMut::from_column_major_slice_mut(&mut g.data, d, c * p);
    let cols: Vec<&[f64]> = (0..c)
        .map(|k| {
            r.col(k)
                .try_as_col_major()
                .expect("owned column is contiguous")
                .as_slice()
        })
        .collect();
    row_blocks::adjoint(x.as_ref(), gm, Par::Seq, |r0, rows, wb| {
        let res: Vec<&[f64]> = cols.iter().map(|rk| &rk[r0..r0 + rows]).collect();
        row_blocks::expand_masked(patterns, r0, &res, wb);
    });
    g
}

/// The tight bound ([`tight`]) of C-GReLU with the neuron group norm at the
/// weights `u`, with residual `r = Au − Y` (`n × c`) and `g = Aᵀr`: the dual
/// objective at the tight direction, or `None` where it does not apply
/// (`λ ≤ 0`), is not affordable ([`tight::affordable`]) or its direction is not finite.
/// Always a valid lower bound (the dual norm is taken over all blocks).
#[allow(clippy::too_many_arguments)]
pub fn tight_dual_objective(
    x: &Mat<f64>,
    patterns: &Patterns,
    y: MatRef<'_, f64>,
    u: &Blocks,
    r: MatRef<'_, f64>,
    g: &Blocks,
    lambda: f64,
    nc: f64,
) -> Option<f64> {
    if !tight::affordable(x.nrows(), x.ncols(), u) {
        return None;
    }
    let rt = tight::tight_residual(x.as_ref(), patterns, u, r, g, lambda, nc)?;
    let (rr, ry) = residual_products(rt.as_ref(), y);
    let gt = adjoint(x, patterns, &rt);
    dual_objective(Regularizer::NeuronGl1, lambda, nc, rr, ry, &gt)
}

/// The tight bound of C-ReLU ([`tight::tight_residual_relu`]) at `(v, w)`, with
/// residual `r = A(v − w) − Y`, `g = Aᵀr` and its plain dual norm `dn`
/// (unscaled, [`relu_dual_norm`]): the C-ReLU bound at the tight direction, its
/// dual norm over all blocks taken by `norm` (a workspace for `2cP` blocks;
/// `None` once `expired()` says so). `None` also where the point does not apply
/// (`λ ≤ 0`), is not affordable ([`tight::affordable_relu`]) or its direction is not finite.
/// Always a valid lower bound for points inside the cones.
#[allow(clippy::too_many_arguments)]
pub fn tight_relu_dual_objective(
    x: &Mat<f64>,
    patterns: &Patterns,
    y: MatRef<'_, f64>,
    (v, w): (&Blocks, &Blocks),
    r: MatRef<'_, f64>,
    g: &Blocks,
    (lambda, nc, dn): (f64, f64, f64),
    norm: &mut ReluDualNorm<'_>,
    expired: &dyn Fn() -> bool,
) -> Option<f64> {
    if !tight::affordable_relu(x.nrows(), x.ncols(), v, w) {
        return None;
    }
    let rt = tight::tight_residual_relu(x.as_ref(), patterns, v, w, r, g, lambda, nc, dn)?;
    let (rr, ry) = residual_products(rt.as_ref(), y);
    let gt = adjoint(x, patterns, &rt);
    let dn_t = norm.maximum(&stacked(&gt), expired, true)?;
    Some(scaled_residual_bound(lambda, nc, rr, ry, dn_t))
}

/// `(G, −G)`: the gradient blocks of `(v, w)` for `G = Aᵀr` ([`ReluDualNorm`]).
fn stacked(g: &Blocks) -> Vec<f64> {
    let mut stacked = Vec::with_capacity(2 * g.data.len());
    stacked.extend_from_slice(&g.data);
    stacked.extend(g.data.iter().map(|v| -v));
    stacked
}

/// `(‖r‖², ⟨r, Y⟩)`, the dual bound's inputs from a residual-like `r` (`n × c`).
pub fn residual_products(r: MatRef<'_, f64>, y: MatRef<'_, f64>) -> (f64, f64) {
    let (mut rr, mut ry) = (0.0, 0.0);
    for k in 0..r.ncols() {
        for i in 0..r.nrows() {
            rr += r[(i, k)] * r[(i, k)];
            ry += r[(i, k)] * y[(i, k)];
        }
    }
    (rr, ry)
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

/// The C-ReLU dual norm, written once for the certificate and the solvers.
///
/// For stacked gradient blocks `g_j` (`j < 2cP`: the `v` blocks, then the `w`
/// blocks; block `j` lives in the cone of pattern `j mod P`), the conjugate of
/// `λ‖·‖ + ι_{K_i}` is finite iff `‖Π_{K_i}(·)‖ ≤ λ`, so the dual norm is
/// `dn = max_j ‖Π_{K_{j mod P}}(−g_j)‖`. Blocks are visited by decreasing `‖g_j‖`
/// and the scan stops at the first one too short to raise `dn` (a projection is
/// never longer than its input). Each norm comes from the projector's `μ ≥ 0`, an
/// upper bound on the exact one, so a bound built on it is valid even if a
/// projection stops early. Warm sets per block are kept between calls.
pub struct ReluDualNorm<'a> {
    projector: ConeProjector<'a>,
    patterns: &'a Patterns,
    mask: Vec<f64>,
    block: Vec<f64>,
    cone: Vec<f64>,
    warm: Vec<Passive>,
    order: Vec<(f64, usize)>,
    /// One active set for all blocks, cleared before each ([`Self::cold`]).
    cold: bool,
}

impl<'a> ReluDualNorm<'a> {
    /// [`Self::new`] without warm sets: every projection starts from an empty
    /// active set (one set of `2d²` floats instead of one per block), for a
    /// caller that computes it a few times.
    pub fn cold(x: MatRef<'a, f64>, patterns: &'a Patterns, blocks: usize) -> ReluDualNorm<'a> {
        let mut norm = ReluDualNorm::new_with(x, patterns, blocks, 1);
        norm.cold = true;
        norm
    }

    /// Workspace for `blocks` stacked blocks of `X`'s `d` columns.
    pub fn new(x: MatRef<'a, f64>, patterns: &'a Patterns, blocks: usize) -> ReluDualNorm<'a> {
        ReluDualNorm::new_with(x, patterns, blocks, blocks)
    }

    fn new_with(
        x: MatRef<'a, f64>,
        patterns: &'a Patterns,
        blocks: usize,
        sets: usize,
    ) -> ReluDualNorm<'a> {
        let (n, d) = (x.nrows(), x.ncols());
        ReluDualNorm {
            projector: ConeProjector::new(x).with_restricted_steps(),
            patterns,
            mask: vec![0.0; n],
            block: vec![0.0; d],
            cone: vec![0.0; n],
            warm: (0..sets).map(|_| Passive::new(d)).collect(),
            order: vec![(0.0, 0); blocks],
            cold: false,
        }
    }

    /// `max_j ‖Π_{K_{j mod P}}(−g_j)‖` of the stacked blocks `grad` (`blocks × d`).
    ///
    /// A one-off computation: a block's projection stops once it cannot raise the
    /// maximum (below).
    pub fn compute(&mut self, grad: &[f64]) -> f64 {
        self.maximum(grad, &|| false, true)
            .expect("never interrupted")
    }

    /// [`Self::compute`], or `None` as soon as `expired()` says so before a block's
    /// projection (a partial maximum is no bound).
    ///
    /// Every projection it runs goes to the end, so the passive sets it keeps are
    /// good warm starts for the next call (a solver's repeated checks: stopping
    /// early there left partial sets, and the 300-iteration C-ReLU run of
    /// `results/scale/relu-checks` took 13% longer).
    pub fn compute_until(&mut self, grad: &[f64], expired: &dyn Fn() -> bool) -> Option<f64> {
        self.maximum(grad, expired, false)
    }

    fn maximum(&mut self, grad: &[f64], expired: &dyn Fn() -> bool, early: bool) -> Option<f64> {
        let (d, p) = (self.block.len(), self.patterns.p());
        for (j, gj) in grad.chunks(d).enumerate() {
            self.order[j] = (norm(gj), j);
        }
        self.order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let mut dn: f64 = 0.0;
        for &(gnorm, j) in &self.order {
            if gnorm <= dn {
                break;
            }
            if expired() {
                return None;
            }
            let gj = &grad[j * d..(j + 1) * d];
            self.block.iter_mut().zip(gj).for_each(|(b, g)| *b = -g);
            self.mask.iter_mut().for_each(|m| *m = 0.0);
            for row in self.patterns.active_rows(j % p) {
                self.mask[row] = 1.0;
            }
            self.projector
                .cone_values(&self.mask, &self.block, &mut self.cone);
            let warm = if self.cold {
                self.warm[0].clear();
                &mut self.warm[0]
            } else {
                &mut self.warm[j]
            };
            // Only a norm above dn changes the maximum: the projection may stop at
            // the first point z + X̃ᵀμ (μ ≥ 0) of norm ≤ dn (an upper bound on the
            // block's norm, so the maximum is the same), and runs to the end
            // whenever the block's norm exceeds dn (the points' norms stay above
            // it: [`ConeProjector::bound_below`]).
            self.projector.bound_below(
                &self.mask,
                &mut self.block,
                &self.cone,
                warm,
                f64::INFINITY,
                if early { dn } else { f64::NEG_INFINITY },
            );
            dn = dn.max(norm(&self.block));
        }
        Some(dn)
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The C-ReLU dual norm of `G = Aᵀr` (blocks `G_{k,i} = (D_i X)ᵀ r_k`): the `v`
/// block's gradient is `G`, the `w` block's `−G` ([`ReluDualNorm`]).
pub fn relu_dual_norm(x: &Mat<f64>, patterns: &Patterns, g: &Blocks) -> f64 {
    ReluDualNorm::new(x.as_ref(), patterns, 2 * g.c * g.p).compute(&stacked(g))
}

/// Certify a point of `problem`.
pub fn certify(problem: &Problem, weights: &Weights) -> Certificate {
    let (x, y, patterns) = (problem.x(), problem.y(), problem.patterns());
    let (reg, lambda) = (problem.reg(), problem.lambda());
    let eff = weights.effective();
    let pred = predictions(x, patterns, &eff);
    let loss = loss(&pred, y);
    let penalty = penalty(reg, lambda, weights);
    let objective = loss + penalty;
    let max_cone_violation = cone_violation(x, patterns, weights);
    let (n, c) = (problem.n(), problem.c());
    let r = Mat::from_fn(n, c, |i, k| pred[(i, k)] - y[(i, k)]);
    let (rr, ry) = residual_products(r.as_ref(), y.as_ref());
    let g = adjoint(x, patterns, &r);
    let nc = (n * c) as f64;
    let dual = match (problem.model(), reg, weights) {
        (Model::Relu, Regularizer::NeuronGl1, Weights::Relu { v, w }) => {
            let mut norm = ReluDualNorm::new(x.as_ref(), patterns, 2 * c * problem.p());
            let dn = norm.compute(&stacked(&g));
            let plain = scaled_residual_bound(lambda, nc, rr, ry, dn);
            let tight = tight_relu_dual_objective(
                x,
                patterns,
                y.as_ref(),
                (v, w),
                r.as_ref(),
                &g,
                (lambda, nc, dn),
                &mut norm,
                &|| false,
            );
            Ok(tight.map_or(plain, |t| t.max(plain)))
        }
        (
            Model::Relu,
            Regularizer::FeatureGl1 | Regularizer::L1 | Regularizer::L2,
            Weights::Relu { .. },
        ) => Err(NoBound::ReluRegularizer),
        (Model::GatedRelu, Regularizer::NeuronGl1, Weights::GatedRelu { u }) => {
            dual_objective(reg, lambda, nc, rr, ry, &g)
                .map(|plain| {
                    match tight_dual_objective(
                        x,
                        patterns,
                        y.as_ref(),
                        u,
                        r.as_ref(),
                        &g,
                        lambda,
                        nc,
                    ) {
                        Some(t) if t > plain => t,
                        _ => plain,
                    }
                })
                .ok_or(NoBound::L2AtZeroLambda)
        }
        (
            Model::GatedRelu,
            Regularizer::FeatureGl1 | Regularizer::L1 | Regularizer::L2,
            Weights::GatedRelu { .. },
        ) => dual_objective(reg, lambda, nc, rr, ry, &g).ok_or(NoBound::L2AtZeroLambda),
        (Model::Relu, _, Weights::GatedRelu { .. })
        | (Model::GatedRelu, _, Weights::Relu { .. }) => Err(NoBound::ModelMismatch),
    };
    let no_bound = dual.err();
    let (dual_objective, duality_gap, relative_duality_gap) = match dual.ok() {
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
        no_bound,
    }
}

/// Convenience: `MatRef` view of one output's weights.
pub fn output_view(u: &Blocks, k: usize) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(u.output(k), u.d, u.p)
}
