//! Estimate of the memory a compile plus a Clarabel solve needs, so that a problem
//! that cannot fit is refused with a clear message instead of the process being
//! killed.
//!
//! The estimate (bytes) is
//!
//! ```text
//!   copies of A and P:  3 × 16 B × nnz      (ours, Clarabel's scaled copy, the KKT matrix)
//!   KKT factor:        12 B × c·(m_b²/2 + n·k·P·d)  with m_b = min(n, k·P·d), k = 1 or 2
//!   vectors:           30 × 8 B × (rows + cols)
//! ```
//!
//! The factor term models the dense fill that the Zero rows create between the
//! residual and the block variables of one output (the blocks of different outputs
//! are decoupled). It is a heuristic calibrated on this machine, documented in the
//! README; `--max-memory` overrides the limit.

use super::layout::Layout;

/// Default limit: 8 GiB.
pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;

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
        let bytes =
            48.0 * nnz_a as f64 + 12.0 * factor + 240.0 * (layout.rows + layout.cols) as f64;
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
