//! A training problem: the data after preprocessing, the gates and their patterns,
//! the model, the regularizer and `λ` (SPEC §1).
//!
//! [`ProblemSpec`] is the serialisable description (what the CLI flags and the
//! `--problem FILE.toml` files say); [`Problem::build`] validates it and produces the
//! numbers the compiler and the solvers work on.

use faer::Mat;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::data::{DataError, Dataset};
use super::gates::{self, GateError};
use super::patterns::Patterns;
use super::preprocess::{Preprocess, Scaling};
use super::regularizers::Regularizer;
use super::synth;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// C-GReLU: the convex gated-ReLU model (unconstrained group lasso).
    GatedRelu,
    /// C-ReLU: the convex reformulation of the ReLU network (with cone constraints).
    Relu,
}

impl Model {
    pub const fn name(&self) -> &'static str {
        match self {
            Model::GatedRelu => "gated-relu",
            Model::Relu => "relu",
        }
    }
}

/// Default number of gates when neither `patterns` nor `gates` is given.
pub const DEFAULT_PATTERNS: usize = 100;

/// Everything that defines a problem. Paths are as given (relative to the working
/// directory, or to the TOML file that named them once resolved by the CLI).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProblemSpec {
    /// A CSV path, or a generator `synth:n=..,d=..,width=..,noise=..,seed=..`.
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// Fraction of the rows held out as the test split (when no `test` file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<f64>,
    #[serde(default)]
    pub split_seed: u64,
    pub model: Model,
    pub lambda: f64,
    #[serde(default)]
    pub reg: Regularizer,
    /// Number of gates to draw (ignored when `gates` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patterns: Option<usize>,
    #[serde(default)]
    pub seed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<String>,
    #[serde(default)]
    pub bias: bool,
    #[serde(default)]
    pub scale: Scaling,
    /// The target column(s) of a CSV, comma separated (default: `y` or
    /// `y0..y{c−1}`, the last columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Gates(#[from] GateError),
    #[error(
        "{what}: needs an estimated {gib:.1} GiB before the solver starts, above the limit of {limit_gib:.1} GiB; use a smaller size or raise --max-memory (e.g. --max-memory 32G)"
    )]
    TooLarge {
        what: String,
        gib: f64,
        limit_gib: f64,
    },
    #[error("{file}: column '{column}': {message}; rescale the column")]
    Overflow {
        file: String,
        column: String,
        message: String,
    },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

fn invalid(field: &'static str, message: impl Into<String>) -> ModelError {
    ModelError::Invalid {
        field,
        message: message.into(),
    }
}

/// Load a dataset from a path or a `synth:` generator description.
pub fn load_dataset(source: &str) -> Result<Dataset, ModelError> {
    load_dataset_with(source, None, super::budget::DEFAULT_MAX_MEMORY)
}

/// [`load_dataset`] with the target column(s) of a CSV and a memory limit for
/// generated data.
pub fn load_dataset_with(
    source: &str,
    target: Option<&str>,
    max_memory: u64,
) -> Result<Dataset, ModelError> {
    if let Some(args) = source.strip_prefix("synth:") {
        if target.is_some() {
            return Err(invalid(
                "target",
                format!(
                    "{source}: generated data has its own targets (y, or y0..); target applies to CSV files"
                ),
            ));
        }
        let p = synth::parse(args).map_err(|m| invalid("data", format!("{source}: {m}")))?;
        super::budget::check_synth(source, p.n, p.d, p.c, max_memory)?;
        return Ok(synth::generate(&p));
    }
    Ok(super::data::read_csv_target(Path::new(source), target)?)
}

/// The first column of `x` (model features after preprocessing) with a value that
/// is not finite or whose square overflows, with the reason.
fn overflowing_column(x: &Mat<f64>, pre: &Preprocess) -> Option<(usize, String)> {
    for j in 0..pre.raw_dim() {
        if !pre.shift[j].is_finite() || !pre.factor[j].is_finite() {
            return Some((
                j,
                format!(
                    "the {} scaling overflows (shift {:e}, factor {:e})",
                    pre.scaling.name(),
                    pre.shift[j],
                    pre.factor[j]
                ),
            ));
        }
        for i in 0..x.nrows() {
            let v = x[(i, j)];
            if !v.is_finite() || v.abs() > super::data::MAX_MAGNITUDE {
                return Some((
                    j,
                    format!(
                        "a value of {v:e} after {} scaling overflows (at most 1e150 in magnitude)",
                        pre.scaling.name()
                    ),
                ));
            }
        }
    }
    None
}

