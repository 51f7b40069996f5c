//! What a record says about the harness run that produced it: the suite's solver
//! entry ([`SolverDef`]) and the run's identity ([`RunInfo`]). Plain data, written
//! into every harness record (`run`), read back by `report` and `--resume`.

use serde::{Deserialize, Serialize};

use crate::decompose::Method;
use crate::export::Format;
use crate::model::{Model, ProblemSpec};
use crate::solvers::{SolverKind, TimeBasis};

/// A solver and its settings; `None` means the solver's own default.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SolverDef {
    pub kind: SolverKind,
    /// Solve the C-GReLU problem with `kind`, then decompose the solution into a
    /// C-ReLU point by this method (a run of the relu problem). Absent from the
    /// serialised form when `None`, so fingerprints of plain entries are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decompose: Option<Method>,
    /// Run only on the problems of this model (`None`: every model it solves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    pub name: String,
    pub tol: Option<f64>,
    pub max_iters: Option<u32>,
    pub batch_size: Option<usize>,
    pub step_sizes: Option<Vec<f64>>,
    pub time_limit: f64,
    /// Threads of the dense kernels and Clarabel (`None`: 1). Absent from the
    /// serialised form when `None`, so fingerprints of older entries are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// The clock of the time limit, the trace and time to τ (the suite's
    /// `time-basis`). Absent from the serialised form when wall (the only clock
    /// before it was recorded), so older records read as wall and fingerprints
    /// of wall entries are unchanged.
    #[serde(default, skip_serializing_if = "is_wall")]
    pub time_basis: TimeBasis,
    /// sgd/adam: repetitions of the step-size grid (`None`: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<u32>,
    /// sgd/adam on relu problems: the network's width (`None`: 2P).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<Width>,
    /// `kind = "external"`: the command and the instance format. Absent from the
    /// serialised form when `None`, so fingerprints of other entries are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalDef>,
}

/// An external solver: a command run on an instance file, writing a solution
/// file (`crate::harness::external`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExternalDef {
    /// The command, with `{instance}`, `{solution}`, … placeholders.
    pub command: String,
    /// The instance format (only `cbf` so far).
    pub format: Format,
}

fn is_wall(b: &TimeBasis) -> bool {
    *b == TimeBasis::Wall
}

/// The ReLU width of a baseline entry (neurons per output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Width {
    /// `2P`: one neuron per sign of each sampled pattern (the C-ReLU model's).
    #[serde(rename = "2P")]
    TwoP,
    /// `max(50, a)` with `a` the active neurons per output of the same problem's
    /// convex solution (the published protocol's `m_star`).
    #[serde(rename = "active")]
    Active,
}

impl Width {
    pub const fn name(&self) -> &'static str {
        match self {
            Width::TwoP => "2P",
            Width::Active => "active",
        }
    }
}

impl SolverDef {
    /// Whether this entry has runs on problems of `model`: a decomposition entry
    /// runs on the relu problems, any other entry where its solver applies.
    pub fn solves(&self, model: Model) -> bool {
        let applies = match self.decompose {
            Some(_) => model == Model::Relu,
            None => self.kind.solves(model),
        };
        applies && self.model.is_none_or(|m| m == model)
    }
}

/// What a record says about the harness run that produced it (the record's `run`
/// field). `fingerprint` hashes everything that defines the run — problem spec,
/// solver and settings, time limit — so `--resume` can tell a finished run from
/// one whose suite entry changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: String,
    pub problem_id: String,
    pub suite: String,
    pub dataset: String,
    pub time_limit: f64,
    pub fingerprint: String,
    pub spec: ProblemSpec,
    pub solver: SolverDef,
}
