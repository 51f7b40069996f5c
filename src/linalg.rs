//! Dense products `C ← α·A·B` ([`Accum::Replace`]) or `C ← C + α·A·B`
//! ([`Accum::Add`]) on faer views: faer's `matmul` signature, computed by the
//! `gemm` crate's kernels, with its AVX-512 kernels compiled in and chosen at run
//! time (AVX2 or portable kernels on CPUs without AVX-512).
//!
//! Why not faer's own `matmul`: faer 0.21 multiplies through gemm 0.18, whose
//! AVX-512 kernels need a nightly compiler (its `nightly` feature), so on this
//! project's stable toolchain an AVX-512 machine ran the AVX2 kernels. gemm 0.19's
//! `x86-v4` feature builds them on stable. Measured on the Intel Xeon of
//! `results/` (one thread, the same shapes through gemm 0.18 and 0.19, GFMA/s):
//!
//! ```text
//!   shape (m × k · k × n)          the product it stands for            0.18   0.19
//!   5000 × 30 · 30 × 2200          relu forward X·U, P = 2500 sets       8.9   18.9
//!   30 × 5000 · 5000 × 2200        its adjoint Xᵀ·W                     16.4   25.5
//!   6000 × 784 · 784 × 3200        MNIST-shaped forward                 15.4   30.9
//!   784 × 6000 · 6000 × 3200       its adjoint                          19.3   33.6
//! ```
//!
//! Every dense product of the crate goes through [`matmul`], so a solve's bits
//! do not depend on which product path a caller took.

use faer::{Accum, MatMut, MatRef, Par};

/// `dst ← α·lhs·rhs` (`Accum::Replace`) or `dst ← dst + α·lhs·rhs` (`Accum::Add`),
/// with `par`'s threads; any strides (faer's views carry them). Panics if the
/// shapes do not match (a bug in the caller, as for faer's `matmul`).
pub fn matmul(
    dst: MatMut<'_, f64>,
    accum: Accum,
    lhs: MatRef<'_, f64>,
    rhs: MatRef<'_, f64>,
    alpha: f64,
    par: Par,
) {
    let (m, n, k) = (dst.nrows(), dst.ncols(), lhs.ncols());
    assert!(
        lhs.nrows() == m && rhs.nrows() == k && rhs.ncols() == n,
        "matmul: {}×{} · {}×{} into {m}×{n}",
        lhs.nrows(),
        k,
        rhs.nrows(),
        rhs.ncols(),
    );
    if m == 0 || n == 0 {
        return;
    }
    let read_dst = match accum {
        Accum::Replace => false,
        Accum::Add => true,
    };
    if k == 0 {
        let mut dst = dst;
        if !read_dst {
            dst.fill(0.0);
        }
        return;
    }
    let parallelism = match par {
        Par::Seq => gemm::Parallelism::None,
        Par::Rayon(threads) => gemm::Parallelism::Rayon(threads.get()),
    };
    // SAFETY: each view's pointer and strides address its `rows × cols` entries
    // (faer's invariant), `dst` is borrowed mutably so it aliases neither operand,
    // and the shapes were checked above. gemm computes
    // `dst ← 1·dst + α·lhs·rhs` when `read_dst`, else `dst ← α·lhs·rhs`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_ptr_mut(),
            dst.col_stride(),
            dst.row_stride(),
            read_dst,
            lhs.as_ptr(),
            lhs.col_stride(),
            lhs.row_stride(),
            rhs.as_ptr(),
            rhs.col_stride(),
            rhs.row_stride(),
            1.0,
            alpha,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::matmul;
    use faer::{Accum, Mat, Par};

    /// Every entry against the sum written out, for both accumulations, a
    /// transposed operand (row-major strides), a column-sliced destination and
    /// an empty inner dimension.
    #[test]
    fn products_equal_the_sums_they_stand_for() {
        let a = Mat::<f64>::from_fn(7, 5, |i, j| (i as f64 - 2.0 * j as f64) * 0.25 + 1.0);
        let b = Mat::<f64>::from_fn(5, 9, |i, j| ((i * 9 + j) % 7) as f64 - 3.0);
        let want = |c0: &Mat<f64>, i: usize, j: usize, add: bool, alpha: f64| {
            let s: f64 = (0..5).map(|q| a[(i, q)] * b[(q, j)]).sum();
            alpha * s + if add { c0[(i, j)] } else { 0.0 }
        };
        for (accum, add) in [(Accum::Replace, false), (Accum::Add, true)] {
            for alpha in [1.0, -0.5] {
                let c0 = Mat::<f64>::from_fn(7, 9, |i, j| (i + 2 * j) as f64);
                let mut c = c0.clone();
                matmul(c.as_mut(), accum, a.as_ref(), b.as_ref(), alpha, Par::Seq);
                for i in 0..7 {
                    for j in 0..9 {
                        let w = want(&c0, i, j, add, alpha);
                        assert!(
                            (c[(i, j)] - w).abs() < 1e-12,
                            "({i}, {j}): {} against {w}",
                            c[(i, j)]
                        );
                    }
                }
            }
        }
        // Aᵀ·C through a transposed view: (5 × 7)·(7 × 9).
        let at = a.transpose();
        let c = Mat::<f64>::from_fn(7, 9, |i, j| (i as f64) - (j as f64) * 0.5);
        let mut g = Mat::<f64>::zeros(5, 9);
        matmul(g.as_mut(), Accum::Replace, at, c.as_ref(), 1.0, Par::Seq);
        for i in 0..5 {
            for j in 0..9 {
                let w: f64 = (0..7).map(|q| a[(q, i)] * c[(q, j)]).sum();
                assert!((g[(i, j)] - w).abs() < 1e-12);
            }
        }
        // Into columns 2..5 of a wider matrix: the others stay as they were.
        let mut wide = Mat::<f64>::from_fn(7, 8, |_, _| 4.0);
        matmul(
            wide.as_mut().subcols_mut(2, 3),
            Accum::Replace,
            a.as_ref(),
            b.as_ref().subcols(0, 3),
            1.0,
            Par::Seq,
        );
        for i in 0..7 {
            for j in 0..8 {
                let w = if (2..5).contains(&j) {
                    want(&wide, i, j - 2, false, 1.0)
                } else {
                    4.0
                };
                assert!((wide[(i, j)] - w).abs() < 1e-12, "({i}, {j})");
            }
        }
        // k = 0: Replace writes zeros, Add leaves the destination alone.
        let (e, f) = (Mat::<f64>::zeros(3, 0), Mat::<f64>::zeros(0, 2));
        let mut z = Mat::<f64>::from_fn(3, 2, |_, _| 5.0);
        matmul(
            z.as_mut(),
            Accum::Add,
            e.as_ref(),
            f.as_ref(),
            1.0,
            Par::Seq,
        );
        assert!(z.col_iter().all(|c| c.iter().all(|&v| v == 5.0)));
        matmul(
            z.as_mut(),
            Accum::Replace,
            e.as_ref(),
            f.as_ref(),
            1.0,
            Par::Seq,
        );
        assert!(z.col_iter().all(|c| c.iter().all(|&v| v == 0.0)));
    }
}
