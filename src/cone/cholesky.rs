//! Solves with a small Cholesky factor: `L Lᵀ x = b` for a lower-triangular `L`
//! (`k × k`) kept in a row-major array of row length `stride ≥ k` (so a factor can
//! grow in place up to `stride` rows). Forward substitution `L y = b`, then back
//! substitution `Lᵀ x = y`, in place, allocating nothing.
//!
//! Used where the systems are tiny and solved inside iterations: the passive sets
//! of the cone projections ([`super::polyhedral`], `k ≤ d`) and the dual
//! extrapolation's affine combination (`k ≤ 10`). faer's triangular solves take
//! matrix views and dispatch for sizes far above these; the loops here are what
//! they would do at `k ≤ 30`.

/// Overwrite `x` (holding `b` on entry, length ≥ `k`) with the solution of
/// `L Lᵀ x = b`; `chol[a·stride + q]` is `L_aq`.
pub(crate) fn solve_in_place(chol: &[f64], stride: usize, k: usize, x: &mut [f64]) {
    for a in 0..k {
        forward_row(chol, stride, a, x);
    }
    back_in_place(chol, stride, k, x);
}

/// Row `a` of the forward substitution `L y = b`: `x[a]` holds `b_a` on entry
/// and `y_a` after, `x[..a]` holds `y_0 … y_{a−1}` (a factor grown by a row
/// extends its `y` by one entry).
#[inline]
pub(crate) fn forward_row(chol: &[f64], stride: usize, a: usize, x: &mut [f64]) {
    let mut s = x[a];
    for q in 0..a {
        s -= chol[a * stride + q] * x[q];
    }
    x[a] = s / chol[a * stride + a];
}

/// The back substitution `Lᵀ x = y`, in place (`x[..k]` holds `y` on entry).
#[inline]
pub(crate) fn back_in_place(chol: &[f64], stride: usize, k: usize, x: &mut [f64]) {
    for a in (0..k).rev() {
        let mut s = x[a];
        for q in a + 1..k {
            s -= chol[q * stride + a] * x[q];
        }
        x[a] = s / chol[a * stride + a];
    }
}

#[cfg(test)]
mod tests {
    use super::solve_in_place;

    /// `L = [[2, 0], [1, 3]]` in rows of length 3: `L Lᵀ = [[4, 2], [2, 10]]`, and
    /// `x = (1, −1)` gives `b = (2, −8)`.
    #[test]
    fn solves_a_strided_factor() {
        let chol = [2.0, 0.0, 9.9, 1.0, 3.0, 9.9];
        let mut x = [2.0, -8.0, 7.0];
        solve_in_place(&chol, 3, 2, &mut x);
        assert!(
            (x[0] - 1.0).abs() < 1e-15 && (x[1] + 1.0).abs() < 1e-15,
            "{x:?}"
        );
        assert_eq!(x[2], 7.0, "entries past k are left alone");
    }
}
