//! The weights file written by `solve --weights FILE` and read by later commands
//! (`decompose`, warm starts): the problem spec (with absolute paths), the convex
//! weights in model space, the gates of the kept patterns, the preprocessing, and the
//! recovered network on raw inputs.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Preprocess, Problem, ProblemSpec, Weights};
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
        let f: SolutionFile = serde_json::from_str(&text).map_err(|e| SolutionError::Json {
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
