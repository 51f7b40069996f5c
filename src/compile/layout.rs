//! Where every variable and every constraint row of a compiled problem lives.
//!
//! Columns (all outputs `k = 0..c`, patterns `i = 0..P`, features `j = 0..d`):
//!
//! ```text
//!   [ v_{k,i} (c·P·d) | w_{k,i} (C-ReLU, c·P·d) | aux (regularizer) | r (n·c) | e (conic) ]
//! ```
//!
//! `v` is `u` for C-GReLU. The regularizer's auxiliary variables are:
//! neuron-gl1 one `t` per block (C-ReLU: `t` for `v`, then `s` for `w`);
//! feature-gl1 one `t_j` per feature; l1 one `t` per coordinate; l2 none in the
//! quadratic lowering, one epigraph `e₂ ≥ ½‖u‖²` in the conic lowering.
//!
//! Rows, in the one canonical cone order Zero → Nonnegative → SecondOrder:
//!
//! ```text
//!   Zero:        r_k − Σ_i D_i X (v_{k,i} − w_{k,i}) = −y_k           (n·c rows)
//!   Nonneg:      X̃_i v_{k,i} ≥ 0, then X̃_i w_{k,i} ≥ 0  (C-ReLU)    (2·c·P·n rows)
//!                t − u ≥ 0, t + u ≥ 0 per coordinate     (l1)        (2·c·P·d rows)
//!   SecondOrder: (t_{k,i}, v_{k,i}), then (s_{k,i}, w_{k,i})  (neuron-gl1)
//!                (t_j, U_{:,:,j})                               (feature-gl1)
//!                ((e+1)/√2, (e−1)/√2, r) ∈ Q^{nc+2}             (conic: ‖r‖² ≤ 2e)
//!                ((e₂+1)/√2, (e₂−1)/√2, u) ∈ Q^{cPd+2}          (conic l2)
//! ```

use crate::cone::Cone;
use crate::model::{Model, Regularizer};

/// How the quadratic loss is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lowering {
    /// `½ xᵀPx` with `P = 1/(nc) I` on `r` (Clarabel's native form).
    Quadratic,
    /// Purely conic: an epigraph variable and a rotated cone written as an SOC
    /// (for formats and solvers without quadratic objectives).
    Conic,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub model: Model,
    pub reg: Regularizer,
    pub lowering: Lowering,
    pub n: usize,
    pub d: usize,
    pub p: usize,
    pub c: usize,
    /// Column offsets.
    pub col_v: usize,
    pub col_w: usize,
    pub col_aux: usize,
    pub col_r: usize,
    pub col_e: usize,
    pub cols: usize,
    /// Row offsets.
    pub row_nonneg: usize,
    pub row_soc: usize,
    /// First row of the loss epigraph cone (conic lowering).
    pub row_loss_cone: usize,
    /// First row of the l2 epigraph cone (conic lowering with l2).
    pub row_l2_cone: usize,
    pub rows: usize,
}

