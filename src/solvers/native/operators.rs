//! Structured operators of the convex models on `X ∈ R^{n×d}` and the pattern matrix
//! `M ∈ {0,1}^{n×P}` — never materialising `D_i X` or `X̃_i` (SPEC §3).
//!
//! Weights of `m` blocks are a column-major `d × m` matrix `U` (the flat
//! [`Blocks`](crate::model::Blocks) data; block `j = k·P + i` feeds output `k` through
//! pattern `i`, so `m = cP` for all outputs at once). Then
//!
//! ```text
//!   products   Z = X U                               one GEMM, n × m
//!   forward    pred_k = Σ_i M_{:,i} ⊙ Z_{:,kP+i}      masked row sum, n × c
//!   adjoint    G = Xᵀ W,  W_{:,kP+i} = M_{:,i} ⊙ r_k  one GEMM, d × m
//!   cone map   X̃_i u_j = S_{:,i} ⊙ Z_{:,j},  S = 2M − 1
//! ```
//!
//! Every output shares the one wide GEMM (`X` times `[U_0 … U_{c−1}]`), so `X` is
//! streamed once per product whatever `c` is. The mask is kept dense (`0.0/1.0` in
//! `f64`): the masked sums are then plain vectorisable multiply-adds, measured faster
//! than testing bits (see `benches/operators.rs`). Nothing here allocates: callers
//! pass workspaces sized once with [`Operators::workspace_len`].
//!
//! All GEMMs run with [`PARALLELISM`], the one place that decides it.

use faer::{Accum, Mat, MatMut, MatRef, Par, linalg::matmul::matmul};

use crate::model::Patterns;

/// Parallelism of every native kernel. Sequential: on the 2-core machines this
/// project runs on, two threads were measured slower than one.
pub const PARALLELISM: Par = Par::Seq;

/// `X` and the dense pattern mask, ready for the structured products.
#[derive(Clone, Debug)]
pub struct Operators {
    /// `X`, `n × d`, stored with column stride exactly `n`.
    x: Vec<f64>,
    /// `M` as `0.0 / 1.0`, `n × P`, column-major with stride `n`.
    mask: Vec<f64>,
    n: usize,
    d: usize,
    p: usize,
}

impl Operators {
    pub fn new(x: &Mat<f64>, patterns: &Patterns) -> Operators {
        let (n, d, p) = (x.nrows(), x.ncols(), patterns.p());
        assert_eq!(patterns.n(), n, "patterns and X disagree on n");
        let mut xs = Vec::with_capacity(n * d);
        for j in 0..d {
            xs.extend(x.col(j).iter().copied());
        }
        let mut mask = vec![0.0; n * p];
        for i in 0..p {
            let col = &mut mask[i * n..(i + 1) * n];
            for r in patterns.active_rows(i) {
                col[r] = 1.0;
            }
        }
        Operators {
            x: xs,
            mask,
            n,
            d,
            p,
        }
    }

    pub fn n(&self) -> usize {
        self.n
    }
    pub fn d(&self) -> usize {
        self.d
    }
    pub fn p(&self) -> usize {
        self.p
    }

