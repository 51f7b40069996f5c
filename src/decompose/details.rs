//! What a decomposition records (the record's `details.decomposition`): the
//! quality of the C-ReLU point it built ([`super::quality`]), how its sub-solves
//! ended, and the numbers of the method that ran.

use serde::{Deserialize, Serialize};

use super::exact::ExactForm;
use super::{BlockCounts, Method};
use crate::json::nullable_f64;
use crate::solvers::Status;

/// One decomposition of a C-GReLU solution into a C-ReLU point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecompositionDetails {
    pub method: Method,
    /// `Σ(‖v‖+‖w‖)/Σ‖u‖`: how much the C-ReLU penalty exceeds the C-GReLU one.
    #[serde(deserialize_with = "nullable_f64")]
    pub inflation: f64,
    /// Largest relative change between the gated model's and the ReLU network's
    /// training predictions.
    #[serde(deserialize_with = "nullable_f64")]
    pub prediction_change: f64,
    /// The same on the test rows (the cones hold on the training rows only; absent
    /// without a test split and in records before it was measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction_change_test: Option<f64>,
    /// The C-GReLU objective of the decomposed solution.
    #[serde(deserialize_with = "nullable_f64")]
    pub gated_objective: f64,
    /// The cone violation the method itself reports.
    #[serde(deserialize_with = "nullable_f64")]
    pub reported_violation: f64,
    pub blocks: BlockCounts,
    pub decomposition_status: Status,
    pub decomposition_s: f64,
    pub decomposition_iterations: usize,
    /// Largest polish shift along a block's gate (exact and LP).
    #[serde(default)]
    pub polish_max_shift: Option<f64>,
    #[serde(flatten)]
    pub method_details: MethodDetails,
}

/// The numbers of the method that ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MethodDetails {
    Exact {
        exact_form: ExactForm,
        socp_programs: usize,
        clarabel_s: f64,
    },
    Lp {
        lp_backend: String,
        lp_programs: usize,
        lp_not_optimal: usize,
        lp_s: f64,
    },
    Approx {
        rho: f64,
        /// The R-FISTA run (absent when no block needed a solve).
        #[serde(flatten)]
        fista: Option<ApproxFista>,
    },
}

/// The R-FISTA run of the approximate method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApproxFista {
    pub fista_status: Status,
    #[serde(deserialize_with = "nullable_f64")]
    pub fista_objective: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub fista_subgradient_sq: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub fista_initial_subgradient_sq: f64,
    pub fista_restarts: usize,
}
