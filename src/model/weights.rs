//! Convex model weights: blocks `u_{k,i} ∈ R^d` for output `k` and pattern `i`.
//!
//! Storage is one flat vector with block `(k, i)` at `[(k·P + i)·d, (k·P + i + 1)·d)`,
//! so the weights of output `k` form a column-major `d × P` matrix `U_k` (column `i`
//! is `u_{k,i}`), ready for a GEMM `X U_k`.

use serde::{Deserialize, Serialize};

use super::problem::Model;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Blocks {
    pub c: usize,
    pub p: usize,
    pub d: usize,
    pub data: Vec<f64>,
}

impl Blocks {
    pub fn zeros(c: usize, p: usize, d: usize) -> Blocks {
        Blocks {
            c,
            p,
            d,
            data: vec![0.0; c * p * d],
        }
    }

    #[inline]
    pub fn block(&self, k: usize, i: usize) -> &[f64] {
        let o = (k * self.p + i) * self.d;
        &self.data[o..o + self.d]
    }

    #[inline]
    pub fn block_mut(&mut self, k: usize, i: usize) -> &mut [f64] {
        let o = (k * self.p + i) * self.d;
        &mut self.data[o..o + self.d]
    }

    /// The column-major `d × P` matrix `U_k`.
    pub fn output(&self, k: usize) -> &[f64] {
        let o = k * self.p * self.d;
        &self.data[o..o + self.p * self.d]
    }

    pub fn output_mut(&mut self, k: usize) -> &mut [f64] {
        let o = k * self.p * self.d;
        &mut self.data[o..o + self.p * self.d]
    }

    /// `‖u_{k,i}‖₂`.
    pub fn norm(&self, k: usize, i: usize) -> f64 {
        self.block(k, i).iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    /// Number of blocks with a nonzero entry.
    pub fn nonzero_blocks(&self) -> usize {
        self.data
            .chunks(self.d.max(1))
            .filter(|b| b.iter().any(|v| *v != 0.0))
            .count()
    }

    /// Number of blocks whose norm exceeds `threshold`.
    pub fn blocks_above(&self, threshold: f64) -> usize {
        self.data
            .chunks(self.d.max(1))
            .filter(|b| b.iter().map(|v| v * v).sum::<f64>().sqrt() > threshold)
            .count()
    }

    /// Largest block norm.
    pub fn max_norm(&self) -> f64 {
        self.data
            .chunks(self.d.max(1))
            .map(|b| b.iter().map(|v| v * v).sum::<f64>().sqrt())
            .fold(0.0, f64::max)
    }

    pub fn is_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }

    /// `data` holds exactly `c·P·d` values (the product without overflow). `field`
    /// names the blocks in messages (e.g. `weights.u`). Every accessor indexes by
    /// the shape, so blocks read from a file are checked before use.
    pub fn check_shape(&self, field: &str) -> Result<(), String> {
        let (c, p, d) = (self.c, self.p, self.d);
        let Some(len) = c.checked_mul(p).and_then(|cp| cp.checked_mul(d)) else {
            return Err(format!(
                "field {field}: shape c={c} × p={p} × d={d} overflows"
            ));
        };
        if self.data.len() != len {
            return Err(format!(
                "field {field}.data: {} values, but the shape c={c} × p={p} × d={d} needs {len}",
                self.data.len()
            ));
        }
        Ok(())
    }
}

/// Relative threshold for counting a block as an active neuron.
pub const ACTIVE_REL_THRESHOLD: f64 = 1e-6;

/// A point of the convex model: `u` for C-GReLU, `(v, w)` for C-ReLU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum Weights {
    GatedRelu { u: Blocks },
    Relu { v: Blocks, w: Blocks },
}

impl Weights {
    pub fn zeros(model: Model, c: usize, p: usize, d: usize) -> Weights {
        match model {
            Model::GatedRelu => Weights::GatedRelu {
                u: Blocks::zeros(c, p, d),
            },
            Model::Relu => Weights::Relu {
                v: Blocks::zeros(c, p, d),
                w: Blocks::zeros(c, p, d),
            },
        }
    }

    pub fn model(&self) -> Model {
        match self {
            Weights::GatedRelu { .. } => Model::GatedRelu,
            Weights::Relu { .. } => Model::Relu,
        }
    }

