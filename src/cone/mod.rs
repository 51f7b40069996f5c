//! The cone-program IR: the explicit sparse second-order cone program every
//! training problem compiles to (SPEC §2).
//!
//! ```text
//!   minimise   ½ xᵀ P x + qᵀ x
//!   subject to A x + s = b,   s ∈ K = Zero^{z} × Nonnegative^{l} × Q^{q_1} × … × Q^{q_k}
//! ```
//!
//! This is Clarabel's form: `P` is upper triangular, `P` and `A` are CSC, and the
//! cones come in the order Zero → Nonnegative → SecondOrder (the order is checked by
//! [`ConeProgram::validate`], and decided by the compiler's row layout). Formats with
//! other sign conventions (CBF's `Ax + b ∈ K`) translate at their own boundary.
//!
//! A second-order cone of dimension `m` is `{ (t, x) ∈ R × R^{m-1} : ‖x‖₂ ≤ t }`.

pub(crate) mod cholesky;
pub mod clarabel;
pub mod polyhedral;

use serde::{Deserialize, Serialize};
use sprs::CsMat;

/// One block of the product cone `K`, with its dimension (number of rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cone {
    /// `{0}^m`: equality rows.
    Zero(usize),
    /// `R_+^m`.
    Nonnegative(usize),
    /// The Lorentz cone `Q^m = {(t, x) : ‖x‖ ≤ t}`, `m ≥ 1`.
    SecondOrder(usize),
}

impl Cone {
    /// Number of rows of `A` this cone covers.
    pub fn dim(&self) -> usize {
        match *self {
            Cone::Zero(m) | Cone::Nonnegative(m) | Cone::SecondOrder(m) => m,
        }
    }

    /// Rank in the canonical order Zero → Nonnegative → SecondOrder.
    fn order(&self) -> u8 {
        match self {
            Cone::Zero(_) => 0,
            Cone::Nonnegative(_) => 1,
            Cone::SecondOrder(_) => 2,
        }
    }

    /// Euclidean distance-style violation of `s ∈ K` for this block: for Zero the max
    /// |s|, for Nonnegative the max negative part, for Q the amount `‖x‖ − t` by which
    /// the norm exceeds the head (0 when inside).
    pub fn violation(&self, s: &[f64]) -> f64 {
        match self {
            Cone::Zero(_) => s.iter().fold(0.0, |m, v| m.max(v.abs())),
            Cone::Nonnegative(_) => s.iter().fold(0.0, |m, v| m.max(-v)),
            Cone::SecondOrder(_) => {
                if s.is_empty() {
                    return 0.0;
                }
                let tail = s[1..].iter().map(|v| v * v).sum::<f64>().sqrt();
                (tail - s[0]).max(0.0)
            }
        }
    }
}

/// Problem dimensions and sizes reported with every compiled program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSize {
    /// Number of variables (columns of `A`).
    pub cols: usize,
    /// Number of constraint rows.
    pub rows: usize,
    /// Nonzeros of `A`.
    pub nnz_a: usize,
    /// Nonzeros of the upper triangle of `P`.
    pub nnz_p: usize,
    /// Number of cone blocks.
    pub cones: usize,
}

/// Errors found by [`ConeProgram::validate`]: anything Clarabel could panic on or
/// silently mis-solve.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConeProgramError {
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),
    #[error("P is not upper triangular (entry at row {row}, column {col})")]
    NotUpperTriangular { row: usize, col: usize },
    #[error("cones out of order: {0} after a later cone kind")]
    ConeOrder(String),
    #[error("a second-order cone must have dimension >= 1")]
    EmptySecondOrder,
    #[error("matrix {0} is not in CSC storage")]
    NotCsc(&'static str),
}

/// `min ½xᵀPx + qᵀx s.t. Ax + s = b, s ∈ K`.
#[derive(Clone, Debug)]
pub struct ConeProgram {
    /// Upper triangle of the objective Hessian, `n × n`, CSC.
    pub p: CsMat<f64>,
    pub q: Vec<f64>,
    /// Constraint matrix, `m × n`, CSC.
    pub a: CsMat<f64>,
    pub b: Vec<f64>,
    pub cones: Vec<Cone>,
}

impl ConeProgram {
    /// Number of variables.
    pub fn num_vars(&self) -> usize {
        self.q.len()
    }

    /// Number of constraint rows.
    pub fn num_rows(&self) -> usize {
        self.b.len()
    }

    pub fn size(&self) -> ProgramSize {
        ProgramSize {
            cols: self.num_vars(),
            rows: self.num_rows(),
            nnz_a: self.a.nnz(),
            nnz_p: self.p.nnz(),
            cones: self.cones.len(),
        }
    }

    /// Objective `½xᵀPx + qᵀx` (P stored as its upper triangle).
    pub fn objective(&self, x: &[f64]) -> f64 {
        let mut quad = 0.0;
        for (col, colvec) in self.p.outer_iterator().enumerate() {
            for (row, &v) in colvec.iter() {
                let term = v * x[row] * x[col];
                quad += if row == col { term } else { 2.0 * term };
            }
        }
        0.5 * quad + self.q.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
    }

