//! Preprocessing, explicit and invertible (SPEC §1): a column scaling fitted on the
//! training split only, then an optional ones column for the bias.
//!
//! Scaled features are `z_j = (x_j − shift_j) / factor_j`:
//! - `unit-norm`: shift 0, factor ‖x_j‖₂ (the convention of the published experiments);
//! - `standardize`: shift mean, factor population standard deviation;
//! - `none`: shift 0, factor 1.
//!
//! Constant or all-zero columns get factor 1, so nothing divides by zero.
//! A first-layer row `w` acting on `[z, 1]` acts on the raw input as
//! `Σ_j (w_j/factor_j) x_j + (w_bias − Σ_j w_j shift_j / factor_j)`
//! ([`Preprocess::to_raw`]); this is how trained weights *and gates* are mapped back.

use faer::Mat;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scaling {
    UnitNorm,
    #[default]
    Standardize,
    None,
}

impl Scaling {
    pub const fn name(&self) -> &'static str {
        match self {
            Scaling::UnitNorm => "unit-norm",
            Scaling::Standardize => "standardize",
            Scaling::None => "none",
        }
    }
}

/// A fitted preprocessing map from raw features (`d_raw`) to model features
/// (`d_raw + bias`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    pub scaling: Scaling,
    pub bias: bool,
    pub shift: Vec<f64>,
    pub factor: Vec<f64>,
}

impl Preprocess {
    /// Fit the scaling on the training features.
    pub fn fit(x: &Mat<f64>, scaling: Scaling, bias: bool) -> Preprocess {
        let (n, d) = (x.nrows(), x.ncols());
        let mut shift = vec![0.0; d];
        let mut factor = vec![1.0; d];
        for j in 0..d {
            let col = x.col(j);
            match scaling {
                Scaling::None => {}
                Scaling::UnitNorm => {
                    let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
                    if norm > 0.0 {
                        factor[j] = norm;
                    }
                }
                Scaling::Standardize => {
                    let mean = col.iter().sum::<f64>() / n as f64;
                    let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
                    shift[j] = mean;
                    if var.sqrt() > 1e-12 * (1.0 + mean.abs()) {
                        factor[j] = var.sqrt();
                    }
                }
            }
        }
        Preprocess {
            scaling,
            bias,
            shift,
            factor,
        }
    }

    pub fn raw_dim(&self) -> usize {
        self.shift.len()
    }

    /// Dimension of the model features.
    pub fn model_dim(&self) -> usize {
        self.shift.len() + usize::from(self.bias)
    }

    /// Map raw features to model features.
    pub fn apply(&self, x: &Mat<f64>) -> Mat<f64> {
        let d = self.raw_dim();
        Mat::from_fn(x.nrows(), self.model_dim(), |i, j| {
            if j < d {
                (x[(i, j)] - self.shift[j]) / self.factor[j]
            } else {
                1.0
            }
        })
    }

    /// Map a row `w` acting on model features to (weights, bias) acting on raw
    /// features: `w·[z, 1] = to_raw(w).0 · x + to_raw(w).1`.
    pub fn to_raw(&self, w: &[f64]) -> (Vec<f64>, f64) {
        let d = self.raw_dim();
        let mut b = if self.bias { w[d] } else { 0.0 };
        let raw: Vec<f64> = (0..d)
            .map(|j| {
                let a = w[j] / self.factor[j];
                b -= a * self.shift[j];
                a
            })
            .collect();
        (raw, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_raw_inverts_apply() {
        let x = Mat::from_fn(5, 3, |i, j| {
            (i * 3 + j) as f64 * 0.7 - 2.0 + (j as f64).powi(2)
        });
        for scaling in [Scaling::UnitNorm, Scaling::Standardize, Scaling::None] {
            let pre = Preprocess::fit(&x, scaling, true);
            let z = pre.apply(&x);
            let w = [0.3, -1.2, 2.5, 0.7];
            let (raw, b) = pre.to_raw(&w);
            for i in 0..5 {
                let lhs: f64 = (0..4).map(|j| w[j] * z[(i, j)]).sum();
                let rhs: f64 = (0..3).map(|j| raw[j] * x[(i, j)]).sum::<f64>() + b;
                assert!((lhs - rhs).abs() < 1e-12, "{scaling:?}");
            }
        }
    }

    #[test]
    fn unit_norm_columns() {
        let x = Mat::from_fn(4, 2, |i, j| if j == 0 { i as f64 } else { 0.0 });
        let z = Preprocess::fit(&x, Scaling::UnitNorm, false).apply(&x);
        let norm: f64 = z.col(0).iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-15);
        assert!(z.col(1).iter().all(|v| *v == 0.0));
    }
}

crate::named::named!(Scaling, [UnitNorm, Standardize, None]);
