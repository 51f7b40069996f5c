//! Tight dual points for C-GReLU (issue 13, item 2): the bound from the
//! extrapolated residuals stays a valid lower bound — at random points and along
//! runs, below the reference optimum — and the certified stop comes sooner.

mod common;

use common::{reference_problem, references};
use cvxrelu::model::{Model, Problem};
use cvxrelu::solvers::native::fista::{self, Composite, FistaWorkspace, Smooth};
use cvxrelu::solvers::native::gated::{self, GatedLoss};
use cvxrelu::solvers::native::operators::Operators;
use cvxrelu::solvers::{Status, TracePoint};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// A smooth part that records every dual bound it hands out.
struct Recording<'a> {
    inner: GatedLoss<'a>,
    bounds: Vec<f64>,
}

impl Smooth for Recording<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn state_len(&self) -> usize {
        self.inner.state_len()
    }
    fn forward(&mut self, u: &[f64], s: &mut [f64]) {
        self.inner.forward(u, s)
    }
    fn value(&mut self, s: &[f64]) -> f64 {
        self.inner.value(s)
    }
    fn gradient(&mut self, s: &[f64], g: &mut [f64]) -> f64 {
        self.inner.gradient(s, g)
    }
    fn dual_bound(&mut self, u: &[f64], s: &[f64], g: &[f64]) -> Option<f64> {
        let b = self.inner.dual_bound(u, s, g);
        if let Some(b) = b {
            self.bounds.push(b);
        }
        b
    }
}

struct Run {
    status: Status,
    iterations: usize,
    trace: Vec<TracePoint>,
    bounds: Vec<f64>,
}

/// R-FISTA at the gated defaults (gap 1e-6) with `k` extrapolated residuals and
/// the best bound kept or not.
fn run(prob: &Problem, k: usize, keep_best: bool, tol: f64) -> Run {
    let ops = Operators::new(prob.x(), prob.patterns());
    let mut inner = GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda()).with_extrapolation(k);
    inner.keep_best_dual = keep_best;
    let mut loss = Recording {
        inner,
        bounds: Vec::new(),
    };
    let mut ws = FistaWorkspace::new(loss.dim(), loss.state_len());
    let mut u = vec![0.0; loss.dim()];
    let settings = fista::FistaSettings {
        tol,
        trace_every: 1,
        ..gated::default_settings()
    };
    let comp = Composite {
        reg: prob.reg(),
        lambda: prob.lambda(),
        d: prob.d(),
    };
    let out = fista::solve(&mut loss, comp, &mut u, &settings, &mut ws);
    Run {
        status: out.status,
        iterations: out.iterations,
        trace: out.trace,
        bounds: loss.bounds,
    }
}

/// First traced iteration whose objective is within `tol` (relative) of `opt`.
fn first_accurate(trace: &[TracePoint], opt: f64, tol: f64) -> Option<usize> {
    trace
        .iter()
        .find(|t| (t.objective - opt) / opt <= tol)
        .map(|t| t.iteration)
}

/// Random points (several scales, and a sequence converging to a run's answer so
/// the extrapolation is exercised): every bound is below the reference optimum.
#[test]
fn bound_is_valid_at_random_points() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        let ops = Operators::new(prob.x(), prob.patterns());
        let mut loss = GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda())
            .with_extrapolation(gated::DUAL_EXTRAPOLATION_K);
        loss.keep_best_dual = true;
        let (dim, sl) = (loss.dim(), loss.state_len());
        let (mut state, mut grad) = (vec![0.0; sl], vec![0.0; dim]);
        let mut check = |loss: &mut GatedLoss, u: &[f64]| {
            loss.forward(u, &mut state);
            loss.gradient(&state, &mut grad);
            let b = loss.dual_bound(u, &state, &grad).unwrap();
            common::assert_below_optimum(r, b, "extrapolated");
        };
        for scale in [1e-3, 1e-1, 1.0, 10.0] {
            for _ in 0..8 {
                let u: Vec<f64> = (0..dim)
                    .map(|_| {
                        let x: f64 = StandardNormal.sample(&mut rng);
                        scale * x
                    })
                    .collect();
                check(&mut loss, &u);
            }
        }
        // A converging sequence u_t = u* + ρᵗ e (with noise), fed in order.
        let mut ustar = vec![0.0; dim];
        let mut ws = FistaWorkspace::new(dim, sl);
        let comp = Composite {
            reg: prob.reg(),
            lambda: prob.lambda(),
            d: prob.d(),
        };
        let mut fresh = GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda());
        fista::solve(
            &mut fresh,
            comp,
            &mut ustar,
            &gated::default_settings(),
            &mut ws,
        );
        let e: Vec<f64> = (0..dim).map(|_| StandardNormal.sample(&mut rng)).collect();
        let mut loss = GatedLoss::new(&ops, prob.y(), prob.reg(), prob.lambda())
            .with_extrapolation(gated::DUAL_EXTRAPOLATION_K);
        loss.keep_best_dual = true;
        for t in 0..40 {
            let rho = 0.8f64.powi(t);
            let u: Vec<f64> = ustar
                .iter()
                .zip(&e)
                .map(|(a, b)| {
                    let x: f64 = StandardNormal.sample(&mut rng);
                    a + rho * b * (1.0 + 1e-3 * x)
                })
                .collect();
            check(&mut loss, &u);
        }
    }
}

/// Along runs every bound is below the reference optimum, and the stop comes no
/// later than with the plain scaled residual. Prints the counts of the report:
/// iterations to the certified stop vs the first iteration whose objective was
/// within the tolerance of the reference optimum.
#[test]
fn bound_is_valid_along_runs_and_stops_sooner() {
    let tol = 1e-6;
    let (mut before_total, mut after_total, mut acc_total) = (0, 0, 0);
    for r in references().iter().filter(|r| r.model == Model::GatedRelu) {
        let prob = reference_problem(r);
        let plain = run(&prob, 0, false, tol);
        let tight = run(&prob, gated::DUAL_EXTRAPOLATION_K, true, tol);
        for (what, x) in [("plain", &plain), ("extrapolated", &tight)] {
            assert_eq!(x.status, Status::Solved, "{what} {} λ={}", r.data, r.lambda);
            for &b in &x.bounds {
                common::assert_below_optimum(r, b, what);
            }
        }
        let acc = first_accurate(&tight.trace, r.objective, tol).unwrap();
        let acc_plain = first_accurate(&plain.trace, r.objective, tol).unwrap();
        eprintln!(
            "{} λ={}: plain stop {} (accurate at {acc_plain}), extrapolated stop {} (accurate at {acc})",
            r.data, r.lambda, plain.iterations, tight.iterations
        );
        assert!(
            tight.iterations <= plain.iterations,
            "{} λ={}: {} > {}",
            r.data,
            r.lambda,
            tight.iterations,
            plain.iterations
        );
        before_total += plain.iterations;
        after_total += tight.iterations;
        acc_total += acc;
    }
    eprintln!("total: plain {before_total}, extrapolated {after_total}, accurate {acc_total}");
}
