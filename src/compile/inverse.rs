//! The inverse of a lowering: from a solver's `x` back to the model weights, and
//! (for tests and warm starts) the forward lift of weights to a feasible `x`.

use faer::Mat;

use super::layout::{Layout, Lowering};
use crate::model::objective::predictions;
use crate::model::{Blocks, Patterns, Regularizer, Weights, regularizers::feature_norms};

/// Everything needed to map solutions of the compiled program back.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Inverse {
    pub layout: Layout,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InverseError {
    #[error("solution has {found} entries, the compiled program has {expected} variables")]
    Length { found: usize, expected: usize },
}

impl Inverse {
    fn family(&self, x: &[f64], f: usize) -> Blocks {
        let l = &self.layout;
        let len = l.c * l.p * l.d;
        let start = l.col_block(f, 0, 0, 0);
        Blocks {
            c: l.c,
            p: l.p,
            d: l.d,
            data: x[start..start + len].to_vec(),
        }
    }

    /// Model weights from a solution `x` of the compiled program.
    pub fn invert(&self, x: &[f64]) -> Result<Weights, InverseError> {
        if x.len() != self.layout.cols {
            return Err(InverseError::Length {
                found: x.len(),
                expected: self.layout.cols,
            });
        }
        Ok(match self.layout.model {
            crate::model::Model::GatedRelu => Weights::GatedRelu {
                u: self.family(x, 0),
            },
            crate::model::Model::Relu => Weights::Relu {
                v: self.family(x, 0),
                w: self.family(x, 1),
            },
        })
    }

    /// A point of the compiled program representing `weights`, with every auxiliary
    /// variable at its smallest feasible value (so the program's objective there equals
    /// the model objective).
    pub fn lift(
        &self,
        weights: &Weights,
        x: &Mat<f64>,
        y: &Mat<f64>,
        patterns: &Patterns,
    ) -> Vec<f64> {
        let l = &self.layout;
        let mut out = vec![0.0; l.cols];
        let fams: Vec<&Blocks> = match weights {
            Weights::GatedRelu { u } => vec![u],
            Weights::Relu { v, w } => vec![v, w],
        };
        for (f, b) in fams.iter().enumerate() {
            let start = l.col_block(f, 0, 0, 0);
            out[start..start + b.data.len()].copy_from_slice(&b.data);
        }
        match l.reg {
            Regularizer::NeuronGl1 => {
                for (f, b) in fams.iter().enumerate() {
                    for k in 0..l.c {
                        for i in 0..l.p {
                            out[l.col_aux + (f * l.c + k) * l.p + i] = b.norm(k, i);
                        }
                    }
                }
            }
            Regularizer::FeatureGl1 => {
                for (j, v) in feature_norms(fams[0]).into_iter().enumerate() {
                    out[l.col_aux + j] = v;
                }
            }
            Regularizer::L1 => {
                for (t, v) in fams[0].data.iter().enumerate() {
                    out[l.col_aux + t] = v.abs();
                }
            }
            Regularizer::L2 => {
                if l.lowering == Lowering::Conic {
                    out[l.col_aux] = 0.5 * fams[0].data.iter().map(|v| v * v).sum::<f64>();
                }
            }
        }
        let pred = predictions(x, patterns, &weights.effective());
        let mut sq = 0.0;
        for k in 0..l.c {
            for r in 0..l.n {
                let e = pred[(r, k)] - y[(r, k)];
                out[l.col_r + k * l.n + r] = e;
                sq += e * e;
            }
        }
        if l.lowering == Lowering::Conic {
            out[l.col_e] = 0.5 * sq;
        }
        out
    }
}
