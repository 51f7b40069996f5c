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
//! streamed once per product whatever `c` is.
//!
//! [`Operators::forward`] and [`Operators::adjoint`] are *fused by row blocks*: the
//! rows of `X` are cut into blocks `B` of [`Operators::block_rows`] rows (a multiple
//! of 64, sized so a `|B| × m` buffer stays in the L2 cache), and
//!
//! ```text
//!   forward    Z_B = X_B U  (GEMM into the buffer),  pred_{B,k} = Σ_i M_{B,i} ⊙ Z_{B,kP+i}
//!   adjoint    W_B = M_B ⊙ r_B  (into the buffer),   G += X_Bᵀ W_B  (GEMM, accumulate)
//! ```
//!
//! so neither the `n × m` products nor the `n × m` right-hand side ever go through
//! main memory: when `d` is small the GEMM does only `2d` flops per entry of `Z`, and
//! streaming `Z` and a mask through memory made the unfused kernels memory-bound
//! (`results/native/README.md`). The fused kernels read the mask bit-packed, in a
//! word-major copy whose words for a row block are contiguous (`nP/8` bytes in all,
//! cache-resident), selecting with `x & (−bit)`; those loops are compiled for AVX2 /
//! AVX-512 when the CPU has them (detected at run time) so they vectorise.
//!
//! The full products ([`Operators::products`], [`Operators::transpose_products`]) and
//! the masked passes over them read the same bit mask. A dense `0.0/1.0` mask
//! column is filled on demand ([`Operators::fill_mask_col`], `n` doubles of the
//! caller's); [`Operators::mask_col`] keeps the old whole dense mask (`8nP` bytes)
//! for benchmarks and tests only, built on its first call — no solver calls it, so
//! a solve holds the mask in `nP/8` bytes: the operators own `8nd + 8⌈n/64⌉P`
//! bytes (`X`, the word-major bits), the callers' block workspaces are at most
//! `max(256 KiB, 512m)` bytes ([`default_block_rows`]; the adjoint's blocks have
//! at least 256 rows from `d = 96` on, [`row_blocks::adjoint_block_rows`]), and
//! [`Operators::apply_signs`] / [`Operators::fill_mask_col`] turn one column into
//! cone values or a `0.0/1.0` column of the caller's (the accounting is
//! [`super::memory`]'s). Nothing here allocates: callers pass
//! workspaces sized once with [`Operators::workspace_len`] (full products) or
//! [`Operators::block_workspace_len`] (fused kernels).
//!
//! All GEMMs run with the operators' parallelism ([`Operators::with_threads`],
//! default sequential; [`crate::model::parallelism`] maps a thread count to it).

use std::sync::{Arc, OnceLock};

use crate::linalg::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

use crate::model::{Patterns, row_blocks};

// Parallelism of every native kernel. Sequential: on the 2-core machines this
// project runs on, two threads were measured slower than one.

/// Rows per block of the fused kernels of operators on `n` rows, for `m` block
/// columns, when no block size was set ([`Operators::with_block_rows`]): the
/// model's rule [`row_blocks::block_rows`] (shared with the objective and the
/// certificate), the most rows whose `rows × m` buffer fits
/// [`row_blocks::BLOCK_BYTES`] (the block buffer of [`Operators::forward`] and
/// [`Operators::adjoint`] stays in the L2 cache), rounded down to a multiple of 64
/// and clamped to `[64, 4096]`, and at most `n`. (Public so the memory estimate,
/// [`super::memory`], sizes the same workspaces.)
pub fn default_block_rows(n: usize, m: usize) -> usize {
    row_blocks::block_rows(n, m)
}

/// `X` and the pattern mask, ready for the structured products.
#[derive(Clone, Debug)]
pub struct Operators {
    /// `X`, `n × d`, stored with column stride exactly `n`; shared by the
    /// operators [`Operators::restricted`] to a subset of the patterns.
    x: Arc<[f64]>,
    /// `M` as `0.0 / 1.0`, `n × P`, column-major with stride `n`: built only by
    /// [`Operators::mask_col`] (benchmarks, tests), never by a solver.
    dense_mask: OnceLock<Vec<f64>>,
    /// `M` bit-packed word-major: bit `r % 64` of `bits[(r / 64)·P + i]` is
    /// `M[r, i]`, so the words of a row block are contiguous.
    bits: Vec<u64>,
    /// Rows per block of the fused kernels; `None` chooses from [`row_blocks::BLOCK_BYTES`].
    block_rows: Option<usize>,
    /// Parallelism of every GEMM.
    par: Par,
    n: usize,
    d: usize,
    p: usize,
}

