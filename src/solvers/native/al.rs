//! C-ReLU by an augmented Lagrangian with R-FISTA inner solves (SPEC §3), finished
//! by a cone-projected R-FISTA phase that makes the point exactly feasible and
//! certifies it.
//!
//! The variable is `(v, w)`, `2cP` blocks (`v` first, then `w`, each in the
//! [`Blocks`](crate::model::Blocks) layout), and the state of the inner smooth part is the products
//! `Z = X [V W]` (`n × 2cP`, one GEMM). With `S = 2M − 1`, `σ_j = +1` on `v` blocks
//! and `−1` on `w` blocks, block `j` using pattern `i` and feeding output `k`:
//!
//! ```text
//!   L_δ(v, w; γ) = 1/(2N)‖Σ_i D_i X (v_i − w_i) − Y‖² + λ Σ_j ‖u_j‖
//!                  + δ/2 Σ_j ‖(−S_i ⊙ Z_j + γ_j/δ)_+‖²
//!   ∂/∂Z_j      = σ_j M_i ⊙ r_k / N − δ S_i ⊙ (−S_i ⊙ Z_j + γ_j/δ)_+
//!   γ_j        ← (γ_j + δ(−S_i ⊙ Z_j))_+
//! ```
//!
//! **Phase 1, the AL of SPEC §3.** δ by the windowing rule: start at `100/n`; while
//! in the window phase, a squared total violation `Σ_j ‖(−X̃_i u_j)_+‖²` above
//! `1e-2` doubles δ, below `1e-3` halves δ and the inner tolerance; inside the
//! window, switch to multiplier updates with the inner tolerance 1e-6 (or `tol` if
//! larger), halved — down to `tol` — whenever `2·violation` falls below it. One
//! addition to SPEC §3: in the multiplier phase δ doubles whenever an outer step
//! leaves more than 90% of the squared violation. The phase stops by SPEC's rule:
//! squared total violation ≤ `violation_tol` and squared min-norm subgradient of
//! the last inner solve ≤ `tol` (or at its iteration budget).
//!
//! **Phase 2, polish** ([`super::relu::run`]). The AL point is only approximately
//! feasible, and driving the violation to 1e-8 through the penalty alone took
//! 10⁵–10⁶ inner iterations (the violation shrank ~10% per outer step). So the
//! point is projected onto the cones and finished by R-FISTA with the exact
//! projections in its prox, stopping on the certified relative duality gap
//! `gap_tol`: the result is feasible to rounding and its accuracy is proved. With
//! `polish = false` the AL's own point and status are returned.

use std::time::Instant;

use super::fista::{self, Composite, FistaSettings, FistaWorkspace, Smooth, Stopping};
use super::operators::Operators;
use crate::model::{Model, Problem, Regularizer, Weights};
use crate::solvers::details::AlDetails;
use crate::solvers::{SolveOutput, SolverDetails, SolverError, Status, TracePoint};

/// Augmented-Lagrangian settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AlSettings {
    /// AL phase: squared min-norm subgradient of the augmented Lagrangian at the
    /// end of an inner solve (default 1e-6, SPEC §3).
    pub tol: f64,
    /// AL phase: squared total violation `Σ_j ‖(−X̃_i u_j)_+‖²` accepted (default
    /// 1e-6, SPEC §3).
    pub violation_tol: f64,
    /// Finish with the cone-projected R-FISTA phase (default true).
    pub polish: bool,
    /// Polish: certified relative duality gap (default 1e-6).
    pub gap_tol: f64,
    /// Inner R-FISTA iterations of the AL phase (default 20000).
    pub max_al_iters: usize,
    /// Total iterations, AL phase plus polish (default 100000).
    pub max_iters: usize,
    /// Outer iterations (default 1000).
    pub max_outer: usize,
    /// Wall-clock limit in seconds (default none).
    pub time_limit: f64,
    /// Initial penalty is `delta_scale / n` (default 100).
    pub delta_scale: f64,
    /// The window of the squared violation `[low, high]` (default `[1e-3, 1e-2]`).
    pub window: (f64, f64),
    /// Inner tolerance during the window phase (default 1e-3).
    pub window_tol: f64,
    /// Window-phase steps before switching to multiplier updates anyway (default 30).
    pub max_window_steps: usize,
    /// Multiplier phase: when an outer step leaves more than this fraction of the
    /// squared violation, δ doubles (default 0.9). An addition to SPEC §3: with δ
    /// fixed after the window phase, breast_cancer (λ = 1e-3) was still at a 1.3e-7
    /// violation after 1000 outer steps; 0.25 grew δ so fast the inner solves
    /// stalled.
    pub stall_ratio: f64,
    /// Print one line per outer iteration on stderr.
    pub verbose: bool,
    /// Inner solver settings (line search, restart, trace; tol and max_iters are set
    /// by the outer loop).
    pub inner: FistaSettings,
}

