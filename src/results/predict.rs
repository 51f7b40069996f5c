//! Predictions of a saved network on new raw inputs (`cvxrelu predict`, and the
//! Python package's `predict`).
//!
//! The weights file stores the recovered network on raw inputs: each neuron's
//! first-layer row and gate mapped back through the training preprocessing
//! (`Σ_j (w_j/factor_j) x_j + (w_bias − Σ_j w_j shift_j/factor_j)`,
//! [`crate::model::Preprocess::to_raw`]), so the prediction on a raw row `x` is
//!
//! ```text
//!   ŷ_k(x) = Σ_{j feeds k} second_j · act_j(raw_firstⱼ·x + raw_biasⱼ)
//! ```
//!
//! with `act_j` the ReLU, or for a gated neuron the identity where its raw gate is
//! positive and 0 elsewhere: the same function as the network on the preprocessed
//! features, without re-fitting anything on the new data. When the new data has
//! targets, the metric is the one of [`Metric::for_targets`] (accuracy for ±1 or
//! one-hot targets, else MSE).

use std::path::Path;

use faer::Mat;

use super::solution::{SolutionError, SolutionFile};
use crate::model::{DataError, Dataset};
use crate::network::Metric;

/// What a prediction produced: the `n × c` outputs and, when the inputs had
/// targets, the metric and its value.
#[derive(Clone, Debug)]
pub struct Predictions {
    pub outputs: Mat<f64>,
    pub score: Option<(Metric, f64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error(transparent)]
    Weights(#[from] SolutionError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{file}: has {found} target columns, but the network has {expected} outputs")]
    Outputs {
        file: String,
        found: usize,
        expected: usize,
    },
}

impl SolutionFile {
    /// Number of raw input features the network takes.
    pub fn raw_features(&self) -> usize {
        self.preprocess.raw_dim()
    }

    /// Read the inputs of a prediction: a CSV of exactly the raw features, or a
    /// dataset CSV (features then the targets named as at training time).
    pub fn read_inputs(&self, data: &Path) -> Result<Dataset, PredictError> {
        let set = crate::model::data::read_csv_inputs(
            data,
            self.raw_features(),
            self.problem.target.as_deref(),
        )?;
        Ok(set)
    }

    /// Predictions of the network on raw inputs `x` (`n × d_raw`), and the metric
    /// against `y` when it has columns (`n × c`, or `n × 0` for none).
    pub fn predict(&self, set: &Dataset) -> Result<Predictions, PredictError> {
        if set.d() != self.raw_features() {
            return Err(DataError::FeatureMismatch {
                path: set.source.clone().into(),
                found: set.d(),
                expected: self.raw_features(),
                reference: "the weights file".into(),
            }
            .into());
        }
        let outputs = self.network.predict_raw(&set.x);
        let score = match set.c() {
            0 => None,
            c if c == self.network.c => {
                let metric = Metric::for_targets(&set.y);
                Some((metric, metric.score(&outputs, &set.y)))
            }
            found => {
                return Err(PredictError::Outputs {
                    file: set.source.clone(),
                    found,
                    expected: self.network.c,
                });
            }
        };
        Ok(Predictions { outputs, score })
    }

    /// [`SolutionFile::read_inputs`] then [`SolutionFile::predict`].
    pub fn predict_file(&self, data: &Path) -> Result<Predictions, PredictError> {
        self.predict(&self.read_inputs(data)?)
    }
}

impl Predictions {
    /// The outputs as CSV text: a header `y` (one output) or `y0,…,y{c−1}`, then
    /// one row per input row, each value in Rust's shortest round-trip form.
    pub fn to_csv(&self) -> String {
        let c = self.outputs.ncols();
        let header: Vec<String> = if c == 1 {
            vec!["y".into()]
        } else {
            (0..c).map(|k| format!("y{k}")).collect()
        };
        let mut out = header.join(",");
        out.push('\n');
        for i in 0..self.outputs.nrows() {
            let row: Vec<String> = (0..c)
                .map(|k| format!("{:?}", self.outputs[(i, k)]))
                .collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }
}
