//! C-ReLU by R-FISTA with exact cone projections (`--solver fista --model relu`).
//!
//! The cone constraints go into the non-smooth part instead of a penalty: with
//! `u = (v, w)` (`2cP` blocks, `v` first, each in the [`Blocks`] layout) and block `j`
//! on pattern `i`,
//!
//! ```text
//!   f(v, w) = 1/(2N) Σ_k ‖Σ_i D_i X (v_{k,i} − w_{k,i}) − Y_k‖²          (smooth, N = nc)
//!   h(v, w) = Σ_j λ‖u_j‖ + ι_{K_i}(u_j),   K_i = { u : X̃_i u ≥ 0 }
//!   prox_{ηh}(z)_j = (1 − ηλ/‖Π_{K_i}(z_j)‖)_+ Π_{K_i}(z_j)
//! ```
//!
//! The prox formula holds because `K_i` is a cone: among unit vectors of `K_i` the
//! one best aligned with `z` is `Π_K(z)/‖Π_K(z)‖` (Moreau), so the radius and the
//! direction separate. [`ConeProjector`] computes `Π_K` exactly (an active-set NNLS,
//! warm-started per block), so every iterate is feasible to rounding — there is no
//! penalty parameter and no feasibility tolerance to chase.
//!
//! Stopping, by default, is the certified relative duality gap: the conjugate of
//! `λ‖·‖ + ι_K` is the indicator of `‖Π_K(·)‖ ≤ λ`, so the scaled residual
//! `θ = αr/N` is dual feasible for `α ≤ λ / max_j ‖Π_{K_j}(−∇_j f)‖` (the same bound as
//! [`certify::relu_dual_norm`]); near the stop the checks also try the tight dual
//! point with every support block's cone projection at `λN`
//! ([`certify::tight_relu_dual_objective`], scheduled by [`super::tight_dual`]),
//! which the record's certificate computes too. The squared min-norm subgradient is also offered:
//! per block, `‖Π_{T}(−(∇_j f + λ u_j/‖u_j‖))‖²` with `T` the tangent cone of `K_i`
//! at `u_j` for a nonzero block, `(‖Π_{K_i}(−∇_j f)‖ − λ)_+²` for a zero one.
//!
//! Per iteration: the forward and adjoint GEMMs of C-GReLU on `v − w` (`cP`
//! columns each), one GEMM `X·[V W]` for the cone values of the candidate, and the
//! projections of the blocks that left their cone. Those projections screen their
//! rows ([`ConeProx::with_screening`]): only rows within `‖z − a‖` of their
//! boundary (`a` the block's last output, a point of its cone) can be active at
//! the projection, so the Lawson–Hanson steps compute those rows' cone values only
//! ([`ConeProjector::project_screened`]).

use super::deadline::Deadline;
use super::fista::{self, FistaSettings, FistaWorkspace, Proximal, Smooth};
use super::gated::GatedLoss;
use super::operators::Operators;
use super::tight_dual::TightDual;
use crate::certify;
use crate::cone::polyhedral::{ConeProjector, Passive};
use crate::model::{Blocks, Model, Problem, Regularizer, Weights};
use crate::solvers::clock::{Reading, Stopwatch};
use crate::solvers::details::FistaDetails;
use crate::solvers::{CpuTimes, SolveOutput, SolverDetails, SolverError};

/// Settings of `solve --solver fista --model relu`: the C-GReLU defaults
/// ([`super::gated::default_settings`]: certified relative gap 1e-6, 100000
/// iterations).
pub fn default_settings() -> FistaSettings {
    super::gated::default_settings()
}

