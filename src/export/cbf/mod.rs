//! The Conic Benchmark Format (CBF), version 3: the format of the CBLIB library,
//! read and written by MOSEK and by MathOptInterface's `FileFormats.CBF`.
//!
//! A CBF file states
//!
//! ```text
//!   minimise (or maximise)  cᵀx + c₀
//!   subject to              G x + h ∈ K_con,   x ∈ K_var
//! ```
//!
//! in keyword sections (`VER`, `OBJSENSE`, `VAR`, `CON`, `OBJACOORD`, `OBJBCOORD`,
//! `ACOORD`, `BCOORD`, …), indices 0-based, `#` starting a comment line. The cones
//! this module knows ([`CbfCone`]): `F` (free), `L=` (zero), `L+` (nonnegative), `L-`
//! (nonpositive), `Q` (`x₁ ≥ ‖x₂:‖`) and `QR` (`2x₁x₂ ≥ ‖x₃:‖²`, `x₁, x₂ ≥ 0`).
//!
//! - [`write()`] writes a [`ConeProgram`](crate::cone::ConeProgram) without quadratic objective (the compiler's
//!   conic lowering): one `F` variable domain, `L=`/`L+`/`Q` constraint cones in the
//!   program's order, and the problem's provenance in `#` comment lines.
//! - [`read()`] reads files with the cones above into a [`ConeProgram`](crate::cone::ConeProgram), refusing
//!   everything else (PSD, exponential and power cones, integers) with the line.
//!
//! Signs: `G = −A`, `h = b` ([`crate::export::conic_row`], the one place this is
//! decided).

pub mod read;
pub mod write;

pub use read::{CbfError, CbfProblem, Sense, estimate_bytes, read, read_with_limit};
pub use write::write;

/// The CBF version this crate writes.
pub const VERSION: u32 = 3;

/// A cone of a CBF `VAR` or `CON` section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CbfCone {
    /// `F`: free (no constraint).
    Free,
    /// `L=`: `{0}`.
    Zero,
    /// `L+`: `R₊`.
    Nonnegative,
    /// `L-`: `R₋`.
    Nonpositive,
    /// `Q`: `{x : x₁ ≥ ‖(x₂, …)‖₂}`.
    Quadratic,
    /// `QR`: `{x : 2x₁x₂ ≥ ‖(x₃, …)‖₂², x₁, x₂ ≥ 0}`.
    RotatedQuadratic,
}

impl CbfCone {
    pub fn keyword(&self) -> &'static str {
        match self {
            CbfCone::Free => "F",
            CbfCone::Zero => "L=",
            CbfCone::Nonnegative => "L+",
            CbfCone::Nonpositive => "L-",
            CbfCone::Quadratic => "Q",
            CbfCone::RotatedQuadratic => "QR",
        }
    }

    pub fn parse(s: &str) -> Option<CbfCone> {
        Some(match s {
            "F" => CbfCone::Free,
            "L=" => CbfCone::Zero,
            "L+" => CbfCone::Nonnegative,
            "L-" => CbfCone::Nonpositive,
            "Q" => CbfCone::Quadratic,
            "QR" => CbfCone::RotatedQuadratic,
            _ => return None,
        })
    }
}