impl Default for AlSettings {
    fn default() -> Self {
        AlSettings {
            tol: 1e-6,
            violation_tol: 1e-6,
            polish: true,
            gap_tol: 1e-6,
            max_al_iters: 20_000,
            max_iters: 100_000,
            max_outer: 1000,
            time_limit: f64::INFINITY,
            delta_scale: 100.0,
            window: (1e-3, 1e-2),
            window_tol: 1e-3,
            max_window_steps: 30,
            stall_ratio: 0.9,
            verbose: false,
            inner: FistaSettings::default(),
        }
    }
}

impl AlSettings {
    /// `--tol T`: the AL phase's subgradient and squared-violation tolerances and
    /// the polish's relative duality gap all become `T` (so a tighter `T` tightens
    /// both optimality and feasibility).
    pub fn with_tol(mut self, tol: f64) -> AlSettings {
        self.tol = tol;
        self.violation_tol = tol;
        self.gap_tol = tol;
        self
    }

    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("tol", self.tol),
            ("violation tol", self.violation_tol),
            ("gap tol", self.gap_tol),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} must be > 0, got {v}"));
            }
        }
        if self.max_iters == 0 || self.max_outer == 0 || self.max_al_iters == 0 {
            return Err("max-iters must be >= 1".into());
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(format!("time-limit must be > 0, got {}", self.time_limit));
        }
        if !(self.delta_scale > 0.0 && self.window.0 > 0.0 && self.window.0 < self.window.1) {
            return Err("delta scale and window must be positive with low < high".into());
        }
        self.inner.validate()
    }
}

/// The smooth part of the augmented Lagrangian, state `Z = X[V W]`.
pub struct AugmentedLoss<'a> {
    ops: &'a Operators,
    y: Vec<f64>,
    c: usize,
    /// Penalty δ.
    pub delta: f64,
    /// Multipliers `γ` (for `v`) then `ξ` (for `w`), `n × 2cP`.
    pub multipliers: Vec<f64>,
    pred: Vec<f64>,
    w: Vec<f64>,
}

