//! R-FISTA: restarted accelerated proximal gradient for `min_u f(u) + λR(u)` with a
//! smooth `f` reached through a linear map (SPEC §3).
//!
//! ```text
//!   v₀ = u₀, t₀ = 1
//!   repeat
//!     u⁺ = prox_{ηλR}(v − η∇f(v))         backtrack η ← 0.5η until
//!        D_f(u⁺, v) ≤ ‖u⁺−v‖²/(2η),   D_f(u⁺, v) = f(u⁺) − f(v) − ⟨∇f(v), u⁺−v⟩
//!     if ‖u⁺−v‖² > 5·2η D_f(u⁺, v):  η ← 1.25η                        (step growth)
//!     if ⟨u⁺−u, v−u⁺⟩ > 0:  t = 1, v = u⁺                            (restart)
//!     else t⁺ = (1+√(1+4t²))/2,  v = u⁺ + (t−1)/t⁺ (u⁺−u)
//! ```
//!
//! `f` is evaluated through its *state* `s = L u` (for C-GReLU the predictions, for
//! the AL subproblem the products `X U`). `L` is linear, so the state of the momentum
//! point is `s(u⁺) + β(s(u⁺) − s(u))` — no product needed — and the state computed
//! for the accepted line-search candidate is the one the next iteration uses: an
//! iteration without backtracking costs one forward product (the candidate) and one
//! adjoint (the gradient at `v`). The Bregman divergence `D_f` comes from the
//! states when the smooth part offers it ([`Smooth::curvature`]: for a quadratic
//! data term `‖s₊ − s‖²/(2N)`, exact to rounding of the states); otherwise from the
//! values, with a slack of `1e-12·|f(v)|` for their rounding.
//!
//! Stopping, checked every `check_every` iterations at the current iterate (one extra
//! adjoint each time): the squared min-norm subgradient of `f + λR` at most `tol`
//! (the published library's rule), or the relative duality gap at most `tol` when
//! the smooth part supplies a dual bound; also max iterations, time limit, and
//! divergence (a non-finite objective).
//!
//! *Screened gap checks.* When the smooth part's dual bound needs no product
//! ([`Smooth::screen_bound`]: C-GReLU), the gradient at the iterate comes free:
//! `∇f` is affine, so `v = u + β(u − u_prev)` gives
//!
//! ```text
//!   ∇f(u) = (∇f(v) + β ∇f(u_prev)) / (1 + β)
//! ```
//!
//! from the gradient the step computes anyway (rounding contracts by
//! `β/(1 + β) ≤ 1/2` per iteration; `∇f(u) = ∇f(v)` after a restart). At each
//! check the gap at `u` is screened with it, and the check proper (an adjoint at
//! `u`, the bound the record's certificate recomputes) runs only when the screen
//! is within [`SCREEN_MARGIN`]`·tol`: same checks, same stops, same path, one
//! adjoint fewer per check that cannot stop. Every stop is still decided by the
//! check proper.

use super::deadline::Deadline;
use super::prox;
use crate::model::Regularizer;
use crate::solvers::clock::{Stopwatch, TimeBasis};
use crate::solvers::progress::{self, IterationLog, Phase, Progress, Silent};
use crate::solvers::{Status, TracePoint};

/// A smooth function `f(u) = φ(L u)` with `L` linear.
pub trait Smooth {
    /// Length of `u`.
    fn dim(&self) -> usize;
    /// Length of the state `s = L u`.
    fn state_len(&self) -> usize;
    /// `s = L u` (a forward product).
    fn forward(&mut self, u: &[f64], state: &mut [f64]);
    /// `f` from the state.
    fn value(&mut self, state: &[f64]) -> f64;
    /// `f` and `∇f(u) = Lᵀ∇φ(s)` from the state (an adjoint product).
    fn gradient(&mut self, state: &[f64], grad: &mut [f64]) -> f64;
    /// The Bregman divergence of `φ` between two states,
    /// `φ(s₊) − φ(s) − ⟨∇φ(s), s₊ − s⟩ = f(u₊) − f(u) − ⟨∇f(u), u₊ − u⟩`, computed
    /// without the cancellation of the difference of values (`None`: not offered;
    /// the line search then takes the difference of values). Near the optimum the
    /// values agree to all their digits, and a test on their difference accepts
    /// steps whose bound is violated by rounding, which let the objective float
    /// ~1e-12 above the optimum and the certified gap stall (issue 13).
    fn curvature(&mut self, _state_plus: &[f64], _state: &[f64]) -> Option<f64> {
        None
    }
    /// A lower bound on `min f + λR`, given `u` with its state and gradient
    /// (`None` when the smooth part has no dual to offer).
    fn dual_bound(&mut self, _u: &[f64], _state: &[f64], _grad: &[f64]) -> Option<f64> {
        None
    }
    /// The solve's deadline, for smooth parts whose dual bound is long to compute
    /// (it then returns `None` once the deadline has passed).
    fn set_deadline(&mut self, _deadline: Deadline) {}
    /// [`Smooth::dual_bound`] when it costs a pass over the state and the
    /// gradient only (no product, no projection) and has no side effect on the
    /// iterates; `None`: not offered. With it the duality-gap checks are screened
    /// (module docs) and pay their adjoint only where they may stop.
    fn screen_bound(&mut self, _u: &[f64], _state: &[f64], _grad: &[f64]) -> Option<f64> {
        None
    }
}

