//! When a C-GReLU or C-ReLU run evaluates the tight dual point
//! ([`certify::tight`]) at its checks, and its evaluation from the solver's state.
//!
//! The tight bound costs a few products of the support and a `|A|²` Gram per try,
//! and pays only once the support is the optimum's and the iterate is close.
//! Measured on the reference problems (issue 13), its relative gap `t` follows
//! the plain bound's `p` as `t ≈ κ p²` with `κ` between 2 and 80 over a run
//! (`p` is first order in `‖r − r*‖`, `t` second order). So a run tries it:
//!
//! - first where `p ≤ 3 √tol` ([`CALIBRATE`], to measure `κ`);
//! - then where the last measured `κ` predicts `κ p² ≤ tol`, or `p` fell ten times
//!   below its value at the last try.
//!
//! A caller that checks once per round (working sets) tries first where
//! `p ≤ 10 √tol` ([`REACH`]) instead, or at every check within it.
//!
//! Each try's bound is a valid bound; the check keeps the larger of it and the
//! plain one. The record's certificate computes the same bound from the weights
//! ([`certify::certify`]), so a stop on it is a stop the record proves.

use faer::Mat;

use super::fista::relative;
use crate::certify::{self, ReluDualNorm};
use crate::model::{Blocks, Patterns, Problem};

/// The first try of a run that checks every few iterations comes where the
/// plain relative gap is at most this times `√tol`.
///
/// 3 rather than 10 (issue 13's `results/lag`, 33 problems, three runs each,
/// alone): the first try, which only measures `κ`, comes closer to the stop and
/// takes fewer Newton steps; a later first try costs such a run a few
/// iterations at most. Measured with both constants at 3: iterations to the
/// certified stop 21 930 against 21 900 in all, the sum of the stop times
/// 25.9 s against 26.3 s, the worst stop-to-reach ratio in time 1.48× against
/// 1.56× (gated synth 4000×20, P = 100); problems that stop within a few
/// checks of the first try lose (breast_cancer gated, λ = 0.1: 130 iterations
/// against 100).
pub const CALIBRATE: f64 = 3.0;

/// A caller that checks once per round (working sets: [`TightDual::checked_per_round`],
/// [`TightDual::at_every_check`]) tries first where the plain gap is at most this
/// times `√tol`: a try it misses costs it a round. At 3, as [`CALIBRATE`], gated
/// breast_cancer at λ = 1e-3 with working sets took 3130 iterations instead of
/// 1990 (its last full check within 10√tol but not 3√tol did not try, and the
/// next round ran 1480 iterations).
pub const REACH: f64 = 10.0;

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
    /// The first try's reach, times `√tol` ([`CALIBRATE`], or [`REACH`] with
    /// [`Self::checked_per_round`]).
    first_try: f64,
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
            first_try: CALIBRATE,
            tries: 0,
            wins: 0,
        }
    }

    /// For callers that check once per round (working sets): the first try
    /// comes where `p ≤ 10 √tol` ([`REACH`]), as a try missed costs a round.
    pub fn checked_per_round(mut self) -> Self {
        self.first_try = REACH;
        self
    }

    /// Try at every check within reach of [`Self::checked_per_round`] instead
    /// of on the `κ` schedule: for callers that check once per round (working
    /// sets), where the schedule would skip the check after an inner solve that
    /// its own tight point stopped.
    pub fn at_every_check(mut self) -> Self {
        self.every_check = true;
        self.checked_per_round()
    }

    /// Whether a check with plain relative gap `p` tries the tight point (module
    /// docs): within the first try's reach, `p ≤ first_try·√tol`, while `κ` is
    /// unknown (and at every check with [`Self::at_every_check`]), then where `κ`
    /// predicts the stop or `p` fell tenfold.
    pub fn due(&self, p: f64) -> bool {
        p > self.tol
            && match (self.every_check, self.kappa) {
                (true, _) | (false, None) => p <= self.first_try * self.tol.sqrt(),
                (false, Some(k)) => k * p * p <= self.tol || p <= self.last_plain / 10.0,
            }
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
