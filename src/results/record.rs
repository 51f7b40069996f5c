//! The result record (SPEC §7): one JSON object per solve, shared by `solve`,
//! `path` and the harness. Fields beyond the SPEC's are additions, never renames.
//!
//! Numbers that are not finite (a diverged run's objective) are written as JSON
//! `null` by serde_json; the float fields below read `null` back as NaN, so every
//! record the project writes can be read again.

use serde::{Deserialize, Serialize};

use super::details::{Details, SCHEMA_VERSION};
use super::run::RunInfo;
use super::solver_name::SolverName;
use crate::certify::{Certificate, certify};
use crate::json::nullable_f64;
use crate::model::{Problem, ProblemInfo};
use crate::network::{Metric, Network};
use crate::solvers::baselines::BaselineOutput;
use crate::solvers::{
    CpuTimes, Solution, SolveOutput, SolverDetails, Status, TimeBasis, TracePoint,
};

/// The times of a run. `setup_s`/`solve_s` are wall seconds; `cpu` the CPU
/// seconds of the same phases ([`crate::solvers::clock`]; absent in records made
/// before schema 3); `basis` the clock the run's time limit and trace used
/// (absent = wall). Metrics read times on the record's basis ([`Times::setup_on_basis`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Times {
    /// Loading is excluded; compile (Clarabel) or workspace set-up (native).
    pub setup_s: f64,
    pub solve_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuTimes>,
    #[serde(default)]
    pub basis: TimeBasis,
    /// Network recovery and metrics after the solve, wall seconds (an addition;
    /// absent = 0). Counted in every total: it is part of what a user waits for.
    #[serde(default)]
    pub post_solve_s: f64,
}

impl Times {
    /// Wall times only, on the wall basis (records without CPU times).
    pub fn wall(setup_s: f64, solve_s: f64) -> Times {
        Times {
            setup_s,
            solve_s,
            cpu: None,
            basis: TimeBasis::Wall,
            post_solve_s: 0.0,
        }
    }

    /// `(setup, solve)` seconds on the record's basis: the CPU times on the CPU
    /// basis (the wall times when a record has none), the wall times otherwise.
    pub fn on_basis(&self) -> (f64, f64) {
        match (self.basis, self.cpu) {
            (TimeBasis::Cpu, Some(c)) => (c.setup_s, c.solve_s),
            (TimeBasis::Cpu, None) | (TimeBasis::Wall, _) => (self.setup_s, self.solve_s),
        }
    }

    /// Setup seconds on the record's basis.
    pub fn setup_on_basis(&self) -> f64 {
        self.on_basis().0
    }

    /// Setup, solve and post-solve seconds on the wall clock: what a user waits for.
    pub fn total(&self) -> f64 {
        self.setup_s + self.solve_s + self.post_solve_s
    }

    /// Setup + solve (+ post-solve, single-threaded, so its wall and CPU
    /// seconds agree) on the record's basis.
    pub fn total_on_basis(&self) -> f64 {
        let (a, b) = self.on_basis();
        a + b + self.post_solve_s
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The record schema ([`SCHEMA_VERSION`]; absent = 1).
    #[serde(default = "schema_v1")]
    pub schema_version: u32,
    pub problem: ProblemInfo,
    pub solver: SolverName,
    /// How the solver ended, by its own criterion.
    pub status: Status,
    #[serde(deserialize_with = "nullable_f64")]
    pub objective: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub loss: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub penalty: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub max_cone_violation: f64,
    pub duality_gap: Option<f64>,
    #[serde(default)]
    pub relative_duality_gap: Option<f64>,
    #[serde(default)]
    pub dual_objective: Option<f64>,
    pub iterations: usize,
    pub time: Times,
    pub active_neurons: usize,
    #[serde(deserialize_with = "nullable_f64")]
    pub train_metric: f64,
    pub test_metric: Option<f64>,
    #[serde(default = "default_metric")]
    pub metric: Metric,
    pub weights_file: Option<String>,
    /// The solver's own numbers and what the harness adds ([`Details`]).
    #[serde(default)]
    pub details: Details,
    /// Progress of the solve: (iteration, seconds, objective).
    #[serde(default)]
    pub trace: Vec<TracePoint>,
    /// The harness run that produced this record (absent for `solve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
}

fn schema_v1() -> u32 {
    1
}

fn default_metric() -> Metric {
    Metric::Mse
}

impl Record {
    /// Assemble the record of a finished solve: metrics are computed here from the
    /// weights, the certificate is `cert`.
    pub fn new(
        problem: &Problem,
        solver: SolverName,
        out: &SolveOutput,
        cert: &Certificate,
    ) -> Record {
        let point = Point {
            weights: &out.weights,
            status: out.status,
            iterations: out.iterations,
            setup_s: out.setup_s,
            solve_s: out.solve_s,
            cpu: Some(out.cpu),
            basis: out.basis,
            trace: &out.trace,
        };
        Record::of_point(
            problem,
            solver,
            &point,
            cert,
            Details::of_solver(out.details.clone()),
        )
    }