/// What the stopping tolerance measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stopping {
    /// Squared min-norm subgradient of `f + λR` at most `tol`.
    Subgradient,
    /// Relative duality gap `(F − dual)/F` at most `tol` (needs [`Smooth::dual_bound`]).
    DualityGap,
}

/// Whether `fista` solves on working sets of patterns (C-GReLU:
/// [`super::working_set`]; C-ReLU: [`super::relu_working_set`]), and whether the
/// AL's inner solves run on working sets of blocks ([`super::al_working_set`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkingSets {
    /// Always the full problem.
    Off,
    /// Working sets whenever they apply (neuron-gl1, λ > 0, duality-gap stopping).
    On,
    /// Working sets when they apply and the problem has at least
    /// [`super::working_set::AUTO_MIN_PATTERNS`] patterns.
    Auto,
}

/// The metric of R-FISTA's steps on C-GReLU with the neuron group norm
/// ([`super::block_metric`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Euclidean steps (the textbook R-FISTA).
    Euclidean,
    /// Steps in the block-Gram metric whenever it applies and fits in memory.
    BlockGram,
    /// The block-Gram metric when it applies, fits, and pays: `10·d ≤ n` and
    /// `κ(XᵀX) ≥ 100` ([`super::gated::uses_block_metric`]; the default).
    Auto,
}

impl Metric {
    pub const fn name(&self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::BlockGram => "block-gram",
            Metric::Auto => "auto",
        }
    }
}
crate::named::named!(Metric, [Euclidean, BlockGram, Auto]);

/// The momentum of R-FISTA's extrapolation `v = u + β (u − u_prev)`; every
/// choice keeps the gradient-mapping restart (`β = 0` after a step with
/// `⟨u⁺ − u, v − u⁺⟩ > 0`) and the backtracking line search, and the stop is the
/// same certificate, so the choice changes the path, not what a stop proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Momentum {
    /// Beck–Teboulle: `t⁺ = (1 + √(1 + 4t²))/2`, `β = (t − 1)/t⁺`, `t = 1` at a
    /// restart.
    Fista,
    /// Full momentum `β = 1` between restarts: the "greedy FISTA" of Liang, Luo
    /// and Schönlieb (SIAM J. Sci. Comput. 2022), whose step-size safeguard the
    /// line search replaces here.
    Greedy,
    /// Greedy on C-GReLU, FISTA on C-ReLU (the default): on the 12 gated
    /// reference problems greedy took 10 970 iterations against 13 300 (fewer on
    /// 10, by up to 27%; 10 more on 2; with the backtracking factor 0.8 of
    /// before 2026-12-06: 11 010 against 14 300, and fewer products), while on
    /// C-ReLU its fewer iterations cost more cone-projection work
    /// (R-FISTA 1.09–1.23× the CPU time of FISTA's momentum; `gated::run` resolves
    /// it, every other caller runs FISTA).
    Auto,
}

impl Momentum {
    pub const fn name(&self) -> &'static str {
        match self {
            Momentum::Fista => "fista",
            Momentum::Greedy => "greedy",
            Momentum::Auto => "auto",
        }
    }
}
crate::named::named!(Momentum, [Fista, Greedy, Auto]);

impl WorkingSets {
    pub const fn name(&self) -> &'static str {
        match self {
            WorkingSets::Off => "off",
            WorkingSets::On => "on",
            WorkingSets::Auto => "auto",
        }
    }
}
crate::named::named!(WorkingSets, [Off, On, Auto]);

/// R-FISTA settings.
#[derive(Clone, Debug, PartialEq)]
pub struct FistaSettings {
    /// Tolerance of the stopping measure (default 1e-6).
    pub tol: f64,
    /// Stopping measure (default: squared min-norm subgradient).
    pub stopping: Stopping,
    /// Maximum iterations (default 10000).
    pub max_iters: usize,
    /// Time limit in seconds on `time_basis` (default none).
    pub time_limit: f64,
    /// The clock of the limit and of the trace (default wall;
    /// [`crate::solvers::clock`]).
    pub time_basis: TimeBasis,
    /// First step size η (default 10), used as given when `power_iterations` is 0.
    pub initial_step: f64,
    /// Power iterations estimating the Lipschitz constant `L` of `∇f` at the
    /// start, whose estimate gives the first step `η = 1/L̂` instead of
    /// `initial_step` (default 3; 0 keeps `initial_step`, as warm-started inner
    /// solves do). Each costs one forward and one adjoint product; from η = 10 the
    /// first line search took ~26 extra products on the problems the issue saw.
    pub power_iterations: usize,
    /// Backtracking factor (default 0.5). Against 0.8 (the default until
    /// 2026-12-06), 0.5 took 12.5% fewer pattern products in total on the 12
    /// gated reference problems and three synth problems at P = 500–1000 (fewer
    /// backtracks per iteration, about as many iterations), and 10% (R-FISTA) and
    /// 8% (AL) less CPU time on the 12 C-ReLU reference problems
    /// (`results/native/backtrack.md`).
    pub backtrack: f64,
    /// Step growth factor (default 1.25) ...
    pub growth: f64,
    /// ... applied when the quadratic bound is this many times too loose (default 5).
    pub growth_threshold: f64,
    /// Adaptive restart by the gradient-mapping test (default on).
    pub restart: bool,
    /// The momentum between restarts (default [`Momentum::Auto`]).
    pub momentum: Momentum,
    /// Iterations between stopping checks (default 10).
    pub check_every: usize,
    /// Iterations between trace points (default 10; the first and last iterates are
    /// always traced).
    pub trace_every: usize,
    /// Threads of the dense kernels (default 1).
    pub threads: usize,
    /// Refuse to start when the solver's estimated memory exceeds this many bytes
    /// (default 8 GiB; [`super::memory`]).
    pub max_memory: u64,
    /// C-GReLU with the neuron group norm: the metric of the steps (default
    /// [`Metric::Auto`]; read by [`super::gated::solve`] and the working sets, which use the
    /// block-Gram metric when its `2·P·d²` floats fit in a quarter of `max_memory`).
    pub metric: Metric,
    /// Solve on working sets of patterns (default [`WorkingSets::Auto`]; read by
    /// [`super::working_set::solve`], [`super::relu_working_set::solve`] and, in
    /// the AL's inner settings, [`super::al_working_set::applies`] only, the loop
    /// of this module ignores it).
    pub working_sets: WorkingSets,
    /// C-GReLU with the neuron group norm, stopping on the duality gap: also try
    /// the tight dual point at the checks of the full problem (default true;
    /// [`super::tight_dual`]). The record's certificate computes it either way.
    pub tight_dual: bool,
}

