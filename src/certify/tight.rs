//! Tight dual points for C-GReLU with the neuron group norm (issue 13, item 2).
//!
//! The certificate's plain dual point is the residual scaled to feasibility. In
//! residual units (`θ = α r / N`, constraint `‖M_iᵀ r‖ ≤ λN` with `M_i = D_i X`),
//! near the optimum `r*` with weights `w*`,
//!
//! ```text
//!   D(r) = D* − Σ_{i ∈ A*} ‖w_i*‖ (λ²N² − ‖M_iᵀ r‖²) / (2λN²) + O(‖r − r*‖²)
//! ```
//!
//! so every block of the optimum's support `A*` left short of `λN` costs its
//! shortfall to *first* order. The scaled residual puts only its largest block at
//! `λN`; the others fall short by `O(‖r − r*‖)`, so it certifies
//! `O(‖r − r*‖) = O(√(F − F*))` and the stop comes about twice as late as the
//! accuracy it proves (`results/lag`). A feasible point with *every* support
//! block at `λN` is second-order off instead. From the scaled residual `r₀`
//! (blocks `G_i = M_iᵀ r₀`, the largest at `λN`) we move along the directions
//! that lengthen each support block, `h_j = M_j G_j` (`H = [h_j]`, `n × |A|`):
//!
//! ```text
//!   r(β) = r₀ + H β,    solve  ‖M_iᵀ r(β)‖² = λ²N²   for i ∈ A = {i : u_i ≠ 0}
//!   J_ij = 2 (M_i V_i)ᵀ h_j,   V_i = M_iᵀ r(β);        at β = 0:  J = 2 HᵀH
//! ```
//!
//! by Newton's method with halving steps, the Jacobian refreshed only when a step
//! reduces the residual by less than 4× (chord steps otherwise). Each step costs two products
//! on the support's blocks (`r(β)`, then `V`), by row blocks of
//! [`row_blocks::block_rows`] rows: nothing `n × |A|` is ever held.
//!
//! The result is only a *direction*. The bound is [`super::dual_objective`] at it:
//! the dual norm over **all** blocks and the best feasible scale, so it is a valid
//! lower bound whatever the Newton steps did, and it is tight when `A` is the
//! optimum's support and the blocks outside it are strictly inside (strict
//! complementarity). The callers keep the larger of it and the plain bound.

use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatMut, MatRef, Par, linalg::matmul::matmul};

use crate::model::row_blocks;
use crate::model::{Blocks, Patterns};

/// The largest support (per output) tightened: the Jacobian is `|A| × |A|` and
/// its LU costs `|A|³/3`.
pub const MAX_SUPPORT: usize = 2000;
/// Newton (or chord) steps at most.
pub const MAX_STEPS: usize = 40;
/// Halvings of a step that does not reduce the worst residual, before giving up.
pub const MAX_HALVINGS: usize = 8;
/// Stop when every support block's `|‖V_i‖² − λ²N²|` is at most this times `λ²N²`.
pub const RESIDUAL_TOL: f64 = 1e-12;

/// Flops of one try at most, whatever the problem (about 10 s on one core).
pub const MAX_FLOPS: f64 = 1e11;

/// Whether tightening `u` is cheap next to the products of a solve: a try's
/// estimated flops, `n (3 Σ_k |A_k|² + 20 d Σ_k |A_k|)` (three Jacobians and
/// ten steps of two support products each), within 64 products `n·d·c·P` and
/// [`MAX_FLOPS`] (or within 1e8 flops, whatever the products), and every support
/// within [`MAX_SUPPORT`].
pub fn affordable(n: usize, d: usize, u: &Blocks) -> bool {
    let (mut sq, mut sum) = (0.0, 0.0);
    for k in 0..u.c {
        let m = (0..u.p).filter(|&i| u.norm(k, i) > 0.0).count();
        if m > MAX_SUPPORT {
            return false;
        }
        sq += (m * m) as f64;
        sum += m as f64;
    }
    let n = n as f64;
    let flops = n * (3.0 * sq + 20.0 * d as f64 * sum);
    let product = n * (d * u.c * u.p) as f64;
    flops <= 1e8 || (flops <= 64.0 * product && flops <= MAX_FLOPS)
}

