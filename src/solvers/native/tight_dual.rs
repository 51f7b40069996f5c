//! When a C-GReLU or C-ReLU run evaluates the tight dual point
//! ([`certify::tight`]) at its checks, and its evaluation from the solver's state.
//!
//! The tight bound costs a few products of the support and a `|A|²` Gram per try,
//! and pays only once the support is the optimum's and the iterate is close.
//! Measured on the reference problems (issue 13), its relative gap `t` follows
//! the plain bound's `p` as `t ≈ κ p²` with `κ` between 2 and 80 over a run
//! (`p` is first order in `‖r − r*‖`, `t` second order). So a run tries it:
//!
//! - first where `p ≤ 10 √tol` (to measure `κ`);
//! - then where the last measured `κ` predicts `κ p² ≤ tol`, or `p` fell ten times
//!   below its value at the last try.
//!
//! Each try's bound is a valid bound; the check keeps the larger of it and the
//! plain one. The record's certificate computes the same bound from the weights
//! ([`certify::certify`]), so a stop on it is a stop the record proves.

use faer::Mat;

use super::fista::relative;
use crate::certify::{self, ReluDualNorm};
use crate::model::{Blocks, Patterns, Problem};

/// The first try comes where the plain relative gap is at most this times `√tol`.
pub const CALIBRATE: f64 = 10.0;

/// The tight dual point of a run with the neuron group norm.
pub struct TightDual<'a> {
    x: &'a Mat<f64>,
    patterns: &'a Patterns,
    y: &'a Mat<f64>,
    lambda: f64,
    tol: f64,
    /// `t / p²` at the last try (`None`: no try yet).
    kappa: Option<f64>,
    /// `p` at the last try.
    last_plain: f64,
    /// [`Self::at_every_check`].
    every_check: bool,
    /// Tries, and tries whose bound beat the plain one (diagnostics).
    pub tries: usize,
    pub wins: usize,
}

impl<'a> TightDual<'a> {
    /// For `problem` (neuron group norm, `λ > 0`), stopping at relative gap `tol`.
    pub fn new(problem: &'a Problem, tol: f64) -> TightDual<'a> {
        TightDual::on(
            problem.x(),
            problem.patterns(),
            problem.y(),
            problem.lambda(),
            tol,
        )
    }

    /// For the problem of data `x`, `y` on `patterns` (e.g. a working set's).
    pub fn on(
        x: &'a Mat<f64>,
        patterns: &'a Patterns,
        y: &'a Mat<f64>,
        lambda: f64,
        tol: f64,
    ) -> TightDual<'a> {
        TightDual {
            x,
            patterns,
            y,
            lambda,
            tol,
            kappa: None,
            last_plain: f64::INFINITY,
            every_check: false,
            tries: 0,
            wins: 0,
        }
    }

    /// Try at every check within reach ([`Self::within_reach`]) instead of on
    /// the `κ` schedule: for callers that check once per round (working sets),
    /// where the schedule would skip the check after an inner solve that its own
    /// tight point stopped.
    pub fn at_every_check(mut self) -> Self {
        self.every_check = true;
        self
    }

    /// Whether a check with plain relative gap `p` tries the tight point (module
    /// docs).
    pub fn due(&self, p: f64) -> bool {
        if self.every_check {
            return self.within_reach(p);
        }
        p > self.tol
            && match self.kappa {
                None => p <= CALIBRATE * self.tol.sqrt(),
                Some(k) => k * p * p <= self.tol || p <= self.last_plain / 10.0,
            }
    }

    /// Whether `p` is within reach of a try (the first try's condition of
    /// [`Self::due`]), for callers that check rarely.
    fn within_reach(&self, p: f64) -> bool {
        p > self.tol && p <= CALIBRATE * self.tol.sqrt()
    }

    /// The tight bound at `u` (`d × cP`, the blocks of [`Blocks`]), with `state`
    /// its predictions (`n × c`, column-major) and `g = Aᵀr` (unscaled); `plain`
    /// and `objective` give `p`, and the try's gap updates `κ`.
    #[allow(clippy::too_many_arguments)]
    pub fn try_bound(
        &mut self,
        u: &[f64],
        d: usize,
        state: &[f64],
        g: &Blocks,
        nc: f64,
        objective: f64,
        plain: f64,
    ) -> Option<f64> {
        let r = self.residual(state);
        debug_assert_eq!((g.c, g.d), (self.y.ncols(), d));
        let ub = shaped_like(g, u);
        let bound = certify::tight_dual_objective(
            self.x,
            self.patterns,
            self.y.as_ref(),
            &ub,
            r.as_ref(),
            g,
            self.lambda,
            nc,
        );
        self.record(objective, plain, bound)
    }

    /// [`Self::try_bound`] for C-ReLU: `u` the stacked `(v, w)` (`d × 2cP`), `g`
    /// the `v` blocks' `Aᵀr` (unscaled) and `dn` its plain dual norm (unscaled);
    /// `norm` takes the dual norm at the tight direction, `None` once `expired()`.
    #[allow(clippy::too_many_arguments)]
    pub fn try_relu_bound(
        &mut self,
        u: &[f64],
        state: &[f64],
        g: &Blocks,
        (nc, dn): (f64, f64),
        (objective, plain): (f64, f64),
        norm: &mut ReluDualNorm<'_>,
        expired: &dyn Fn() -> bool,
    ) -> Option<f64> {
        let r = self.residual(state);
        let (v, w) = u.split_at(g.data.len());
        let bound = certify::tight_relu_dual_objective(
            self.x,
            self.patterns,
            self.y.as_ref(),
            (&shaped_like(g, v), &shaped_like(g, w)),
            r.as_ref(),
            g,
            (self.lambda, nc, dn),
            norm,
            expired,
        );
        self.record(objective, plain, bound)
    }

    /// The residual `state − Y` (`n × c`; `state` column-major).
    fn residual(&self, state: &[f64]) -> Mat<f64> {
        let n = self.y.nrows();
        Mat::from_fn(n, self.y.ncols(), |i, k| state[k * n + i] - self.y[(i, k)])
    }

    /// Count a try at a check of `objective` and plain bound `plain` that gave
    /// `bound`, and update `κ`.
    fn record(&mut self, objective: f64, plain: f64, bound: Option<f64>) -> Option<f64> {
        let p = relative(objective - plain, objective);
        self.tries += 1;
        self.last_plain = p;
        let t = bound.map_or(1.0, |b| relative(objective - b, objective));
        // A failed or useless try predicts nothing better than first order.
        self.kappa = Some(if p > 0.0 {
            (t / (p * p)).max(1e-3)
        } else {
            1.0
        });
        if bound.is_some_and(|b| b > plain) {
            self.wins += 1;
        }
        bound
    }
}

/// `data` as blocks of `g`'s shape.
fn shaped_like(g: &Blocks, data: &[f64]) -> Blocks {
    Blocks {
        data: data.to_vec(),
        ..*g
    }
}