impl Default for FistaSettings {
    fn default() -> Self {
        FistaSettings {
            tol: 1e-6,
            stopping: Stopping::Subgradient,
            max_iters: 10_000,
            time_limit: f64::INFINITY,
            time_basis: TimeBasis::Wall,
            initial_step: 10.0,
            power_iterations: 3,
            backtrack: 0.5,
            growth: 1.25,
            growth_threshold: 5.0,
            restart: true,
            momentum: Momentum::Auto,
            check_every: 10,
            trace_every: 10,
            threads: 1,
            max_memory: crate::compile::DEFAULT_MAX_MEMORY,
            working_sets: WorkingSets::Auto,
            metric: Metric::Auto,
            tight_dual: true,
        }
    }
}

impl FistaSettings {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(format!("tol must be > 0, got {}", self.tol));
        }
        if self.max_iters == 0 {
            return Err("max-iters must be >= 1".into());
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(format!("time-limit must be > 0, got {}", self.time_limit));
        }
        if !(self.initial_step.is_finite() && self.initial_step > 0.0) {
            return Err(format!(
                "initial step must be > 0, got {}",
                self.initial_step
            ));
        }
        if !(self.backtrack > 0.0 && self.backtrack < 1.0) {
            return Err(format!(
                "backtrack must be in (0, 1), got {}",
                self.backtrack
            ));
        }
        if !(self.growth >= 1.0 && self.growth.is_finite()) {
            return Err(format!("growth must be >= 1, got {}", self.growth));
        }
        if self.growth_threshold.is_nan() || self.growth_threshold <= 0.0 {
            return Err("growth threshold must be > 0".into());
        }
        if self.check_every == 0 || self.trace_every == 0 {
            return Err("check-every and trace-every must be >= 1".into());
        }
        Ok(())
    }
}

/// The composite part: `λR` on `d`-long blocks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Composite {
    pub reg: Regularizer,
    pub lambda: f64,
    pub d: usize,
}

/// The non-smooth part `h` of `f + h`, through its proximal map.
pub trait Proximal {
    /// `u ← prox_{ηh}(u)`.
    fn prox(&mut self, step: f64, u: &mut [f64]);
    /// `h(u)` (for a point the prox produced; indicators are taken as satisfied).
    fn value(&mut self, u: &[f64]) -> f64;
    /// Squared norm of the minimum-norm element of `∇f(u) + ∂h(u)`.
    fn subgradient_sq(&mut self, u: &[f64], grad: &[f64]) -> f64;
    /// The solve's deadline, for proximal maps that are long to compute: once it
    /// has passed, `prox` may stop early (and [`Proximal::interrupted`] says so;
    /// its output is then not to be used) and `subgradient_sq` returns NaN.
    fn set_deadline(&mut self, _deadline: Deadline) {}
    /// Whether the last `prox` stopped early at the deadline.
    fn interrupted(&self) -> bool {
        false
    }
    /// `cand ← v − η M⁻¹ g`: the gradient step in the metric `M` of this prox
    /// (default the identity).
    fn gradient_step(&mut self, step: f64, v: &[f64], grad: &[f64], cand: &mut [f64]) {
        for ((c, v), g) in cand.iter_mut().zip(v).zip(grad) {
            *c = v - step * g;
        }
    }
    /// `‖a − b‖²_M` in the metric of this prox; `None` for the identity (the
    /// caller has the Euclidean value).
    fn metric_dist_sq(&mut self, _a: &[f64], _b: &[f64]) -> Option<f64> {
        None
    }
    /// `cand ← prox_{ηh}(v − η M⁻¹ g)`, the whole forward-backward step; returns
    /// `‖cand − v‖²_M` where the kernel has it for free, `None` otherwise (then
    /// the caller asks [`Proximal::metric_dist_sq`]). Default: the gradient step,
    /// then the prox.
    fn forward_backward(
        &mut self,
        step: f64,
        v: &[f64],
        grad: &[f64],
        cand: &mut [f64],
    ) -> Option<f64> {
        self.gradient_step(step, v, grad, cand);
        self.prox(step, cand);
        None
    }
}

