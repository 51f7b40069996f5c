//! The approximate cone decomposition (SPEC §1): for the general blocks
//! `j = 1..m` (see [`super::split`]), with `t_j = (−X̃_j u_j)_+`,
//!
//! ```text
//!   min_w  f(w) + ρ Σ_j ‖w_j‖,    f(w) = 1/(2nc) Σ_j ‖(t_j − X̃_j w_j)_+‖²,   ρ = 1e-10,
//! ```
//!
//! solved by the project's R-FISTA ([`crate::solvers::native::fista`]) with the
//! neuron group-ℓ1 prox, returning `(u + w, w)`. `f` is seen through the state
//! `Z = X W` (one GEMM, `n × m`): with `e_j = (t_j − S_j ⊙ Z_{:,j})_+`,
//!
//! ```text
//!   f = ‖e‖² / (2nc),     ∇f = Xᵀ R,   R_{:,j} = −S_j ⊙ e_j / (nc)   (one GEMM).
//! ```
//!
//! Since `(t_j − X̃_j w_j)_+ = max(−X̃_j w_j, −X̃_j v_j)_+`, the largest entry of `e` at
//! the returned point is exactly the cone violation of `(v, w)`: the method reports it
//! from its own state, and tests compare it with the certificate's recomputation.
//!
//! Stopping: R-FISTA's squared min-norm subgradient, relative to its value at `w = 0`
//! (`tol_rel`, default 1e-16; absolute tolerances mean nothing for a problem whose
//! optimal value is ≈ 0), or `max_iters` (default 10000), or the time limit.

use crate::linalg::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::{ApproxFista, MethodDetails};
use super::{Solved, Split};
use crate::model::{Problem, Regularizer};
use crate::solvers::native::fista::{
    self, Composite, FistaSettings, FistaWorkspace, Smooth, Stopping,
};

/// The penalty weight `ρ` of SPEC §1.
pub const RHO: f64 = 1e-10;

#[derive(Clone, Debug, PartialEq)]
pub struct ApproxSettings {
    /// `ρ` (default 1e-10).
    pub rho: f64,
    /// Stop when the squared min-norm subgradient falls below `tol_rel` times its
    /// value at `w = 0` (default 1e-16).
    pub tol_rel: f64,
    /// Maximum R-FISTA iterations (default 10000).
    pub max_iters: usize,
    /// Time limit in seconds (default none).
    pub time_limit: f64,
}

impl Default for ApproxSettings {
    fn default() -> Self {
        ApproxSettings {
            rho: RHO,
            tol_rel: 1e-16,
            max_iters: 10_000,
            time_limit: f64::INFINITY,
        }
    }
}

impl ApproxSettings {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.rho.is_finite() && self.rho >= 0.0) {
            return Err(format!("rho must be >= 0, got {}", self.rho));
        }
        if !(self.tol_rel.is_finite() && self.tol_rel > 0.0) {
            return Err(format!("tol must be > 0, got {}", self.tol_rel));
        }
        if self.max_iters == 0 {
            return Err("max-iters must be >= 1".into());
        }
        if self.time_limit.is_nan() || self.time_limit <= 0.0 {
            return Err(format!("time-limit must be > 0, got {}", self.time_limit));
        }
        Ok(())
    }
}

/// The one-sided quadratic `f` of the module docs, on workspaces sized once.
pub struct OneSided<'a> {
    x: MatRef<'a, f64>,
    n: usize,
    d: usize,
    m: usize,
    /// Signs and targets, `n × m` column-major.
    sign: Vec<f64>,
    t: Vec<f64>,
    /// `1/(nc)`.
    scale: f64,
    /// `R`, `n × m`.
    work: Vec<f64>,
}

