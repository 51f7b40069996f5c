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

/// A family of weight blocks: `u` (C-GReLU), or `v` and `w` (C-ReLU).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    U,
    V,
    W,
}

impl Family {
    pub fn name(&self) -> &'static str {
        match self {
            Family::U => "u",
            Family::V => "v",
            Family::W => "w",
        }
    }
}

/// What a run of consecutive columns holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColumnKind {
    /// Coordinates of the blocks of one family, `(k, i, j)` in that order.
    Weights(Family),
    /// neuron-gl1: one norm bound per block of the family (`t` for u/v, `s` for w).
    NeuronNorm(Family),
    /// feature-gl1: one norm bound per feature.
    FeatureNorm,
    /// l1: one bound per coordinate.
    L1Bound,
    /// l2, conic lowering: the epigraph `e₂ ≥ ½‖u‖²`.
    L2Epigraph,
    /// Residuals `r_k = pred_k − y_k`, `(k, sample)`.
    Residual,
    /// Conic lowering: the loss epigraph `e ≥ ½‖r‖²`.
    LossEpigraph,
}

/// What a run of consecutive rows holds, and so which cones it forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RowKind {
    /// `r_k − Σ_i D_i X (v − w) = −y_k` (Zero), `(k, sample)`.
    Fit,
    /// C-ReLU: `X̃_i v_{k,i} ≥ 0` (or `w`), `(k, i, sample)` (Nonnegative).
    Cone(Family),
    /// l1: `t − u ≥ 0`, `t + u ≥ 0` per coordinate, interleaved (Nonnegative).
    L1Bounds,
    /// neuron-gl1: `(t, v_{k,i})` per block of the family, `d + 1` rows each (SOC).
    NeuronNorm(Family),
    /// feature-gl1: `(t_j, U_{:,:,j})` per feature, `cP + 1` rows each (SOC).
    FeatureNorm,
    /// Conic lowering: `((e+1)/√2, (e−1)/√2, r)` (one SOC of `nc + 2` rows).
    LossEpigraph,
    /// Conic lowering with l2: `((e₂+1)/√2, (e₂−1)/√2, u)` (one SOC).
    L2Epigraph,
}

/// `len` consecutive columns or rows from `start`, of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Segment<K> {
    pub kind: K,
    pub start: usize,
    pub len: usize,
}

/// The one description of a compiled problem: its column and row segments, in
/// order. Offsets, the cone list ([`Layout::cones`]) and the names of every
/// column, row and cone ([`super::names::Names`]) are all read from it, and the
/// assembly ([`super::assemble`]) and the inverse ([`super::inverse`]) address
/// columns and rows through it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub model: Model,
    pub reg: Regularizer,
    pub lowering: Lowering,
    pub n: usize,
    pub d: usize,
    pub p: usize,
    pub c: usize,
    /// Column segments, in column order.
    pub columns: Vec<Segment<ColumnKind>>,
    /// Row segments, in row (and cone) order.
    pub row_segments: Vec<Segment<RowKind>>,
    /// Column offsets (read from the segments; `col_w` = `col_aux` for C-GReLU).
    pub col_v: usize,
    pub col_w: usize,
    pub col_aux: usize,
    pub col_r: usize,
    pub col_e: usize,
    pub cols: usize,
    /// Row offsets (read from the segments).
    pub row_nonneg: usize,
    pub row_soc: usize,
    /// First row of the loss epigraph cone (conic lowering).
    pub row_loss_cone: usize,
    /// First row of the l2 epigraph cone (conic lowering with l2).
    pub row_l2_cone: usize,
    pub rows: usize,
}

/// Appends segments, each starting where the last ended.
struct Builder<K> {
    segments: Vec<Segment<K>>,
    end: usize,
}