/// The stopping rule at λ = 0, where no dual bound certifies anything (the
/// scaled-residual dual point is feasible only at θ = 0): a `DualityGap` rule with
/// relative tolerance `τ` becomes the squared min-norm subgradient at most
/// `(τ/10)² ‖∇f(0)‖²` — the gradient norm reduced by the factor `τ/10` from its
/// value at zero. (A fixed 1e-6 stopped R-FISTA with 1.2–6.6× the optimal loss:
/// with the `1/(2nc)` scaling the gradient is small long before the loss is. The
/// factor `τ` alone left C-ReLU on diabetes 2e-5·f(0) above the optimal loss
/// once the line search backtracked by 0.5; with `τ/10` the four runs of
/// `native_fista::lambda_zero_reaches_the_optimal_loss` end 5e-13 to 4.5e-9·f(0)
/// above it.) Other rules are kept as given.
pub fn zero_lambda_settings<S: Smooth>(smooth: &mut S, settings: &FistaSettings) -> FistaSettings {
    let mut s = settings.clone();
    if s.stopping == Stopping::DualityGap {
        let zero = vec![0.0; smooth.dim()];
        let mut state = vec![0.0; smooth.state_len()];
        let mut grad = vec![0.0; smooth.dim()];
        smooth.forward(&zero, &mut state);
        smooth.gradient(&state, &mut grad);
        let g0: f64 = grad.iter().map(|g| g * g).sum();
        s.stopping = Stopping::Subgradient;
        s.tol = ((0.1 * settings.tol).powi(2) * g0).max(f64::MIN_POSITIVE);
        // This stop is not certified and depends on the path: with the
        // power-iteration start, C-ReLU on diabetes at λ = 0 stopped at 2e-5·f(0)
        // above the optimal loss instead of within 1e-5·f(0). Keep the η = 10 start.
        s.power_iterations = 0;
    }
    s
}

/// [`Composite`] with the scratch space its feature-group prox needs.
#[derive(Clone, Debug)]
pub struct RegularizerProx {
    comp: Composite,
    scratch: Vec<f64>,
}

impl RegularizerProx {
    pub fn new(comp: Composite) -> RegularizerProx {
        RegularizerProx {
            comp,
            scratch: vec![0.0; 2 * comp.d.max(1)],
        }
    }
}

impl Proximal for RegularizerProx {
    fn prox(&mut self, step: f64, u: &mut [f64]) {
        let Composite { reg, lambda, d } = self.comp;
        prox::prox_in_place(reg, step * lambda, d, u, &mut self.scratch);
    }
    fn value(&mut self, u: &[f64]) -> f64 {
        let Composite { reg, lambda, d } = self.comp;
        lambda * prox::value(reg, d, u, &mut self.scratch)
    }
    fn subgradient_sq(&mut self, u: &[f64], grad: &[f64]) -> f64 {
        let Composite { reg, lambda, d } = self.comp;
        prox::min_norm_subgradient_sq(reg, lambda, d, u, grad, &mut self.scratch)
    }
}

/// A screened check (module docs) skips the check proper only when the screen's
/// gap exceeds `tol` by this factor. The screen and the check differ by rounding
/// in the gradient (relative 1e-13 or so), so the checks that stop are the ones
/// that stopped without the screen, and the path is the same.
pub const SCREEN_MARGIN: f64 = 1.01;

/// Buffers of one R-FISTA run, sized once; reusable across warm-started solves.
#[derive(Clone, Debug)]
pub struct FistaWorkspace {
    u_prev: Vec<f64>,
    v: Vec<f64>,
    cand: Vec<f64>,
    grad_v: Vec<f64>,
    grad_u: Vec<f64>,
    state_u: Vec<f64>,
    state_prev: Vec<f64>,
    state_v: Vec<f64>,
    state_cand: Vec<f64>,
}

impl FistaWorkspace {
    pub fn new(dim: usize, state_len: usize) -> FistaWorkspace {
        FistaWorkspace {
            u_prev: vec![0.0; dim],
            v: vec![0.0; dim],
            cand: vec![0.0; dim],
            grad_v: vec![0.0; dim],
            grad_u: vec![0.0; dim],
            state_u: vec![0.0; state_len],
            state_prev: vec![0.0; state_len],
            state_v: vec![0.0; state_len],
            state_cand: vec![0.0; state_len],
        }
    }

    /// The state `L u` of the last iterate of the last run.
    pub fn state(&self) -> &[f64] {
        &self.state_u
    }

    /// `∇f` at the last iterate, valid after a run (it is computed by the final check).
    pub fn gradient(&self) -> &[f64] {
        &self.grad_u
    }
}