    /// Slack `s = b − Ax`.
    pub fn slack(&self, x: &[f64]) -> Vec<f64> {
        let mut s = self.b.clone();
        for (col, colvec) in self.a.outer_iterator().enumerate() {
            let xc = x[col];
            if xc != 0.0 {
                for (row, &v) in colvec.iter() {
                    s[row] -= v * xc;
                }
            }
        }
        s
    }

    /// Largest violation of `b − Ax ∈ K` over all cone blocks.
    pub fn max_violation(&self, x: &[f64]) -> f64 {
        let s = self.slack(x);
        let mut off = 0;
        let mut worst: f64 = 0.0;
        for cone in &self.cones {
            let m = cone.dim();
            worst = worst.max(cone.violation(&s[off..off + m]));
            off += m;
        }
        worst
    }

    /// Check everything a solver relies on: shapes, storage order, finiteness,
    /// upper-triangular `P`, cone dimensions summing to `m`, canonical cone order.
    pub fn validate(&self) -> Result<(), ConeProgramError> {
        let n = self.num_vars();
        let m = self.num_rows();
        if !self.p.is_csc() {
            return Err(ConeProgramError::NotCsc("P"));
        }
        if !self.a.is_csc() {
            return Err(ConeProgramError::NotCsc("A"));
        }
        if self.p.rows() != n || self.p.cols() != n {
            return Err(ConeProgramError::Dimension(format!(
                "P is {}x{}, expected {n}x{n}",
                self.p.rows(),
                self.p.cols()
            )));
        }
        if self.a.rows() != m || self.a.cols() != n {
            return Err(ConeProgramError::Dimension(format!(
                "A is {}x{}, expected {m}x{n}",
                self.a.rows(),
                self.a.cols()
            )));
        }
        let total: usize = self.cones.iter().map(Cone::dim).sum();
        if total != m {
            return Err(ConeProgramError::Dimension(format!(
                "cone dimensions sum to {total}, A has {m} rows"
            )));
        }
        let mut last = 0u8;
        for c in &self.cones {
            if let Cone::SecondOrder(0) = c {
                return Err(ConeProgramError::EmptySecondOrder);
            }
            if c.order() < last {
                return Err(ConeProgramError::ConeOrder(format!("{c:?}")));
            }
            last = c.order();
        }
        if self.q.iter().any(|v| !v.is_finite()) {
            return Err(ConeProgramError::NonFinite("q"));
        }
        if self.b.iter().any(|v| !v.is_finite()) {
            return Err(ConeProgramError::NonFinite("b"));
        }
        if self.a.data().iter().any(|v| !v.is_finite()) {
            return Err(ConeProgramError::NonFinite("A"));
        }
        if self.p.data().iter().any(|v| !v.is_finite()) {
            return Err(ConeProgramError::NonFinite("P"));
        }
        for (col, colvec) in self.p.outer_iterator().enumerate() {
            if let Some((row, _)) = colvec.iter().find(|(r, _)| *r > col) {
                return Err(ConeProgramError::NotUpperTriangular { row, col });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprs::TriMat;

    fn tiny() -> ConeProgram {
        // min ½x0² + x1  s.t. x0 + x1 = 1 (zero), x1 >= 0, (x1, x0) in Q
        let mut p = TriMat::new((2, 2));
        p.add_triplet(0, 0, 1.0);
        let mut a = TriMat::new((4, 2));
        a.add_triplet(0, 0, 1.0);
        a.add_triplet(0, 1, 1.0);
        a.add_triplet(1, 1, -1.0);
        a.add_triplet(2, 1, -1.0);
        a.add_triplet(3, 0, -1.0);
        ConeProgram {
            p: p.to_csc(),
            q: vec![0.0, 1.0],
            a: a.to_csc(),
            b: vec![1.0, 0.0, 0.0, 0.0],
            cones: vec![Cone::Zero(1), Cone::Nonnegative(1), Cone::SecondOrder(2)],
        }
    }

    #[test]
    fn validate_accepts_and_rejects() {
        let mut prog = tiny();
        assert_eq!(prog.validate(), Ok(()));
        prog.cones = vec![Cone::Nonnegative(1), Cone::Zero(1), Cone::SecondOrder(2)];
        assert!(matches!(
            prog.validate(),
            Err(ConeProgramError::ConeOrder(_))
        ));
        let mut prog = tiny();
        prog.b[0] = f64::NAN;
        assert_eq!(prog.validate(), Err(ConeProgramError::NonFinite("b")));
        let mut prog = tiny();
        prog.cones = vec![Cone::Zero(1), Cone::Nonnegative(1)];
        assert!(matches!(
            prog.validate(),
            Err(ConeProgramError::Dimension(_))
        ));
    }

    #[test]
    fn objective_and_violation() {
        let prog = tiny();
        let x = [0.5, 0.5];
        assert!((prog.objective(&x) - (0.125 + 0.5)).abs() < 1e-15);
        assert_eq!(prog.max_violation(&x), 0.0);
        let x = [2.0, -1.0];
        // zero row: 1 - (2 - 1) = 0; nonneg: s = -1 -> 1; soc: (s0, s1) = (-1, 2) -> 3
        assert!((prog.max_violation(&x) - 3.0).abs() < 1e-15);
    }
}