impl Operators {
    pub fn new(x: &Mat<f64>, patterns: &Patterns) -> Operators {
        let (n, d, p) = (x.nrows(), x.ncols(), patterns.p());
        assert_eq!(patterns.n(), n, "patterns and X disagree on n");
        // Column-major with stride n, allocated once (a mapped range has a
        // trusted length, so the `Arc` is filled in place, not through a `Vec`).
        let xs: Arc<[f64]> = (0..n * d)
            .map(|k| x[(k % n.max(1), k / n.max(1))])
            .collect();
        Operators {
            x: xs,
            dense_mask: OnceLock::new(),
            bits: word_major(patterns),
            block_rows: None,
            par: Par::Seq,
            n,
            d,
            p,
        }
    }

    /// The operators of the same `X` on `patterns` (a working set's, e.g.
    /// [`Patterns::select`] of this one's), sharing `X` instead of copying its
    /// `8nd` bytes; the block size and parallelism are kept.
    pub fn restricted(&self, patterns: &Patterns) -> Operators {
        assert_eq!(patterns.n(), self.n, "patterns and X disagree on n");
        Operators {
            x: Arc::clone(&self.x),
            dense_mask: OnceLock::new(),
            bits: word_major(patterns),
            block_rows: self.block_rows,
            par: self.par,
            n: self.n,
            d: self.d,
            p: patterns.p(),
        }
    }

    /// The same operators with the fused kernels blocked by `rows` rows (a positive
    /// multiple of 64) instead of the default chosen from the cache budget; for
    /// benchmarks and tests.
    pub fn with_block_rows(mut self, rows: usize) -> Operators {
        assert!(
            rows > 0 && rows.is_multiple_of(64),
            "block rows must be a positive multiple of 64"
        );
        self.block_rows = Some(rows);
        self
    }

    /// The same operators with their GEMMs on `threads` threads (1: sequential).
    pub fn with_threads(mut self, threads: usize) -> Operators {
        self.par = crate::model::parallelism(threads);
        self
    }

