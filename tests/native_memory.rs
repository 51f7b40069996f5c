//! Memory per pattern of the native solvers, measured as allocation sizes (not
//! RSS): a counting global allocator records the peak bytes live during a solve,
//! at two numbers of patterns `P` on the same data, and the slope
//! `(peak₂ − peak₁) / (n (P₂ − P₁))` is the cost in bytes per `n·P`.
//!
//! Targets (issue 13, item 5): ≤ 1 B per n·P for gated `fista` (the bit mask is
//! n·P/8 bytes), ≤ 16 B for the C-ReLU solvers (`fista` with cone projections;
//! the AL keeps its multipliers, `n × 2cP` doubles — 16 B per n·P at c = 1 — so
//! the AL's target is those plus the bit mask).
//!
//! One `#[test]` in this binary, so no other test allocates while it measures.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::synth_problem;
use cvxrelu::model::{Model, Problem, Regularizer};
use cvxrelu::solvers::native::{al, fista::FistaSettings, gated, relu};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak bytes allocated above the live bytes at the call, while `f` runs.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

fn few_iters() -> FistaSettings {
    FistaSettings {
        max_iters: 20,
        ..gated::default_settings()
    }
}

/// Bytes per n·P of `solve` between `P = p1` and `P = p2` (n = 2048, d = 6, c = 1).
fn slope(model: Model, p1: usize, p2: usize, solve: &dyn Fn(&Problem)) -> f64 {
    let n = 2048;
    let build = |p| synth_problem(model, Regularizer::NeuronGl1, 1e-3, n, 5, 1, p, 1);
    let (a, b) = (build(p1), build(p2));
    assert_eq!((a.p(), b.p()), (p1, p2), "patterns deduplicated");
    let peak1 = peak_during(|| solve(&a));
    let peak2 = peak_during(|| solve(&b));
    (peak2 as f64 - peak1 as f64) / (n as f64 * (p2 - p1) as f64)
}

#[test]
fn bytes_per_pattern_row() {
    let gated = slope(Model::GatedRelu, 64, 256, &|p| {
        gated::solve(p, &few_iters(), None).unwrap();
    });
    let relu = slope(Model::Relu, 64, 256, &|p| {
        relu::solve(p, &few_iters(), None).unwrap();
    });
    let al_phase = slope(Model::Relu, 64, 256, &|p| {
        let s = al::AlSettings {
            polish: false,
            max_al_iters: 20,
            ..al::AlSettings::default()
        };
        al::solve(p, &s, None).unwrap();
    });
    eprintln!(
        "bytes per n·P: gated fista {gated:.3}, relu fista {relu:.3}, al (AL phase) {al_phase:.3}"
    );
    assert!(gated <= 1.0, "gated fista: {gated} B per n·P");
    assert!(relu <= 16.0, "relu fista: {relu} B per n·P");
    assert!(al_phase <= 17.0, "al: {al_phase} B per n·P");
}
