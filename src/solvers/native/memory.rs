//! Memory estimate of the native solvers, checked against `--max-memory` before
//! their operators and workspaces are allocated (the Clarabel path has its own,
//! [`crate::compile::memory`]).
//!
//! The estimate follows the solvers' allocations term by term (bytes, `f64` = 8;
//! `n` rows, `d` features, `c` outputs, `P` patterns, `w = ⌈n/64⌉` mask words per
//! pattern, `m` block columns, `B(m)` = [`default_block_rows`]`(n, m)`, `B'(m)`
//! the larger of `B(m)` and the adjoint's [`adjoint_block_rows`]`(n, d, m)`, a
//! passive set `π = 16d² + 32d + 160` (basis and factor `d × d`; rows, signs,
//! multipliers and the forward-substituted right-hand side `d` each), a cone
//! projector `κ = 8nd + 18n + 56d`, `κ' = κ + 24n` with restricted steps):
//!
//! ```text
//!   operators        8nd (X) + 8wP (bit mask, word-major)                   ≈ n·P/8
//!   gated loss       24nc + 8 B'(cP)·cP (one row block) + 8cPd
//!   R-FISTA          40·dim + 32·state  (dim = kcPd, state = nc; the AL's state is u)
//!   working sets     + a second operators on |W| ≤ P patterns (its bit mask;
//!                    `X` is shared), its pattern copy (8wP), loss and R-FISTA
//!                    workspace, and 8(nc + cPd)
//!   C-ReLU fista     gated loss + 8cPd (v − w) + dual norm (κ' + 16n + 2cP(π + 16))
//!                    + cone prox (κ + 16n·min(64, 2cP) + 16n + 16cPd + (2cP + 1)(π + 1))
//!   AL phase         8nc + 16ncP (multipliers γ, ξ) + 8 B(2cP)·(2cP + c + P) + R-FISTA
//!                    (dim = state = 2cPd) + 16·2cP (block lists); `X` and the
//!                    bits are the problem's (no operators); the C-ReLU fista of
//!                    the polish runs after the AL's buffers are freed
//!   AL working sets  + 16·2cPd (the point on W, the check's gradients) + 24·2cP;
//!                    R-FISTA on W is at most the full one
//!   weights          8kcPd in, 8kcPd out;  GEMM packing 8d·kcP
//!   tight-point try  16nc + 8bcPd (b = 1 gated, 2 C-ReLU), then the larger of
//!                    the Newton steps on one output's support of m blocks (the
//!                    largest a try accepts, ≤ min(bP, 2000): its flops budget),
//!                    8n + 24dm + 16m² + 48m + 8wm + 16B(m)·m
//!                    (C-ReLU: + κ' + 16n + 8d + mπ), and the dual norm at the
//!                    direction, 8cPd + 8B'(cP)·cP (C-ReLU: + 16cPd); plus one
//!                    gemm buffer per thread (the L2 cache's size: faer's LU runs
//!                    gemm 0.18, apart from the products' gemm 0.19); kept apart
//!                    in [`Layout::tight`], as its support is a worst case
//! ```
//!
//! So the terms per `n·P` are the bit mask (`1/8` B; `3/8` with working sets: the
//! full mask, the working set's copy and its word-major operators) and the AL's
//! multipliers (`16c` B; the polish's bit mask, `1/8` B, lives after them, not with
//! them); nothing else grows with `n·P`: the row-block workspaces
//! are bounded by `max(256 KiB, 512m)` bytes (`2048m` for the adjoint from
//! `d = 96` on), the cone prox's buffers by `n × 64`
//! doubles. [`layout`] returns the two parts; the estimate is their sum times a
//! safety factor of 1.25 (small vectors, the allocator, gemm's per-thread cache
//! slab, `gemm_slab`). `tests/native_memory.rs` checks it against the allocations measured by a
//! counting allocator: an upper bound, and within 3× of the peak.
//!
//! What runs after a solve — the certificate, the network recovery and its
//! metrics ([`crate::certify`], [`crate::network`]) — and the pattern construction
//! before it go through row blocks too ([`crate::model::row_blocks`]: one block of
//! at most `max(256 KiB, 512m)` bytes, `2048m` for an adjoint from `d = 96` on,
//! no `n × P` matrix; C-ReLU's certificate
//! adds the dual norm's `2cP` passive sets, as above), so they stay below the
//! solve's peak and the estimate need not count them (`tests/certify_memory.rs`).

