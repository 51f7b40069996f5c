//! Row-blocked products with `X` (`n × d`) and the bit-packed pattern matrix, so
//! that no `n × m` matrix of doubles is ever made for `m` block columns (issue 13,
//! item 5): the rows are cut into blocks `B` of [`block_rows`] rows (a multiple of
//! 64, so a block starts on a word of the bit mask), sized so a `|B| × m` buffer
//! stays in the L2 cache, and
//!
//! ```text
//!   products   Z_B = X_B U  (GEMM into the buffer), read by the caller at once
//!   adjoint    W_B          (filled by the caller),  G += X_Bᵀ W_B  (GEMM, accumulate)
//! ```
//!
//! One buffer of `rows × m` doubles, at most `max(BLOCK_BYTES, 512m)` bytes
//! whatever `n` (an adjoint's, from `d = 96` features on, at most `2048m`:
//! [`adjoint_block_rows`]). The masks are applied while a block is in cache by the column
//! kernels below, which read a pattern's bits from [`Patterns::column_words`].
//!
//! Used by the objective and the certificate, the pattern construction, the
//! network's forward pass and (with their own workspaces and block sizes) the
//! native solvers' fused operators.

use crate::linalg::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::patterns::Patterns;

/// Bytes of the `rows × m` block buffer: the block of `Z` (or of `W`) must stay in
/// the per-core L2 cache between the GEMM that writes it and the pass that reads it.
pub const BLOCK_BYTES: usize = 256 * 1024;
/// Bounds on the rows of a block (a multiple of 64, so blocks start on a word of
/// the bit-packed mask).
pub const MIN_BLOCK_ROWS: usize = 64;
pub const MAX_BLOCK_ROWS: usize = 4096;

/// Rows per block for `n` rows and `m` block columns: the most rows whose
/// `rows × m` buffer fits [`BLOCK_BYTES`], rounded down to a multiple of 64 and
/// clamped to `[64, 4096]`, and at most `n`.
pub fn block_rows(n: usize, m: usize) -> usize {
    (BLOCK_BYTES / m.max(1).saturating_mul(8) / 64 * 64)
        .clamp(MIN_BLOCK_ROWS, MAX_BLOCK_ROWS)
        .min(n)
}

/// From this many features on, the adjoint's row blocks have at least
/// [`ADJOINT_MIN_ROWS`] rows ([`adjoint_block_rows`]).
pub const ADJOINT_WIDE_D: usize = 96;
/// The least rows of an adjoint block when `d ≥` [`ADJOINT_WIDE_D`].
pub const ADJOINT_MIN_ROWS: usize = 256;

/// Rows per block of the adjoint `G = Σ_B X_Bᵀ W_B` (`G` is `d × m`): every block
/// reads and writes all of `G`, `16dm` bytes against `2·rows·dm` flops. With few
/// features [`block_rows`] is best (`G` stays in cache and larger blocks spill the
/// buffer); from `d = 96` on, blocks of at least 256 rows were 11–13% faster
/// (one thread, best of 5–15 interleaved rounds, 2026-12-07:
/// n = 6000, d = 784, m = 10 000: 3.23 s at 64 rows, 2.88 s at 256;
/// m = 1600: 0.376 s, 0.341 s; n = 10 000, d = 100, m = 1000: 0.054 s, 0.048 s;
/// d = 64 and d ≤ 30 gained nothing, and at d = 30, m = 5000 256 rows lost 10%).
pub fn adjoint_block_rows(n: usize, d: usize, m: usize) -> usize {
    let rows = block_rows(n, m);
    if d >= ADJOINT_WIDE_D {
        rows.max(ADJOINT_MIN_ROWS).min(n)
    } else {
        rows
    }
}

/// `f(r0, rows, Z_B)` for every row block `B = r0 .. r0 + rows` (blocks of `nb`
/// rows, a multiple of 64 or at least `n`), with `Z_B = X_B U` (`U` is `d × m`)
/// column-major in `work[.. rows·m]` (`work` has at least `min(nb, n)·m` entries).
pub fn products_in(
    x: MatRef<'_, f64>,
    u: MatRef<'_, f64>,
    nb: usize,
    par: Par,
    work: &mut [f64],
    mut f: impl FnMut(usize, usize, &mut [f64]),
) {
    let (n, m) = (x.nrows(), u.ncols());
    let mut r0 = 0;
    while r0 < n {
        let rows = nb.min(n - r0);
        let zb = &mut work[..rows * m];
        matmul(
            MatMut::from_column_major_slice_mut(&mut *zb, rows, m),
            Accum::Replace,
            x.subrows(r0, rows),
            u,
            1.0,
            par,
        );
        f(r0, rows, zb);
        r0 += rows;
    }
}

/// [`products_in`] with [`block_rows`] and a buffer of its own.
pub fn products(
    x: MatRef<'_, f64>,
    u: MatRef<'_, f64>,
    par: Par,
    f: impl FnMut(usize, usize, &mut [f64]),
) {
    let (n, m) = (x.nrows(), u.ncols());
    let nb = block_rows(n, m);
    let mut work = vec![0.0; nb * m];
    products_in(x, u, nb, par, &mut work, f);
}