/// The C-ReLU data term, state = predictions (`n × c`): the C-GReLU data term
/// ([`GatedLoss`]) on `u = v − w`, with gradient `(∇, −∇)`.
pub struct ReluLoss<'a> {
    gated: GatedLoss<'a>,
    lambda: f64,
    /// `V − W`, `d × cP`.
    diff: Vec<f64>,
    /// The dual norm of the gradient (the certificate's, with warm sets per block).
    dual_norm: certify::ReluDualNorm<'a>,
    deadline: Deadline,
    /// The tight dual point and when to try it; a try's dual norm runs on
    /// `dual_norm` (the tight direction is the scaled residual moved a little, so
    /// its active sets are warm starts for both, and no `2cP` sets are added).
    tight: Option<TightDual<'a>>,
    /// `Aᵀr` of the `v` blocks, unscaled (a try's input).
    g: Blocks,
}

impl<'a> ReluLoss<'a> {
    pub fn new(
        ops: &'a Operators,
        patterns: &'a crate::model::Patterns,
        y: &faer::Mat<f64>,
        lambda: f64,
    ) -> ReluLoss<'a> {
        let (c, p, d) = (y.ncols(), ops.p(), ops.d());
        ReluLoss {
            // The regularizer only enters GatedLoss's own dual bound, unused here.
            gated: GatedLoss::new(ops, y, Regularizer::NeuronGl1, lambda),
            lambda,
            diff: vec![0.0; d * c * p],
            dual_norm: certify::ReluDualNorm::new(ops.x(), patterns, 2 * c * p),
            deadline: Deadline::NONE,
            tight: None,
            g: Blocks::zeros(c, p, d),
        }
    }

    /// Also try the tight dual point at the checks ([`super::tight_dual`]), built
    /// for this loss's data and patterns (`λ > 0`; otherwise unchanged).
    pub fn with_tight_dual(mut self, tight: TightDual<'a>) -> Self {
        if self.lambda > 0.0 {
            self.tight = Some(tight);
        }
        self
    }

    /// Tries of the tight dual point, and tries that beat the plain bound.
    pub fn tight_counts(&self) -> (usize, usize) {
        self.tight.as_ref().map_or((0, 0), |t| (t.tries, t.wins))
    }

    fn half(&self) -> usize {
        self.diff.len()
    }
}

impl Smooth for ReluLoss<'_> {
    fn dim(&self) -> usize {
        2 * self.half()
    }
    fn state_len(&self) -> usize {
        self.gated.state_len()
    }
    fn forward(&mut self, u: &[f64], state: &mut [f64]) {
        let h = self.half();
        for ((o, a), b) in self.diff.iter_mut().zip(&u[..h]).zip(&u[h..]) {
            *o = a - b;
        }
        self.gated.forward(&self.diff, state);
    }
    fn value(&mut self, state: &[f64]) -> f64 {
        self.gated.value(state)
    }
    fn gradient(&mut self, state: &[f64], grad: &mut [f64]) -> f64 {
        let (gv, gw) = grad.split_at_mut(self.half());
        let f = self.gated.gradient(state, gv);
        for (w, v) in gw.iter_mut().zip(gv.iter()) {
            *w = -v;
        }
        f
    }
    fn curvature(&mut self, state_plus: &[f64], state: &[f64]) -> Option<f64> {
        self.gated.curvature(state_plus, state)
    }
    fn dual_bound(&mut self, u: &[f64], state: &[f64], grad: &[f64]) -> Option<f64> {
        let (rr, ry) = self.gated.residual_products(state);
        // No bound when out of time before every block was seen.
        let deadline = self.deadline;
        let dn = self.dual_norm.compute_until(grad, &|| deadline.expired())?;
        let nc = self.gated.nc();
        let mut bound = certify::scaled_residual_bound(self.lambda, nc, rr, ry, dn * nc);
        if self.tight.is_some() {
            let d = self.g.d.max(1);
            let penalty: f64 = u.chunks(d).map(norm).sum::<f64>() * self.lambda;
            let objective = self.gated.value(state) + penalty;
            let p = fista::relative(objective - bound, objective);
            if let Some(t) = self.tight.as_mut()
                && t.due(p)
            {
                for (g, v) in self.g.data.iter_mut().zip(grad) {
                    *g = v * nc;
                }
                if let Some(b) = t.try_relu_bound(
                    u,
                    state,
                    &self.g,
                    (nc, dn * nc),
                    (objective, bound),
                    &mut self.dual_norm,
                    &|| deadline.expired(),
                ) && b > bound
                {
                    bound = b;
                }
            }
        }
        Some(bound)
    }
    fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }
}