impl<K: Copy> Builder<K> {
    fn new() -> Self {
        Builder {
            segments: Vec::new(),
            end: 0,
        }
    }
    fn push(&mut self, kind: K, len: usize) {
        if len > 0 {
            self.segments.push(Segment {
                kind,
                start: self.end,
                len,
            });
            self.end += len;
        }
    }
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
        let families: &[Family] = match model {
            Model::GatedRelu => &[Family::U],
            Model::Relu => &[Family::V, Family::W],
        };
        let conic = lowering == Lowering::Conic;
        // Columns.
        let mut col = Builder::new();
        for &f in families {
            col.push(ColumnKind::Weights(f), blocks * d);
        }
        match reg {
            Regularizer::NeuronGl1 => {
                for &f in families {
                    col.push(ColumnKind::NeuronNorm(f), blocks);
                }
            }
            Regularizer::FeatureGl1 => col.push(ColumnKind::FeatureNorm, d),
            Regularizer::L1 => col.push(ColumnKind::L1Bound, blocks * d),
            Regularizer::L2 => col.push(ColumnKind::L2Epigraph, usize::from(conic)),
        }
        col.push(ColumnKind::Residual, n * c);
        col.push(ColumnKind::LossEpigraph, usize::from(conic));
        // Rows, in the canonical cone order Zero → Nonnegative → SecondOrder.
        let mut row = Builder::new();
        row.push(RowKind::Fit, n * c);
        match (model, reg) {
            (Model::Relu, _) => {
                for &f in families {
                    row.push(RowKind::Cone(f), blocks * n);
                }
            }
            (Model::GatedRelu, Regularizer::L1) => row.push(RowKind::L1Bounds, 2 * blocks * d),
            (Model::GatedRelu, _) => {}
        }
        match reg {
            Regularizer::NeuronGl1 => {
                for &f in families {
                    row.push(RowKind::NeuronNorm(f), blocks * (d + 1));
                }
            }
            Regularizer::FeatureGl1 => row.push(RowKind::FeatureNorm, d * (blocks + 1)),
            Regularizer::L1 | Regularizer::L2 => {}
        }
        if conic {
            row.push(RowKind::LossEpigraph, n * c + 2);
            if reg == Regularizer::L2 {
                row.push(RowKind::L2Epigraph, blocks * d + 2);
            }
        }
        let (columns, cols) = (col.segments, col.end);
        let (row_segments, rows) = (row.segments, row.end);
        let col_start = |pred: &dyn Fn(ColumnKind) -> bool, default: usize| {
            columns
                .iter()
                .find(|s| pred(s.kind))
                .map_or(default, |s| s.start)
        };
        let row_start = |pred: &dyn Fn(RowKind) -> bool, default: usize| {
            row_segments
                .iter()
                .find(|s| pred(s.kind))
                .map_or(default, |s| s.start)
        };
        let col_r = col_start(&|k| k == ColumnKind::Residual, 0);
        let col_aux = col_start(
            &|k| {
                !matches!(
                    k,
                    ColumnKind::Weights(_) | ColumnKind::Residual | ColumnKind::LossEpigraph
                )
            },
            col_r,
        );
        let col_w = col_start(&|k| k == ColumnKind::Weights(Family::W), col_aux);
        let col_e = col_r + n * c;
        let row_nonneg = n * c;
        let row_soc = row_start(
            &|k| {
                matches!(
                    k,
                    RowKind::NeuronNorm(_)
                        | RowKind::FeatureNorm
                        | RowKind::LossEpigraph
                        | RowKind::L2Epigraph
                )
            },
            rows,
        );
        let row_loss_cone = row_start(&|k| k == RowKind::LossEpigraph, rows);
        let row_l2_cone = row_start(&|k| k == RowKind::L2Epigraph, rows);
        Layout {
            model,
            reg,
            lowering,
            n,
            d,
            p,
            c,
            col_v: 0,
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
            columns,
            row_segments,
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

    /// The cone list, in canonical order, read from the row segments (the only
    /// place the order is decided): consecutive Nonnegative segments form one cone.
    pub fn cones(&self) -> Vec<Cone> {
        let mut cones: Vec<Cone> = Vec::new();
        for seg in &self.row_segments {
            match seg.kind {
                RowKind::Fit => cones.push(Cone::Zero(seg.len)),
                RowKind::Cone(_) | RowKind::L1Bounds => match cones.last_mut() {
                    Some(Cone::Nonnegative(m)) => *m += seg.len,
                    _ => cones.push(Cone::Nonnegative(seg.len)),
                },
                RowKind::NeuronNorm(_) => cones.extend(std::iter::repeat_n(
                    Cone::SecondOrder(self.d + 1),
                    self.c * self.p,
                )),
                RowKind::FeatureNorm => cones.extend(std::iter::repeat_n(
                    Cone::SecondOrder(self.c * self.p + 1),
                    self.d,
                )),
                RowKind::LossEpigraph | RowKind::L2Epigraph => {
                    cones.push(Cone::SecondOrder(seg.len))
                }
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
            // Segments tile the columns and rows without gaps.
            let mut end = 0;
            for s in &l.columns {
                assert_eq!(s.start, end);
                end += s.len;
            }
            assert_eq!(end, l.cols);
            let mut end = 0;
            for s in &l.row_segments {
                assert_eq!(s.start, end);
                end += s.len;
            }
            assert_eq!(end, l.rows);
        }
    }
}