use super::operators::default_block_rows;
use crate::certify::tight::largest_support;
use crate::model::row_blocks::adjoint_block_rows;
use crate::model::{Model, Problem};
use crate::solvers::SolverKind;

const SAFETY: f64 = 1.25;

/// The peak bytes of a native solve, split into the part that grows with `n·P`
/// and the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    /// Bytes of the buffers with one entry per row and pattern: the bit masks and
    /// the AL's multipliers.
    pub per_np: f64,
    /// Bytes of everything else but the tight dual point's tries:
    /// `O(nd + nc + P·d·c + P·d²·c)`, the bounded row-block workspaces, the GEMM
    /// packing buffers.
    pub rest: f64,
    /// Bytes a try of the tight dual point holds beyond `rest`, at the largest
    /// support it accepts (`O(m² + m·d² + n·d)`, `m ≤ min(bP, MAX_SUPPORT)`:
    /// [`crate::certify::tight::largest_support`]). Every run that comes within
    /// reach of its tolerance tries it; a try's actual support is usually smaller.
    pub tight: f64,
}

impl Layout {
    pub fn total(&self) -> f64 {
        self.per_np + self.rest + self.tight
    }

    fn plus(self, o: Layout) -> Layout {
        Layout {
            per_np: self.per_np + o.per_np,
            rest: self.rest + o.rest,
            tight: self.tight + o.tight,
        }
    }

    fn fixed(rest: f64) -> Layout {
        Layout {
            per_np: 0.0,
            rest,
            tight: 0.0,
        }
    }

    fn tight_try(tight: f64) -> Layout {
        Layout {
            per_np: 0.0,
            rest: 0.0,
            tight,
        }
    }

    /// A bound on two phases that do not overlap, part by part (so that each
    /// phase's total without its try is also bounded by the parts but the try).
    fn max(self, o: Layout) -> Layout {
        Layout {
            per_np: self.per_np.max(o.per_np),
            rest: self.rest.max(o.rest),
            tight: self.tight.max(o.tight),
        }
    }
}

/// Dimensions, as floats, with the block-row rule of the operators.
#[derive(Clone, Copy)]
struct Dims {
    n: usize,
    n_f: f64,
    d: f64,
    c: f64,
    p: f64,
    words: f64,
}

