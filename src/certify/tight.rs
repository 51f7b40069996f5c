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
//!
//! **C-ReLU** ([`tight_residual_relu`]). The support is the nonzero blocks of
//! `(v, w)`; block `l` (pattern `i`, sign `s_l = −1` for a `v` block, `+1` for a
//! `w` block) is at its constraint when `‖Π_{K_i}(s_l M_iᵀ r)‖ = λN`. By Moreau,
//! `½‖Π_K(z)‖² = ½‖z‖² − ½ dist(z, K)²` has gradient `Π_K(z)`, so the same Newton
//! holds with the columns `V_l = s_l Π_{K_i}(s_l M_iᵀ r(β))` in place of `M_iᵀ r(β)`
//! (and `G_l` the same at `r₀`): `h_l = M_i G_l`, `J = 2 (M V)ᵀ H`. Each step
//! projects the support's blocks (warm-started active sets, [`ConeProjector`]);
//! the bound is the C-ReLU one at the new direction, with its dual norm over all
//! blocks, so again valid whatever the steps did.

use crate::linalg::matmul;
use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatMut, MatRef, Par};

use crate::cone::polyhedral::{ConeProjector, Passive};
use crate::model::row_blocks;
use crate::model::{Blocks, Model, Patterns};

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
    let sizes = (0..u.c).map(|k| (0..u.p).filter(|&i| u.norm(k, i) > 0.0).count());
    within_budget(n, d, sizes, GATED_PER_BLOCK, u.c * u.p)
}

/// [`within_budget`]'s `per_block` of C-GReLU (ten steps of two products) and
/// of C-ReLU (also their cone values).
const GATED_PER_BLOCK: f64 = 20.0;
const RELU_PER_BLOCK: f64 = 30.0;

