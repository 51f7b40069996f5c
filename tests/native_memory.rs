//! Memory per pattern of the native solvers, measured as allocation sizes (not
//! RSS): a counting global allocator records the peak bytes live during a solve,
//! above the bytes live before it (the problem: `X`, `Y`, the pattern bits).
//!
//! Targets (issue 13, item 5): ≤ 1 B per n·P for gated `fista` (the bit mask is
//! n·P/8 bytes), ≤ 16 B for the C-ReLU solvers (`fista` with cone projections,
//! and the AL, whose multipliers `γ, ξ` are `n × 2cP` doubles: 16 B per n·P at
//! c = 1, the algorithm's state). What does not grow with `n·P` — `X` copies,
//! `O(nc)` vectors, `O(P·d·c)` weights and workspaces, `O(P·d²·c)` passive sets,
//! the bounded row-block and `n × 64` prox buffers, GEMM packing — is the `rest`
//! of [`memory::layout`] (term by term in `src/solvers/native/memory.rs`), so
//!
//! ```text
//!   bytes per n·P  =  (peak − layout.rest) / (n·P)
//! ```
//!
//! is checked against the targets, and the estimate `--max-memory` is checked
//! against (`memory::estimate_bytes`) must bound the peak from above and stay
//! within 3× of it. Two measurements:
//!
//! - absolute, through the library API (`solvers::solve`), at n = 2000, d = 10
//!   (+ bias), P = 400, 20 iterations: gated with and without working sets, relu
//!   `fista`, `al` (AL phase and polish; on working sets, `auto` at P = 400);
//! - the same problems at `tol` = 1e-2, whose checks try the tight dual point
//!   (`certify::tight`): the whole estimate, with the try's worst case
//!   (`Layout::tight`), bounds the peak, and the bytes the tries added are
//!   within that worst case (the within-3× check leaves the try out: its
//!   worst-case support is all blocks, a real one is smaller);
//! - the slope between P = 128 and P = 512 on the same data (n = 2048), with the
//!   `rest` slope removed, so no estimate of the constant terms enters.
//!
//! One `#[test]` in this binary, so no other test allocates while it measures.
//! Print the numbers with `cargo test --release --test native_memory -- --nocapture`.

mod common;

use common::counting::{Counting, peak_during};
use common::synth_problem;
use cvxrelu::model::{Model, Problem, Regularizer};
use cvxrelu::solvers::native::fista::WorkingSets;
use cvxrelu::solvers::native::{al_working_set, memory, working_set};
use cvxrelu::solvers::{self, SolverConfig, SolverDetails, SolverKind, SolverOptions};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One of the measured solves.
#[derive(Clone, Copy, Debug)]
enum Case {
    Gated { working_sets: bool },
    ReluFista,
    Al,
}

