//! Dual points from the iterates (issue 13, item 2): dual extrapolation of the
//! residuals (Massias, Gramfort & Salmon 2018; Massias, Vaiter, Gramfort & Salmon
//! 2020), so the certified gap tracks the true gap.
//!
//! The certificate's dual point is `θ = α r / N` for a residual-like `r`, with the
//! best `α` keeping `θ` feasible ([`crate::certify::dual_objective`]): *any* `r`
//! gives a valid lower bound. The plain choice is the current residual
//! `r_t = A u_t − Y`, which converges to the optimal `r*` only as fast as the
//! iterates — and the bound is `O(‖r_t − r*‖)` off, so it lags the primal
//! objective (`O(‖r_t − r*‖²)` off). When the iterates behave like a linear
//! (vector-autoregressive) process near the solution, their residuals' limit is
//! extrapolated from the last `K + 1` ones, `r_0 … r_K` (oldest first):
//!
//! ```text
//!   U = [r_1 − r_0, …, r_K − r_{K−1}]      (n c × K)
//!   (UᵀU + εI) z = 1,   c = z / (1ᵀz),   r_acc = Σ_i c_i r_{i+1}
//! ```
//!
//! (`r_acc` is the affine combination of the last `K` residuals with the smallest
//! combined difference, an Anderson step.) The solver evaluates the bound at both
//! `r_t` and `r_acc` and keeps the best bound seen so far, each one valid.

use crate::cone::cholesky;

/// The last `K + 1` residuals (pushed at the stopping checks) and the
/// extrapolation from them.
#[derive(Clone, Debug)]
pub struct DualExtrapolation {
    k: usize,
    /// Ring of `K + 1` residuals; `next` is the slot to overwrite, `count` how
    /// many are valid.
    ring: Vec<Vec<f64>>,
    next: usize,
    count: usize,
    /// `U`'s Gram matrix and the solve's scratch.
    gram: Vec<f64>,
    z: Vec<f64>,
}

impl DualExtrapolation {
    /// Extrapolation from the last `k + 1` residuals of length `len` (`k ≥ 1`).
    pub fn new(k: usize, len: usize) -> DualExtrapolation {
        assert!(k >= 1, "extrapolation needs at least two residuals");
        DualExtrapolation {
            k,
            ring: (0..=k).map(|_| vec![0.0; len]).collect(),
            next: 0,
            count: 0,
            gram: vec![0.0; k * k],
            z: vec![0.0; k],
        }
    }

    /// Forget the residuals (a new run).
    pub fn clear(&mut self) {
        self.count = 0;
        self.next = 0;
    }

    /// Record a residual; a repeat of the last one is ignored.
    pub fn push(&mut self, r: &[f64]) {
        if self.count > 0 {
            let last = (self.next + self.k) % (self.k + 1);
            if self.ring[last] == r {
                return;
            }
        }
        self.ring[self.next].copy_from_slice(r);
        self.next = (self.next + 1) % (self.k + 1);
        self.count = (self.count + 1).min(self.k + 1);
    }

    /// Residual `i` from the oldest (`0 ≤ i ≤ K`), once the ring is full.
    fn get(&self, i: usize) -> &[f64] {
        &self.ring[(self.next + i) % (self.k + 1)]
    }

    /// `r_acc` into `out`; `false` (and `out` untouched) until `K + 1` residuals
    /// are in, or when `UᵀU` is numerically singular.
    pub fn extrapolate(&mut self, out: &mut [f64]) -> bool {
        let k = self.k;
        if self.count < k + 1 {
            return false;
        }
        // Gram matrix of the differences.
        for a in 0..k {
            for b in 0..=a {
                let (ra1, ra0, rb1, rb0) =
                    (self.get(a + 1), self.get(a), self.get(b + 1), self.get(b));
                let mut s = 0.0;
                for l in 0..ra1.len() {
                    s += (ra1[l] - ra0[l]) * (rb1[l] - rb0[l]);
                }
                self.gram[a * k + b] = s;
                self.gram[b * k + a] = s;
            }
        }
        // Cholesky of UᵀU (in place, lower), then z = (UᵀU)⁻¹ 1.
        let g = &mut self.gram;
        let scale = (0..k).map(|a| g[a * k + a]).fold(0.0, f64::max);
        if !(scale > 0.0 && scale.is_finite()) {
            return false;
        }
        // A tiny ridge: the differences are often (nearly) dependent — a sequence
        // driven by fewer than K modes — and the affine minimiser is still
        // meaningful there.
        for a in 0..k {
            g[a * k + a] += 1e-10 * scale;
        }
        for j in 0..k {
            let mut dj = g[j * k + j];
            for l in 0..j {
                dj -= g[j * k + l] * g[j * k + l];
            }
            if dj <= 1e-14 * scale {
                return false;
            }
            let dj = dj.sqrt();
            g[j * k + j] = dj;
            for i in j + 1..k {
                let mut s = g[i * k + j];
                for l in 0..j {
                    s -= g[i * k + l] * g[j * k + l];
                }
                g[i * k + j] = s / dj;
            }
        }
        let z = &mut self.z;
        z[..k].iter_mut().for_each(|v| *v = 1.0);
        cholesky::solve_in_place(g, k, k, z);
        let total: f64 = z.iter().sum();
        if !(total.is_finite() && total != 0.0) {
            return false;
        }
        out.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..k {
            let c = self.z[i] / total;
            for (o, r) in out.iter_mut().zip(self.get(i + 1)) {
                *o += c * r;
            }
        }
        out.iter().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::DualExtrapolation;

    /// On a linear sequence `r_t = r* + Tᵗ e` with `T` diagonal of two rates, the
    /// extrapolation from 4 residuals (K = 3: the differences' minimal polynomial
    /// has degree 2) recovers `r*` to rounding.
    #[test]
    fn recovers_the_limit_of_a_linear_sequence() {
        let limit = [1.0, -2.0, 0.5, 3.0];
        let rates: [f64; 4] = [0.9, 0.5, 0.9, 0.5];
        let e = [1.0, 1.0, -2.0, 0.3];
        let mut ex = DualExtrapolation::new(3, 4);
        let mut out = [0.0; 4];
        for t in 0..4 {
            assert!(!ex.extrapolate(&mut out));
            let r: Vec<f64> = (0..4).map(|i| limit[i] + rates[i].powi(t) * e[i]).collect();
            ex.push(&r);
        }
        assert!(ex.extrapolate(&mut out));
        for i in 0..4 {
            assert!((out[i] - limit[i]).abs() < 1e-5, "{out:?}");
        }
    }
}