/// `h = λ Σ_j ‖u_j‖ + ι_{K_i}(u_j)` through exact projections.
pub struct ConeProx<'a> {
    ops: &'a Operators,
    lambda: f64,
    projector: ConeProjector<'a>,
    /// `X·[V W]` of one chunk of [`PROX_CHUNK`] blocks being projected, then its
    /// cone values, `n × chunk`: the prox runs chunk by chunk, so no `n × 2cP`
    /// buffer exists.
    z: Vec<f64>,
    /// Warm-start steps `Δ` (`d × 2cP`) and `X Δ` of a chunk (`n × chunk`).
    delta: Vec<f64>,
    xdelta: Vec<f64>,
    /// The mask column of the block being projected as `0.0/1.0` (`n`), filled
    /// from the bits when a projection needs it (cone values come from the bits
    /// directly, [`Operators::apply_signs`]).
    mask: Vec<f64>,
    /// What phase 1 decided for each block.
    state: Vec<Block>,
    /// Cone values of one block, `n`.
    cone: Vec<f64>,
    /// A block (for the subgradient), `d`.
    block: Vec<f64>,
    /// Passive sets of the last projection of each block (warm starts).
    warm: Vec<Passive>,
    scratch_set: Passive,
    /// Projections run and Lawson–Hanson steps taken (diagnostics).
    pub projections: usize,
    pub steps: usize,
    /// Projections that hit the step limit.
    pub unconverged: usize,
    /// Cone values the projections computed ([`ProjectionInfo::rows`](crate::cone::polyhedral::ProjectionInfo::rows); diagnostics).
    pub rows: usize,
    /// Row screening ([`ConeProx::with_screening`]): the last output of each block,
    /// a point of its cone (`d × 2cP`); empty when off.
    anchors: Vec<f64>,
    deadline: Deadline,
    /// The last `prox` stopped at the deadline (its output is incomplete).
    stopped: bool,
}

/// Blocks per chunk of the prox: the GEMMs `X·U_chunk` and `X·Δ_chunk` are wide
/// enough to run at GEMM speed, and the buffers are `n × 64` whatever `P` is.
pub const PROX_CHUNK: usize = 64;