/// One accepted step, for observers (tests of the line search and the restart).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepInfo {
    pub iteration: usize,
    /// The accepted step size η.
    pub step: f64,
    /// `f(v)`, `f(u⁺)`, `⟨∇f(v), u⁺ − v⟩`, `‖u⁺ − v‖²`.
    pub f_v: f64,
    pub f_plus: f64,
    pub inner: f64,
    pub ss: f64,
    pub backtracks: usize,
    pub restarted: bool,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct FistaOutcome {
    pub status: Status,
    pub iterations: usize,
    /// `f + λR` at the returned point.
    pub objective: f64,
    /// Squared min-norm subgradient at the returned point.
    pub subgradient_sq: f64,
    /// Dual bound and relative duality gap at the returned point, when offered.
    pub dual_bound: Option<f64>,
    pub relative_gap: Option<f64>,
    /// Last accepted step size (to warm-start the next run).
    pub step: f64,
    pub restarts: usize,
    pub trace: Vec<TracePoint>,
    /// The metric the steps took (set by the caller that chose the prox;
    /// Euclidean here) and the momentum they used ([`Momentum::Auto`] resolved).
    pub metric: Metric,
    pub momentum: Momentum,
}

impl FistaOutcome {
    /// The record's details of this run under `settings`.
    pub fn details(&self, settings: &FistaSettings) -> crate::solvers::details::FistaDetails {
        crate::solvers::details::FistaDetails {
            stopping: settings.stopping,
            tol: settings.tol,
            solver_objective: self.objective,
            subgradient_sq: self.subgradient_sq,
            solver_relative_gap: self.relative_gap,
            restarts: self.restarts,
            final_step: self.step,
            projections: None,
            projection_steps: None,
            projections_unconverged: None,
            projection_rows: None,
            extrapolated_dual_wins: None,
            tight_dual_tries: None,
            tight_dual_wins: None,
            metric: Some(self.metric),
            momentum: Some(self.momentum),
        }
    }
}

/// The relative gap `gap / objective` (absolute when `objective ≤ 0`).
pub(crate) fn relative(gap: f64, objective: f64) -> f64 {
    if objective > 0.0 {
        gap / objective
    } else {
        gap.abs()
    }
}

/// Run R-FISTA from `u` (warm start; zeros for a cold start); the solution is left in
/// `u`. `time_offset` shifts the trace clock (for inner solves of a longer run).
pub fn solve<S: Smooth>(
    smooth: &mut S,
    comp: Composite,
    u: &mut [f64],
    settings: &FistaSettings,
    ws: &mut FistaWorkspace,
) -> FistaOutcome {
    solve_observed(smooth, comp, u, settings, ws, 0.0, &mut |_| {})
}

/// [`solve`] with an observer called on every accepted step.
pub fn solve_observed<S: Smooth>(
    smooth: &mut S,
    comp: Composite,
    u: &mut [f64],
    settings: &FistaSettings,
    ws: &mut FistaWorkspace,
    time_offset: f64,
    observer: &mut dyn FnMut(&StepInfo),
) -> FistaOutcome {
    let mut h = RegularizerProx::new(comp);
    solve_general(smooth, &mut h, u, settings, ws, time_offset, observer)
}

/// R-FISTA on `f + h` for any [`Proximal`] `h` (the loop of the module docs).
pub fn solve_general<S: Smooth, H: Proximal>(
    smooth: &mut S,
    h: &mut H,
    u: &mut [f64],
    settings: &FistaSettings,
    ws: &mut FistaWorkspace,
    time_offset: f64,
    observer: &mut dyn FnMut(&StepInfo),
) -> FistaOutcome {
    let mut silent = Silent;
    let mut monitor = Monitor::new(Phase::Fista, &mut silent);
    solve_monitored(
        smooth,
        h,
        u,
        settings,
        ws,
        time_offset,
        observer,
        &mut monitor,
    )
}

/// Where a run's measurements go: the observer, the phase they are logged as, and
/// the iterations done before this run (inner solves of a longer method).
pub struct Monitor<'a> {
    pub phase: Phase,
    pub iteration_offset: usize,
    pub progress: &'a mut dyn Progress,
}