    /// The parallelism of the GEMMs (for callers running their own on `X`).
    pub fn par(&self) -> Par {
        self.par
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

    /// Column `i` of the mask `M` as `0.0/1.0`, from a dense copy of the whole mask
    /// (`8nP` bytes) made on the first call: for benchmarks and tests. Solvers use
    /// [`Operators::fill_mask_col`] or [`Operators::mask_bit`].
    pub fn mask_col(&self, i: usize) -> &[f64] {
        let n = self.n;
        let dense = self.dense_mask.get_or_init(|| {
            let mut m = vec![0.0; n * self.p];
            for i in 0..self.p {
                self.fill_mask_col(i, &mut m[i * n..(i + 1) * n]);
            }
            m
        });
        &dense[i * n..(i + 1) * n]
    }

    /// `out = M_{:,i}` as `0.0/1.0` (`out` has `n` entries), from the bit mask.
    pub fn fill_mask_col(&self, i: usize, out: &mut [f64]) {
        debug_assert_eq!(out.len(), self.n);
        for (w, o) in out.chunks_mut(64).enumerate() {
            let word = self.bits[w * self.p + i];
            for (j, o) in o.iter_mut().enumerate() {
                *o = ((word >> j) & 1) as f64;
            }
        }
    }

    /// `col ← S_{:,i} ⊙ col` with `S = 2M − 1` (`col` has `n` entries): the sign of
    /// every row outside pattern `i` flips, so products `X u` become cone values
    /// `X̃_i u`, read from the bit mask (no dense mask column).
    pub fn apply_signs(&self, i: usize, col: &mut [f64]) {
        debug_assert_eq!(col.len(), self.n);
        simd::signs(&self.bits[i..], self.p, col)
    }

    /// `M[r, i]`.
    #[inline]
    pub fn mask_bit(&self, r: usize, i: usize) -> bool {
        (self.bits[(r / 64) * self.p + i] >> (r % 64)) & 1 == 1
    }

    /// The 64 mask bits of pattern `i` for rows `64w .. 64w + 63` (bit `j` is row
    /// `64w + j`).
    #[inline]
    pub fn mask_word(&self, w: usize, i: usize) -> u64 {
        self.bits[w * self.p + i]
    }

    /// Length of an `n × m` workspace (the full products of [`Operators::products`],
    /// [`Operators::transpose_products`]); also enough for the fused kernels.
    pub fn workspace_len(&self, m: usize) -> usize {
        self.n * m
    }

    /// Rows per block of the fused kernels for `m` block columns: the size set by
    /// [`Operators::with_block_rows`], else [`default_block_rows`]; at most `n`.
    pub fn block_rows(&self, m: usize) -> usize {
        match self.block_rows {
            Some(rows) => rows.min(self.n),
            None => default_block_rows(self.n, m),
        }
    }

    /// Rows per block of [`Operators::adjoint`] for `m` block columns: the size set
    /// by [`Operators::with_block_rows`], else [`row_blocks::adjoint_block_rows`]
    /// (at least 256 rows from `d = 96` on); at most `n`.
    pub fn adjoint_block_rows(&self, m: usize) -> usize {
        match self.block_rows {
            Some(rows) => rows.min(self.n),
            None => row_blocks::adjoint_block_rows(self.n, self.d, m),
        }
    }

    /// Length of the workspace of [`Operators::forward`] and [`Operators::adjoint`]
    /// with `m` block columns: one `rows × m` block, the larger of
    /// [`Operators::block_rows`] and [`Operators::adjoint_block_rows`] rows.
    pub fn block_workspace_len(&self, m: usize) -> usize {
        self.block_rows(m).max(self.adjoint_block_rows(m)) * m
    }

    /// `Z = X U` with `U` the `d × m` column-major matrix `u`; `z` has `n·m` entries.
    pub fn products(&self, u: &[f64], z: &mut [f64]) {
        let m = u.len() / self.d.max(1);
        debug_assert_eq!(u.len(), self.d * m);
        debug_assert_eq!(z.len(), self.n * m);
        let um = MatRef::from_column_major_slice(u, self.d, m);
        let zm = MatMut::from_column_major_slice_mut(z, self.n, m);
        matmul(zm, Accum::Replace, self.x(), um, 1.0, self.par);
    }

    /// `G = Xᵀ W` with `W` an `n × m` workspace; `g` is `d × m` column-major.
    pub fn transpose_products(&self, w: &[f64], g: &mut [f64]) {
        let m = w.len() / self.n.max(1);
        debug_assert_eq!(w.len(), self.n * m);
        debug_assert_eq!(g.len(), self.d * m);
        let wm = MatRef::from_column_major_slice(w, self.n, m);
        let gm = MatMut::from_column_major_slice_mut(g, self.d, m);
        matmul(gm, Accum::Replace, self.x().transpose(), wm, 1.0, self.par);
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
                for (w, (o, zc)) in out.chunks_mut(64).zip(zi.chunks(64)).enumerate() {
                    let word = self.mask_word(w, i);
                    for (j, (o, &zz)) in o.iter_mut().zip(zc).enumerate() {
                        *o += f64::from_bits(zz.to_bits() & keep(word, j));
                    }
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
                for (r, (o, (&za, &zb))) in out.iter_mut().zip(a.iter().zip(b)).enumerate() {
                    if self.mask_bit(r, i) {
                        *o += za - zb;
                    }
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
                for (r, (o, &rr)) in wi.iter_mut().zip(rk).enumerate() {
                    *o = if self.mask_bit(r, i) { alpha * rr } else { 0.0 };
                }
            }
        }
    }

    /// Forward map `pred = Σ_i D_i X u_i` per output (`u` is `d × cP`, `pred` is
    /// `n × c`), fused by row blocks: for each block of [`Operators::block_rows`]
    /// rows, `Z_blk = X_blk U` (one GEMM over all `c` outputs) into the workspace `z`
    /// (at least [`Operators::block_workspace_len`]`(cP)` entries), then the masked
    /// row sum of those rows while `Z_blk` is still in cache.
    pub fn forward(&self, u: &[f64], z: &mut [f64], pred: &mut [f64]) {
        let (n, d, p) = (self.n, self.d, self.p);
        let c = pred.len() / n.max(1);
        let m = c * p;
        debug_assert_eq!(pred.len(), n * c);
        debug_assert_eq!(u.len(), d * m);
        let nb = self.block_rows(m);
        assert!(
            z.len() >= nb * m,
            "forward: workspace shorter than block_workspace_len"
        );
        let um = MatRef::from_column_major_slice(u, d, m);
        row_blocks::products_in(self.x(), um, nb, self.par, z, |r0, rows, zb| {
            for k in 0..c {
                let out = &mut pred[k * n + r0..k * n + r0 + rows];
                let zk = &zb[k * p * rows..(k + 1) * p * rows];
                self.block_row_sum(r0, zk, out);
            }
        });
    }

    /// Adjoint map `g = α Xᵀ (M ⊙ r)` per output (`r` is `n × c`, `g` is `d × cP`),
    /// fused by row blocks: `G = Σ_blk X_blkᵀ (α M_blk ⊙ r_blk)`, each block's
    /// right-hand side built in the workspace `w` (at least
    /// [`Operators::block_workspace_len`]`(cP)` entries) and consumed at once by a
    /// GEMM accumulating into `g`.
    pub fn adjoint(&self, r: &[f64], alpha: f64, w: &mut [f64], g: &mut [f64]) {
        let (n, d, p) = (self.n, self.d, self.p);
        let c = r.len() / n.max(1);
        let m = c * p;
        debug_assert_eq!(r.len(), n * c);
        debug_assert_eq!(g.len(), d * m);
        if n == 0 {
            g.iter_mut().for_each(|v| *v = 0.0);
            return;
        }
        let nb = self.adjoint_block_rows(m);
        assert!(
            w.len() >= nb * m,
            "adjoint: workspace shorter than block_workspace_len"
        );
        let gm = MatMut::from_column_major_slice_mut(g, d, m);
        row_blocks::adjoint_in(self.x(), gm, nb, self.par, w, |r0, rows, wb| {
            for k in 0..c {
                let rk = &r[k * n + r0..k * n + r0 + rows];
                let wk = &mut wb[k * p * rows..(k + 1) * p * rows];
                self.block_expand(r0, alpha, rk, wk);
            }
        });
    }

    /// `out = Σ_i M[r0.., i] ⊙ zb_{:,i}` for the `rows = out.len()` rows from `r0`
    /// (`zb` is `rows × P`; `r0` is a multiple of 64).
    fn block_row_sum(&self, r0: usize, zb: &[f64], out: &mut [f64]) {
        simd::row_sum(&self.bits[(r0 / 64) * self.p..], self.p, zb, out)
    }

    /// `wb_{:,i} = α M[r0.., i] ⊙ r` for the `rows = r.len()` rows from `r0`
    /// (`wb` is `rows × P`; `r0` is a multiple of 64).
    fn block_expand(&self, r0: usize, alpha: f64, r: &[f64], wb: &mut [f64]) {
        simd::expand(&self.bits[(r0 / 64) * self.p..], self.p, alpha, r, wb)
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
        let i = self.pattern_of(j);
        for (r, (o, &zz)) in out.iter_mut().zip(zj).enumerate() {
            *o = if self.mask_bit(r, i) { zz } else { -zz };
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
            let i = self.pattern_of(j);
            for (r, &zz) in zj.iter().enumerate() {
                worst = worst.max(if self.mask_bit(r, i) { -zz } else { zz });
            }
        }
        worst
    }
}

/// The mask of `patterns` word-major: bit `r % 64` of `bits[(r / 64)·P + i]` is
/// `M[r, i]`.
fn word_major(patterns: &Patterns) -> Vec<u64> {
    let (words, p) = (patterns.n().div_ceil(64), patterns.p());
    let mut bits = vec![0u64; words * p];
    for i in 0..p {
        for (w, &word) in patterns.column_words(i).iter().enumerate() {
            bits[w * p + i] = word;
        }
    }
    bits
}

/// All ones if bit `j` of `word` is set, else zero: `x & keep(word, j)` is `x` or `+0`.
#[inline(always)]
fn keep(word: u64, j: usize) -> u64 {
    ((word >> j) & 1).wrapping_neg()
}

/// `out_r = Σ_i M[r, i] zb[r, i]` over a row block (`zb` is `rows × p`, `bits` the
/// word-major mask from the block's first word on).
#[inline(always)]
fn bits_row_sum(bits: &[u64], p: usize, zb: &[f64], out: &mut [f64]) {
    let rows = out.len();
    for (ch, o) in out.chunks_mut(64).enumerate() {
        o.iter_mut().for_each(|v| *v = 0.0);
        let words = &bits[ch * p..(ch + 1) * p];
        for (i, &word) in words.iter().enumerate() {
            let zc = &zb[i * rows + ch * 64..i * rows + ch * 64 + o.len()];
            for (j, (o, &zz)) in o.iter_mut().zip(zc).enumerate() {
                *o += f64::from_bits(zz.to_bits() & keep(word, j));
            }
        }
    }
}

/// `wb[r, i] = α M[r, i] r_r` over a row block (`wb` is `rows × p`).
#[inline(always)]
fn bits_expand(bits: &[u64], p: usize, alpha: f64, r: &[f64], wb: &mut [f64]) {
    let rows = r.len();
    for (ch, rc) in r.chunks(64).enumerate() {
        let words = &bits[ch * p..(ch + 1) * p];
        for (i, &word) in words.iter().enumerate() {
            let wc = &mut wb[i * rows + ch * 64..i * rows + ch * 64 + rc.len()];
            for (j, (o, &rr)) in wc.iter_mut().zip(rc).enumerate() {
                *o = f64::from_bits((alpha * rr).to_bits() & keep(word, j));
            }
        }
    }
}

/// `col_r ← −col_r` where `M[r, i] = 0`, for the pattern whose words are
/// `bits[0], bits[p], …` (row `r` in word `r / 64`, bit `r % 64`). The sign bit of
/// the rows outside the pattern is flipped with an XOR, branch-free so that it
/// vectorizes (a branch per row was 60% of the C-ReLU prox's own time).
#[inline(always)]
fn bits_signs(bits: &[u64], p: usize, col: &mut [f64]) {
    for (w, o) in col.chunks_mut(64).enumerate() {
        let flip = !bits[w * p];
        for (j, o) in o.iter_mut().enumerate() {
            *o = f64::from_bits(o.to_bits() ^ (((flip >> j) & 1) << 63));
        }
    }
}

/// The bit-mask kernels compiled for the widest vector extension the CPU has
/// (detected at run time; the crate itself is built for baseline x86-64), so the
/// select-by-bit loops vectorise with variable shifts. Results are bitwise the same
/// at every level: the loops vectorise across rows, each row's sum keeps its order,
/// and Rust never contracts `a + b·c` into an FMA.
mod simd {
    use super::{bits_expand, bits_row_sum, bits_signs};

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn signs_avx512(bits: &[u64], p: usize, col: &mut [f64]) {
        bits_signs(bits, p, col)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn signs_avx2(bits: &[u64], p: usize, col: &mut [f64]) {
        bits_signs(bits, p, col)
    }

    pub(super) fn signs(bits: &[u64], p: usize, col: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { signs_avx512(bits, p, col) };
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { signs_avx2(bits, p, col) };
            }
        }
        bits_signs(bits, p, col)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn row_sum_avx512(bits: &[u64], p: usize, zb: &[f64], out: &mut [f64]) {
        bits_row_sum(bits, p, zb, out)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn row_sum_avx2(bits: &[u64], p: usize, zb: &[f64], out: &mut [f64]) {
        bits_row_sum(bits, p, zb, out)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn expand_avx512(bits: &[u64], p: usize, alpha: f64, r: &[f64], wb: &mut [f64]) {
        bits_expand(bits, p, alpha, r, wb)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn expand_avx2(bits: &[u64], p: usize, alpha: f64, r: &[f64], wb: &mut [f64]) {
        bits_expand(bits, p, alpha, r, wb)
    }

    pub(super) fn row_sum(bits: &[u64], p: usize, zb: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { row_sum_avx512(bits, p, zb, out) };
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { row_sum_avx2(bits, p, zb, out) };
            }
        }
        bits_row_sum(bits, p, zb, out)
    }

    pub(super) fn expand(bits: &[u64], p: usize, alpha: f64, r: &[f64], wb: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { expand_avx512(bits, p, alpha, r, wb) };
            }
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { expand_avx2(bits, p, alpha, r, wb) };
            }
        }
        bits_expand(bits, p, alpha, r, wb)
    }
}

