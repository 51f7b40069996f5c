//! Study sections of a report, chosen by the suite (`[report] studies = [...]`):
//! the gated-ReLU ↔ ReLU studies of SPEC §1 read from a bench directory's records.
//!
//! - [`equivalence`]: per dataset, P, seed and λ, the optimal training losses of
//!   C-GReLU and C-ReLU and their difference (equal at λ = 0, the paper's theorem);
//! - [`table1`]: per λ, dataset and P, each (model, solver) entry's test metric,
//!   penalty, objective, time and cone violation as median [first, third quartile]
//!   over the gate seeds — the paper's Table 1 with R-FISTA, R-FISTA + decompositions,
//!   AL and Clarabel;
//! - [`path`]: test metric and active neurons against λ, both models, as an SVG per
//!   dataset and P, with the numbers in a table.
//!
//! Every number comes from the records (objectives, cone violations and metrics were
//! recomputed from the weights when the record was made); "certified" and "status
//! ok" are those of [`super::metrics`].

pub mod equivalence;
pub mod path;
pub mod table1;

use serde::{Deserialize, Serialize};

use super::HarnessError;
use super::metrics;
use crate::model::{Model, Regularizer};
use crate::results::record::Record;
use crate::solvers::SolverKind;

/// A study section of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Study {
    Equivalence,
    Table1,
    Path,
}

impl Study {
    pub fn name(&self) -> &'static str {
        match self {
            Study::Equivalence => "equivalence",
            Study::Table1 => "table1",
            Study::Path => "path",
        }
    }

    /// Whether a suite with these models and λ values can feed the study.
    pub fn check(&self, models: &[super::suite::ModelDef], lambdas: &[f64]) -> Result<(), String> {
        match self {
            Study::Equivalence => {
                let paired = models.iter().any(|g| {
                    g.kind == Model::GatedRelu
                        && g.reg == Regularizer::NeuronGl1
                        && models
                            .iter()
                            .any(|r| r.kind == Model::Relu && r.patterns == g.patterns)
                });
                if paired {
                    Ok(())
                } else {
                    Err("needs a gated-relu (neuron-gl1) and a relu [[model]] with the same patterns".into())
                }
            }
            Study::Table1 => Ok(()),
            Study::Path => {
                if lambdas.iter().filter(|l| **l > 0.0).count() >= 2 {
                    Ok(())
                } else {
                    Err("needs at least two lambdas > 0".into())
                }
            }
        }
    }
}

/// What a study adds to the report: a Markdown section and files next to it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    pub markdown: String,
    /// `(file name, contents)`, written into the report directory.
    pub files: Vec<(String, String)>,
}

/// Render `study` from `records` (in suite order).
pub fn render(study: Study, records: &[Record]) -> Result<Section, HarnessError> {
    match study {
        Study::Equivalence => Ok(equivalence::render(records)),
        Study::Table1 => Ok(table1::render(records)),
        Study::Path => path::render(records),
    }
}

// ------------------------------------------------------------ record accessors

pub(crate) fn dataset(r: &Record) -> &str {
    r.run.as_ref().map(|x| x.dataset.as_str()).unwrap_or("")
}

pub(crate) fn seed(r: &Record) -> u64 {
    r.run.as_ref().map(|x| x.spec.seed).unwrap_or(0)
}

pub(crate) fn kind(r: &Record) -> Option<SolverKind> {
    r.run.as_ref().map(|x| x.solver.kind)
}

/// The paper's names: "R-FISTA (C-GReLU)", "R-FISTA (C-GReLU) + exact
/// decomposition", "AL (C-ReLU)", "Clarabel (C-ReLU)", "Adam (ReLU network)".
pub(crate) fn label(r: &Record) -> String {
    let Some(run) = r.run.as_ref() else {
        return r.solver.to_string();
    };
    let solver = match run.solver.kind {
        SolverKind::Clarabel => "Clarabel",
        SolverKind::Fista => "R-FISTA",
        SolverKind::Al => "AL",
        SolverKind::Sgd => "SGD",
        SolverKind::Adam => "Adam",
        // An external solver is known by its entry's name.
        SolverKind::External => run.solver.name.as_str(),
    };
    let model = |m: Model| match (m, run.solver.kind.is_baseline()) {
        (Model::GatedRelu, false) => "C-GReLU",
        (Model::Relu, false) => "C-ReLU",
        (Model::GatedRelu, true) => "gated ReLU network",
        (Model::Relu, true) => "ReLU network",
    };
    match run.solver.decompose {
        Some(m) => format!("{solver} (C-GReLU) + {} decomposition", m.name()),
        None => format!("{solver} ({})", model(r.problem.model)),
    }
}

/// `x` in scientific notation with `digits` decimals, "–" when not finite.
pub(crate) fn sci(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$e}")
    } else {
        "–".into()
    }
}

/// `median [q1, q3]` of the finite values, "–" when there are none.
pub(crate) fn quartile_cell(values: &[f64], fmt: impl Fn(f64) -> String) -> String {
    match metrics::quartiles(values) {
        None => "–".into(),
        Some((m, a, b)) => format!("{} [{}, {}]", fmt(m), fmt(a), fmt(b)),
    }
}

/// Status counts as "solved 4, time_limit 1".
pub(crate) fn status_counts(rs: &[&Record]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for r in rs {
        let n = r.status.name();
        match counts.iter_mut().find(|(k, _)| *k == n) {
            Some((_, c)) => *c += 1,
            None => counts.push((n, 1)),
        }
    }
    counts
        .iter()
        .map(|(k, c)| format!("{k} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The record with the lowest certified objective among `rs` (convex solvers only).
pub(crate) fn best<'a>(rs: impl Iterator<Item = &'a Record>) -> Option<&'a Record> {
    rs.filter(|r| kind(r).is_some_and(|k| !k.is_baseline()) && metrics::certified(r))
        .min_by(|a, b| a.objective.total_cmp(&b.objective))
}

/// Values in first-appearance order.
pub(crate) fn distinct<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in items {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}