/// A validated, preprocessed problem. The fields are private: a problem is made
/// only by [`Problem::build`] (or derived from one by the `with_*` methods), so an
/// invalid combination (e.g. C-ReLU with a regularizer other than neuron-gl1)
/// cannot exist.
#[derive(Clone, Debug)]
pub struct Problem {
    /// Model, regularizer and λ live here only.
    spec: ProblemSpec,
    /// Training features after preprocessing, `n × d` (`d` includes the bias column).
    x: Mat<f64>,
    /// Training targets, `n × c`.
    y: Mat<f64>,
    /// Raw training features (for metrics of the recovered network).
    raw_train: Dataset,
    /// Raw test set, if any.
    raw_test: Option<Dataset>,
    preprocess: Preprocess,
    /// Gates of the kept patterns, `d × P` (model feature space).
    gates: Mat<f64>,
    patterns: Patterns,
}

impl Problem {
    /// The description the problem was built from.
    pub fn spec(&self) -> &ProblemSpec {
        &self.spec
    }
    pub fn model(&self) -> Model {
        self.spec.model
    }
    pub fn reg(&self) -> Regularizer {
        self.spec.reg
    }
    pub fn lambda(&self) -> f64 {
        self.spec.lambda
    }
    /// Training features after preprocessing, `n × d` (`d` includes the bias column).
    pub fn x(&self) -> &Mat<f64> {
        &self.x
    }
    /// Training targets, `n × c`.
    pub fn y(&self) -> &Mat<f64> {
        &self.y
    }
    /// Raw training set (for metrics of the recovered network).
    pub fn raw_train(&self) -> &Dataset {
        &self.raw_train
    }
    /// Raw test set, if any.
    pub fn raw_test(&self) -> Option<&Dataset> {
        self.raw_test.as_ref()
    }
    pub fn preprocess(&self) -> &Preprocess {
        &self.preprocess
    }
    /// Gates of the kept patterns, `d × P` (model feature space).
    pub fn gates(&self) -> &Mat<f64> {
        &self.gates
    }
    pub fn patterns(&self) -> &Patterns {
        &self.patterns
    }

    pub fn n(&self) -> usize {
        self.x.nrows()
    }
    pub fn d(&self) -> usize {
        self.x.ncols()
    }
    pub fn c(&self) -> usize {
        self.y.ncols()
    }
    pub fn p(&self) -> usize {
        self.patterns.p()
    }

    /// Validate the spec, load and preprocess the data, draw or read the gates and
    /// compute the patterns.
    pub fn build(spec: &ProblemSpec) -> Result<Problem, ModelError> {
        Problem::build_within(spec, super::budget::DEFAULT_MAX_MEMORY)
    }

    /// [`Problem::build`], refusing (before allocating them) generated data and
    /// patterns whose estimated memory is above `max_memory` bytes
    /// ([`super::budget`]).
    pub fn build_within(spec: &ProblemSpec, max_memory: u64) -> Result<Problem, ModelError> {
        if !spec.lambda.is_finite() || spec.lambda < 0.0 {
            return Err(invalid(
                "lambda",
                format!("must be a finite number >= 0, got {}", spec.lambda),
            ));
        }
        if spec.model == Model::Relu && spec.reg != Regularizer::NeuronGl1 {
            return Err(invalid(
                "reg",
                format!(
                    "the relu model supports only neuron-gl1 (got {})",
                    spec.reg.name()
                ),
            ));
        }
        if spec.patterns == Some(0) {
            return Err(GateError::ZeroPatterns.into());
        }
        let target = spec.target.as_deref();
        let full = load_dataset_with(&spec.data, target, max_memory)?;
        if spec.test.is_some() && spec.split.is_some() {
            return Err(invalid(
                "split",
                "give either a test file or a split fraction, not both",
            ));
        }
        let test = match &spec.test {
            Some(t) => Some(load_dataset_with(t, target, max_memory)?),
            None => None,
        };
        Problem::from_datasets_within(spec, full, test, max_memory)
    }

    /// [`Problem::build`] on data already in memory (the Python bindings): `full` is
    /// the training data (split by `spec.split` when set), `test` the test set; the
    /// spec's `data` and `test` are then descriptions only.
    pub fn from_datasets(
        spec: &ProblemSpec,
        full: Dataset,
        test: Option<Dataset>,
    ) -> Result<Problem, ModelError> {
        if !spec.lambda.is_finite() || spec.lambda < 0.0 {
            return Err(invalid(
                "lambda",
                format!("must be a finite number >= 0, got {}", spec.lambda),
            ));
        }
        Problem::from_datasets_within(spec, full, test, super::budget::DEFAULT_MAX_MEMORY)
    }