impl<'a> ConeProx<'a> {
    pub fn new(ops: &'a Operators, c: usize, lambda: f64) -> ConeProx<'a> {
        let (n, p, d) = (ops.n(), ops.p(), ops.d());
        let chunk = PROX_CHUNK.min(2 * c * p);
        ConeProx {
            ops,
            lambda,
            projector: ConeProjector::new(ops.x()),
            z: vec![0.0; n * chunk],
            delta: vec![0.0; 2 * c * p * d],
            xdelta: vec![0.0; n * chunk],
            mask: vec![0.0; n],
            state: vec![Block::Zero; 2 * c * p],
            cone: vec![0.0; n],
            block: vec![0.0; d],
            warm: (0..2 * c * p).map(|_| Passive::new(d)).collect(),
            scratch_set: Passive::new(d),
            projections: 0,
            steps: 0,
            unconverged: 0,
            rows: 0,
            anchors: Vec::new(),
            deadline: Deadline::NONE,
            stopped: false,
        }
    }

    /// The same prox with row screening in its projections
    /// ([`ConeProjector::project_screened`]): block `j`'s projection of `z` takes
    /// the radius `min(‖z − a_j‖, ‖z‖) ≥ dist(z, K)` with `a_j` the block's last
    /// output (a point of its cone; zero at first), so only rows within that
    /// radius of their boundary take part.
    pub fn with_screening(mut self) -> Self {
        self.anchors = vec![0.0; self.delta.len()];
        self
    }

    /// Take `u` (every block inside its cone, e.g. a warm start this prox or
    /// another produced) as the blocks' last outputs, for screening.
    pub fn set_anchors(&mut self, u: &[f64]) {
        if !self.anchors.is_empty() {
            self.anchors.copy_from_slice(u);
        }
    }

    /// The passive sets kept per block (warm starts), for callers that carry them
    /// between solves.
    pub fn warm_sets_mut(&mut self) -> &mut [Passive] {
        &mut self.warm
    }
}

/// The fate of a block in the prox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    /// Shrunk to zero.
    Zero,
    /// Already inside its cone.
    Inside,
    /// Outside: warm step taken, to be checked.
    Pending,
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

impl ConeProx<'_> {
    /// The prox on blocks `j0 .. j0 + uc.len()/d` (`uc` their weights).
    fn prox_chunk(&mut self, step: f64, j0: usize, uc: &mut [f64]) {
        let (n, d, p) = (self.ops.n(), self.ops.d(), self.ops.p());
        let tau = step * self.lambda;
        let m = uc.len() / d;
        self.ops.products(uc, &mut self.z[..n * m]);
        // Phase 1: per block, drop it (‖Π_K(z)‖ ≤ ‖z‖ ≤ τ), keep it (inside its
        // cone), or take the warm-start step δ_j of its last passive set.
        let mut pending = false;
        for (l, uj) in uc.chunks_mut(d).enumerate() {
            let j = j0 + l;
            let dj = &mut self.delta[j * d..(j + 1) * d];
            dj.iter_mut().for_each(|v| *v = 0.0);
            let nrm = norm(uj);
            self.state[j] = if nrm <= tau {
                uj.iter_mut().for_each(|v| *v = 0.0);
                self.warm[j].clear();
                Block::Zero
            } else {
                let cz = &mut self.z[l * n..(l + 1) * n];
                self.ops.apply_signs(j % p, cz);
                if self.projector.is_inside(cz, nrm) {
                    self.warm[j].clear();
                    Block::Inside
                } else {
                    self.projector.warm_delta(cz, &mut self.warm[j], dj);
                    pending = true;
                    Block::Pending
                }
            };
        }
        // Phase 2: one GEMM X·Δ checks every warm step; blocks whose active rows
        // changed get the full projection.
        if pending {
            self.ops
                .products(&self.delta[j0 * d..(j0 + m) * d], &mut self.xdelta[..n * m]);
        }
        for (l, uj) in uc.chunks_mut(d).enumerate() {
            let j = j0 + l;
            match self.state[j] {
                Block::Zero => continue,
                Block::Inside => {}
                Block::Pending => {
                    let cz = &self.z[l * n..(l + 1) * n];
                    let xd = &mut self.xdelta[l * n..(l + 1) * n];
                    self.ops.apply_signs(j % p, xd);
                    self.projections += 1;
                    if self.projector.is_feasible(cz, xd, norm(uj)) {
                        self.steps += 1;
                        for (a, b) in uj.iter_mut().zip(&self.delta[j * d..(j + 1) * d]) {
                            *a += b;
                        }
                    } else {
                        if self.deadline.expired() {
                            // Out of time: blocks from j on are left as they came.
                            self.stopped = true;
                            return;
                        }
                        let radius = if self.anchors.is_empty() {
                            f64::INFINITY
                        } else {
                            let a = &self.anchors[j * d..(j + 1) * d];
                            let dist = uj.iter().zip(a).map(|(x, y)| (x - y) * (x - y)).sum();
                            f64::sqrt(dist).min(norm(uj))
                        };
                        self.ops.fill_mask_col(j % p, &mut self.mask);
                        let info = self.projector.project_screened(
                            &self.mask,
                            uj,
                            cz,
                            &mut self.warm[j],
                            radius,
                        );
                        self.steps += info.steps;
                        self.rows += info.rows;
                        self.unconverged += usize::from(!info.converged);
                    }
                }
            }
            let nrm = norm(uj);
            let s = if nrm > tau { 1.0 - tau / nrm } else { 0.0 };
            uj.iter_mut().for_each(|v| *v *= s);
            if !self.anchors.is_empty() {
                self.anchors[j * d..(j + 1) * d].copy_from_slice(uj);
            }
        }
    }
}