#[cfg(test)]
mod tests {
    use super::{Operators, bits_expand, bits_row_sum, bits_signs, simd};

    /// `apply_signs` is the product with `2M − 1`, bit for bit, over a partial
    /// last word.
    #[test]
    fn apply_signs_is_the_product_with_the_signs() {
        let n = 130;
        let cols: Vec<Vec<bool>> = (0..3)
            .map(|i| (0..n).map(|r| (r * 7 + i) % 3 == 0).collect())
            .collect();
        let pat = crate::model::Patterns::from_columns(n, &cols);
        let x = faer::Mat::from_fn(n, 2, |r, j| (r + j) as f64);
        let ops = Operators::new(&x, &pat);
        let mut mask = vec![0.0; n];
        for (i, col) in cols.iter().enumerate() {
            ops.fill_mask_col(i, &mut mask);
            let z: Vec<f64> = (0..n).map(|r| r as f64 - 60.5).collect();
            let mut s = z.clone();
            ops.apply_signs(i, &mut s);
            for r in 0..n {
                assert_eq!(s[r].to_bits(), (z[r] * (2.0 * mask[r] - 1.0)).to_bits());
                assert_eq!(s[r] == z[r], col[r]);
            }
        }
    }

    /// Operators restricted to a subset of the patterns share `X` and compute, on
    /// the subset's blocks, the forward of the full operators at a point that is
    /// zero outside the subset, and the subset's columns of the full adjoint.
    #[test]
    fn restricted_operators_share_x_and_agree_with_the_full_ones() {
        let (n, d, p) = (200, 3, 7);
        let cols: Vec<Vec<bool>> = (0..p)
            .map(|i| (0..n).map(|r| (r * (i + 3) + i) % 5 < 2).collect())
            .collect();
        let pat = crate::model::Patterns::from_columns(n, &cols);
        let x = faer::Mat::from_fn(n, d, |r, j| ((r * 7 + j * 3) % 11) as f64 - 5.0);
        let ops = Operators::new(&x, &pat);
        let set = [1usize, 4, 6];
        let sub = ops.restricted(&pat.select(&set));
        assert_eq!(sub.p(), set.len());
        assert_eq!(
            ops.x().as_ptr(),
            sub.x().as_ptr(),
            "X is shared, not copied"
        );
        let mut u = vec![0.0; d * p];
        let mut su = Vec::new();
        for &i in &set {
            let block: Vec<f64> = (0..d).map(|j| (i * d + j) as f64 * 0.25 - 1.0).collect();
            u[i * d..(i + 1) * d].copy_from_slice(&block);
            su.extend(block);
        }
        let (mut full, mut part) = (vec![0.0; n], vec![0.0; n]);
        let mut z = vec![0.0; ops.workspace_len(p)];
        ops.forward(&u, &mut z, &mut full);
        sub.forward(&su, &mut z, &mut part);
        assert!(full.iter().any(|&v| v != 0.0));
        assert_eq!(full, part);
        let r: Vec<f64> = (0..n).map(|k| (k % 13) as f64 - 6.0).collect();
        let (mut g, mut sg) = (vec![0.0; d * p], vec![0.0; d * set.len()]);
        ops.adjoint(&r, 0.5, &mut z, &mut g);
        sub.adjoint(&r, 0.5, &mut z, &mut sg);
        for (w, &i) in set.iter().enumerate() {
            assert_eq!(&g[i * d..(i + 1) * d], &sg[w * d..(w + 1) * d]);
        }
    }

