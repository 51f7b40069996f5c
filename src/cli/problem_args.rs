//! The problem flags shared by `solve`, `export` and `path`, and `--problem FILE.toml`
//! (a TOML table with the same keys, in kebab-case; flags given on the command line
//! override the file; relative paths in the file are relative to the file).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::CliError;
use crate::model::{Model, ProblemSpec, Regularizer, Scaling};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ProblemArgs {
    /// A TOML file with the problem keys (data, test, split, split-seed, model, lambda,
    /// reg, patterns, seed, gates, bias, scale, target); flags override it.
    #[arg(long, value_name = "FILE.toml")]
    pub problem: Option<PathBuf>,
    /// Training data: a CSV file (features, then y or y0..y{c-1}) or
    /// synth:n=..,d=..,width=..,noise=..,seed=..
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<String>,
    /// Test data (same columns as --data).
    #[arg(long, value_name = "FILE.csv")]
    pub test: Option<String>,
    /// Hold out this fraction of --data as the test split [default: no test split]
    #[arg(long, value_name = "FRACTION")]
    pub split: Option<f64>,
    /// Seed of the train/test split shuffle (ChaCha8) [default: 0]
    #[arg(long, value_name = "S")]
    pub split_seed: Option<u64>,
    /// Model: gated-relu (C-GReLU, a group lasso) or relu (C-ReLU, with the cone
    /// constraints) [required]
    #[arg(long, value_parser = super::values::parser::<Model>())]
    pub model: Option<Model>,
    /// Regularization strength λ >= 0 (the data term is scaled by 1/(2nc)) [required]
    #[arg(long, value_name = "L", allow_negative_numbers = true)]
    pub lambda: Option<f64>,
    /// Regularizer (relu supports neuron-gl1 only) [default: neuron-gl1]
    #[arg(long, value_parser = super::values::parser::<Regularizer>())]
    pub reg: Option<Regularizer>,
    /// Number of gates to draw [default: 100]
    #[arg(long, value_name = "P", conflicts_with = "gates")]
    pub patterns: Option<usize>,
    /// Seed of the gates (ChaCha8, standard normal) [default: 0]
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Gate file: header g0,g1,..., P rows in the scaled (+bias) feature space.
    #[arg(long, value_name = "FILE.csv")]
    pub gates: Option<String>,
    /// Append a ones column (bias); gates get a bias entry (0 when drawn) [default: false]
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub bias: Option<bool>,
    /// Column scaling, fitted on the training split [default: standardize]
    #[arg(long, value_parser = super::values::parser::<Scaling>())]
    pub scale: Option<Scaling>,
    /// Target column(s) of the CSV files, comma separated (any position; the other
    /// columns are the features) [default: y, or y0,y1,... as the last columns]
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
}

/// A problem file: every key optional (flags fill the rest).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProblemFile {
    data: Option<String>,
    test: Option<String>,
    split: Option<f64>,
    split_seed: Option<u64>,
    model: Option<Model>,
    lambda: Option<f64>,
    reg: Option<Regularizer>,
    patterns: Option<usize>,
    seed: Option<u64>,
    gates: Option<String>,
    bias: Option<bool>,
    scale: Option<Scaling>,
    target: Option<String>,
}

/// `line L, column C: message` for a TOML error (1-based, from the error's span).
pub fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {msg}")
        }
        None => msg,
    }
}

fn relative_to(base: &Path, p: String) -> String {
    if p.starts_with("synth:") || Path::new(&p).is_absolute() {
        return p;
    }
    base.join(p).display().to_string()
}

impl ProblemArgs {
    /// Merge the file (if any) and the flags into a complete spec.
    pub fn resolve(&self) -> Result<ProblemSpec, CliError> {
        let file = match &self.problem {
            None => ProblemFile::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
                    path: path.clone(),
                    source,
                })?;
                let mut f: ProblemFile = toml::from_str(&text).map_err(|e| CliError::File {
                    path: path.clone(),
                    message: toml_message(&text, &e),
                })?;
                let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
                f.data = f.data.map(|p| relative_to(&base, p));
                f.test = f.test.map(|p| relative_to(&base, p));
                f.gates = f.gates.map(|p| relative_to(&base, p));
                f
            }
        };
        let missing = |flag: &str| {
            CliError::usage(format!(
                "missing --{flag} (give it as a flag or in --problem FILE.toml)"
            ))
        };
        let gates = self.gates.clone().or(if self.patterns.is_some() {
            None
        } else {
            file.gates
        });
        let patterns = self.patterns.or(if self.gates.is_some() {
            None
        } else {
            file.patterns
        });
        Ok(ProblemSpec {
            data: self
                .data
                .clone()
                .or(file.data)
                .ok_or_else(|| missing("data"))?,
            test: self.test.clone().or(file.test),
            split: self.split.or(file.split),
            split_seed: self.split_seed.or(file.split_seed).unwrap_or(0),
            model: self.model.or(file.model).ok_or_else(|| missing("model"))?,
            lambda: self
                .lambda
                .or(file.lambda)
                .ok_or_else(|| missing("lambda"))?,
            reg: self.reg.or(file.reg).unwrap_or_default(),
            patterns,
            seed: self.seed.or(file.seed).unwrap_or(0),
            gates,
            bias: self.bias.or(file.bias).unwrap_or(false),
            scale: self.scale.or(file.scale).unwrap_or_default(),
            target: self.target.clone().or(file.target),
        })
    }
}
