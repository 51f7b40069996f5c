//! Non-convex baselines (SPEC §4): minibatch SGD and Adam on the two-layer network
//! itself — ReLU with `m` neurons per output (default `2P`), or gated ReLU on the
//! problem's `P` gates — with weight decay and the convex objective's `½` and
//! `1/(nc)` scaling (module [`net`]), so objectives are directly comparable.
//!
//! **Protocol** (the published one: `scripts/exp_configs/figure_4.py` of
//! pilancilab/scnn_experiments, the baselines of its Figure 4 performance profiles:
//! `step_size: [10, 5, 1, 0.5, 0.1, 0.01, 0.001]`, `batch_size: 0.1`,
//! `max_epochs: 2000`, `scheduler: step, step_length 100, decay 0.5`, `repeat:
//! range(3)` with seed `seed + repeat`, ReLU width `m_star` = the active neurons of
//! the convex solution). Defaults of [`BaselineSettings`]:
//!
//! - one training run per step size `η₀` of the grid {10, 5, 1, 0.5, 0.1, 0.01,
//!   0.001} (both methods), all from the same initial point and minibatch order;
//! - minibatches of ⌈10% of n⌉ rows, a fresh seeded shuffle every epoch;
//! - step decay: `η = η₀ · 0.5^⌊(epoch − 1)/100⌋`;
//! - each run stops at 2000 epochs or at the time limit, *whichever comes first*
//!   (the limit applies to every step size on its own, on the settings' time basis,
//!   checked after every minibatch step);
//! - `repeats` independent repetitions (default 1) of the whole grid, repetition
//!   `r` with initial point and shuffles seeded by `seed + r`.
//!
//! The harness sets the ReLU width to `max(50, active neurons of the convex
//! solution)` per output for `width = "active"` ([`crate::solvers::api`] takes it as
//! `neurons`).
//!
//! **Accountings.** The reported run is the *best in hindsight*: the lowest final
//! objective among the runs (all step sizes, all repetitions) that did not diverge.
//! Its network, time, trace and epochs are the record's. Knowing which run is best
//! needs the whole grid, so the record also carries the grid's time (wall and
//! CPU): [`BaselineOutput::grid_time_s`] is the time of every run of the best run's
//! repetition (what one user trying the seven step sizes pays), and every run is
//! listed with its own times. Reports show both accountings.
//!
//! **Objective.** The record's `objective` is the network's
//! `F(W) = 1/(2nc)‖pred − Y‖² + λ/2 Σ‖W‖²`. For the gated model the network is
//! also mapped to the C-GReLU point `u = W1·w2` and certified: its dual bound gives
//! `duality_gap = F − dual ≥ F − p*`. ReLU networks are free to use activation
//! patterns outside the sampled ones, so with a subsampled `P` their objective can
//! fall below the C-ReLU optimum; reports say so rather than hide it.
//!
//! **Status.** `diverged` when every run diverged (a run diverges when its
//! objective is not finite or exceeds `1e6·max(1, F(W₀))`), `time_limit` when the
//! best run was cut by the time limit, `max_iterations` when it used all its epochs
//! (SGD has no convergence test of its own).
//!
//! **Initialisation.** `W1` entries `N(0, 1/d)`, `w2` entries `N(0, 1/m)`, from a
//! ChaCha8 stream seeded by the problem's gate seed plus the repetition.

pub mod net;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::clock::{Reading, Stopwatch, TimeBasis};
use super::details::BaselineDetails;
use super::{CpuTimes, SolverError, Status, TracePoint};
use crate::model::{Blocks, Model, Problem, Weights};
use crate::network::{Network, Neuron};
use net::{Shape, Workspace};

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `θ ← θ − η ∇f_B(θ)`.
    Sgd,
    /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on the same minibatch gradient; the
    /// weight decay is part of the gradient (coupled, as in the objective).
    Adam,
}