impl Case {
    fn model(self) -> Model {
        match self {
            Case::Gated { .. } => Model::GatedRelu,
            _ => Model::Relu,
        }
    }
    fn kind(self) -> SolverKind {
        match self {
            Case::Al => SolverKind::Al,
            _ => SolverKind::Fista,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Case::Gated {
                working_sets: false,
            } => "gated fista",
            Case::Gated { working_sets: true } => "gated fista, working sets",
            Case::ReluFista => "relu fista",
            Case::Al => "al",
        }
    }
    /// Bytes per n·P allowed.
    fn target(self) -> f64 {
        match self {
            Case::Gated { .. } => 1.0,
            _ => 16.0,
        }
    }
    /// 20 iterations at the default tolerance (no try of the tight dual point),
    /// or, with `tol`, up to 400 at `tol` (loose enough that the checks try it).
    fn config(self, tol: Option<f64>) -> SolverConfig {
        let mut o = SolverOptions::new();
        o.max_iters = Some(if tol.is_some() { 400 } else { 20 });
        o.tol = tol;
        if let Case::Gated { working_sets } = self {
            o.working_sets = Some(if working_sets {
                WorkingSets::On
            } else {
                WorkingSets::Off
            });
        }
        SolverConfig::new(self.kind(), &o).expect("valid settings")
    }
    fn working_sets(self, problem: &Problem) -> bool {
        match (self, self.config(None)) {
            (Case::Gated { .. }, SolverConfig::Fista(s)) => working_set::applies(problem, &s),
            (Case::Al, SolverConfig::Al(s)) => al_working_set::applies(problem, &s),
            _ => false,
        }
    }
    fn layout(self, problem: &Problem) -> memory::Layout {
        memory::layout(
            self.kind(),
            self.model(),
            self.working_sets(problem),
            problem.n(),
            problem.d(),
            problem.c(),
            problem.p(),
        )
    }
    fn estimate(self, problem: &Problem) -> f64 {
        memory::estimate_bytes(
            self.kind(),
            self.model(),
            self.working_sets(problem),
            problem.n(),
            problem.d(),
            problem.c(),
            problem.p(),
        )
    }
    /// Peak bytes of the solve through the library API, and its tries of the
    /// tight dual point.
    fn peak(self, problem: &Problem, tol: Option<f64>) -> (usize, usize) {
        let config = self.config(tol);
        let mut tries = 0;
        let peak = peak_during(|| {
            let out = solvers::solve_convex(problem, &config, None).expect("solves");
            tries = tight_tries(&out.details);
            drop(out);
        });
        (peak, tries)
    }
}

const CASES: [Case; 4] = [
    Case::Gated {
        working_sets: false,
    },
    Case::Gated { working_sets: true },
    Case::ReluFista,
    Case::Al,
];

/// Tries of the tight dual point a solve made (the AL's: its polish's).
fn tight_tries(details: &SolverDetails) -> usize {
    let tries = match details {
        SolverDetails::Fista(f) => f.tight_dual_tries,
        SolverDetails::WorkingSet(w) => w.tight_dual_tries,
        SolverDetails::Al(a) => a.polish.as_ref().and_then(|f| f.tight_dual_tries),
        SolverDetails::Clarabel(_) | SolverDetails::Baseline(_) | SolverDetails::External(_) => {
            None
        }
    };
    tries.unwrap_or(0)
}

fn problem(model: Model, n: usize, d: usize, p: usize) -> Problem {
    synth_problem(model, Regularizer::NeuronGl1, 1e-3, n, d, 1, p, 1)
}

/// n = 2000, d = 10 (+ bias), P = 400: the peak above the `rest` terms per n·P
/// meets the targets, and the estimate bounds the peak within 3×.
fn absolute(case: Case) {
    let pr = problem(case.model(), 2000, 10, 400);
    assert!(pr.p() >= 390, "patterns deduplicated: {}", pr.p());
    let (peak, tries) = case.peak(&pr, None);
    assert_eq!(
        tries,
        0,
        "{}: 20 iterations tried the tight point",
        case.name()
    );
    let peak = peak as f64;
    let np = (pr.n() * pr.p()) as f64;
    let layout = case.layout(&pr);
    let per_np = (peak - layout.rest) / np;
    // Without a try, the estimate but for the try's worst case.
    let estimate = case.estimate(&pr) - SAFETY * layout.tight;
    eprintln!(
        "{:<26} n = {}, d = {}, P = {}: peak {:.0} B = {:.2} B per n·P in all; above the rest ({:.0} B): {:.3} B per n·P (layout's n·P terms {:.3}); estimate {:.0} B = {:.2}× the peak",
        case.name(),
        pr.n(),
        pr.d(),
        pr.p(),
        peak,
        peak / np,
        layout.rest,
        per_np,
        layout.per_np / np,
        estimate,
        estimate / peak,
    );
    assert!(
        per_np <= case.target(),
        "{}: {per_np} B per n·P above the rest",
        case.name()
    );
    assert_estimate_bounds(case, estimate, peak);
    with_a_try(case, &pr, peak);
}

/// The estimate's safety factor (`memory::estimate_bytes` over the layout's total).
const SAFETY: f64 = 1.25;