impl<'a> Monitor<'a> {
    pub fn new(phase: Phase, progress: &'a mut dyn Progress) -> Monitor<'a> {
        Monitor {
            phase,
            iteration_offset: 0,
            progress,
        }
    }
}

/// The check proper at `u`, the iterate of iteration `it`: [`measure`] (one
/// adjoint), and its row of the log unless it ends the run (solved or diverged:
/// the run's final row reports those).
#[allow(clippy::too_many_arguments)]
fn check<S: Smooth, H: Proximal>(
    smooth: &mut S,
    h: &mut H,
    u: &[f64],
    ws: &mut FistaWorkspace,
    settings: &FistaSettings,
    monitor: &mut Monitor<'_>,
    it: usize,
    step: f64,
    restarts: usize,
    elapsed_s: &dyn Fn() -> f64,
) -> Measure {
    let last = measure(smooth, h, u, settings.stopping, ws);
    if last.value > settings.tol && last.objective.is_finite() {
        log_line(
            monitor,
            it,
            last.objective,
            last.kind(settings.stopping),
            last.value,
            settings,
            step,
            restarts,
            elapsed_s(),
            false,
        );
    }
    last
}

/// The log line of a measurement.
#[allow(clippy::too_many_arguments)]
fn log_line(
    monitor: &mut Monitor<'_>,
    iteration: usize,
    objective: f64,
    measure: progress::Measure,
    value: f64,
    settings: &FistaSettings,
    step: f64,
    restarts: usize,
    elapsed_s: f64,
    last: bool,
) {
    monitor.progress.log(&IterationLog {
        phase: monitor.phase,
        iteration: monitor.iteration_offset + iteration,
        objective,
        measure,
        value: if value.is_nan() { f64::INFINITY } else { value },
        target: settings.tol,
        step,
        restarts,
        elapsed_s,
        last,
    });
}

/// [`solve_general`] reporting every measurement (every `check_every` iterations,
/// and the final one at the returned point) to `monitor`.
#[allow(clippy::too_many_arguments)]
pub fn solve_monitored<S: Smooth, H: Proximal>(
    smooth: &mut S,
    h: &mut H,
    u: &mut [f64],
    settings: &FistaSettings,
    ws: &mut FistaWorkspace,
    time_offset: f64,
    observer: &mut dyn FnMut(&StepInfo),
    monitor: &mut Monitor<'_>,
) -> FistaOutcome {
    let start = Stopwatch::start(settings.time_basis, settings.threads);
    let deadline = Deadline::on(start, settings.time_limit);
    smooth.set_deadline(deadline);
    h.set_deadline(deadline);
    debug_assert_eq!(u.len(), smooth.dim());
    smooth.forward(u, &mut ws.state_u);
    ws.u_prev.copy_from_slice(u);
    ws.state_prev.copy_from_slice(&ws.state_u);
    ws.v.copy_from_slice(u);
    ws.state_v.copy_from_slice(&ws.state_u);
    let mut v_is_u = true;
    let mut t = 1.0f64;
    let mut eta = settings.initial_step;
    let mut trace = Vec::new();
    let mut restarts = 0;
    let mut status = Status::MaxIterations;
    let mut iterations = 0;
    let mut last = Measure::default();
    // The iterate `last` measured (`u_k` is the iterate at the top of iteration `k`).
    let mut last_at = usize::MAX;
    let mut objective = f64::NAN;
    // Screened gap checks (module docs): on once the first check shows a bound
    // is offered; `beta_v` built the current `v`.
    let mut screening = false;
    let mut beta_v = 0.0;
    let elapsed = || time_offset + start.elapsed();

    for it in 0..settings.max_iters {
        let periodic = it % settings.check_every == 0;
        // Screened, a check measures at once only where `v = u` (its adjoint is
        // then the step's); elsewhere after the step's gradient, if the screen
        // says it may stop.
        let measured = periodic && (it == 0 || !screening || v_is_u);
        if measured {
            last = check(
                smooth, h, u, ws, settings, monitor, it, eta, restarts, &elapsed,
            );
            last_at = it;
            objective = last.objective;
            if it == 0 {
                trace.push(TracePoint {
                    iteration: 0,
                    time_s: elapsed(),
                    objective,
                });
            }
            if !objective.is_finite() {
                status = Status::Diverged;
                break;
            }
            if last.value <= settings.tol {
                status = Status::Solved;
                break;
            }
            if it == 0 {
                screening = settings.stopping == Stopping::DualityGap
                    && smooth.screen_bound(u, &ws.state_u, &ws.grad_u).is_some();
                if settings.power_iterations > 0
                    && let Some(l) = lipschitz_estimate(smooth, u, settings.power_iterations, ws)
                {
                    eta = 1.0 / l;
                }
            }
        }
        if deadline.expired() {
            status = Status::TimeLimit;
            break;
        }
        // Gradient at the momentum point (reused from the check when v = u).
        let f_v = if v_is_u && measured {
            ws.grad_v.copy_from_slice(&ws.grad_u);
            last.f
        } else {
            smooth.gradient(&ws.state_v, &mut ws.grad_v)
        };
        if screening && it > 0 && !measured {
            // ∇f(u) from ∇f(v) and ∇f(u_prev) (in `grad_u` since the last iteration).
            if v_is_u {
                ws.grad_u.copy_from_slice(&ws.grad_v);
            } else {
                let w = 1.0 / (1.0 + beta_v);
                for (gu, gv) in ws.grad_u.iter_mut().zip(&ws.grad_v) {
                    *gu = (gv + beta_v * *gu) * w;
                }
            }
            if periodic {
                let screen = smooth
                    .screen_bound(u, &ws.state_u, &ws.grad_u)
                    .map(|bound| relative(objective - bound, objective));
                match screen {
                    Some(gap) if gap > settings.tol * SCREEN_MARGIN => {
                        log_line(
                            monitor,
                            it,
                            objective,
                            progress::Measure::RelativeGap,
                            gap,
                            settings,
                            eta,
                            restarts,
                            elapsed(),
                            false,
                        );
                    }
                    // Near the stop, or no screen here: the check proper.
                    _ => {
                        screening &= screen.is_some();
                        last = check(
                            smooth, h, u, ws, settings, monitor, it, eta, restarts, &elapsed,
                        );
                        last_at = it;
                        objective = last.objective;
                        if last.value <= settings.tol {
                            status = Status::Solved;
                            break;
                        }
                    }
                }
            }
        }
        // Backtracking line search on the quadratic upper bound.
        let mut backtracks = 0;
        let searched = loop {
            let metric_ss = h.forward_backward(eta, &ws.v, &ws.grad_v, &mut ws.cand);
            // Out of time inside the prox or the line search: the candidate is
            // dropped and `u` (the last accepted iterate) is returned.
            if h.interrupted() || (backtracks > 0 && deadline.expired()) {
                break None;
            }
            smooth.forward(&ws.cand, &mut ws.state_cand);
            let f_plus = smooth.value(&ws.state_cand);
            let (mut inner, mut ss) = (0.0, 0.0);
            for ((c, v), g) in ws.cand.iter().zip(&ws.v).zip(&ws.grad_v) {
                let s = c - v;
                inner += g * s;
                ss += s * s;
            }
            if let Some(m) = metric_ss.or_else(|| h.metric_dist_sq(&ws.cand, &ws.v)) {
                ss = m;
            }
            let quadratic = ss / (2.0 * eta);
            let exact = smooth.curvature(&ws.state_cand, &ws.state_v);
            let curvature = exact.unwrap_or(f_plus - f_v - inner);
            let accepted = match exact {
                Some(_) => f_plus.is_finite() && curvature <= quadratic,
                None => curvature <= quadratic + 1e-12 * f_v.abs(),
            };
            if accepted || ss == 0.0 {
                break Some((f_plus, inner, ss, curvature));
            }
            eta *= settings.backtrack;
            backtracks += 1;
            if !f_plus.is_finite() && eta < 1e-300 {
                break Some((f_plus, inner, ss, curvature));
            }
        };
        let Some((f_plus, inner, ss, curvature)) = searched else {
            status = Status::TimeLimit;
            break;
        };
        iterations = it + 1;
        let this_eta = eta;
        if ss > settings.growth_threshold * 2.0 * eta * curvature {
            eta *= settings.growth;
        }
        // Gradient-mapping restart test ⟨u⁺ − u, v − u⁺⟩ > 0.
        let restart_test: f64 = ws
            .cand
            .iter()
            .zip(u.iter())
            .zip(&ws.v)
            .map(|((c, uu), v)| (c - uu) * (v - c))
            .sum();
        let restarted = settings.restart && restart_test > 0.0;
        // Rotate: u_prev ← u, u ← u⁺ (and their states).
        ws.u_prev.copy_from_slice(u);
        u.copy_from_slice(&ws.cand);
        std::mem::swap(&mut ws.state_prev, &mut ws.state_u);
        std::mem::swap(&mut ws.state_u, &mut ws.state_cand);
        if restarted {
            restarts += 1;
            t = 1.0;
            ws.v.copy_from_slice(u);
            ws.state_v.copy_from_slice(&ws.state_u);
            v_is_u = true;
            beta_v = 0.0;
        } else {
            let beta = match settings.momentum {
                Momentum::Greedy => 1.0,
                Momentum::Fista | Momentum::Auto => {
                    let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
                    let beta = (t - 1.0) / t_next;
                    t = t_next;
                    beta
                }
            };
            for ((v, a), b) in ws.v.iter_mut().zip(u.iter()).zip(&ws.u_prev) {
                *v = a + beta * (a - b);
            }
            for ((v, a), b) in ws.state_v.iter_mut().zip(&ws.state_u).zip(&ws.state_prev) {
                *v = a + beta * (a - b);
            }
            v_is_u = beta == 0.0;
            beta_v = beta;
        }
        observer(&StepInfo {
            iteration: it,
            step: this_eta,
            f_v,
            f_plus,
            inner,
            ss,
            backtracks,
            restarted,
        });
        objective = f_plus + h.value(u);
        if !objective.is_finite() {
            status = Status::Diverged;
            break;
        }
        if iterations % settings.trace_every == 0 {
            trace.push(TracePoint {
                iteration: iterations,
                time_s: elapsed(),
                objective,
            });
        }
    }
    // Out of time: no final measurement (for C-ReLU it projects every block); the
    // returned point's certificate is computed by the caller. What the last
    // measurement said of an earlier point is not reported for this one.
    let out_of_time = status == Status::TimeLimit && deadline.expired();
    if out_of_time && last_at != iterations {
        last.subgradient_sq = f64::NAN;
        last.dual = None;
    }
    // Final measurement at the returned point (skipped when the loop just did it).
    if status != Status::Solved && status != Status::Diverged && !out_of_time {
        last = measure(smooth, h, u, settings.stopping, ws);
        objective = last.objective;
        if last.value <= settings.tol {
            status = Status::Solved;
        }
    }
    // The measure the stopping rule did not need, at the returned point.
    if status != Status::Diverged && !out_of_time {
        if last.subgradient_sq.is_nan() {
            last.subgradient_sq = h.subgradient_sq(u, &ws.grad_u);
        }
        if last.dual.is_none() {
            last.dual = smooth.dual_bound(u, &ws.state_u, &ws.grad_u);
        }
    }
    if trace.last().map(|p| p.iteration) != Some(iterations) {
        trace.push(TracePoint {
            iteration: iterations,
            time_s: elapsed(),
            objective,
        });
    }
    let relative_gap = last.dual.map(|b| relative(objective - b, objective));
    let (measure, value) = match (settings.stopping, relative_gap) {
        (Stopping::DualityGap, Some(g)) => (progress::Measure::RelativeGap, g),
        _ => (progress::Measure::SubgradientSq, last.subgradient_sq),
    };
    log_line(
        monitor,
        iterations,
        objective,
        measure,
        value,
        settings,
        eta,
        restarts,
        elapsed(),
        true,
    );
    FistaOutcome {
        status,
        iterations,
        objective,
        subgradient_sq: last.subgradient_sq,
        dual_bound: last.dual,
        relative_gap,
        step: eta,
        restarts,
        trace,
        metric: Metric::Euclidean,
        // The loop above runs Auto as FISTA's momentum (`gated::run` resolves
        // Auto to greedy before calling).
        momentum: match settings.momentum {
            Momentum::Auto => Momentum::Fista,
            m => m,
        },
    }
}

/// A lower estimate of the Lipschitz constant of `∇f` (the largest eigenvalue of
/// its Hessian, for the quadratic data terms) by `iters` power iterations on
/// `x ↦ ∇f(u + x) − ∇f(u)`, from the gradient at `u` (the direction of the first
/// step, so the curvature along it is what the first iteration's estimate
/// measures). Needs `ws.state_u` and `ws.grad_u` at `u`; uses `ws.cand`,
/// `ws.state_cand`, `ws.grad_v` and `ws.v` as scratch (the caller's first
/// iteration overwrites them) and restores `ws.v = u`. `None` when the gradient is
/// zero or the estimate is not positive and finite.
pub fn lipschitz_estimate<S: Smooth>(
    smooth: &mut S,
    u: &[f64],
    iters: usize,
    ws: &mut FistaWorkspace,
) -> Option<f64> {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    // x (in ws.v) from the gradient, scaled to ‖x‖ = max(‖u‖, 1)·1e-3 (the scale
    // is immaterial for a quadratic f; small for a piecewise one).
    let scale = 1e-3 * norm(u).max(1.0);
    ws.v.copy_from_slice(&ws.grad_u);
    let mut estimate = None;
    for _ in 0..iters {
        let xn = norm(&ws.v);
        if !(xn > 0.0 && xn.is_finite()) {
            break;
        }
        let a = scale / xn;
        for ((c, uu), x) in ws.cand.iter_mut().zip(u).zip(&ws.v) {
            *c = uu + a * x;
        }
        smooth.forward(&ws.cand, &mut ws.state_cand);
        smooth.gradient(&ws.state_cand, &mut ws.grad_v);
        // H x (for x = a·v) into ws.v, divided by a so it stays O(‖Hv‖).
        for ((x, g1), g0) in ws.v.iter_mut().zip(&ws.grad_v).zip(&ws.grad_u) {
            *x = (g1 - g0) / a;
        }
        let hn = norm(&ws.v);
        estimate = Some(hn / xn);
        if hn > 0.0 && hn.is_finite() {
            ws.v.iter_mut().for_each(|x| *x /= hn);
        }
    }
    ws.v.copy_from_slice(u);
    estimate.filter(|l| l.is_finite() && *l > 0.0)
}

#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    f: f64,
    objective: f64,
    subgradient_sq: f64,
    dual: Option<f64>,
    /// The stopping measure (compared with `tol`).
    value: f64,
}