impl Dims {
    fn block(&self, m: f64) -> f64 {
        default_block_rows(self.n, m as usize) as f64
    }
    /// Rows of the fused kernels' shared workspace: the larger of the forward's
    /// and the adjoint's blocks ([`Operators::block_workspace_len`]).
    ///
    /// [`Operators::block_workspace_len`]: super::operators::Operators::block_workspace_len
    fn fused_block(&self, m: f64) -> f64 {
        let adjoint = adjoint_block_rows(self.n, self.d as usize, m as usize) as f64;
        self.block(m).max(adjoint)
    }
    /// `X` and the word-major bit mask.
    fn operators(&self) -> Layout {
        Layout {
            per_np: 8.0 * self.words * self.p,
            rest: 8.0 * self.n_f * self.d,
            tight: 0.0,
        }
    }
    /// [`super::gated::GatedLoss`]: `Y`, the residual, the extrapolated residual,
    /// one row block of `cP` columns, the gradient blocks.
    fn gated_loss(&self) -> f64 {
        let m = self.c * self.p;
        24.0 * self.n_f * self.c + 8.0 * self.fused_block(m) * m + 8.0 * m * self.d
    }
    fn fista(&self, dim: f64, state: f64) -> f64 {
        40.0 * dim + 32.0 * state
    }
    fn passive(&self) -> f64 {
        16.0 * self.d * self.d + 32.0 * self.d + 160.0
    }
    fn projector(&self) -> f64 {
        8.0 * self.n_f * self.d + 18.0 * self.n_f + 56.0 * self.d
    }
    /// With restricted steps: the set `R` (8n) and a pass's violated rows (16n).
    fn restricted_projector(&self) -> f64 {
        self.projector() + 24.0 * self.n_f
    }
    /// GEMM packing beyond gemm's per-thread buffer ([`gemm_slab`]; the products
    /// run gemm 0.19, [`crate::linalg`]): at most one packed copy of
    /// the `d × m` right-hand side (measured: next to nothing at these shapes).
    fn gemm(&self, m: f64) -> f64 {
        8.0 * self.d * m
    }
    /// A try of the tight dual point at a check ([`crate::certify::tight`], on
    /// top of the solve's buffers): the try's residual, direction and copy of
    /// the weights; then either the Newton steps on one output's support of
    /// `m` blocks, the largest a try accepts ([`largest_support`]) (`θ₀`; `G`, `V` and a copy of `G`; the
    /// Jacobian and its LU factors; the support's bit mask and two row blocks;
    /// for C-ReLU a cone projector and `m` passive sets), or the dual norm at the
    /// direction (`Aᵀr'` with one adjoint row block; for C-ReLU its stacked
    /// `(G, −G)`). `b` = 1 (C-GReLU) or 2 (C-ReLU). Plus one [`gemm_slab`]: the
    /// Newton step's LU factorization is faer's, whose products run gemm 0.18
    /// with its own per-thread buffer, apart from the products' gemm 0.19 one
    /// ([`crate::linalg`]); a try can be the first to touch it in a thread.
    fn tight(&self, model: Model) -> f64 {
        let (n, d, c, p) = (self.n_f, self.d, self.c, self.p);
        let b = match model {
            Model::GatedRelu => 1.0,
            Model::Relu => 2.0,
        };
        let m = largest_support(model, self.n, d as usize, c as usize, p as usize) as f64;
        let held = 16.0 * n * c + 8.0 * b * c * p * d;
        let mut newton = 8.0 * n
            + 24.0 * d * m
            + 16.0 * m * m
            + 48.0 * m
            + 8.0 * self.words * m
            + 16.0 * self.block(m) * m;
        let mut norm = 8.0 * c * p * d + 8.0 * self.fused_block(c * p) * c * p;
        if model == Model::Relu {
            newton += self.restricted_projector() + 16.0 * n + 8.0 * d + m * self.passive();
            norm += 16.0 * c * p * d;
        }
        held + newton.max(norm) + gemm_slab()
    }
    /// [`super::relu::run`]: operators, the C-ReLU loss with its dual norm, the
    /// cone prox, the R-FISTA workspace, a try of the tight dual point.
    fn relu_run(&self) -> Layout {
        let (n, d, c, p) = (self.n_f, self.d, self.c, self.p);
        let blocks = 2.0 * c * p;
        let dual_norm = self.restricted_projector() + 16.0 * n + blocks * (self.passive() + 16.0);
        let loss = self.gated_loss() + 8.0 * c * p * d + dual_norm;
        let chunk = blocks.min(super::relu::PROX_CHUNK as f64);
        let prox = self.projector()
            + 16.0 * n * chunk
            + 16.0 * n
            + 8.0 * blocks * d
            + (blocks + 1.0) * (self.passive() + 1.0);
        let ws = self.fista(blocks * d, n * c);
        self.operators()
            .plus(Layout::fixed(loss + prox + ws + self.gemm(blocks)))
            .plus(Layout::tight_try(self.tight(Model::Relu)))
    }
}