impl<'a> AugmentedLoss<'a> {
    pub fn new(ops: &'a Operators, y: &faer::Mat<f64>, delta: f64) -> AugmentedLoss<'a> {
        let (n, c, p) = (ops.n(), y.ncols(), ops.p());
        let mut ys = Vec::with_capacity(n * c);
        for k in 0..c {
            ys.extend(y.col(k).iter().copied());
        }
        AugmentedLoss {
            ops,
            y: ys,
            c,
            delta,
            multipliers: vec![0.0; n * 2 * c * p],
            pred: vec![0.0; n * c],
            w: vec![0.0; n * 2 * c * p],
        }
    }

    fn half(&self) -> usize {
        self.ops.n() * self.c * self.ops.p()
    }

    fn nc(&self) -> f64 {
        (self.ops.n() * self.c) as f64
    }

    /// Loss `1/(2N)‖pred − Y‖²`, leaving the residual in `self.pred`.
    fn loss_residual(&mut self, z: &[f64]) -> f64 {
        let h = self.half();
        self.ops
            .masked_row_sum_diff(&z[..h], &z[h..], &mut self.pred);
        let mut s = 0.0;
        for (p, y) in self.pred.iter_mut().zip(&self.y) {
            *p -= y;
            s += *p * *p;
        }
        s / (2.0 * self.nc())
    }

    /// `Σ_j ‖(−S_i ⊙ Z_j)_+‖²` and `max` of the same, from the products.
    pub fn violation(&self, z: &[f64]) -> (f64, f64) {
        let n = self.ops.n();
        let (mut sq, mut mx) = (0.0f64, 0.0f64);
        for (j, zj) in z.chunks(n).enumerate() {
            let mi = self.ops.mask_col(self.ops.pattern_of(j));
            for (&zz, &mm) in zj.iter().zip(mi) {
                let e = ((1.0 - 2.0 * mm) * zz).max(0.0);
                sq += e * e;
                mx = mx.max(e);
            }
        }
        (sq, mx)
    }

    /// `γ ← (γ + δ(−S ⊙ Z))_+`.
    pub fn update_multipliers(&mut self, z: &[f64]) {
        let n = self.ops.n();
        let delta = self.delta;
        for (j, (gj, zj)) in self.multipliers.chunks_mut(n).zip(z.chunks(n)).enumerate() {
            let mi = self.ops.mask_col(self.ops.pattern_of(j));
            for ((g, &zz), &mm) in gj.iter_mut().zip(zj).zip(mi) {
                *g = (*g + delta * (1.0 - 2.0 * mm) * zz).max(0.0);
            }
        }
    }
}

impl Smooth for AugmentedLoss<'_> {
    fn dim(&self) -> usize {
        2 * self.c * self.ops.p() * self.ops.d()
    }
    fn state_len(&self) -> usize {
        2 * self.half()
    }
    fn forward(&mut self, u: &[f64], state: &mut [f64]) {
        self.ops.products(u, state);
    }
    fn value(&mut self, z: &[f64]) -> f64 {
        let loss = self.loss_residual(z);
        let n = self.ops.n();
        let (delta, inv) = (self.delta, 1.0 / self.delta);
        let mut pen = 0.0;
        for (j, (zj, gj)) in z.chunks(n).zip(self.multipliers.chunks(n)).enumerate() {
            let mi = self.ops.mask_col(self.ops.pattern_of(j));
            for ((&zz, &g), &mm) in zj.iter().zip(gj).zip(mi) {
                let e = ((1.0 - 2.0 * mm) * zz + g * inv).max(0.0);
                pen += e * e;
            }
        }
        loss + 0.5 * delta * pen
    }
    fn gradient(&mut self, z: &[f64], grad: &mut [f64]) -> f64 {
        let loss = self.loss_residual(z);
        let (n, p, c) = (self.ops.n(), self.ops.p(), self.c);
        let (delta, inv, inv_nc) = (self.delta, 1.0 / self.delta, 1.0 / self.nc());
        let mut pen = 0.0;
        for (j, ((wj, zj), gj)) in self
            .w
            .chunks_mut(n)
            .zip(z.chunks(n))
            .zip(self.multipliers.chunks(n))
            .enumerate()
        {
            let sigma = if j < c * p { inv_nc } else { -inv_nc };
            let k = (j % (c * p)) / p;
            let rk = &self.pred[k * n..(k + 1) * n];
            let mi = self.ops.mask_col(j % p);
            for ((((o, &zz), &g), &mm), &r) in wj.iter_mut().zip(zj).zip(gj).zip(mi).zip(rk) {
                let s = 2.0 * mm - 1.0;
                let e = (g * inv - s * zz).max(0.0);
                pen += e * e;
                *o = sigma * mm * r - delta * s * e;
            }
        }
        self.ops.transpose_products(&self.w, grad);
        loss + 0.5 * delta * pen
    }
}

