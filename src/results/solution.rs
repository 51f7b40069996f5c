//! The weights file written by `solve --weights FILE` and read by later commands
//! (`decompose`, warm starts): the problem spec (with absolute paths), the convex
//! weights in model space, the gates of the kept patterns, the preprocessing, and the
//! recovered network on raw inputs.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Model, Preprocess, Problem, ProblemSpec, Weights};
use crate::network::Network;

pub const FORMAT: &str = "cvxrelu-weights";
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolutionFile {
    pub format: String,
    pub version: u32,
    pub problem: ProblemSpec,
    pub solver: String,
    pub weights: Weights,
    /// Gate of each kept pattern (model space), `P` rows of `d`.
    pub gates: Vec<Vec<f64>>,
    /// Index of each kept pattern's gate among the requested gates.
    pub gate_index: Vec<usize>,
    pub preprocess: Preprocess,
    pub network: Network,
}

#[derive(Debug, thiserror::Error)]
pub enum SolutionError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}, column {column}: not a cvxrelu weights file: {message}")]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

fn absolute(p: &str) -> String {
    if p.starts_with("synth:") {
        return p.to_string();
    }
    std::fs::canonicalize(p)
        .map(|a| a.display().to_string())
        .unwrap_or_else(|_| p.to_string())
}

impl SolutionFile {
    pub fn new(problem: &Problem, solver: &str, weights: &Weights) -> SolutionFile {
        let mut spec = problem.spec().clone();
        spec.data = absolute(&spec.data);
        spec.test = spec.test.as_deref().map(absolute);
        spec.gates = spec.gates.as_deref().map(absolute);
        SolutionFile {
            format: FORMAT.into(),
            version: VERSION,
            problem: spec,
            solver: solver.into(),
            weights: weights.clone(),
            gates: (0..problem.p())
                .map(|i| problem.gates().col(i).iter().copied().collect())
                .collect(),
            gate_index: problem.patterns().gate_index.clone(),
            preprocess: problem.preprocess().clone(),
            network: Network::recover(problem, weights),
        }
    }