/// `G = Σ_B X_Bᵀ W_B` (`G` is `d × m`) over the row blocks of `nb` rows, where
/// `fill(r0, rows, W_B)` writes the `rows × m` block column-major into
/// `work[.. rows·m]` (`work` has at least `min(nb, n)·m` entries). `G = 0` when
/// `n = 0`.
pub fn adjoint_in(
    x: MatRef<'_, f64>,
    mut g: MatMut<'_, f64>,
    nb: usize,
    par: Par,
    work: &mut [f64],
    mut fill: impl FnMut(usize, usize, &mut [f64]),
) {
    let (n, m) = (x.nrows(), g.ncols());
    if n == 0 {
        g.fill(0.0);
        return;
    }
    let mut r0 = 0;
    while r0 < n {
        let rows = nb.min(n - r0);
        let wb = &mut work[..rows * m];
        fill(r0, rows, wb);
        let accum = if r0 == 0 { Accum::Replace } else { Accum::Add };
        matmul(
            g.as_mut(),
            accum,
            x.subrows(r0, rows).transpose(),
            MatRef::from_column_major_slice(wb, rows, m),
            1.0,
            par,
        );
        r0 += rows;
    }
}

/// [`adjoint_in`] with [`adjoint_block_rows`] and a buffer of its own.
pub fn adjoint(
    x: MatRef<'_, f64>,
    g: MatMut<'_, f64>,
    par: Par,
    fill: impl FnMut(usize, usize, &mut [f64]),
) {
    let (n, m) = (x.nrows(), g.ncols());
    let nb = adjoint_block_rows(n, x.ncols(), m);
    let mut work = vec![0.0; nb * m];
    adjoint_in(x, g, nb, par, &mut work, fill);
}

/// `f(r, M[r0 + r, i], col[r])` for every row `r` of one column of a block that
/// starts at row `r0` (a multiple of 64).
#[inline]
pub fn each_with_bit(
    patterns: &Patterns,
    i: usize,
    r0: usize,
    col: &[f64],
    mut f: impl FnMut(usize, bool, f64),
) {
    debug_assert!(r0.is_multiple_of(64));
    let words = &patterns.column_words(i)[r0 / 64..];
    for (ch, (z, &word)) in col.chunks(64).zip(words).enumerate() {
        for (j, &v) in z.iter().enumerate() {
            f(ch * 64 + j, (word >> j) & 1 == 1, v);
        }
    }
}

/// `out[r] += Σ_i M[r0 + r, i] · zb[r, i]` over the rows of a block (`zb` is
/// `rows × P` column-major, `rows = out.len()`), patterns in ascending order.
pub fn add_masked_row_sum(patterns: &Patterns, r0: usize, zb: &[f64], out: &mut [f64]) {
    let rows = out.len();
    for (i, zc) in zb.chunks(rows.max(1)).enumerate().take(patterns.p()) {
        each_with_bit(patterns, i, r0, zc, |r, on, v| {
            if on {
                out[r] += v;
            }
        });
    }
}

/// `wb[r, kP + i] = M[r0 + r, i] · res[r, k]` over the rows of a block (`res` is
/// the block's `rows × c` residual, one slice per output; `wb` is `rows × cP`
/// column-major).
pub fn expand_masked(patterns: &Patterns, r0: usize, res: &[&[f64]], wb: &mut [f64]) {
    let p = patterns.p();
    let Some(rows) = res.first().map(|r| r.len()) else {
        return;
    };
    for (j, wc) in wb.chunks_mut(rows.max(1)).enumerate().take(res.len() * p) {
        let rk = res[j / p];
        each_with_bit(patterns, j % p, r0, rk, |r, on, v| {
            wc[r] = if on { v } else { 0.0 };
        });
    }
}

/// `zb[r, i] = 0` where `M[r0 + r, i] = 0`, over the rows of a block (`zb` is
/// `rows × m` column-major with `m ≤ P`, `rows > 0`; `r0` a multiple of 64):
/// the block of `[D_i X u_i]` from that of `[X u_i]`.
pub fn keep_masked(patterns: &Patterns, r0: usize, zb: &mut [f64]) {
    let m = patterns.p();
    let rows = zb.len() / m.max(1);
    debug_assert!(r0.is_multiple_of(64));
    for (i, col) in zb.chunks_mut(rows.max(1)).enumerate().take(m) {
        let words = &patterns.column_words(i)[r0 / 64..];
        for (z, &word) in col.chunks_mut(64).zip(words) {
            for (j, v) in z.iter_mut().enumerate() {
                if (word >> j) & 1 == 0 {
                    *v = 0.0;
                }
            }
        }
    }
}

/// `max_{r, j} −(2M[r0 + r, j mod P] − 1) · zb[r, j]` over the rows of a block
/// (`zb` is `rows × m` column-major, `rows > 0`), or `−∞` for no entries: the
/// block's largest cone violation of columns laid out `kP + i`.
pub fn max_sign_violation(patterns: &Patterns, r0: usize, rows: usize, zb: &[f64]) -> f64 {
    let p = patterns.p();
    let mut worst = f64::NEG_INFINITY;
    for (j, zc) in zb.chunks(rows.max(1)).enumerate() {
        each_with_bit(patterns, j % p, r0, zc, |_, on, v| {
            worst = worst.max(if on { -v } else { v });
        });
    }
    worst
}