    /// `X` as a faer view.
    pub fn x(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.x, self.n, self.d)
    }

    /// Column `i` of the mask `M`.
    #[inline]
    pub fn mask_col(&self, i: usize) -> &[f64] {
        &self.mask[i * self.n..(i + 1) * self.n]
    }

    /// Length of an `n × m` workspace.
    pub fn workspace_len(&self, m: usize) -> usize {
        self.n * m
    }

    /// `Z = X U` with `U` the `d × m` column-major matrix `u`; `z` has `n·m` entries.
    pub fn products(&self, u: &[f64], z: &mut [f64]) {
        let m = u.len() / self.d.max(1);
        debug_assert_eq!(u.len(), self.d * m);
        debug_assert_eq!(z.len(), self.n * m);
        let um = MatRef::from_column_major_slice(u, self.d, m);
        let zm = MatMut::from_column_major_slice_mut(z, self.n, m);
        matmul(zm, Accum::Replace, self.x(), um, 1.0, PARALLELISM);
    }

    /// `G = Xᵀ W` with `W` an `n × m` workspace; `g` is `d × m` column-major.
    pub fn transpose_products(&self, w: &[f64], g: &mut [f64]) {
        let m = w.len() / self.n.max(1);
        debug_assert_eq!(w.len(), self.n * m);
        debug_assert_eq!(g.len(), self.d * m);
        let wm = MatRef::from_column_major_slice(w, self.n, m);
        let gm = MatMut::from_column_major_slice_mut(g, self.d, m);
        matmul(
            gm,
            Accum::Replace,
            self.x().transpose(),
            wm,
            1.0,
            PARALLELISM,
        );
    }

    /// `pred_k = Σ_i M_{:,i} ⊙ Z_{:,kP+i}` for `k < c`, with `c = z.len() / (nP)`;
    /// `pred` is `n × c` column-major.
    pub fn masked_row_sum(&self, z: &[f64], pred: &mut [f64]) {
        let n = self.n;
        let c = pred.len() / n.max(1);
        debug_assert_eq!(z.len(), n * self.p * c);
        for k in 0..c {
            let out = &mut pred[k * n..(k + 1) * n];
            out.iter_mut().for_each(|v| *v = 0.0);
            for i in 0..self.p {
                let zi = &z[(k * self.p + i) * n..(k * self.p + i + 1) * n];
                for ((o, &zz), &mm) in out.iter_mut().zip(zi).zip(self.mask_col(i)) {
                    *o += mm * zz;
                }
            }
        }
    }

    /// `pred_k = Σ_i M_{:,i} ⊙ (Zv_{:,kP+i} − Zw_{:,kP+i})` (C-ReLU predictions, `u = v − w`).
    pub fn masked_row_sum_diff(&self, zv: &[f64], zw: &[f64], pred: &mut [f64]) {
        let n = self.n;
        let c = pred.len() / n.max(1);
        debug_assert_eq!(zv.len(), n * self.p * c);
        debug_assert_eq!(zw.len(), n * self.p * c);
        for k in 0..c {
            let out = &mut pred[k * n..(k + 1) * n];
            out.iter_mut().for_each(|v| *v = 0.0);
            for i in 0..self.p {
                let o = (k * self.p + i) * n;
                let (a, b) = (&zv[o..o + n], &zw[o..o + n]);
                for (((o, &za), &zb), &mm) in out.iter_mut().zip(a).zip(b).zip(self.mask_col(i)) {
                    *o += mm * (za - zb);
                }
            }
        }
    }

    /// `W_{:,kP+i} = α M_{:,i} ⊙ r_k` (the adjoint's right-hand side).
    pub fn expand_masked(&self, r: &[f64], alpha: f64, w: &mut [f64]) {
        let n = self.n;
        let c = r.len() / n.max(1);
        debug_assert_eq!(w.len(), n * self.p * c);
        for k in 0..c {
            let rk = &r[k * n..(k + 1) * n];
            for i in 0..self.p {
                let wi = &mut w[(k * self.p + i) * n..(k * self.p + i + 1) * n];
                for ((o, &rr), &mm) in wi.iter_mut().zip(rk).zip(self.mask_col(i)) {
                    *o = alpha * mm * rr;
                }
            }
        }
    }

    /// Forward map `pred = Σ_i D_i X u_i` per output (`u` is `d × cP`), using `z`
    /// (`n × cP`) as workspace.
    pub fn forward(&self, u: &[f64], z: &mut [f64], pred: &mut [f64]) {
        self.products(u, z);
        self.masked_row_sum(z, pred);
    }

    /// Adjoint map `g = α Xᵀ (M ⊙ r)` per output (`r` is `n × c`, `g` is `d × cP`),
    /// using `w` (`n × cP`) as workspace.
    pub fn adjoint(&self, r: &[f64], alpha: f64, w: &mut [f64], g: &mut [f64]) {
        self.expand_masked(r, alpha, w);
        self.transpose_products(w, g);
    }

    /// Pattern index of block column `j` (blocks are laid out `k·P + i`, possibly
    /// repeated for the `v` and `w` families).
    #[inline]
    pub fn pattern_of(&self, j: usize) -> usize {
        j % self.p
    }

    /// Cone map of one block column: `out = X̃_i u_j = (2M_{:,i} − 1) ⊙ Z_{:,j}`.
    pub fn cone_column(&self, z: &[f64], j: usize, out: &mut [f64]) {
        let n = self.n;
        let zj = &z[j * n..(j + 1) * n];
        let mi = self.mask_col(self.pattern_of(j));
        for ((o, &zz), &mm) in out.iter_mut().zip(zj).zip(mi) {
            *o = (2.0 * mm - 1.0) * zz;
        }
    }

    /// `max_j max(0, −min X̃_{i(j)} u_j)` from the products `Z` (any number of block
    /// columns).
    pub fn max_cone_violation(&self, z: &[f64]) -> f64 {
        let n = self.n;
        let m = z.len() / n.max(1);
        let mut worst: f64 = 0.0;
        for j in 0..m {
            let zj = &z[j * n..(j + 1) * n];
            let mi = self.mask_col(self.pattern_of(j));
            for (&zz, &mm) in zj.iter().zip(mi) {
                worst = worst.max(-(2.0 * mm - 1.0) * zz);
            }
        }
        worst
    }
}