    pub fn read(path: &Path) -> Result<SolutionFile, SolutionError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SolutionError::Io {
            path: p.clone(),
            source,
        })?;
        SolutionFile::parse(&text, &p)
    }

    /// A weights file's text, checked as [`SolutionFile::read`] checks a file;
    /// `name` is what errors call it (a path, or e.g. `weights` in Python).
    pub fn parse(text: &str, name: &str) -> Result<SolutionFile, SolutionError> {
        let p = name.to_string();
        let f: SolutionFile = serde_json::from_str(text).map_err(|e| SolutionError::Json {
            path: p.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if f.format != FORMAT || f.version != VERSION {
            return Err(SolutionError::Invalid {
                path: p,
                message: format!(
                    "format '{}' version {} (expected '{FORMAT}' version {VERSION})",
                    f.format, f.version
                ),
            });
        }
        if !f.weights.is_finite() {
            return Err(SolutionError::Invalid {
                path: p,
                message: "weights contain NaN or infinity".into(),
            });
        }
        f.check_shapes()
            .map_err(|message| SolutionError::Invalid { path: p, message })?;
        Ok(f)
    }

    /// The sizes the fields must agree on, checked when a file is read (a corrupt
    /// file must be an error naming the field, not a panic later): the weights'
    /// data against their shape, one gate of length `d` and one gate index per
    /// pattern, the preprocessing's `d` (raw features + bias), the network's `c`.
    fn check_shapes(&self) -> Result<(), String> {
        self.weights.check_shapes()?;
        let (c, p, d) = self.weights.shape();
        if self.gates.len() != p {
            return Err(format!(
                "field gates: {} gates, but the weights have p={p} patterns",
                self.gates.len()
            ));
        }
        if let Some(i) = self.gates.iter().position(|g| g.len() != d) {
            return Err(format!(
                "field gates[{i}]: {} values, but the weights have d={d}",
                self.gates[i].len()
            ));
        }
        if self.gate_index.len() != p {
            return Err(format!(
                "field gate_index: {} entries, but the weights have p={p} patterns",
                self.gate_index.len()
            ));
        }
        let pre = &self.preprocess;
        if pre.shift.len() != pre.factor.len() || pre.shift.len() + usize::from(pre.bias) != d {
            return Err(format!(
                "field preprocess: {} shifts and {} factors{}, but the weights have d={d}",
                pre.shift.len(),
                pre.factor.len(),
                if pre.bias { " plus a bias" } else { "" }
            ));
        }
        if self.network.c != c {
            return Err(format!(
                "field network.c: {}, but the weights have c={c} outputs",
                self.network.c
            ));
        }
        self.check_models()?;
        self.check_neurons()
    }

    /// The model named by the problem, the weights and the network is one model.
    fn check_models(&self) -> Result<(), String> {
        let model = self.weights.model();
        if self.problem.model != model {
            return Err(format!(
                "field problem.model: '{}', but the weights are of model '{}'",
                self.problem.model.name(),
                model.name()
            ));
        }
        if self.network.model != model {
            return Err(format!(
                "field network.model: '{}', but the weights are of model '{}'",
                self.network.model.name(),
                model.name()
            ));
        }
        Ok(())
    }

    /// Every neuron of the network has the sizes of the weights, a gate exactly when
    /// the model is gated, and its raw-input rows equal to its model-space rows mapped
    /// through the stored preprocessing (relative 1e-9): a network edited apart from
    /// its preprocessing would predict something else than what was trained.
    fn check_neurons(&self) -> Result<(), String> {
        let (c, p, d) = self.weights.shape();
        let pre = &self.preprocess;
        let gated = self.weights.model() == Model::GatedRelu;
        let per_block = if gated { 1 } else { 2 };
        if self.network.neurons.len() > per_block * c * p {
            return Err(format!(
                "field network.neurons: {} neurons, more than the {} blocks of the weights",
                self.network.neurons.len(),
                per_block * c * p
            ));
        }
        let close = |a: &[f64], b: &[f64], ab: f64, bb: f64| {
            let scale = a
                .iter()
                .chain(b)
                .fold(ab.abs().max(bb.abs()), |m, v| m.max(v.abs()));
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| (x - y).abs() <= 1e-9 * scale.max(1.0))
                && (ab - bb).abs() <= 1e-9 * scale.max(1.0)
        };
        for (j, nu) in self.network.neurons.iter().enumerate() {
            let field = |f: &str| format!("field network.neurons[{j}].{f}");
            if nu.output >= c {
                return Err(format!(
                    "{}: {}, but the weights have c={c} outputs",
                    field("output"),
                    nu.output
                ));
            }
            if nu.first.len() != d {
                return Err(format!(
                    "{}: {} values, but the weights have d={d}",
                    field("first"),
                    nu.first.len()
                ));
            }
            let all = nu
                .first
                .iter()
                .chain(&nu.raw_first)
                .chain([&nu.second, &nu.raw_bias]);
            if !all.into_iter().all(|v| v.is_finite()) {
                return Err(format!("{}: NaN or infinity", field("first")));
            }
            let (raw, bias) = pre.to_raw(&nu.first);
            if !close(&raw, &nu.raw_first, bias, nu.raw_bias) {
                return Err(format!(
                    "{}: not the model-space row mapped through field preprocess (the network and the preprocessing disagree)",
                    field("raw_first")
                ));
            }
            match (gated, &nu.gate, &nu.raw_gate) {
                (true, Some(g), Some((rg, rb))) => {
                    if g.len() != d || !g.iter().all(|v| v.is_finite()) {
                        return Err(format!("{}: needs {d} finite values", field("gate")));
                    }
                    let (raw, bias) = pre.to_raw(g);
                    if !close(&raw, rg, bias, *rb) {
                        return Err(format!(
                            "{}: not the gate mapped through field preprocess (the network and the preprocessing disagree)",
                            field("raw_gate")
                        ));
                    }
                }
                (true, _, _) => {
                    return Err(format!(
                        "{}: a gated-relu neuron needs gate and raw_gate",
                        field("gate")
                    ));
                }
                (false, None, None) => {}
                (false, _, _) => {
                    return Err(format!("{}: a relu neuron has no gate", field("gate")));
                }
            }
        }
        Ok(())
    }

    /// Rebuild the problem and check that it matches the stored weights and gates.
    pub fn problem(&self, path: &Path) -> Result<Problem, SolutionError> {
        let p = path.display().to_string();
        let problem = Problem::build(&self.problem).map_err(|e| SolutionError::Invalid {
            path: p.clone(),
            message: format!("rebuilding the problem: {e}"),
        })?;
        let (c, pp, d) = self.weights.shape();
        if (c, pp, d) != (problem.c(), problem.p(), problem.d())
            || problem.patterns().gate_index != self.gate_index
        {
            return Err(SolutionError::Invalid {
                path: p,
                message: format!(
                    "weights have shape (c={c}, P={pp}, d={d}) but the rebuilt problem has (c={}, P={}, d={}) or other patterns: the data or gates changed",
                    problem.c(),
                    problem.p(),
                    problem.d()
                ),
            });
        }
        Ok(problem)
    }
}