impl Proximal for ConeProx<'_> {
    fn prox(&mut self, step: f64, u: &mut [f64]) {
        let d = self.ops.d();
        let m = u.len() / d.max(1);
        self.stopped = false;
        let mut j0 = 0;
        while j0 < m && !self.stopped {
            let j1 = (j0 + PROX_CHUNK).min(m);
            self.prox_chunk(step, j0, &mut u[j0 * d..j1 * d]);
            j0 = j1;
        }
    }

    fn value(&mut self, u: &[f64]) -> f64 {
        self.lambda * u.chunks(self.ops.d()).map(norm).sum::<f64>()
    }

    fn subgradient_sq(&mut self, u: &[f64], grad: &[f64]) -> f64 {
        let (d, p) = (self.ops.d(), self.ops.p());
        let lambda = self.lambda;
        let mut total = 0.0;
        for (j, (uj, gj)) in u.chunks(d).zip(grad.chunks(d)).enumerate() {
            if self.deadline.expired() {
                return f64::NAN;
            }
            self.ops.fill_mask_col(j % p, &mut self.mask);
            let mask = &self.mask;
            let un = norm(uj);
            if un == 0.0 {
                // dist(−g, λB + K°) = (‖Π_K(−g)‖ − λ)_+.
                self.block.iter_mut().zip(gj).for_each(|(b, g)| *b = -g);
                self.projector
                    .cone_values(mask, &self.block, &mut self.cone);
                self.scratch_set.clear();
                self.projector
                    .project(mask, &mut self.block, &self.cone, &mut self.scratch_set);
                total += (norm(&self.block) - lambda).max(0.0).powi(2);
                continue;
            }
            // Rows active at u_j define the tangent cone T; the min-norm element of
            // g + λû + N_K(u) has norm ‖Π_T(−(g + λû))‖.
            self.projector.cone_values(mask, uj, &mut self.cone);
            for (b, (&g, &uu)) in self.block.iter_mut().zip(gj.iter().zip(uj)) {
                *b = -(g + lambda * uu / un);
            }
            // Cone values of −(g + λû) on the rows active at u_j, +∞ elsewhere.
            let tol = 1e-10 * un;
            for (l, c) in self.cone.iter_mut().enumerate() {
                *c = if *c <= tol * self.projector.row_norm(l) {
                    (2.0 * mask[l] - 1.0) * self.projector.row_dot(l, &self.block)
                } else {
                    f64::INFINITY
                };
            }
            self.scratch_set.clear();
            self.projector
                .project(mask, &mut self.block, &self.cone, &mut self.scratch_set);
            total += norm(&self.block).powi(2);
        }
        total
    }

    fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    fn interrupted(&self) -> bool {
        self.stopped
    }
}

/// Solve the C-ReLU `problem` by cone-projected R-FISTA, from `warm` (or zero).
pub fn solve(
    problem: &Problem,
    settings: &FistaSettings,
    warm: Option<&Weights>,
) -> Result<SolveOutput, SolverError> {
    solve_observed(
        problem,
        settings,
        warm,
        &mut crate::solvers::progress::Silent,
    )
}

