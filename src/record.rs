//! The result record (SPEC §7): one JSON object per solve, shared by `solve`,
//! `path` and the harness. Fields beyond the SPEC's are additions, never renames.
//!
//! Numbers that are not finite (a diverged run's objective) are written as JSON
//! `null` by serde_json; the float fields below read `null` back as NaN, so every
//! record the project writes can be read again.

use serde::{Deserialize, Serialize};

use crate::certify::Certificate;
use crate::model::{Problem, ProblemInfo};
use crate::network::{Metric, Network};
use crate::solvers::{SolveOutput, Status, TracePoint};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Times {
    /// Loading is excluded; compile (Clarabel) or workspace set-up (native).
    pub setup_s: f64,
    pub solve_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub problem: ProblemInfo,
    pub solver: String,
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
    /// Solver-specific numbers (Clarabel costs, AL feasibility, SOCP size, ...).
    #[serde(default)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// Progress of the solve: (iteration, seconds, objective).
    #[serde(default)]
    pub trace: Vec<TracePoint>,
    /// The harness run that produced this record (absent for `solve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<crate::harness::RunInfo>,
}

/// `null` (how serde_json writes NaN and ±∞) reads back as NaN.
pub(crate) fn nullable_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

fn default_metric() -> Metric {
    Metric::Mse
}

impl Record {
    /// Assemble the record of a finished solve: certificate and metrics are computed
    /// here from the weights.
    pub fn new(problem: &Problem, solver: &str, out: &SolveOutput, cert: &Certificate) -> Record {
        let t = std::time::Instant::now();
        let network = Network::recover(problem, &out.weights);
        let (metric, train_metric, test_metric) = network.metrics(problem);
        // Network recovery and metrics (dense products), recorded next to the
        // solver's details; not part of `time`, which is the solver's.
        let mut details = out.details.clone();
        details.insert("post_solve_s".into(), t.elapsed().as_secs_f64().into());
        Record {
            problem: problem.info(),
            solver: solver.to_string(),
            status: out.status,
            objective: cert.objective,
            loss: cert.loss,
            penalty: cert.penalty,
            max_cone_violation: cert.max_cone_violation,
            duality_gap: cert.duality_gap,
            relative_duality_gap: cert.relative_duality_gap,
            dual_objective: cert.dual_objective,
            iterations: out.iterations,
            time: Times {
                setup_s: out.setup_s,
                solve_s: out.solve_s,
            },
            active_neurons: out.weights.active_neurons(),
            train_metric,
            test_metric,
            metric,
            weights_file: None,
            details,
            trace: out.trace.clone(),
            run: None,
        }
    }
}
