//! The cone program in Clarabel's types, written once for the solver
//! ([`crate::solvers::clarabel`]) and the Clarabel-JSON exporter. The IR already
//! uses Clarabel's convention (`Ax + s = b`, `s ∈ K`, upper-triangular `P`), so the
//! conversion is a change of types only.

use clarabel::algebra::CscMatrix;
use clarabel::solver::SupportedConeT;

use super::Cone;

/// Clarabel's matrix type from an sprs matrix (moved; converted to CSC if needed).
pub fn csc(m: sprs::CsMat<f64>) -> CscMatrix<f64> {
    let (rows, cols) = m.shape();
    let m = if m.is_csc() { m } else { m.to_csc() };
    let (indptr, indices, data) = m.into_raw_storage();
    CscMatrix::new(rows, cols, indptr, indices, data)
}

/// Clarabel's cone list.
pub fn cones(cones: &[Cone]) -> Vec<SupportedConeT<f64>> {
    cones
        .iter()
        .map(|c| match *c {
            Cone::Zero(m) => SupportedConeT::ZeroConeT(m),
            Cone::Nonnegative(m) => SupportedConeT::NonnegativeConeT(m),
            Cone::SecondOrder(m) => SupportedConeT::SecondOrderConeT(m),
        })
        .collect()
}