    /// The record of a convex point with its certificate and details.
    pub fn of_point(
        problem: &Problem,
        solver: SolverName,
        point: &Point<'_>,
        cert: &Certificate,
        details: Details,
    ) -> Record {
        let t = std::time::Instant::now();
        let network = Network::recover(problem, point.weights);
        let (metric, train_metric, test_metric) = network.metrics(problem);
        let (status, overruled) = super::guard::certified_status(point.status, cert);
        let mut details = details;
        let post_solve_s = t.elapsed().as_secs_f64();
        details.post_solve_s = Some(post_solve_s);
        if overruled.is_some() {
            details.status_overruled = overruled;
        }
        Record {
            schema_version: SCHEMA_VERSION,
            problem: problem.info(),
            solver,
            status,
            objective: cert.objective,
            loss: cert.loss,
            penalty: cert.penalty,
            max_cone_violation: cert.max_cone_violation,
            duality_gap: cert.duality_gap,
            relative_duality_gap: cert.relative_duality_gap,
            dual_objective: cert.dual_objective,
            iterations: point.iterations,
            time: Times {
                setup_s: point.setup_s,
                solve_s: point.solve_s,
                cpu: point.cpu,
                basis: point.basis,
                post_solve_s,
            },
            active_neurons: point.weights.active_neurons(),
            train_metric,
            test_metric,
            metric,
            weights_file: None,
            details,
            trace: point.trace.to_vec(),
            run: None,
        }
    }
}

/// A convex point and how its solve ended (what [`Record::of_point`] records).
pub struct Point<'a> {
    pub weights: &'a crate::model::Weights,
    pub status: Status,
    pub iterations: usize,
    pub setup_s: f64,
    pub solve_s: f64,
    pub cpu: Option<CpuTimes>,
    pub basis: TimeBasis,
    pub trace: &'a [TracePoint],
}

impl Record {
    /// The certified record of a solve: the certificate is recomputed here from
    /// the weights (a baseline network's objective is its own; see
    /// [`Record::from_baseline`]).
    pub fn from_solution(problem: &Problem, solver: SolverName, solution: &Solution) -> Record {
        match solution {
            Solution::Convex(out) => {
                let cert = certify(problem, &out.weights);
                Record::new(problem, solver, out, &cert)
            }
            Solution::Network(net) => Record::from_baseline(problem, solver, net),
        }
    }

    /// The record of a baseline network: objective = the network's; for the gated
    /// model the network's C-GReLU point is certified and its dual bound gives
    /// `duality_gap = F − dual ≥ F − p*` (see [`crate::solvers::baselines`]).
    pub fn from_baseline(problem: &Problem, solver: SolverName, out: &BaselineOutput) -> Record {
        let network = out.network(problem);
        let (metric, train_metric, test_metric) = network.metrics(problem);
        let (mut dual_objective, mut duality_gap, mut relative) = (None, None, None);
        let mut convex_objective = None;
        if let Some(w) = out.convex_weights() {
            let cert = certify(problem, &w);
            convex_objective = Some(cert.objective);
            if let Some(dual) = cert.dual_objective
                && out.objective.is_finite()
            {
                let gap = out.objective - dual;
                dual_objective = Some(dual);
                duality_gap = Some(gap);
                relative = Some(if out.objective > 0.0 {
                    gap / out.objective
                } else {
                    gap.abs()
                });
            }
        }
        Record {
            schema_version: SCHEMA_VERSION,
            problem: problem.info(),
            solver,
            status: out.status,
            objective: out.objective,
            loss: out.loss,
            penalty: out.penalty,
            max_cone_violation: 0.0,
            duality_gap,
            relative_duality_gap: relative,
            dual_objective,
            iterations: out.epochs,
            time: Times {
                setup_s: out.setup_s,
                solve_s: out.solve_s,
                cpu: Some(out.cpu),
                basis: out.basis,
                post_solve_s: 0.0,
            },
            active_neurons: out.active_neurons(),
            train_metric,
            test_metric,
            metric,
            weights_file: None,
            details: Details::of_solver(SolverDetails::Baseline(out.details(convex_objective))),
            trace: out.trace.clone(),
            run: None,
        }
    }

    /// The record of a run that produced no point (skipped, or refused to start):
    /// every number NaN, `details` saying why.
    pub fn without_point(
        problem: &Problem,
        solver: SolverName,
        status: Status,
        details: Details,
    ) -> Record {
        Record {
            schema_version: SCHEMA_VERSION,
            problem: problem.info(),
            solver,
            status,
            objective: f64::NAN,
            loss: f64::NAN,
            penalty: f64::NAN,
            max_cone_violation: f64::NAN,
            duality_gap: None,
            relative_duality_gap: None,
            dual_objective: None,
            iterations: 0,
            time: Times::wall(0.0, 0.0),
            active_neurons: 0,
            train_metric: f64::NAN,
            test_metric: None,
            metric: Metric::for_targets(problem.y()),
            weights_file: None,
            details,
            trace: Vec::new(),
            run: None,
        }
    }

    /// The solver that made this record: the run's entry when there is one, else
    /// what the name says (`None` for an entry name without run info).
    pub fn solver_kind(&self) -> Option<crate::solvers::SolverKind> {
        self.run
            .as_ref()
            .map(|r| r.solver.kind)
            .or_else(|| self.solver.kind())
    }
}