impl Measure {
    /// What `value` is under `stopping` (the gap needs a dual bound).
    fn kind(&self, stopping: Stopping) -> progress::Measure {
        match (stopping, self.dual) {
            (Stopping::DualityGap, Some(_)) => progress::Measure::RelativeGap,
            _ => progress::Measure::SubgradientSq,
        }
    }
}

/// Gradient at `u` (into `ws.grad_u`), objective, and what the stopping rule
/// measures: the dual bound (duality gap) or the subgradient (also when no bound is
/// offered). The other one is left out (`NaN` / `None`): for C-ReLU each costs
/// projections of every block. The run fills it in at the returned point.
fn measure<S: Smooth, H: Proximal>(
    smooth: &mut S,
    h: &mut H,
    u: &[f64],
    stopping: Stopping,
    ws: &mut FistaWorkspace,
) -> Measure {
    let f = smooth.gradient(&ws.state_u, &mut ws.grad_u);
    let objective = f + h.value(u);
    let dual = match stopping {
        Stopping::DualityGap => smooth.dual_bound(u, &ws.state_u, &ws.grad_u),
        Stopping::Subgradient => None,
    };
    let subgradient_sq = match (stopping, dual) {
        (Stopping::DualityGap, Some(_)) => f64::NAN,
        _ => h.subgradient_sq(u, &ws.grad_u),
    };
    let value = match (stopping, dual) {
        (Stopping::Subgradient, _) => subgradient_sq,
        (Stopping::DualityGap, Some(b)) => relative(objective - b, objective),
        (Stopping::DualityGap, None) => subgradient_sq,
    };
    Measure {
        f,
        objective,
        subgradient_sq,
        dual,
        value: if value.is_nan() { f64::INFINITY } else { value },
    }
}

impl Stopping {
    pub const fn name(&self) -> &'static str {
        match self {
            Stopping::Subgradient => "subgradient",
            Stopping::DualityGap => "duality-gap",
        }
    }
}
crate::named::named!(Stopping, [Subgradient, DualityGap]);