/// The tight direction `r'` (`n × c`): per output, the scaled residual moved so
/// that every block nonzero in `u` is at `λN` (module docs). `r` is the residual
/// `A u − Y` and `g = Aᵀ r` (unscaled blocks); `nc = N`. `None` when `λ ≤ 0`, an
/// output's residual is orthogonal to every block, or the steps diverge.
pub fn tight_residual(
    x: MatRef<'_, f64>,
    patterns: &Patterns,
    u: &Blocks,
    r: MatRef<'_, f64>,
    g: &Blocks,
    lambda: f64,
    nc: f64,
) -> Option<Mat<f64>> {
    if lambda.is_nan() || lambda <= 0.0 {
        return None;
    }
    let (n, c, p) = (x.nrows(), u.c, u.p);
    let target = lambda * nc;
    let mut out = Mat::<f64>::zeros(n, c);
    for k in 0..c {
        let dn = (0..p).map(|i| g.norm(k, i)).fold(0.0, f64::max);
        if !(dn > 0.0 && dn.is_finite()) {
            return None;
        }
        let s = target / dn;
        for row in 0..n {
            out[(row, k)] = s * r[(row, k)];
        }
        let support: Vec<usize> = (0..p).filter(|&i| u.norm(k, i) > 0.0).collect();
        if support.is_empty() {
            continue;
        }
        if support.len() > MAX_SUPPORT {
            return None;
        }
        let gm = Mat::from_fn(x.ncols(), support.len(), |a, j| {
            s * g.block(k, support[j])[a]
        });
        let theta = out
            .col_mut(k)
            .try_as_col_major_mut()
            .expect("owned column is contiguous")
            .as_slice_mut();
        Support::new(x, patterns, &support).tighten(gm, target, theta)?;
    }
    Some(out)
}

/// The support's blocks `M_i = D_i X` (`i ∈ A`: the support's patterns, in
/// order) and the row-block buffers of [`row_blocks`]' kernels.
struct Support<'a> {
    x: MatRef<'a, f64>,
    patterns: Patterns,
    rows: usize,
    /// Two `rows × |A|` buffers.
    a: Vec<f64>,
    b: Vec<f64>,
}