impl<'a> OneSided<'a> {
    pub fn new(problem: &'a Problem, split: &Split) -> OneSided<'a> {
        let (n, d, m) = (problem.n(), problem.d(), split.general.len());
        let mut sign = Vec::with_capacity(n * m);
        let mut t = Vec::with_capacity(n * m);
        for b in &split.general {
            sign.extend_from_slice(&b.sign);
            t.extend_from_slice(&b.t);
        }
        OneSided {
            x: problem.x().as_ref(),
            n,
            d,
            m,
            sign,
            t,
            scale: 1.0 / (problem.n() * problem.c()) as f64,
            work: vec![0.0; n * m],
        }
    }

    /// `max e`: the cone violation at the point whose state is `z`.
    pub fn max_residual(&self, z: &[f64]) -> f64 {
        z.iter()
            .zip(&self.sign)
            .zip(&self.t)
            .fold(0.0, |acc, ((z, s), t)| acc.max((t - s * z).max(0.0)))
    }
}

impl Smooth for OneSided<'_> {
    fn dim(&self) -> usize {
        self.d * self.m
    }
    fn state_len(&self) -> usize {
        self.n * self.m
    }
    fn forward(&mut self, w: &[f64], state: &mut [f64]) {
        let wm = MatRef::from_column_major_slice(w, self.d, self.m);
        let zm = MatMut::from_column_major_slice_mut(state, self.n, self.m);
        matmul(zm, Accum::Replace, self.x, wm, 1.0, Par::Seq);
    }
    fn value(&mut self, state: &[f64]) -> f64 {
        let s: f64 = state
            .iter()
            .zip(&self.sign)
            .zip(&self.t)
            .map(|((z, s), t)| {
                let e = (t - s * z).max(0.0);
                e * e
            })
            .sum();
        0.5 * self.scale * s
    }
    fn gradient(&mut self, state: &[f64], grad: &mut [f64]) -> f64 {
        let mut sq = 0.0;
        for (((r, z), s), t) in self.work.iter_mut().zip(state).zip(&self.sign).zip(&self.t) {
            let e = (t - s * z).max(0.0);
            sq += e * e;
            *r = -self.scale * s * e;
        }
        let rm = MatRef::from_column_major_slice(&self.work, self.n, self.m);
        let gm = MatMut::from_column_major_slice_mut(grad, self.d, self.m);
        matmul(gm, Accum::Replace, self.x.transpose(), rm, 1.0, Par::Seq);
        0.5 * self.scale * sq
    }
}

/// Solve the approximate decomposition of the general blocks of `split`.
pub fn solve(problem: &Problem, split: &Split, settings: &ApproxSettings) -> Solved {
    let (d, m) = (problem.d(), split.general.len());
    if m == 0 {
        return Solved {
            w: vec![],
            status: crate::solvers::Status::Solved,
            iterations: 0,
            reported_violation: 0.0,
            details: MethodDetails::Approx {
                rho: settings.rho,
                fista: None,
            },
        };
    }
    let mut smooth = OneSided::new(problem, split);
    let comp = Composite {
        reg: Regularizer::NeuronGl1,
        lambda: settings.rho,
        d,
    };
    // Squared min-norm subgradient at w = 0: ‖(‖g_j‖ − ρ)_+‖² over blocks.
    let mut w = vec![0.0; d * m];
    let mut state = vec![0.0; smooth.state_len()];
    let mut grad = vec![0.0; d * m];
    smooth.forward(&w, &mut state);
    smooth.gradient(&state, &mut grad);
    let g0: f64 = grad
        .chunks(d)
        .map(|g| {
            let nrm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            (nrm - settings.rho).max(0.0).powi(2)
        })
        .sum();
    let fista_settings = FistaSettings {
        tol: (settings.tol_rel * g0).max(f64::MIN_POSITIVE),
        stopping: Stopping::Subgradient,
        max_iters: settings.max_iters,
        time_limit: settings.time_limit,
        ..FistaSettings::default()
    };
    let mut ws = FistaWorkspace::new(d * m, smooth.state_len());
    let out = fista::solve(&mut smooth, comp, &mut w, &fista_settings, &mut ws);
    smooth.forward(&w, &mut state);
    let reported = smooth.max_residual(&state);
    let details = MethodDetails::Approx {
        rho: settings.rho,
        fista: Some(ApproxFista {
            fista_status: out.status,
            fista_objective: out.objective,
            fista_subgradient_sq: out.subgradient_sq,
            fista_initial_subgradient_sq: g0,
            fista_restarts: out.restarts,
        }),
    };
    Solved {
        w: w.chunks(d).map(<[f64]>::to_vec).collect(),
        status: out.status,
        iterations: out.iterations,
        reported_violation: reported,
        details,
    }
}
