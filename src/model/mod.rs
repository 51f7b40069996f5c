//! The problem model: datasets, preprocessing, gates, activation patterns, the convex
//! models and their regularizers, weights and the objective (SPEC §1, §6).

pub mod budget;
pub mod data;
pub mod gates;
pub mod objective;
pub mod patterns;
pub mod preprocess;
pub mod problem;
pub mod regularizers;
pub mod row_blocks;
pub mod synth;
pub mod weights;

pub use data::{DataError, Dataset};
pub use patterns::Patterns;
pub use preprocess::{Preprocess, Scaling};
pub use problem::{Model, ModelError, Problem, ProblemInfo, ProblemSpec};
pub use regularizers::Regularizer;
pub use weights::{Blocks, Weights};

/// The dense kernels' parallelism for `threads` threads: sequential for 0 or 1, else
/// faer's rayon pool with that many threads. Every caller that runs a GEMM on a
/// user's behalf takes a thread count and maps it here.
pub fn parallelism(threads: usize) -> faer::Par {
    if threads <= 1 {
        faer::Par::Seq
    } else {
        faer::Par::rayon(threads)
    }
}