/// The peak bytes of `kind` (fista or al) on a problem of these dimensions, with
/// or without working sets (gated fista and the AL; C-ReLU fista's add nothing
/// counted), as the module doc counts them.
pub fn layout(
    kind: SolverKind,
    model: Model,
    working_sets: bool,
    n: usize,
    d: usize,
    c: usize,
    p: usize,
) -> Layout {
    let k = Dims {
        n,
        n_f: n as f64,
        d: d as f64,
        c: c as f64,
        p: p as f64,
        words: n.div_ceil(64) as f64,
    };
    let (n, d, c, p) = (k.n_f, k.d, k.c, k.p);
    match model {
        Model::GatedRelu => {
            let m = c * p;
            let weights = 2.0 * 8.0 * m * d;
            let one = k
                .operators()
                .plus(Layout::fixed(k.gated_loss() + k.fista(m * d, n * c)));
            let mut total = one
                .plus(Layout::fixed(weights + k.gemm(m)))
                .plus(Layout::tight_try(k.tight(Model::GatedRelu)));
            if working_sets {
                // The working set's patterns, its operators (its bit mask: `X` is
                // shared), loss and workspace (at most P patterns), the full
                // check's state and gradient, and the restricted weights.
                let set = Layout {
                    per_np: 8.0 * k.words * p,
                    rest: k.gated_loss() + k.fista(m * d, n * c),
                    tight: 0.0,
                };
                total = total.plus(set).plus(Layout {
                    per_np: 8.0 * k.words * p,
                    rest: 8.0 * (n * c + 2.0 * m * d),
                    tight: 0.0,
                });
            }
            total
        }
        Model::Relu => {
            let weights = 2.0 * 16.0 * c * p * d;
            let polish = k.relu_run();
            let run = match kind {
                SolverKind::Al => {
                    let m = 2.0 * c * p;
                    let rows = k.block(m);
                    let sets = if working_sets {
                        16.0 * m * d + 24.0 * m
                    } else {
                        0.0
                    };
                    let al = Layout {
                        per_np: 16.0 * n * c * p,
                        rest: 8.0 * n * c
                            + 8.0 * rows * (m + c + p)
                            + k.fista(m * d, m * d)
                            + 16.0 * m
                            + sets
                            + k.gemm(m),
                        tight: 0.0,
                    };
                    al.max(polish)
                }
                _ => polish,
            };
            run.plus(Layout::fixed(weights))
        }
    }
}

/// Estimated peak bytes of `kind` (fista or al) on a problem of these dimensions:
/// [`layout`]'s total times the safety factor.
pub fn estimate_bytes(
    kind: SolverKind,
    model: Model,
    working_sets: bool,
    n: usize,
    d: usize,
    c: usize,
    p: usize,
) -> f64 {
    SAFETY * layout(kind, model, working_sets, n, d, c, p).total()
}

/// Refuse to start `kind` on `problem` when its estimate is above `max_bytes`
/// (`working_sets`: the gated fista solve, or the AL's inner solves, will run on
/// working sets).
pub fn check(
    kind: SolverKind,
    problem: &Problem,
    working_sets: bool,
    max_bytes: u64,
) -> Result<(), String> {
    if !matches!(kind, SolverKind::Fista | SolverKind::Al) {
        return Ok(());
    }
    let bytes = estimate_bytes(
        kind,
        problem.model(),
        working_sets,
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

/// The buffer gemm keeps per thread for its packed blocks: the size of the L2
/// cache as gemm detects it (the same rule in gemm 0.18 and 0.19), allocated at
/// a thread's first product and kept until the thread ends.
fn gemm_slab() -> f64 {
    gemm_common::cache::CACHE_INFO[1].cache_bytes as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_grows_with_patterns_and_model() {
        let est = |kind, model, p| estimate_bytes(kind, model, false, 1000, 20, 1, p);
        let g = est(SolverKind::Fista, Model::GatedRelu, 100);
        let r = est(SolverKind::Fista, Model::Relu, 100);
        let a = est(SolverKind::Al, Model::Relu, 100);
        // At n = 1000 the AL's peak is its polish (the cone-projected fista).
        assert!(g < r && r <= a, "{g} {r} {a}");
        let r = estimate_bytes(SolverKind::Fista, Model::Relu, false, 100_000, 20, 1, 1000);
        let a = estimate_bytes(SolverKind::Al, Model::Relu, false, 100_000, 20, 1, 1000);
        assert!(r < a, "{r} {a}");
        assert!(est(SolverKind::Fista, Model::GatedRelu, 1000) > g);
        let big = estimate_bytes(SolverKind::Al, Model::Relu, false, 100_000, 100, 1, 100_000);
        assert!(big > (64u64 << 30) as f64);
    }

    #[test]
    fn per_pattern_terms_are_bits_and_multipliers() {
        let (n, p) = (6400, 1000);
        let np = (n * p) as f64;
        let per = |kind, model, ws| layout(kind, model, ws, n, 10, 1, p).per_np / np;
        assert_eq!(per(SolverKind::Fista, Model::GatedRelu, false), 0.125);
        assert_eq!(per(SolverKind::Fista, Model::GatedRelu, true), 0.375);
        assert_eq!(per(SolverKind::Fista, Model::Relu, false), 0.125);
        assert_eq!(per(SolverKind::Al, Model::Relu, false), 16.0);
    }
}