    fn from_datasets_within(
        spec: &ProblemSpec,
        full: Dataset,
        test_set: Option<Dataset>,
        max_memory: u64,
    ) -> Result<Problem, ModelError> {
        if spec.model == Model::Relu && spec.reg != Regularizer::NeuronGl1 {
            return Err(invalid(
                "reg",
                format!(
                    "the relu model supports only neuron-gl1 (got {})",
                    spec.reg.name()
                ),
            ));
        }
        if spec.patterns == Some(0) {
            return Err(GateError::ZeroPatterns.into());
        }
        let (train, test) = match (test_set.map(|t| (spec.test.clone(), t)), spec.split) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "split",
                    "give either a test file or a split fraction, not both",
                ));
            }
            (Some((_, test)), None) => {
                full.check_compatible(&test)?;
                (full, Some(test))
            }
            (None, Some(f)) => {
                if !(f > 0.0 && f < 1.0) {
                    return Err(invalid(
                        "split",
                        format!("the test fraction must be in (0, 1), got {f}"),
                    ));
                }
                let n = full.n();
                let n_test = ((n as f64) * f).round() as usize;
                if n_test == 0 || n_test >= n {
                    return Err(invalid(
                        "split",
                        format!("fraction {f} of {n} rows leaves an empty split"),
                    ));
                }
                let mut idx: Vec<usize> = (0..n).collect();
                idx.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(spec.split_seed));
                let (te, tr) = idx.split_at(n_test);
                let (mut tr, mut te) = (tr.to_vec(), te.to_vec());
                tr.sort_unstable();
                te.sort_unstable();
                (full.select_rows(&tr), Some(full.select_rows(&te)))
            }
            (None, None) => (full, None),
        };
        let preprocess = Preprocess::fit(&train.x, spec.scale, spec.bias);
        let x = preprocess.apply(&train.x);
        if let Some((j, message)) = overflowing_column(&x, &preprocess) {
            return Err(ModelError::Overflow {
                file: train.source.clone(),
                column: train.feature_names[j].clone(),
                message,
            });
        }
        let d = x.ncols();
        if spec.gates.is_none() {
            super::budget::check_patterns(
                x.nrows(),
                d,
                spec.patterns.unwrap_or(DEFAULT_PATTERNS),
                max_memory,
            )?;
        }
        let all_gates = match &spec.gates {
            Some(path) => gates::read(
                &PathBuf::from(path),
                d,
                &format!(
                    "{} raw features{}",
                    train.d(),
                    if spec.bias { " + 1 bias entry" } else { "" }
                ),
            )
            .and_then(|g| {
                super::budget::check_patterns(x.nrows(), d, g.ncols(), max_memory)
                    .map_err(|e| GateError::TooLarge(e.to_string()))?;
                Ok(g)
            })?,
            None => gates::generate(
                spec.patterns.unwrap_or(DEFAULT_PATTERNS),
                d,
                spec.bias,
                spec.seed,
            )?,
        };
        let patterns = Patterns::from_gates(&x, &all_gates);
        if patterns.p() == 0 {
            return Err(invalid(
                "patterns",
                "every gate gives the all-zero activation pattern: no patterns left",
            ));
        }
        let gates = Mat::from_fn(d, patterns.p(), |j, i| {
            all_gates[(j, patterns.gate_index[i])]
        });
        Ok(Problem {
            spec: spec.clone(),
            y: train.y.clone(),
            x,
            raw_train: train,
            raw_test: test,
            preprocess,
            gates,
            patterns,
        })
    }

    /// The same problem with another `λ` (regularization paths).
    pub fn with_lambda(&self, lambda: f64) -> Problem {
        let mut p = self.clone();
        p.spec.lambda = lambda;
        p
    }

    /// The problem of the same data, patterns and λ for `model`, with neuron-gl1
    /// (the C-GReLU ↔ C-ReLU twins of a cone decomposition).
    pub fn twin(&self, model: Model) -> Problem {
        let mut p = self.clone();
        p.spec.model = model;
        p.spec.reg = Regularizer::NeuronGl1;
        p
    }

    /// The problem of output `k` alone (one target column).
    pub fn single_output(&self, k: usize) -> Problem {
        let mut p = self.clone();
        p.y = Mat::from_fn(self.n(), 1, |r, _| self.y[(r, k)]);
        p
    }

    /// The summary that goes into every result record.
    pub fn info(&self) -> ProblemInfo {
        ProblemInfo {
            data: self.spec.data.clone(),
            model: self.model(),
            lambda: self.lambda(),
            reg: self.reg(),
            n: self.n(),
            d: self.d(),
            c: self.c(),
            patterns_requested: self.patterns.requested,
            patterns: self.p(),
        }
    }
}

/// The `problem` object of a result record (SPEC §7).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemInfo {
    pub data: String,
    pub model: Model,
    pub lambda: f64,
    pub reg: Regularizer,
    pub n: usize,
    pub d: usize,
    pub c: usize,
    pub patterns_requested: usize,
    pub patterns: usize,
}

crate::named::named!(Model, [GatedRelu, Relu]);