/// The largest support of one output that [`affordable`] (C-GReLU) or
/// [`affordable_relu`] (C-ReLU) accepts on `n × d` data with `c` outputs and
/// `p` patterns: what a try can hold, for the memory estimate of the solvers.
pub fn largest_support(model: Model, n: usize, d: usize, c: usize, p: usize) -> usize {
    let (per_block, blocks) = match model {
        Model::GatedRelu => (GATED_PER_BLOCK, p),
        Model::Relu => (RELU_PER_BLOCK, 2 * p),
    };
    let fits = |m: usize| within_budget(n, d, std::iter::once(m), per_block, c * blocks);
    // The budget grows with m: the largest m that fits, by bisection.
    let (mut lo, mut hi) = (0, blocks.min(MAX_SUPPORT));
    if fits(hi) {
        return hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// [`affordable`] for C-ReLU's `(v, w)`: the support of output `k` counts its
/// nonzero `v` and `w` blocks, each step also computes their cone values (`n·d`
/// each: `30 d Σ_k |A_k|`), and a product is `n·d·2cP`.
pub fn affordable_relu(n: usize, d: usize, v: &Blocks, w: &Blocks) -> bool {
    let sizes = (0..v.c).map(|k| {
        (0..v.p)
            .map(|i| usize::from(v.norm(k, i) > 0.0) + usize::from(w.norm(k, i) > 0.0))
            .sum()
    });
    within_budget(n, d, sizes, RELU_PER_BLOCK, 2 * v.c * v.p)
}

/// `n (3 Σ m² + per_block·d Σ m)` flops within the budget of [`affordable`], with
/// `width` the columns of one product.
fn within_budget(
    n: usize,
    d: usize,
    sizes: impl Iterator<Item = usize>,
    per_block: f64,
    width: usize,
) -> bool {
    let (mut sq, mut sum) = (0.0, 0.0);
    for m in sizes {
        if m > MAX_SUPPORT {
            return false;
        }
        sq += (m * m) as f64;
        sum += m as f64;
    }
    let n = n as f64;
    let flops = n * (3.0 * sq + per_block * d as f64 * sum);
    let product = n * (d * width) as f64;
    flops <= 1e8 || (flops <= 64.0 * product && flops <= MAX_FLOPS)
}

/// The tight direction `r'` (`n × c`): per output, the scaled residual moved so
/// that every block nonzero in `u` is at `λN` (module docs). `r` is the residual
/// `A u − Y` and `g = Aᵀ r` (unscaled blocks); `nc = N`. `None` when `λ ≤ 0`, an
/// output's residual is orthogonal to every block, or the direction is not finite (a step that does not reduce the residual ends the steps at the best point).
pub fn tight_residual(
    x: MatRef<'_, f64>,
    patterns: &Patterns,
    u: &Blocks,
    r: MatRef<'_, f64>,
    g: &Blocks,
    lambda: f64,
    nc: f64,
) -> Option<Mat<f64>> {
    let supports: Vec<Vec<Member>> = (0..u.c)
        .map(|k| {
            (0..u.p)
                .filter(|&i| u.norm(k, i) > 0.0)
                .map(|pattern| Member { pattern, sign: 1.0 })
                .collect()
        })
        .collect();
    // Per output, the largest block at λN.
    let scales: Vec<f64> = (0..u.c)
        .map(|k| (0..u.p).map(|i| g.norm(k, i)).fold(0.0, f64::max))
        .collect();
    tighten_outputs(x, patterns, &supports, &scales, r, g, lambda, nc, |_| {
        Lengths::Blocks
    })
}

/// The tight direction of C-ReLU at `(v, w)` (module docs), from the residual `r`,
/// `g = Aᵀr` and the plain dual norm `dn` of `g` ([`super::relu_dual_norm`],
/// unscaled): `r₀ = (λN / dn) r`, then every nonzero block's cone projection
/// moved to `λN`. `None` as for [`tight_residual`].
#[allow(clippy::too_many_arguments)]
pub fn tight_residual_relu(
    x: MatRef<'_, f64>,
    patterns: &Patterns,
    v: &Blocks,
    w: &Blocks,
    r: MatRef<'_, f64>,
    g: &Blocks,
    lambda: f64,
    nc: f64,
    dn: f64,
) -> Option<Mat<f64>> {
    let supports: Vec<Vec<Member>> = (0..v.c)
        .map(|k| {
            let mut members = Vec::new();
            for i in 0..v.p {
                if v.norm(k, i) > 0.0 {
                    members.push(Member {
                        pattern: i,
                        sign: -1.0,
                    });
                }
                if w.norm(k, i) > 0.0 {
                    members.push(Member {
                        pattern: i,
                        sign: 1.0,
                    });
                }
            }
            members
        })
        .collect();
    let scales = vec![dn; v.c];
    tighten_outputs(
        x,
        patterns,
        &supports,
        &scales,
        r,
        g,
        lambda,
        nc,
        |members| Lengths::Cones(Box::new(Cones::new(x, patterns, members))),
    )
}

/// A block of the support: its pattern, and the sign `s` of the block's
/// gradient in its constraint (`‖Π_K(s M_iᵀ r)‖ ≤ λN`; `+1` for C-GReLU).
#[derive(Clone, Copy, Debug)]
struct Member {
    pattern: usize,
    sign: f64,
}

/// Per output `k`: `r₀ = (λN / scales[k]) r_k`, then Newton on the blocks of
/// `supports[k]`, measured by `lengths`.
#[allow(clippy::too_many_arguments)]
fn tighten_outputs<'x>(
    x: MatRef<'x, f64>,
    patterns: &'x Patterns,
    supports: &[Vec<Member>],
    scales: &[f64],
    r: MatRef<'_, f64>,
    g: &Blocks,
    lambda: f64,
    nc: f64,
    mut lengths_for: impl FnMut(&[Member]) -> Lengths<'x>,
) -> Option<Mat<f64>> {
    if lambda.is_nan() || lambda <= 0.0 {
        return None;
    }
    let (n, c) = (x.nrows(), g.c);
    let target = lambda * nc;
    let mut out = Mat::<f64>::zeros(n, c);
    for (k, (members, &dn)) in supports.iter().zip(scales).enumerate() {
        if !(dn > 0.0 && dn.is_finite()) {
            return None;
        }
        let s = target / dn;
        for row in 0..n {
            out[(row, k)] = s * r[(row, k)];
        }
        if members.is_empty() {
            continue;
        }
        if members.len() > MAX_SUPPORT {
            return None;
        }
        let mut lengths = lengths_for(members);
        // The support's blocks at r₀, measured (G).
        let mut gm = Mat::from_fn(x.ncols(), members.len(), |a, j| {
            s * g.block(k, members[j].pattern)[a]
        });
        lengths.measure(gm.as_mut());
        // A block measured zero at r₀ (a C-ReLU block whose gradient points into
        // its polar cone) has no direction that lengthens it (`h = 0`, a zero
        // row and column of J): it stays out of the steps, short of `λN`.
        let lengthened: Vec<usize> = (0..members.len())
            .filter(|&j| gm.col(j).iter().any(|a| *a != 0.0))
            .collect();
        if lengthened.is_empty() {
            continue;
        }
        let kept: Vec<Member> = lengthened.iter().map(|&j| members[j]).collect();
        if kept.len() < members.len() {
            gm = Mat::from_fn(x.ncols(), kept.len(), |a, l| gm[(a, lengthened[l])]);
            lengths = lengths_for(&kept);
        }
        let members = &kept;
        let theta = out
            .col_mut(k)
            .try_as_col_major_mut()
            .expect("owned column is contiguous")
            .as_slice_mut();
        let chosen: Vec<usize> = members.iter().map(|m| m.pattern).collect();
        Support::new(x, patterns, &chosen).tighten(gm, target, theta, &mut lengths)?;
    }
    Some(out)
}

/// What the Newton steps put at `λN`, from the support's `M_iᵀθ` (columns).
enum Lengths<'a> {
    /// C-GReLU: the blocks themselves.
    Blocks,
    /// C-ReLU: `s_l Π_{K_i}(s_l ·)` of each column.
    Cones(Box<Cones<'a>>),
}

impl Lengths<'_> {
    /// Replace each column by what is measured of it.
    fn measure(&mut self, v: MatMut<'_, f64>) {
        match self {
            Lengths::Blocks => {}
            Lengths::Cones(cones) => cones.measure(v),
        }
    }
}