    /// The C-GReLU start of a native solver: `warm` if it is a C-GReLU point of
    /// shape `(c, P, d)`, zeros otherwise.
    pub fn gated_start(warm: Option<&Weights>, c: usize, p: usize, d: usize) -> Blocks {
        match warm {
            Some(Weights::GatedRelu { u }) if (u.c, u.p, u.d) == (c, p, d) => u.clone(),
            _ => Blocks::zeros(c, p, d),
        }
    }

    /// C-ReLU weights as one vector `[v; w]` (the native solvers' variable): `warm`
    /// if it is a C-ReLU point of shape `(c, P, d)`, zeros otherwise.
    pub fn relu_stacked(warm: Option<&Weights>, c: usize, p: usize, d: usize) -> Vec<f64> {
        match warm {
            Some(Weights::Relu { v, w }) if (v.c, v.p, v.d) == (c, p, d) => {
                v.data.iter().chain(&w.data).copied().collect()
            }
            _ => vec![0.0; 2 * c * p * d],
        }
    }

    /// The inverse of [`Weights::relu_stacked`].
    pub fn relu_from_stacked(u: &[f64], c: usize, p: usize, d: usize) -> Weights {
        let (v, w) = u.split_at(c * p * d);
        let blocks = |data: &[f64]| Blocks {
            c,
            p,
            d,
            data: data.to_vec(),
        };
        Weights::Relu {
            v: blocks(v),
            w: blocks(w),
        }
    }

    /// The blocks that multiply `D_i X` in the prediction: `u`, or `v − w`.
    pub fn effective(&self) -> std::borrow::Cow<'_, Blocks> {
        match self {
            Weights::GatedRelu { u } => std::borrow::Cow::Borrowed(u),
            Weights::Relu { v, w } => {
                let mut e = v.clone();
                e.data.iter_mut().zip(&w.data).for_each(|(a, b)| *a -= b);
                std::borrow::Cow::Owned(e)
            }
        }
    }

    /// `(c, P, d)`.
    pub fn shape(&self) -> (usize, usize, usize) {
        let b = match self {
            Weights::GatedRelu { u } => u,
            Weights::Relu { v, .. } => v,
        };
        (b.c, b.p, b.d)
    }

    pub fn is_finite(&self) -> bool {
        match self {
            Weights::GatedRelu { u } => u.is_finite(),
            Weights::Relu { v, w } => v.is_finite() && w.is_finite(),
        }
    }

    /// Every block has as many values as its shape says, and `v` and `w` have the
    /// same shape; messages name the field (`weights.u.data`, …).
    pub fn check_shapes(&self) -> Result<(), String> {
        match self {
            Weights::GatedRelu { u } => u.check_shape("weights.u"),
            Weights::Relu { v, w } => {
                v.check_shape("weights.v")?;
                w.check_shape("weights.w")?;
                if (v.c, v.p, v.d) != (w.c, w.p, w.d) {
                    return Err(format!(
                        "field weights.w: shape (c={}, p={}, d={}) differs from weights.v's (c={}, p={}, d={})",
                        w.c, w.p, w.d, v.c, v.p, v.d
                    ));
                }
                Ok(())
            }
        }
    }

    /// Active neurons: blocks (`u`, or `v` and `w`) whose norm exceeds
    /// [`ACTIVE_REL_THRESHOLD`] times the largest block norm. A C-ReLU point has
    /// two neurons per pattern (`v_i` and `w_i`), so its count can reach `2P`; the
    /// baselines count their neurons by the same rule on `W1_j·|W2_j|`. First-order methods
    /// produce exact zeros; interior-point solutions have tiny nonzero blocks that the
    /// relative threshold does not count. (The recovered network keeps every nonzero
    /// block, so its predictions are exact.)
    pub fn active_neurons(&self) -> usize {
        match self {
            Weights::GatedRelu { u } => u.blocks_above(ACTIVE_REL_THRESHOLD * u.max_norm()),
            Weights::Relu { v, w } => {
                let t = ACTIVE_REL_THRESHOLD * v.max_norm().max(w.max_norm());
                v.blocks_above(t) + w.blocks_above(t)
            }
        }
    }
}
