//! Classifying the blocks of a C-GReLU point before a decomposition, and the
//! per-block maps shared by the methods (see the [module docs](super)).
//!
//! With `S_i = diag(2 d_i − 1)` (the signs of pattern `i`) and `X̃_i = S_i X`:
//!
//! ```text
//!   u_i = 0          →  (v, w) = (0, 0)
//!   X̃_i u_i ≥ 0      →  (v, w) = (u_i, 0)        u_i ∈ K_i
//!   X̃_i u_i ≤ 0      →  (v, w) = (0, −u_i)       u_i ∈ −K_i
//!   otherwise        →  solve for w with X̃_i w ≥ t_i = (−X̃_i u_i)_+
//! ```
//!
//! [`residual`] is `max_r (t_i − X̃_i w)_r⁺`, the cone violation of `(u_i + w, w)`;
//! [`polish`] shifts `w` along the block's gate to remove it.

use crate::linalg::matmul;
use faer::{Accum, Mat, MatRef, Par};

use super::BlockCounts;
use crate::model::{Blocks, Problem};

/// How a block is decomposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Zero,
    InCone,
    InNegativeCone,
    General,
}

/// A block that needs a solve.
#[derive(Clone, Debug)]
pub struct GeneralBlock {
    /// Output and pattern.
    pub k: usize,
    pub i: usize,
    /// `u_{k,i}`.
    pub u: Vec<f64>,
    /// Row signs of pattern `i` (`+1` where `D_i` is 1, else `−1`).
    pub sign: Vec<f64>,
    /// `X̃_i u_{k,i}`.
    pub xu: Vec<f64>,
    /// `t = (−X̃_i u)_+`.
    pub t: Vec<f64>,
    /// `‖u_{k,i}‖`. The exact and LP problems are positively homogeneous in `u`
    /// (`u → αu` maps solutions `w → αw`), so they are solved for `u/‖u‖` and scaled
    /// back: blocks of very different norms then get the same relative accuracy.
    pub norm: f64,
}

/// The classification of every block of `u`.
#[derive(Clone, Debug)]
pub struct Split {
    /// Kind of block `(k, i)` at `k·P + i`.
    pub kinds: Vec<BlockKind>,
    pub general: Vec<GeneralBlock>,
}

/// Row signs of pattern `i`.
pub fn signs(problem: &Problem, i: usize) -> Vec<f64> {
    (0..problem.n())
        .map(|r| {
            if problem.patterns().get(r, i) {
                1.0
            } else {
                -1.0
            }
        })
        .collect()
}

/// `X̃_i z` for the block's pattern.
pub fn cone_map(problem: &Problem, sign: &[f64], z: &[f64]) -> Vec<f64> {
    let (n, d) = (problem.n(), problem.d());
    let zm = MatRef::from_column_major_slice(z, d, 1);
    let mut out = Mat::<f64>::zeros(n, 1);
    matmul(
        out.as_mut(),
        Accum::Replace,
        problem.x().as_ref(),
        zm,
        1.0,
        Par::Seq,
    );
    (0..n).map(|r| sign[r] * out[(r, 0)]).collect()
}

impl Split {
    pub fn new(problem: &Problem, u: &Blocks) -> Split {
        let (n, p, c, d) = (problem.n(), u.p, u.c, u.d);
        let mut kinds = Vec::with_capacity(c * p);
        let mut general = Vec::new();
        let mut z = Mat::<f64>::zeros(n, p);
        for k in 0..c {
            let uk = MatRef::from_column_major_slice(u.output(k), d, p);
            matmul(
                z.as_mut(),
                Accum::Replace,
                problem.x().as_ref(),
                uk,
                1.0,
                Par::Seq,
            );
            for i in 0..p {
                let ub = u.block(k, i);
                if ub.iter().all(|x| *x == 0.0) {
                    kinds.push(BlockKind::Zero);
                    continue;
                }
                let sign = signs(problem, i);
                let xu: Vec<f64> = (0..n).map(|r| sign[r] * z[(r, i)]).collect();
                let min = xu.iter().copied().fold(f64::INFINITY, f64::min);
                let max = xu.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if min >= 0.0 {
                    kinds.push(BlockKind::InCone);
                } else if max <= 0.0 {
                    kinds.push(BlockKind::InNegativeCone);
                } else {
                    kinds.push(BlockKind::General);
                    let t = xu.iter().map(|v| (-v).max(0.0)).collect();
                    general.push(GeneralBlock {
                        k,
                        i,
                        u: ub.to_vec(),
                        sign,
                        xu,
                        t,
                        norm: u.norm(k, i),
                    });
                }
            }
        }
        Split { kinds, general }
    }

    /// Write the decompositions of the blocks that need no solve.
    pub fn fill_trivial(&self, u: &Blocks, v: &mut Blocks, w: &mut Blocks) {
        for k in 0..u.c {
            for i in 0..u.p {
                match self.kinds[k * u.p + i] {
                    BlockKind::Zero | BlockKind::General => {}
                    BlockKind::InCone => v.block_mut(k, i).copy_from_slice(u.block(k, i)),
                    BlockKind::InNegativeCone => {
                        for (a, b) in w.block_mut(k, i).iter_mut().zip(u.block(k, i)) {
                            *a = -b;
                        }
                    }
                }
            }
        }
    }

    pub fn counts(&self) -> BlockCounts {
        let mut c = BlockCounts::default();
        for k in &self.kinds {
            match k {
                BlockKind::Zero => c.zero += 1,
                BlockKind::InCone => c.in_cone += 1,
                BlockKind::InNegativeCone => c.in_negative_cone += 1,
                BlockKind::General => c.solved += 1,
            }
        }
        c
    }
}

/// `max_r (t − X̃ w)_r⁺`: the cone violation of `(u + w, w)` on this block.
pub fn residual(problem: &Problem, blk: &GeneralBlock, w: &[f64]) -> f64 {
    let xw = cone_map(problem, &blk.sign, w);
    xw.iter()
        .zip(&blk.t)
        .fold(0.0, |m, (a, t)| m.max((t - a).max(0.0)))
}

/// Shift `w ← w + α g_i` with the smallest `α ≥ 0` that gives `X̃_i w ≥ t` on every
/// row where `X̃_i g_i > 0` (rows with `X̃_i g_i = 0` cannot be helped and stay in the
/// reported residual). `v − w` is unchanged. Returns `α`.
pub fn polish(problem: &Problem, blk: &GeneralBlock, w: &mut [f64]) -> f64 {
    let xw = cone_map(problem, &blk.sign, w);
    if xw.iter().zip(&blk.t).all(|(a, t)| a >= t) {
        return 0.0;
    }
    let g: Vec<f64> = problem.gates().col(blk.i).iter().copied().collect();
    let xg = cone_map(problem, &blk.sign, &g);
    let mut alpha: f64 = 0.0;
    for ((a, t), gg) in xw.iter().zip(&blk.t).zip(&xg) {
        if a < t && *gg > 0.0 {
            alpha = alpha.max((t - a) / gg);
        }
    }
    if alpha > 0.0 {
        // One ulp-scale margin so that rounding in X̃(w + αg) does not undo the shift.
        let alpha = alpha * (1.0 + 1e-12);
        for (wj, gj) in w.iter_mut().zip(&g) {
            *wj += alpha * gj;
        }
        return alpha;
    }
    alpha
}
