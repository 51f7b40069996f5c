//! Clarabel's own JSON problem file, read by `DefaultSolver::load_from_file`
//! (Clarabel.rs with the `serde` feature; the Python and Julia interfaces read the
//! same file).
//!
//! The file is the object `{P, q, A, b, cones, settings}` that Clarabel 0.11's
//! `save_to_file` writes, serialised here through Clarabel's own serde
//! implementations (`CscMatrix`, `SupportedConeT`, `DefaultSettings`), from the
//! program's data directly. We do not call `save_to_file`: it needs a solver built
//! (equilibration and KKT set-up, seconds on large problems), and it writes the data
//! *un-equilibrated back* from the scaled copy (`D⁻¹ P D⁻¹ / c`, `E⁻¹ A D⁻¹`, …), so
//! its numbers differ from the original in the last bits. Ours are exact; the tests
//! check that `load_from_file` reads them and solves to the same optimum, and that
//! `save_to_file` agrees to rounding.
//!
//! One extra field, `cvxrelu`, carries the provenance; serde ignores unknown fields,
//! so Clarabel's reader skips it. Settings are Clarabel's defaults with
//! `time_limit = ∞` written as `f64::MAX` (JSON has no infinity), as
//! `save_to_file` does and `load_from_file` undoes.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, SupportedConeT};
use serde::Serialize;

use super::{ExportError, Provenance};
use crate::cone::ConeProgram;

#[allow(non_snake_case)]
#[derive(Serialize)]
struct JsonProblemData<'a> {
    P: CscMatrix<f64>,
    q: &'a [f64],
    A: CscMatrix<f64>,
    b: &'a [f64],
    cones: Vec<SupportedConeT<f64>>,
    settings: DefaultSettings<f64>,
    cvxrelu: &'a Provenance,
}

/// Clarabel's matrix type from an sprs matrix (copies).
pub fn csc(m: &sprs::CsMat<f64>) -> CscMatrix<f64> {
    crate::cone::clarabel::csc(m.clone())
}

pub use crate::cone::clarabel::cones;

/// The default settings, made serialisable (`time_limit` ∞ → `f64::MAX`).
pub fn settings() -> DefaultSettings<f64> {
    let mut s = DefaultSettings::<f64>::default();
    if s.time_limit.is_infinite() {
        s.time_limit = f64::MAX;
    }
    s
}

/// The Clarabel JSON of `program` (compact).
pub fn write(program: &ConeProgram, provenance: &Provenance) -> Result<Vec<u8>, ExportError> {
    let data = JsonProblemData {
        P: csc(&program.p),
        q: &program.q,
        A: csc(&program.a),
        b: &program.b,
        cones: cones(&program.cones),
        settings: settings(),
        cvxrelu: provenance,
    };
    serde_json::to_vec(&data).map_err(|e| ExportError::Serialize {
        format: "clarabel-json",
        message: e.to_string(),
    })
}
