//! Memory estimate of the native solvers, checked against `--max-memory` before
//! their operators and workspaces are allocated (the Clarabel path has its own,
//! [`crate::compile::memory`]).
//!
//! Bytes, for `n` rows, `d` features, `c` outputs, `P` patterns, `k = 2` blocks per
//! pattern and output for C-ReLU (`v` and `w`), `k = 1` for C-GReLU:
//!
//! ```text
//!   operators:          8 n P (masks) + n P / 8 (bits) + 8 n d (X)
//!   R-FISTA:            9 × 8 k c P d (iterates, gradients) + 9 × 8 n c (states)
//!   C-ReLU cone prox:   2 × 8 n k c P (X·U and X·Δ) + 2 × k c P × 16 d² (active sets)
//!   augmented Lagr.:    2 × 8 n k c P (multipliers, slacks)
//! ```
//!
//! times a safety factor of 1.25 for what is not counted (small vectors, allocator).

use crate::model::{Model, Problem};
use crate::solvers::SolverKind;

const SAFETY: f64 = 1.25;

/// Estimated peak bytes of `kind` (fista or al) on a problem of these dimensions.
pub fn estimate_bytes(
    kind: SolverKind,
    model: Model,
    n: usize,
    d: usize,
    c: usize,
    p: usize,
) -> f64 {
    let (n, d, c, p) = (n as f64, d as f64, c as f64, p as f64);
    let k = match model {
        Model::GatedRelu => 1.0,
        Model::Relu => 2.0,
    };
    let mut b = 8.0 * n * p + n * p / 8.0 + 8.0 * n * d;
    b += 9.0 * 8.0 * k * c * p * d + 9.0 * 8.0 * n * c;
    if model == Model::Relu {
        b += 2.0 * 8.0 * n * k * c * p + 2.0 * k * c * p * 16.0 * d * d;
        if kind == SolverKind::Al {
            b += 2.0 * 8.0 * n * k * c * p;
        }
    }
    SAFETY * b
}

/// Refuse to start `kind` on `problem` when its estimate is above `max_bytes`.
pub fn check(kind: SolverKind, problem: &Problem, max_bytes: u64) -> Result<(), String> {
    if !matches!(kind, SolverKind::Fista | SolverKind::Al) {
        return Ok(());
    }
    let bytes = estimate_bytes(
        kind,
        problem.model(),
        problem.n(),
        problem.d(),
        problem.c(),
        problem.p(),
    );
    if bytes > max_bytes as f64 {
        let gib = (1u64 << 30) as f64;
        return Err(format!(
            "{} on {} (n = {}, d = {}, c = {}, P = {}) needs an estimated {:.1} GiB, above the limit of {:.1} GiB; use fewer patterns or raise --max-memory (e.g. --max-memory 32G)",
            kind.name(),
            problem.model().name(),
            problem.n(),
            problem.d(),
            problem.c(),
            problem.p(),
            bytes / gib,
            max_bytes as f64 / gib
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_grows_with_patterns_and_model() {
        let g = estimate_bytes(SolverKind::Fista, Model::GatedRelu, 1000, 20, 1, 100);
        let r = estimate_bytes(SolverKind::Fista, Model::Relu, 1000, 20, 1, 100);
        let a = estimate_bytes(SolverKind::Al, Model::Relu, 1000, 20, 1, 100);
        assert!(g < r && r < a, "{g} {r} {a}");
        let big = estimate_bytes(SolverKind::Fista, Model::Relu, 100_000, 100, 1, 100_000);
        assert!(big > (64u64 << 30) as f64);
    }
}