impl Method {
    pub fn name(&self) -> &'static str {
        match self {
            Method::Sgd => "sgd",
            Method::Adam => "adam",
        }
    }
}

/// The published step-size grid (both methods).
pub const STEP_SIZES: [f64; 7] = [10.0, 5.0, 1.0, 0.5, 0.1, 0.01, 0.001];
/// Default minibatch size as a fraction of `n`.
pub const BATCH_FRACTION: f64 = 0.1;
/// Default epoch cap per step size.
pub const EPOCHS: u32 = 2000;
/// Default step decay: factor and period (epochs).
pub const DECAY: (f64, u32) = (0.5, 100);
/// The least ReLU width of `width = "active"` (neurons per output).
pub const MIN_ACTIVE_WIDTH: usize = 50;

/// Settings of a baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineSettings {
    pub method: Method,
    /// Epochs per step size (default [`EPOCHS`] = 2000).
    pub epochs: u32,
    /// Minibatch size; `None` (default) = ⌈[`BATCH_FRACTION`]·n⌉. Capped at n.
    pub batch_size: Option<usize>,
    /// Step sizes; `None` = [`STEP_SIZES`].
    pub step_sizes: Option<Vec<f64>>,
    /// The step is multiplied by `decay_factor` every `decay_every` epochs
    /// (default [`DECAY`]: 0.5 every 100; factor 1 = constant steps).
    pub decay_factor: f64,
    pub decay_every: u32,
    /// Repetitions of the grid with seeds `seed + r` (default 1).
    pub repeats: u32,
    /// ReLU networks: neurons per output (default `None` = `2P`). The gated
    /// network always has the problem's `P` gates.
    pub neurons: Option<usize>,
    /// Time limit per step size, seconds on `time_basis` (default: none).
    pub time_limit: f64,
    /// The clock of the limit and of the trace (default wall).
    pub time_basis: TimeBasis,
    /// Threads of the dense kernels (default 1).
    pub threads: usize,
}

impl BaselineSettings {
    pub fn new(method: Method) -> BaselineSettings {
        BaselineSettings {
            method,
            epochs: EPOCHS,
            batch_size: None,
            step_sizes: None,
            decay_factor: DECAY.0,
            decay_every: DECAY.1,
            repeats: 1,
            neurons: None,
            time_limit: f64::INFINITY,
            time_basis: TimeBasis::Wall,
            threads: 1,
        }
    }

    pub fn validate(&self) -> Result<(), SolverError> {
        let bad = |m: String| Err(SolverError::Settings(m));
        if self.epochs == 0 {
            return bad("max-iters (epochs) must be >= 1".into());
        }
        if self.batch_size == Some(0) {
            return bad("batch-size must be >= 1".into());
        }
        if let Some(s) = &self.step_sizes
            && (s.is_empty() || s.iter().any(|x| !(x.is_finite() && *x > 0.0)))
        {
            return bad("step-sizes must be a non-empty list of numbers > 0".into());
        }
        if !(self.decay_factor > 0.0 && self.decay_factor <= 1.0) {
            return bad(format!(
                "step decay factor must be in (0, 1], got {}",
                self.decay_factor
            ));
        }
        if self.decay_every == 0 {
            return bad("step decay period must be >= 1 epoch".into());
        }
        if self.repeats == 0 {
            return bad("repeats must be >= 1".into());
        }
        if self.neurons == Some(0) {
            return bad("width must be >= 1 neuron".into());
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return bad(format!("time-limit must be > 0, got {}", self.time_limit));
        }
        Ok(())
    }

    /// The step sizes.
    pub fn grid(&self) -> Vec<f64> {
        self.step_sizes
            .clone()
            .unwrap_or_else(|| STEP_SIZES.to_vec())
    }

    /// The minibatch size on `n` rows.
    pub fn batch(&self, n: usize) -> usize {
        let b = self
            .batch_size
            .unwrap_or_else(|| (BATCH_FRACTION * n as f64).ceil() as usize);
        b.clamp(1, n.max(1))
    }