/// Solve the C-ReLU `problem` by the augmented Lagrangian, from `warm` (or zero).
pub fn solve(
    problem: &Problem,
    settings: &AlSettings,
    warm: Option<&Weights>,
) -> Result<SolveOutput, SolverError> {
    super::check_start(
        problem,
        Model::Relu,
        "al",
        "--solver fista (or clarabel)",
        settings.validate(),
    )?;
    let t0 = Instant::now();
    let (n, c, p, d) = (problem.n(), problem.c(), problem.p(), problem.d());
    let mut u = Weights::relu_stacked(warm, c, p, d);
    let ops = Operators::new(problem.x(), problem.patterns()).with_threads(settings.inner.threads);
    let mut al = AugmentedLoss::new(&ops, &problem.y(), settings.delta_scale / n as f64);
    let mut ws = FistaWorkspace::new(al.dim(), al.state_len());
    let setup_s = t0.elapsed().as_secs_f64();
    let start = Instant::now();
    let comp = Composite {
        reg: Regularizer::NeuronGl1,
        lambda: problem.lambda(),
        d,
    };
    let mut inner = FistaSettings {
        stopping: Stopping::Subgradient,
        tol: settings.window_tol,
        ..settings.inner.clone()
    };
    let mut window_phase = true;
    let mut window_steps = 0;
    let mut total_iters = 0;
    let mut trace: Vec<TracePoint> = Vec::new();
    let mut status = Status::MaxIterations;
    let mut outer = 0;
    let (mut sq_viol, mut max_viol, mut subgrad) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut inner_status = Status::MaxIterations;
    let mut prev_sq_viol = f64::INFINITY;
    while outer < settings.max_outer {
        outer += 1;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed > settings.time_limit {
            status = Status::TimeLimit;
            break;
        }
        let budget = settings.max_al_iters.min(settings.max_iters);
        if total_iters >= budget {
            break;
        }
        inner.max_iters = (budget - total_iters).min(settings.inner.max_iters);
        inner.time_limit = settings.time_limit - elapsed;
        let out =
            fista::solve_observed(&mut al, comp, &mut u, &inner, &mut ws, elapsed, &mut |_| {});
        trace.extend(out.trace.iter().map(|tp| TracePoint {
            iteration: tp.iteration + total_iters,
            ..*tp
        }));
        total_iters += out.iterations;
        inner.initial_step = out.step;
        subgrad = out.subgradient_sq;
        inner_status = out.status;
        if out.status == Status::Diverged {
            status = Status::Diverged;
            break;
        }
        (sq_viol, max_viol) = al.violation(ws.state());
        if settings.verbose {
            eprintln!(
                "outer {outer} delta {:.3e} inner_tol {:.1e} iters {} status {} sq_viol {:.2e} max_viol {:.2e} subgrad {:.2e} obj {:.12e}",
                al.delta,
                inner.tol,
                out.iterations,
                out.status.name(),
                sq_viol,
                max_viol,
                out.subgradient_sq,
                out.objective
            );
        }
        if window_phase {
            window_steps += 1;
            if sq_viol > settings.window.1 && window_steps < settings.max_window_steps {
                al.delta *= 2.0;
                continue;
            }
            if sq_viol < settings.window.0 && window_steps < settings.max_window_steps {
                al.delta *= 0.5;
                inner.tol *= 0.5;
                continue;
            }
            window_phase = false;
            inner.tol = settings.tol.max(inner.tol.min(1e-6));
        }
        if sq_viol <= settings.violation_tol
            && inner_status == Status::Solved
            && subgrad <= settings.tol
        {
            status = Status::Solved;
            break;
        }
        if sq_viol > settings.stall_ratio * prev_sq_viol {
            al.delta *= 2.0;
        }
        prev_sq_viol = sq_viol;
        al.update_multipliers(ws.state());
        if 2.0 * sq_viol < inner.tol {
            inner.tol = (inner.tol * 0.5).max(settings.tol);
        }
        if inner.tol > settings.tol && sq_viol <= settings.violation_tol {
            inner.tol = settings.tol;
        }
        if out.status == Status::TimeLimit {
            status = Status::TimeLimit;
            break;
        }
    }
    let (al_status, al_iterations) = (status, total_iters);
    let al_seconds = start.elapsed().as_secs_f64();
    let mut polish_details = None;
    let delta = al.delta;
    drop(ws);
    drop(al);
    drop(ops);
    if settings.polish && status != Status::Diverged {
        let elapsed = start.elapsed().as_secs_f64();
        let polish = FistaSettings {
            stopping: Stopping::DualityGap,
            tol: settings.gap_tol,
            max_iters: settings.max_iters.saturating_sub(total_iters).max(1),
            time_limit: (settings.time_limit - elapsed).max(f64::MIN_POSITIVE),
            ..settings.inner.clone()
        };
        let (out, details) = super::relu::run(problem, &mut u, &polish, elapsed);
        trace.extend(out.fista.trace.iter().map(|tp| TracePoint {
            iteration: tp.iteration + total_iters,
            ..*tp
        }));
        total_iters += out.fista.iterations;
        status = out.fista.status;
        polish_details = Some(details);
    }
    let solve_s = start.elapsed().as_secs_f64();
    let details = SolverDetails::Al(AlDetails {
        al_status,
        al_iterations,
        al_seconds,
        polish: polish_details,
        outer_iterations: outer,
        delta,
        al_squared_violation: sq_viol,
        al_max_violation: max_viol,
        violation_tol: settings.violation_tol,
        tol: settings.tol,
        subgradient_sq: subgrad,
        inner_status,
    });
    Ok(SolveOutput {
        weights: Weights::relu_from_stacked(&u, c, p, d),
        status,
        iterations: total_iters,
        setup_s,
        solve_s,
        trace,
        details,
    })
}
