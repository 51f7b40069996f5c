//! Estimate of the memory a compile plus a Clarabel solve needs, so that a problem
//! that cannot fit is refused with a clear message instead of the process being
//! killed.
//!
//! The estimate (bytes) is
//!
//! ```text
//!   2 × [ copies of A and P:  3 × 16 B × nnz   (ours, Clarabel's scaled copy, the KKT matrix)
//!       + KKT factor:        12 B × c·(m_b²/2 + n·k·P·d)  with m_b = min(n, k·P·d), k = 1 or 2
//!       + vectors:           30 × 8 B × (rows + cols) ]
//! ```
//!
//! Calibration (peak RSS of `cvxrelu solve --solver clarabel`, measured with
//! `/usr/bin/time -f %M`): breast_cancer relu P=50: 0.29 GiB measured / 0.30 estimated;
//! synth n=2000 d=20 relu P=50: 0.68 / 0.76; synth n=10000 d=20 gated P=100:
//! 1.06 / 1.40. The factor 2 is that calibration (the bracket alone underestimated
//! by 1.5–1.9×).
//!
//! The factor term models the dense fill that the Zero rows create between the
//! residual and the block variables of one output (the blocks of different outputs
//! are decoupled). It is a heuristic calibrated on this machine, documented in the
//! README; `--max-memory` overrides the limit.

use super::layout::Layout;

/// Measured peak / bracketed estimate (see the module docs).
const CALIBRATION: f64 = 2.0;

/// Default limit: 8 GiB.
pub use crate::model::budget::DEFAULT_MAX_MEMORY;

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemoryEstimate {
    pub bytes: u64,
    pub nnz_a: u64,
    pub rows: u64,
    pub cols: u64,
}

impl MemoryEstimate {
    pub fn new(layout: &Layout, nnz_a: usize) -> MemoryEstimate {
        let k = layout.families() as f64;
        let block = k * (layout.p * layout.d) as f64;
        let mb = (layout.n as f64).min(block);
        let factor = layout.c as f64 * (mb * mb / 2.0 + layout.n as f64 * block);
        let bytes = CALIBRATION
            * (48.0 * nnz_a as f64 + 12.0 * factor + 240.0 * (layout.rows + layout.cols) as f64);
        MemoryEstimate {
            bytes: bytes.min(u64::MAX as f64) as u64,
            nnz_a: nnz_a as u64,
            rows: layout.rows as u64,
            cols: layout.cols as u64,
        }
    }

    pub fn gib(&self) -> f64 {
        self.bytes as f64 / (1u64 << 30) as f64
    }
}

/// Parse `123`, `512M`, `8G`, `1.5T`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        Some('T' | 't') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 8G, 512M, 1000000)"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("'{s}' must be a positive size"));
    }
    Ok((v * mult as f64) as u64)
}

/// Estimate for a conic program read from a file (`solve --cbf`), from its size
/// alone: the three copies of `A` and `P` and the vectors of the bracket above,
/// times the calibration. Without a layout the factor fill is unknown, so this is
/// a lower bound: it refuses what can never fit, not everything that will not.
pub fn program_estimate(size: &crate::cone::ProgramSize) -> MemoryEstimate {
    let nnz = (size.nnz_a + size.nnz_p) as f64;
    let bytes = CALIBRATION * (48.0 * nnz + 240.0 * (size.rows + size.cols) as f64);
    MemoryEstimate {
        bytes: bytes.min(u64::MAX as f64) as u64,
        nnz_a: size.nnz_a as u64,
        rows: size.rows as u64,
        cols: size.cols as u64,
    }
}