    /// The step of `epoch` (1-based) from `eta0`.
    pub fn step(&self, eta0: f64, epoch: usize) -> f64 {
        let k = (epoch.saturating_sub(1) / self.decay_every as usize) as i32;
        eta0 * self.decay_factor.powi(k)
    }
}

/// One run of the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridRun {
    pub step_size: f64,
    /// Repetition (seed offset; absent in older records = 0).
    #[serde(default)]
    pub repeat: u32,
    pub status: Status,
    /// Final objective (`null` in JSON when not finite).
    #[serde(deserialize_with = "crate::json::nullable_f64")]
    pub objective: f64,
    pub epochs: usize,
    /// Wall seconds.
    pub time_s: f64,
    /// CPU seconds (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
}

/// What a baseline returns: the best run's network and numbers, and the grid.
#[derive(Clone, Debug)]
pub struct BaselineOutput {
    pub method: Method,
    pub status: Status,
    /// The best run's parameters (`W1` then `w2`, see [`net`]).
    pub theta: Vec<f64>,
    pub shape: Shape,
    pub objective: f64,
    pub loss: f64,
    pub penalty: f64,
    pub epochs: usize,
    /// Wall seconds of the setup and of the best run.
    pub setup_s: f64,
    pub solve_s: f64,
    /// CPU seconds of the same.
    pub cpu: CpuTimes,
    pub basis: TimeBasis,
    /// The best run's trace (times on `basis`).
    pub trace: Vec<TracePoint>,
    pub grid: Vec<GridRun>,
    /// Wall and CPU seconds of every run of the best run's repetition.
    pub grid_time_s: f64,
    pub grid_cpu_s: f64,
    /// Repetitions run.
    pub repeats: u32,
}

fn initial_point(shape: &Shape, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6261_7365_6c69_6e65);
    let wd = shape.width();
    let mut theta = vec![0.0; shape.len()];
    let s1 = 1.0 / (shape.d as f64).sqrt();
    let s2 = 1.0 / (shape.m as f64).sqrt();
    for (idx, t) in theta.iter_mut().enumerate() {
        let z: f64 = StandardNormal.sample(&mut rng);
        *t = z * if idx < shape.d * wd { s1 } else { s2 };
    }
    theta
}

struct RunResult {
    theta: Vec<f64>,
    status: Status,
    loss: f64,
    objective: f64,
    epochs: usize,
    time: Reading,
    trace: Vec<TracePoint>,
}