    /// The run-time-dispatched kernels equal the plain ones bit for bit, on a block
    /// whose last 64-row chunk is partial.
    #[test]
    fn dispatched_kernels_equal_plain_ones_bitwise() {
        let (rows, p): (usize, usize) = (64 * 3 + 17, 11);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let bits: Vec<u64> = (0..rows.div_ceil(64) * p).map(|_| next()).collect();
        let unit = |v: u64| (v >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let zb: Vec<f64> = (0..rows * p).map(|_| unit(next())).collect();
        let r: Vec<f64> = (0..rows).map(|_| unit(next())).collect();

        let (mut a, mut b) = (vec![f64::NAN; rows], vec![f64::NAN; rows]);
        bits_row_sum(&bits, p, &zb, &mut a);
        simd::row_sum(&bits, p, &zb, &mut b);
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        assert!(a.iter().all(|v| v.is_finite()));

        let (mut a, mut b) = (vec![f64::NAN; rows * p], vec![f64::NAN; rows * p]);
        bits_expand(&bits, p, 0.3, &r, &mut a);
        simd::expand(&bits, p, 0.3, &r, &mut b);
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        // Spot-check the selection itself: row 70 of column 2.
        let set = (bits[p + 2] >> 6) & 1 == 1;
        let expect = if set { 0.3 * r[70] } else { 0.0 };
        assert_eq!(a[2 * rows + 70], expect);

        // Signs of pattern 4 (its words are bits[4], bits[4 + p], …).
        let (mut a, mut b) = (r.clone(), r.clone());
        bits_signs(&bits[4..], p, &mut a);
        simd::signs(&bits[4..], p, &mut b);
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        let set = (bits[2 * p + 4] >> 3) & 1 == 1;
        assert_eq!(a[131], if set { r[131] } else { -r[131] });
    }
}