/// The same problem at a tolerance whose checks try the tight dual point: the
/// whole estimate bounds the peak, and the bytes the try added to the peak of
/// the run without one are within the layout's `tight` (its worst-case support).
fn with_a_try(case: Case, pr: &Problem, peak_without: f64) {
    let (peak, tries) = case.peak(pr, Some(1e-2));
    assert!(tries >= 1, "{}: no try of the tight point", case.name());
    let (peak, layout, estimate) = (peak as f64, case.layout(pr), case.estimate(pr));
    eprintln!(
        "{:<26} with {tries} tries of the tight point: peak {peak:.0} B ({:+.0} B), the layout's try {:.0} B, estimate {estimate:.0} B",
        case.name(),
        peak - peak_without,
        layout.tight,
    );
    assert!(
        estimate >= peak,
        "{}: estimate {estimate} below the peak {peak} with tries",
        case.name()
    );
    assert!(
        peak - peak_without <= layout.tight,
        "{}: the tries added {} B, the layout's try is {} B",
        case.name(),
        peak - peak_without,
        layout.tight
    );
}

/// The estimate bounds the measured peak from above, within 3×.
fn assert_estimate_bounds(case: Case, estimate: f64, peak: f64) {
    assert!(
        estimate >= peak,
        "{}: estimate {estimate} below the peak {peak}",
        case.name()
    );
    assert!(
        estimate <= 3.0 * peak,
        "{}: estimate {estimate} above 3× the peak {peak}",
        case.name()
    );
}

/// Bytes per n·P between P = 128 and P = 512 (n = 2048, d = 5 + bias), the slope
/// of the `rest` terms removed. (From P = 128 on, the AL's peak is in its AL phase
/// at both sizes, not in the polish.)
fn slope(case: Case) {
    let n = 2048;
    let (a, b) = (
        problem(case.model(), n, 5, 128),
        problem(case.model(), n, 5, 512),
    );
    assert_eq!((a.p(), b.p()), (128, 512), "patterns deduplicated");
    let (peak_a, peak_b) = (case.peak(&a, None).0 as f64, case.peak(&b, None).0 as f64);
    let (rest_a, rest_b) = (case.layout(&a).rest, case.layout(&b).rest);
    let dp = (n * (b.p() - a.p())) as f64;
    let raw = (peak_b - peak_a) / dp;
    let per_np = ((peak_b - rest_b) - (peak_a - rest_a)) / dp;
    eprintln!(
        "{:<26} slope P = 128 → 512: {raw:.3} B per n·P, {per_np:.3} without the rest's slope",
        case.name()
    );
    assert!(
        per_np <= case.target(),
        "{}: slope {per_np} B per n·P",
        case.name()
    );
}

#[test]
fn bytes_per_pattern_row() {
    // Thread-local GEMM buffers are made on the first large product and kept: make
    // them before measuring.
    let warm = problem(Model::GatedRelu, 2000, 10, 400);
    Case::Gated {
        working_sets: false,
    }
    .peak(&warm, None);
    drop(warm);
    for case in CASES {
        absolute(case);
    }
    for case in CASES {
        slope(case);
    }
    for case in &CASES[..2] {
        wide(*case);
    }
}

/// Gated fista at d = 120 (+ bias), n = 2048, P = 200: from d = 96 on the adjoint's
/// row blocks are at least 256 rows (`row_blocks::adjoint_block_rows`, here twice
/// the forward's 128), and the estimate still bounds the peak within 3×.
fn wide(case: Case) {
    let pr = problem(case.model(), 2048, 120, 200);
    let layout = case.layout(&pr);
    let peak = case.peak(&pr, None).0 as f64;
    let estimate = case.estimate(&pr) - SAFETY * layout.tight;
    eprintln!(
        "{:<26} n = {}, d = {}, P = {}: peak {peak:.0} B, estimate {estimate:.0} B = {:.2}× the peak",
        case.name(),
        pr.n(),
        pr.d(),
        pr.p(),
        estimate / peak
    );
    assert_estimate_bounds(case, estimate, peak);
}