/// One training run from step size `eta0`.
fn train_one(
    problem: &Problem,
    shape: &Shape,
    settings: &BaselineSettings,
    theta0: &[f64],
    eta0: f64,
    seed: u64,
) -> RunResult {
    let lambda = problem.lambda();
    let batch = settings.batch(shape.n);
    let mut ws = Workspace::new(shape, ws_rows(batch, shape.n), settings.threads);
    let mut rows_buf = Vec::with_capacity(ws_rows(batch, shape.n));
    let mut theta = theta0.to_vec();
    let mut grad = vec![0.0; theta.len()];
    let (mut m1, mut m2) = match settings.method {
        Method::Sgd => (Vec::new(), Vec::new()),
        Method::Adam => (vec![0.0; theta.len()], vec![0.0; theta.len()]),
    };
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let mut steps: i32 = 0;
    let mut order: Vec<usize> = (0..shape.n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7368_7566_666c_6521);
    let watch = Stopwatch::start(settings.time_basis, settings.threads);
    let (mut loss, mut obj) =
        net::objective(problem, shape, lambda, &theta, &mut ws, &mut rows_buf);
    let ceiling = 1e6 * obj.max(1.0);
    let mut trace = vec![TracePoint {
        iteration: 0,
        time_s: 0.0,
        objective: obj,
    }];
    let mut status = Status::MaxIterations;
    let mut epochs = 0;
    'epochs: for epoch in 1..=settings.epochs as usize {
        let eta = settings.step(eta0, epoch);
        order.shuffle(&mut rng);
        for chunk in order.chunks(batch) {
            net::gradient(problem, shape, lambda, &theta, chunk, &mut ws, &mut grad);
            match settings.method {
                Method::Sgd => {
                    for (t, g) in theta.iter_mut().zip(&grad) {
                        *t -= eta * g;
                    }
                }
                Method::Adam => {
                    steps = steps.saturating_add(1);
                    let c1 = 1.0 - b1.powi(steps);
                    let c2 = 1.0 - b2.powi(steps);
                    for ((t, g), (a, v)) in theta
                        .iter_mut()
                        .zip(&grad)
                        .zip(m1.iter_mut().zip(m2.iter_mut()))
                    {
                        *a = b1 * *a + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *t -= eta * (*a / c1) / ((*v / c2).sqrt() + eps);
                    }
                }
            }
            if watch.passed(settings.time_limit) {
                status = Status::TimeLimit;
                break;
            }
        }
        (loss, obj) = net::objective(problem, shape, lambda, &theta, &mut ws, &mut rows_buf);
        epochs = epoch;
        trace.push(TracePoint {
            iteration: epoch,
            time_s: watch.elapsed(),
            objective: obj,
        });
        if !obj.is_finite() || obj > ceiling {
            status = Status::Diverged;
            break 'epochs;
        }
        if status == Status::TimeLimit {
            break;
        }
    }
    RunResult {
        theta,
        status,
        loss,
        objective: obj,
        epochs,
        time: watch.read(),
        trace,
    }
}

fn ws_rows(batch: usize, n: usize) -> usize {
    batch.max(1024.min(n))
}

/// Train the network of `problem` with every step size of the grid (every
/// repetition); return the best in hindsight.
pub fn train(
    problem: &Problem,
    settings: &BaselineSettings,
) -> Result<BaselineOutput, SolverError> {
    settings.validate()?;
    let watch = Stopwatch::start(settings.time_basis, settings.threads);
    let shape = match (problem.model(), settings.neurons) {
        (Model::Relu, Some(m)) => Shape::with_neurons(problem, m),
        (Model::Relu, None) | (Model::GatedRelu, _) => Shape::of(problem),
    };
    let grid = settings.grid();
    let setup = watch.read();
    let mut runs = Vec::with_capacity(grid.len() * settings.repeats as usize);
    // (run, repetition) of the best so far.
    let mut best: Option<(RunResult, u32)> = None;
    let mut last: Option<(RunResult, u32)> = None;
    for repeat in 0..settings.repeats {
        let seed = problem.spec().seed.wrapping_add(u64::from(repeat));
        let theta0 = initial_point(&shape, seed);
        for &eta in &grid {
            let r = train_one(problem, &shape, settings, &theta0, eta, seed);
            runs.push(GridRun {
                step_size: eta,
                repeat,
                status: r.status,
                objective: r.objective,
                epochs: r.epochs,
                time_s: r.time.wall_s,
                cpu_s: Some(r.time.cpu_s),
            });
            let better = r.status != Status::Diverged
                && best.as_ref().is_none_or(|(b, _)| r.objective < b.objective);
            if better {
                best = Some((r, repeat));
            } else {
                last = Some((r, repeat));
            }
        }
    }
    let all_diverged = best.is_none();
    // When every run diverged, the last one is reported (status diverged).
    let (b, best_repeat) = best.or(last).expect("the grid is not empty");
    let of_best: Vec<&GridRun> = runs.iter().filter(|g| g.repeat == best_repeat).collect();
    let grid_time_s = of_best.iter().map(|g| g.time_s).sum();
    let grid_cpu_s = of_best.iter().filter_map(|g| g.cpu_s).sum();
    Ok(BaselineOutput {
        method: settings.method,
        status: if all_diverged {
            Status::Diverged
        } else {
            b.status
        },
        penalty: b.objective - b.loss,
        objective: b.objective,
        loss: b.loss,
        theta: b.theta,
        shape,
        epochs: b.epochs,
        setup_s: setup.wall_s,
        solve_s: b.time.wall_s,
        cpu: CpuTimes::new(watch.cpu_clock(), setup, b.time),
        basis: settings.time_basis,
        trace: b.trace,
        grid: runs,
        grid_time_s,
        grid_cpu_s,
        repeats: settings.repeats,
    })
}

