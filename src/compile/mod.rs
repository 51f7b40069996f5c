//! The compiler: lowering a training problem to an explicit sparse SOCP (SPEC §2),
//! in the shape of a reduction — [`apply`] returns the program and its [`Inverse`];
//! [`Inverse::invert`] maps a solution back to model weights.
//!
//! Two lowerings ([`Lowering`]): `Quadratic` keeps `1/(2nc)‖r‖²` as `½ xᵀPx` (for
//! Clarabel), `Conic` replaces it by an epigraph variable and a rotated cone written
//! as an ordinary SOC (for CBF and other conic formats). The variable and row layout,
//! and with it the cone order, is decided in one place: [`layout::Layout`].

pub mod assemble;
pub mod inverse;
pub mod layout;
pub mod memory;
pub mod names;

pub use inverse::{Inverse, InverseError};
pub use layout::{Layout, Lowering};
pub use memory::{DEFAULT_MAX_MEMORY, MemoryEstimate};
pub use names::Names;

use crate::cone::ConeProgram;
use crate::model::Problem;

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(
        "the compiled SOCP and its Clarabel solve need an estimated {gib:.3} GiB ({nnz} nonzeros in A), above the limit of {limit_gib:.3} GiB; raise it with --max-memory BYTES (e.g. --max-memory 32G) or use a native solver (--solver fista|al)"
    )]
    TooLarge { gib: f64, limit_gib: f64, nnz: u64 },
}

/// The layout of `problem` under `lowering`.
pub fn layout(problem: &Problem, lowering: Lowering) -> Layout {
    Layout::new(
        problem.model(),
        problem.reg(),
        lowering,
        problem.n(),
        problem.d(),
        problem.p(),
        problem.c(),
    )
}

/// Estimate memory for compiling and solving `problem` (cheap: counts nonzeros only).
pub fn estimate(problem: &Problem, lowering: Lowering) -> MemoryEstimate {
    let l = layout(problem, lowering);
    let nnz = assemble::count_nnz(&l, problem.x(), problem.patterns());
    MemoryEstimate::new(&l, nnz)
}

/// Refuse a problem whose estimate is above `max_bytes`.
pub fn check_memory(
    problem: &Problem,
    lowering: Lowering,
    max_bytes: u64,
) -> Result<MemoryEstimate, CompileError> {
    let est = estimate(problem, lowering);
    if est.bytes > max_bytes {
        return Err(CompileError::TooLarge {
            gib: est.gib(),
            limit_gib: max_bytes as f64 / (1u64 << 30) as f64,
            nnz: est.nnz_a,
        });
    }
    Ok(est)
}

/// Lower `problem` to a cone program; returns the program and its inverse.
pub fn apply(problem: &Problem, lowering: Lowering) -> (ConeProgram, Inverse) {
    let l = layout(problem, lowering);
    let program = assemble::assemble(
        &l,
        problem.x(),
        problem.y(),
        problem.patterns(),
        problem.lambda(),
    );
    (program, Inverse { layout: l })
}