/// [`solve`], reporting every measurement to `progress`.
pub fn solve_observed(
    problem: &Problem,
    settings: &FistaSettings,
    warm: Option<&Weights>,
    progress: &mut dyn crate::solvers::Progress,
) -> Result<SolveOutput, SolverError> {
    super::check_start(
        problem,
        Model::Relu,
        "fista (relu)",
        "--solver fista",
        settings.validate(),
    )?;
    let t = Stopwatch::start(settings.time_basis, settings.threads);
    let (c, p, d) = (problem.c(), problem.p(), problem.d());
    let mut u = Weights::relu_stacked(warm, c, p, d);
    let start = t.read();
    let mut monitor = fista::Monitor::new(crate::solvers::progress::Phase::Fista, progress);
    let (out, details) = run(problem, &mut u, settings, 0.0, &mut monitor);
    let total = t.read();
    // The operators are built inside `run`: count them as setup.
    let setup = Reading {
        wall_s: start.wall_s + out.setup.wall_s,
        cpu_s: start.cpu_s + out.setup.cpu_s,
    };
    let solve = total.since(setup);
    let out = out.fista;
    Ok(SolveOutput {
        weights: Weights::relu_from_stacked(&u, c, p, d),
        status: out.status,
        iterations: out.iterations,
        setup_s: setup.wall_s,
        solve_s: solve.wall_s,
        cpu: CpuTimes::new(t.cpu_clock(), setup, solve),
        basis: settings.time_basis,
        trace: out.trace,
        details: SolverDetails::Fista(details),
    })
}

/// What [`run`] returns besides the details.
pub struct RunOutcome {
    pub fista: fista::FistaOutcome,
    /// Seconds spent building the operators and workspaces (both clocks).
    pub setup: Reading,
}

/// Cone-projected R-FISTA on `problem` from `u = [v; w]` (projected onto the cones
/// first, so any start will do); the solution is left in `u`. Shared by
/// [`solve`] and the AL's final phase. `time_offset` shifts the trace clock; the
/// measurements go to `monitor`.
pub fn run(
    problem: &Problem,
    u: &mut [f64],
    settings: &FistaSettings,
    time_offset: f64,
    monitor: &mut fista::Monitor<'_>,
) -> (RunOutcome, FistaDetails) {
    let t = Stopwatch::start(settings.time_basis, settings.threads);
    let c = problem.c();
    let ops = Operators::new(problem.x(), problem.patterns()).with_threads(settings.threads);
    let mut loss = ReluLoss::new(&ops, problem.patterns(), problem.y(), problem.lambda());
    if settings.tight_dual && settings.stopping == fista::Stopping::DualityGap {
        loss = loss.with_tight_dual(TightDual::new(problem, settings.tol));
    }
    let mut h = ConeProx::new(&ops, c, problem.lambda()).with_screening();
    // A warm start need not be feasible: project it first (step 0: no shrinkage),
    // within the time limit (blocks not reached by then stay as they came).
    h.set_deadline(Deadline::on(t, settings.time_limit));
    h.prox(0.0, u);
    let mut ws = FistaWorkspace::new(loss.dim(), loss.state_len());
    let setup = t.read();
    let setup_s = setup.on(settings.time_basis);
    let mut settings = if problem.lambda() == 0.0 {
        fista::zero_lambda_settings(&mut loss, settings)
    } else {
        settings.clone()
    };
    // The setup (operators, first projection) counts against the time limit.
    settings.time_limit = (settings.time_limit - setup_s).max(f64::MIN_POSITIVE);
    let out = fista::solve_monitored(
        &mut loss,
        &mut h,
        u,
        &settings,
        &mut ws,
        time_offset,
        &mut |_| {},
        monitor,
    );
    let details = FistaDetails {
        projections: Some(h.projections),
        projection_steps: Some(h.steps),
        projections_unconverged: Some(h.unconverged),
        projection_rows: Some(h.rows),
        tight_dual_tries: Some(loss.tight_counts().0),
        tight_dual_wins: Some(loss.tight_counts().1),
        ..out.details(&settings)
    };
    (RunOutcome { fista: out, setup }, details)
}