impl BaselineOutput {
    /// The trained network, in the form [`Network`] scores on raw data.
    pub fn network(&self, problem: &Problem) -> Network {
        let s = &self.shape;
        let wd = s.width();
        let pre = &problem.preprocess();
        let neurons = (0..wd)
            .map(|j| {
                let first = self.theta[j * s.d..(j + 1) * s.d].to_vec();
                let (raw_first, raw_bias) = pre.to_raw(&first);
                let gate = match s.model {
                    Model::GatedRelu => Some(
                        problem
                            .gates()
                            .col(j % s.m)
                            .iter()
                            .copied()
                            .collect::<Vec<_>>(),
                    ),
                    Model::Relu => None,
                };
                let raw_gate = gate.as_ref().map(|g| pre.to_raw(g));
                Neuron {
                    output: j / s.m,
                    first,
                    second: self.theta[s.d * wd + j],
                    raw_first,
                    raw_bias,
                    gate,
                    raw_gate,
                }
            })
            .collect();
        Network {
            model: s.model,
            c: s.c,
            neurons,
        }
    }

    /// For the gated model, the C-GReLU point `u_{k,i} = W1_j w2_j` (`j = kP + i`)
    /// with the same predictions.
    pub fn convex_weights(&self) -> Option<Weights> {
        let s = &self.shape;
        match s.model {
            Model::Relu => None,
            Model::GatedRelu => {
                let wd = s.width();
                let mut u = Blocks::zeros(s.c, s.p, s.d);
                for j in 0..wd {
                    let w2 = self.theta[s.d * wd + j];
                    let (k, i) = (j / s.m, j % s.m);
                    for (dst, w) in u.block_mut(k, i).iter_mut().zip(&self.theta[j * s.d..]) {
                        *dst = w * w2;
                    }
                }
                Some(Weights::GatedRelu { u })
            }
        }
    }

    /// Active neurons, by the rule of every solver
    /// ([`crate::model::Weights::active_neurons`]): neuron `j`'s block norm
    /// `‖W1_j‖·|W2_j|` (the norm of its convex block `W1_j·|W2_j|`) exceeds
    /// [`crate::model::weights::ACTIVE_REL_THRESHOLD`] times the largest.
    pub fn active_neurons(&self) -> usize {
        let s = &self.shape;
        let wd = s.width();
        let norms: Vec<f64> = (0..wd)
            .map(|j| {
                let w1: f64 = self.theta[j * s.d..(j + 1) * s.d]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
                    .sqrt();
                w1 * self.theta[s.d * wd + j].abs()
            })
            .collect();
        let largest = norms.iter().copied().fold(0.0, f64::max);
        let t = crate::model::weights::ACTIVE_REL_THRESHOLD * largest;
        norms.iter().filter(|&&n| n > 0.0 && n > t).count()
    }

    /// The record's details of this run (`convex_objective`: the certified
    /// objective of the gated network's C-GReLU point, computed by the caller).
    pub fn details(&self, convex_objective: Option<f64>) -> BaselineDetails {
        BaselineDetails {
            method: self.method.name().into(),
            grid: self.grid.clone(),
            grid_time_s: self.grid_time_s,
            grid_cpu_s: Some(self.grid_cpu_s),
            repeats: Some(self.repeats),
            neurons_per_output: self.shape.m,
            convex_objective,
            width_source: None,
        }
    }
}