impl<'a> Support<'a> {
    fn new(x: MatRef<'a, f64>, patterns: &Patterns, support: &[usize]) -> Support<'a> {
        let m = support.len();
        let rows = row_blocks::block_rows(x.nrows(), m);
        Support {
            x,
            patterns: patterns.select(support),
            rows,
            a: vec![0.0; rows * m],
            b: vec![0.0; rows * m],
        }
    }

    /// `J = 2 (M V)ᵀ (M G)` over the support (`|A| × |A|`).
    fn jacobian(&mut self, v: MatRef<'_, f64>, gm: MatRef<'_, f64>) -> Mat<f64> {
        let m = self.patterns.p();
        let mut jac = Mat::<f64>::zeros(m, m);
        let (x, patterns, hb) = (self.x, &self.patterns, &mut self.b);
        row_blocks::products_in(x, v, self.rows, Par::Seq, &mut self.a, |r0, rb, kb| {
            row_blocks::keep_masked(patterns, r0, kb);
            let hb = &mut hb[..rb * m];
            matmul(
                MatMut::from_column_major_slice_mut(&mut *hb, rb, m),
                Accum::Replace,
                x.subrows(r0, rb),
                gm,
                1.0,
                Par::Seq,
            );
            row_blocks::keep_masked(patterns, r0, hb);
            matmul(
                jac.as_mut(),
                Accum::Add,
                MatRef::from_column_major_slice(kb, rb, m).transpose(),
                MatRef::from_column_major_slice(hb, rb, m),
                2.0,
                Par::Seq,
            );
        });
        jac
    }

    /// `θ = θ₀ + H β` (with `H = M G`), then `V = Mᵀ θ` on the support.
    fn step(
        &mut self,
        gm: MatRef<'_, f64>,
        beta: MatRef<'_, f64>,
        theta0: &[f64],
        theta: &mut [f64],
        v: MatMut<'_, f64>,
    ) {
        let m = self.patterns.p();
        let patterns = &self.patterns;
        row_blocks::products_in(
            self.x,
            gm,
            self.rows,
            Par::Seq,
            &mut self.a,
            |r0, rb, hb| {
                row_blocks::keep_masked(patterns, r0, hb);
                for row in 0..rb {
                    let mut s = theta0[r0 + row];
                    for j in 0..m {
                        s += hb[j * rb + row] * beta[(j, 0)];
                    }
                    theta[r0 + row] = s;
                }
            },
        );
        let theta: &[f64] = theta;
        row_blocks::adjoint_in(self.x, v, self.rows, Par::Seq, &mut self.b, |r0, rb, wb| {
            row_blocks::expand_masked(patterns, r0, &[&theta[r0..r0 + rb]], wb);
        });
    }

    /// Newton on `‖V_i‖² = target²` from `β = 0` (`V = G`), `theta` holding `r₀`
    /// on entry and `r(β)` on return.
    fn tighten(&mut self, gm: Mat<f64>, target: f64, theta: &mut [f64]) -> Option<()> {
        let m = self.patterns.p();
        let tt = target * target;
        let theta0 = theta.to_vec();
        let mut v = gm.clone();
        let mut beta = Mat::<f64>::zeros(m, 1);
        let residuals = |v: &Mat<f64>, res: &mut Mat<f64>| {
            let mut worst = 0.0f64;
            for j in 0..m {
                let sq: f64 = v.col(j).iter().map(|a| a * a).sum();
                res[(j, 0)] = sq - tt;
                worst = worst.max((sq - tt).abs() / tt);
            }
            worst
        };
        let mut res = Mat::<f64>::zeros(m, 1);
        let mut worst = residuals(&v, &mut res);
        // One Jacobian and its factors live at a time (`2|A|²` floats).
        let mut lu = Some(self.jacobian(gm.as_ref(), gm.as_ref()).partial_piv_lu());
        for _ in 0..MAX_STEPS {
            if worst <= RESIDUAL_TOL {
                break;
            }
            let delta = lu.as_ref()?.solve(&res);
            // Newton's step, halved until the worst residual falls.
            let start = beta.clone();
            let mut scale = 1.0;
            let mut next = f64::INFINITY;
            for _ in 0..MAX_HALVINGS {
                beta.copy_from(&start);
                beta -= faer::Scale(scale) * &delta;
                self.step(gm.as_ref(), beta.as_ref(), &theta0, theta, v.as_mut());
                next = residuals(&v, &mut res);
                if next < worst {
                    break;
                }
                scale *= 0.5;
            }
            if next.is_nan() || next >= worst {
                return None;
            }
            if next > 0.25 * worst {
                drop(lu.take());
                lu = Some(self.jacobian(v.as_ref(), gm.as_ref()).partial_piv_lu());
            }
            worst = next;
        }
        theta.iter().all(|t| t.is_finite()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_support(c: usize, p: usize, d: usize, m: usize) -> Blocks {
        let mut u = Blocks::zeros(c, p, d);
        for k in 0..c {
            for i in 0..m {
                u.block_mut(k, i)[0] = 1.0;
            }
        }
        u
    }

    /// The reference problems (n ≈ 500, P = 50, all active) and gated P = 5000
    /// with 1189 active blocks of 31 (n = 5000) are tightened; the MNIST-shaped
    /// problem (n = 60000, d = 785, c = 10, 1000 active of 1000 per output: about
    /// 1e13 flops) and a support beyond [`MAX_SUPPORT`] are not.
    #[test]
    fn affordable_where_a_try_costs_a_few_products() {
        assert!(affordable(569, 30, &with_support(1, 50, 30, 50)));
        assert!(affordable(5000, 31, &with_support(1, 5000, 31, 1189)));
        assert!(!affordable(60_000, 785, &with_support(10, 1000, 785, 1000)));
        assert!(!affordable(
            100,
            3,
            &with_support(1, 3000, 3, MAX_SUPPORT + 1)
        ));
        assert!(affordable(10, 3, &with_support(1, 8, 3, 0)));
    }
}