/// The cone projections of C-ReLU's support blocks, warm-started per block.
struct Cones<'a> {
    projector: ConeProjector<'a>,
    patterns: &'a Patterns,
    members: Vec<Member>,
    warm: Vec<Passive>,
    /// The pattern's mask (`0.0/1.0`, `n`), its cone values (`n`), a block (`d`).
    mask: Vec<f64>,
    cone: Vec<f64>,
    block: Vec<f64>,
}

impl<'a> Cones<'a> {
    fn new(x: MatRef<'a, f64>, patterns: &'a Patterns, members: &[Member]) -> Cones<'a> {
        let (n, d) = (x.nrows(), x.ncols());
        Cones {
            projector: ConeProjector::new(x).with_restricted_steps(),
            patterns,
            members: members.to_vec(),
            warm: members.iter().map(|_| Passive::new(d)).collect(),
            mask: vec![0.0; n],
            cone: vec![0.0; n],
            block: vec![0.0; d],
        }
    }

    fn measure(&mut self, mut v: MatMut<'_, f64>) {
        for (l, member) in self.members.iter().enumerate() {
            let s = member.sign;
            for (b, a) in self.block.iter_mut().zip(v.as_ref().col(l).iter()) {
                *b = s * a;
            }
            self.mask.iter_mut().for_each(|m| *m = 0.0);
            for row in self.patterns.active_rows(member.pattern) {
                self.mask[row] = 1.0;
            }
            self.projector
                .cone_values(&self.mask, &self.block, &mut self.cone);
            self.projector
                .project(&self.mask, &mut self.block, &self.cone, &mut self.warm[l]);
            for (a, b) in v.as_mut().col_mut(l).iter_mut().zip(&self.block) {
                *a = s * b;
            }
        }
    }
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
    /// on entry and `r(β)` on return; `lengths` turns `Mᵀθ` into `V`.
    fn tighten(
        &mut self,
        gm: Mat<f64>,
        target: f64,
        theta: &mut [f64],
        lengths: &mut Lengths<'_>,
    ) -> Option<()> {
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
                // NaN-aware: `f64::max` would drop a NaN and call it converged.
                let rel = (sq - tt).abs() / tt;
                worst = if rel > worst || rel.is_nan() {
                    rel
                } else {
                    worst
                };
            }
            worst
        };
        let mut res = Mat::<f64>::zeros(m, 1);
        let mut worst = residuals(&v, &mut res);
        // One Jacobian and its factors live at a time (`2|A|²` floats).
        let mut lu = Some(self.jacobian(gm.as_ref(), gm.as_ref()).partial_piv_lu());
        // Whether the Jacobian is the one at the current β (not a chord's).
        let mut fresh = true;
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
                lengths.measure(v.as_mut());
                next = residuals(&v, &mut res);
                if next < worst {
                    break;
                }
                scale *= 0.5;
            }
            if next.is_nan() || next >= worst {
                // Back to the last point (the bound is valid at any direction,
                // and that one is the best seen). A chord's step may fail where
                // Newton's does not: refresh the Jacobian there and go on;
                // otherwise (cone faces changing, or the residual at the
                // projections' rounding) stop.
                beta.copy_from(&start);
                self.step(gm.as_ref(), beta.as_ref(), &theta0, theta, v.as_mut());
                lengths.measure(v.as_mut());
                worst = residuals(&v, &mut res);
                if fresh || worst.is_nan() {
                    break;
                }
                drop(lu.take());
                lu = Some(self.jacobian(v.as_ref(), gm.as_ref()).partial_piv_lu());
                fresh = true;
                continue;
            }
            fresh = next > 0.25 * worst;
            if fresh {
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

    /// The same block twice in the support makes `J` singular, so the first
    /// Newton step is not finite. The steps must end at the last finite point
    /// (here the start): a NaN residual taken as converged (`f64::max` drops NaN)
    /// returned a NaN direction and no bound at all.
    #[test]
    fn a_singular_jacobian_ends_the_steps_at_the_last_finite_point() {
        let (n, d) = (64, 3);
        let x = Mat::from_fn(n, d, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let patterns = Patterns::from_columns(n, &[(0..n).map(|i| i % 3 != 0).collect()]);
        let theta0: Vec<f64> = (0..n).map(|i| ((i * 5) % 13) as f64 - 6.0).collect();
        let g: Vec<f64> = (0..d)
            .map(|a| {
                (0..n)
                    .filter(|&row| patterns.get(row, 0))
                    .map(|row| x[(row, a)] * theta0[row])
                    .sum()
            })
            .collect();
        let gn = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(gn > 0.0);
        let gm = Mat::from_fn(d, 2, |a, _| g[a]);
        let mut theta = theta0.clone();
        let out = Support::new(x.as_ref(), &patterns, &[0, 0]).tighten(
            gm,
            2.0 * gn,
            &mut theta,
            &mut Lengths::Blocks,
        );
        assert!(out.is_some(), "the steps gave up");
        assert!(theta.iter().all(|t| t.is_finite()));
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

    /// The largest support is accepted by `affordable` (`affordable_relu`) and
    /// one more block is not, unless it is all the blocks (or MAX_SUPPORT).
    #[test]
    fn the_largest_support_is_the_last_one_affordable() {
        for (n, d, p) in [
            (2000, 11, 400),
            (500, 41, 1000),
            (60_000, 785, 1000),
            (100, 3, 3000),
            (5000, 31, 2500),
        ] {
            let m = largest_support(Model::GatedRelu, n, d, 1, p);
            assert!(
                affordable(n, d, &with_support(1, p, d, m)),
                "gated {n} {d} {p}: {m}"
            );
            if m < p.min(MAX_SUPPORT) {
                assert!(
                    !affordable(n, d, &with_support(1, p, d, m + 1)),
                    "gated {m} + 1"
                );
            }
            let m = largest_support(Model::Relu, n, d, 1, p);
            let (mv, mw) = (m.min(p), m.saturating_sub(p));
            let zero = Blocks::zeros(1, p, d);
            let (v, w) = (with_support(1, p, d, mv), with_support(1, p, d, mw));
            assert!(affordable_relu(n, d, &v, &w), "relu {n} {d} {p}: {m}");
            if m < (2 * p).min(MAX_SUPPORT) {
                let (v1, w1) = if mv < p {
                    (with_support(1, p, d, mv + 1), zero)
                } else {
                    (v, with_support(1, p, d, mw + 1))
                };
                assert!(!affordable_relu(n, d, &v1, &w1), "relu {m} + 1");
            }
        }
    }
}
