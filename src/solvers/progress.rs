//! Progress of a native solve, for observers above the solvers (the command line
//! renders it as an iteration log or a progress line; the solvers never print it).
//!
//! R-FISTA measures its stopping quantity every `check_every` iterations (SPEC §3):
//! the certified relative duality gap `(F − D)/F` (`D` a dual bound, so the gap
//! bounds the true relative suboptimality) or the squared min-norm subgradient of
//! `f + λR`. Each measurement is one [`IterationLog`], passed to a [`Progress`]
//! observer; the last one of a phase has `last = true` and is of the returned
//! point. Observing costs nothing the solver does not already compute.

use std::sync::Arc;

/// Which part of a solve a log line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// R-FISTA on C-GReLU, or on C-ReLU with cone projections in the prox.
    Fista,
    /// One inner R-FISTA solve of the augmented Lagrangian (its objective is the
    /// augmented one, its measure the squared subgradient).
    AlInner,
    /// The AL's final projected R-FISTA phase (`polish`).
    AlPolish,
    /// One inner R-FISTA solve on a working set of patterns.
    WorkingSetInner,
    /// A full-problem certificate of the working-set method between inner solves.
    WorkingSetCheck,
    /// An interior-point iteration of Clarabel.
    Interior,
}

impl Phase {
    pub const fn name(&self) -> &'static str {
        match self {
            Phase::Fista => "fista",
            Phase::AlInner => "al",
            Phase::AlPolish => "polish",
            Phase::WorkingSetInner => "ws-inner",
            Phase::WorkingSetCheck => "ws-check",
            Phase::Interior => "clarabel",
        }
    }
}

/// What the logged measure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Certified relative duality gap `(F − D)/F`.
    RelativeGap,
    /// Squared min-norm subgradient of `f + λR`.
    SubgradientSq,
    /// Clarabel's relative gap `|p − d| / max(1, min(|p|, |d|))` between its primal
    /// and dual costs at the current, possibly infeasible, iterate: Clarabel's
    /// stopping measure, not a certificate.
    InteriorGap,
}

impl Measure {
    pub const fn name(&self) -> &'static str {
        match self {
            Measure::RelativeGap => "gap",
            Measure::SubgradientSq => "subgrad²",
            Measure::InteriorGap => "ipm gap",
        }
    }
}

/// One measurement of a running solve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IterationLog {
    pub phase: Phase,
    /// Iterations of the whole solve so far (phases and inner solves summed).
    pub iteration: usize,
    /// `f + λR` at the current iterate (the phase's objective).
    pub objective: f64,
    /// What [`IterationLog::value`] measures.
    pub measure: Measure,
    /// The stopping measure at the current iterate (`∞` when it could not be
    /// computed, e.g. no dual bound).
    pub value: f64,
    /// The phase's tolerance on `value`.
    pub target: f64,
    /// Current step size η.
    pub step: f64,
    /// Adaptive restarts of the phase so far.
    pub restarts: usize,
    /// Seconds since the solve started.
    pub elapsed_s: f64,
    /// The phase's final measurement (of the point it returns).
    pub last: bool,
}

/// An observer that a solver can move into a callback of its own that must be
/// `'static` (Clarabel's termination callback).
pub type SharedProgress = Arc<dyn Fn(&IterationLog) + Send + Sync>;

/// An observer of [`IterationLog`]s.
pub trait Progress {
    fn log(&mut self, line: &IterationLog);

    /// A `'static` handle on this observer for solvers that report from their own
    /// callback (Clarabel); `None` (the default): such solvers report nothing.
    fn shared(&self) -> Option<SharedProgress> {
        None
    }
}

/// The observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn log(&mut self, _: &IterationLog) {}
}

impl<F: FnMut(&IterationLog)> Progress for F {
    fn log(&mut self, line: &IterationLog) {
        self(line)
    }
}
