//! The result record (SPEC §7): one JSON object per solve, shared by `solve`,
//! `path` and the harness. Fields beyond the SPEC's are additions, never renames.

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
    pub objective: f64,
    pub loss: f64,
    pub penalty: f64,
    pub max_cone_violation: f64,
    pub duality_gap: Option<f64>,
    #[serde(default)]
    pub relative_duality_gap: Option<f64>,
    #[serde(default)]
    pub dual_objective: Option<f64>,
    pub iterations: usize,
    pub time: Times,
    pub active_neurons: usize,
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
}

fn default_metric() -> Metric {
    Metric::Mse
}

impl Record {
    /// Assemble the record of a finished solve: certificate and metrics are computed
    /// here from the weights.
    pub fn new(problem: &Problem, solver: &str, out: &SolveOutput, cert: &Certificate) -> Record {
        let network = Network::recover(problem, &out.weights);
        let (metric, train_metric, test_metric) = network.metrics(problem);
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
            details: out.details.clone(),
            trace: out.trace.clone(),
        }
    }
}