impl Layout {
    pub fn new(
        model: Model,
        reg: Regularizer,
        lowering: Lowering,
        n: usize,
        d: usize,
        p: usize,
        c: usize,
    ) -> Layout {
        let blocks = c * p;
        let fams = match model {
            Model::GatedRelu => 1,
            Model::Relu => 2,
        };
        let col_v = 0;
        let col_w = blocks * d;
        let col_aux = fams * blocks * d;
        let aux = match reg {
            Regularizer::NeuronGl1 => fams * blocks,
            Regularizer::FeatureGl1 => d,
            Regularizer::L1 => blocks * d,
            Regularizer::L2 => match lowering {
                Lowering::Quadratic => 0,
                Lowering::Conic => 1,
            },
        };
        let col_r = col_aux + aux;
        let col_e = col_r + n * c;
        let cols = col_e + usize::from(lowering == Lowering::Conic);

        let row_nonneg = n * c;
        let nonneg = match (model, reg) {
            (Model::Relu, _) => 2 * blocks * n,
            (Model::GatedRelu, Regularizer::L1) => 2 * blocks * d,
            _ => 0,
        };
        let row_soc = row_nonneg + nonneg;
        let reg_soc = match reg {
            Regularizer::NeuronGl1 => fams * blocks * (d + 1),
            Regularizer::FeatureGl1 => d * (blocks + 1),
            Regularizer::L1 | Regularizer::L2 => 0,
        };
        let row_loss_cone = row_soc + reg_soc;
        let loss_cone = match lowering {
            Lowering::Quadratic => 0,
            Lowering::Conic => n * c + 2,
        };
        let row_l2_cone = row_loss_cone + loss_cone;
        let l2_cone = match (reg, lowering) {
            (Regularizer::L2, Lowering::Conic) => blocks * d + 2,
            _ => 0,
        };
        let rows = row_l2_cone + l2_cone;
        Layout {
            model,
            reg,
            lowering,
            n,
            d,
            p,
            c,
            col_v,
            col_w,
            col_aux,
            col_r,
            col_e,
            cols,
            row_nonneg,
            row_soc,
            row_loss_cone,
            row_l2_cone,
            rows,
        }
    }

    /// Every (model, regularizer, lowering) the compiler supports (C-ReLU uses
    /// neuron-gl1 only), for tests and exporters that cover them all.
    pub fn supported() -> Vec<(Model, Regularizer, Lowering)> {
        let mut out = Vec::new();
        for model in [Model::GatedRelu, Model::Relu] {
            for reg in [
                Regularizer::NeuronGl1,
                Regularizer::FeatureGl1,
                Regularizer::L1,
                Regularizer::L2,
            ] {
                if model == Model::Relu && reg != Regularizer::NeuronGl1 {
                    continue;
                }
                for lowering in [Lowering::Quadratic, Lowering::Conic] {
                    out.push((model, reg, lowering));
                }
            }
        }
        out
    }

    pub fn families(&self) -> usize {
        match self.model {
            Model::GatedRelu => 1,
            Model::Relu => 2,
        }
    }

    /// Column of coordinate `j` of block `(k, i)` of family `f` (0 = v/u, 1 = w).
    #[inline]
    pub fn col_block(&self, f: usize, k: usize, i: usize, j: usize) -> usize {
        self.col_v + ((f * self.c + k) * self.p + i) * self.d + j
    }

    /// The cone list, in canonical order (the only place the order is decided).
    pub fn cones(&self) -> Vec<Cone> {
        let mut cones = vec![Cone::Zero(self.n * self.c)];
        let nonneg = self.row_soc - self.row_nonneg;
        if nonneg > 0 {
            cones.push(Cone::Nonnegative(nonneg));
        }
        match self.reg {
            Regularizer::NeuronGl1 => cones.extend(std::iter::repeat_n(
                Cone::SecondOrder(self.d + 1),
                self.families() * self.c * self.p,
            )),
            Regularizer::FeatureGl1 => cones.extend(std::iter::repeat_n(
                Cone::SecondOrder(self.c * self.p + 1),
                self.d,
            )),
            Regularizer::L1 | Regularizer::L2 => {}
        }
        if self.lowering == Lowering::Conic {
            cones.push(Cone::SecondOrder(self.n * self.c + 2));
            if self.reg == Regularizer::L2 {
                cones.push(Cone::SecondOrder(self.c * self.p * self.d + 2));
            }
        }
        cones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cone_dims_cover_rows() {
        let all = Layout::supported();
        assert_eq!(all.len(), 10);
        for (model, reg, lowering) in all {
            let l = Layout::new(model, reg, lowering, 7, 3, 4, 2);
            let total: usize = l.cones().iter().map(|c| c.dim()).sum();
            assert_eq!(total, l.rows, "{model:?} {reg:?} {lowering:?}");
        }
    }
}
