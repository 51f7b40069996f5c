//! Names of the variables, rows and cone blocks of a compiled program, after the
//! mathematics, read from the layout's segments ([`super::layout`](mod@super::layout), the one
//! description of a compiled problem): formats that name things (MOF, MPS) use
//! them, so an exported file can be read without this crate. Every segment kind is
//! named by an exhaustive match, and the name counts are checked against the
//! segments (real checks, in release builds too).
//!
//! Columns: `u_k_i_j` (C-GReLU) or `v_k_i_j`, `w_k_i_j` (C-ReLU) for coordinate `j`
//! of block `(k, i)`; regularizer auxiliaries `t_k_i` (and `s_k_i` for the `w`
//! blocks) for neuron-gl1, `t_j` for feature-gl1, `t_k_i_j` for l1, `e2` for the l2
//! epigraph; residuals `r_k_l` (sample `l`); the loss epigraph `e`.
//!
//! Rows: `fit_k_l` (the residual definition, Zero), `cone_v_k_i_l` / `cone_w_k_i_l`
//! (`X̃_i v ≥ 0`, Nonnegative), `l1pos_k_i_j` (`t − u ≥ 0`) and `l1neg_k_i_j`
//! (`t + u ≥ 0`); second-order rows `norm_…_m` inside their block.

use super::layout::{ColumnKind, Family, Layout, RowKind};
use crate::cone::ConeProgram;

/// Names for every column, every row and every cone block.
#[derive(Clone, Debug, PartialEq)]
pub struct Names {
    pub cols: Vec<String>,
    pub rows: Vec<String>,
    /// One per cone block, in the program's cone order.
    pub cones: Vec<String>,
}

impl Names {
    /// Generic names `x0…`, `c0…`, `K0…` for a program without a layout.
    pub fn generic(program: &ConeProgram) -> Names {
        Names {
            cols: (0..program.num_vars()).map(|j| format!("x{j}")).collect(),
            rows: (0..program.num_rows()).map(|i| format!("c{i}")).collect(),
            cones: (0..program.cones.len()).map(|i| format!("K{i}")).collect(),
        }
    }

    pub fn from_layout(l: &Layout) -> Names {
        Names {
            cols: columns(l),
            rows: rows(l),
            cones: cones(l),
        }
    }
}

fn columns(l: &Layout) -> Vec<String> {
    let mut names = Vec::with_capacity(l.cols);
    for seg in &l.columns {
        match seg.kind {
            ColumnKind::Weights(f) => {
                for k in 0..l.c {
                    for i in 0..l.p {
                        for j in 0..l.d {
                            names.push(format!("{}_{k}_{i}_{j}", f.name()));
                        }
                    }
                }
            }
            ColumnKind::NeuronNorm(f) => {
                let t = if f == Family::W { "s" } else { "t" };
                for k in 0..l.c {
                    for i in 0..l.p {
                        names.push(format!("{t}_{k}_{i}"));
                    }
                }
            }
            ColumnKind::FeatureNorm => names.extend((0..l.d).map(|j| format!("t_{j}"))),
            ColumnKind::L1Bound => {
                for k in 0..l.c {
                    for i in 0..l.p {
                        for j in 0..l.d {
                            names.push(format!("t_{k}_{i}_{j}"));
                        }
                    }
                }
            }
            ColumnKind::L2Epigraph => names.push("e2".to_string()),
            ColumnKind::Residual => {
                for k in 0..l.c {
                    names.extend((0..l.n).map(|r| format!("r_{k}_{r}")));
                }
            }
            ColumnKind::LossEpigraph => names.push("e".to_string()),
        }
        assert_eq!(names.len(), seg.start + seg.len, "names of {:?}", seg.kind);
    }
    assert_eq!(names.len(), l.cols);
    names
}

/// Names of the cone blocks of one row segment, one per cone.
fn segment_cones(l: &Layout, kind: RowKind) -> Vec<String> {
    match kind {
        RowKind::Fit => vec!["fit".to_string()],
        RowKind::Cone(_) => vec!["cone".to_string()],
        RowKind::L1Bounds => vec!["l1".to_string()],
        RowKind::NeuronNorm(f) => {
            let mut v = Vec::with_capacity(l.c * l.p);
            for k in 0..l.c {
                for i in 0..l.p {
                    v.push(format!("norm_{}_{k}_{i}", f.name()));
                }
            }
            v
        }
        RowKind::FeatureNorm => (0..l.d).map(|j| format!("norm_feature_{j}")).collect(),
        RowKind::LossEpigraph => vec!["loss_epigraph".to_string()],
        RowKind::L2Epigraph => vec!["l2_epigraph".to_string()],
    }
}

fn rows(l: &Layout) -> Vec<String> {
    let mut names = Vec::with_capacity(l.rows);
    for seg in &l.row_segments {
        match seg.kind {
            RowKind::Fit => {
                for k in 0..l.c {
                    names.extend((0..l.n).map(|r| format!("fit_{k}_{r}")));
                }
            }
            RowKind::Cone(f) => {
                for k in 0..l.c {
                    for i in 0..l.p {
                        names.extend((0..l.n).map(|r| format!("cone_{}_{k}_{i}_{r}", f.name())));
                    }
                }
            }
            RowKind::L1Bounds => {
                for k in 0..l.c {
                    for i in 0..l.p {
                        for j in 0..l.d {
                            names.push(format!("l1pos_{k}_{i}_{j}"));
                            names.push(format!("l1neg_{k}_{i}_{j}"));
                        }
                    }
                }
            }
            RowKind::NeuronNorm(_)
            | RowKind::FeatureNorm
            | RowKind::LossEpigraph
            | RowKind::L2Epigraph => {
                let per_cone = seg.len / segment_cones(l, seg.kind).len();
                for block in segment_cones(l, seg.kind) {
                    names.extend((0..per_cone).map(|r| format!("{block}_{r}")));
                }
            }
        }
        assert_eq!(names.len(), seg.start + seg.len, "names of {:?}", seg.kind);
    }
    assert_eq!(names.len(), l.rows);
    names
}

fn cones(l: &Layout) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut last_nonneg = false;
    for seg in &l.row_segments {
        let nonneg = matches!(seg.kind, RowKind::Cone(_) | RowKind::L1Bounds);
        if nonneg && last_nonneg {
            continue; // consecutive Nonnegative segments are one cone
        }
        last_nonneg = nonneg;
        names.extend(segment_cones(l, seg.kind));
    }
    assert_eq!(names.len(), l.cones().len());
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_every_column_row_and_cone_and_are_unique() {
        for (model, reg, lowering) in Layout::supported() {
            let l = Layout::new(model, reg, lowering, 5, 3, 2, 2);
            let n = Names::from_layout(&l);
            assert_eq!(n.cols.len(), l.cols);
            assert_eq!(n.rows.len(), l.rows);
            assert_eq!(n.cones.len(), l.cones().len());
            for v in [&n.cols, &n.rows, &n.cones] {
                let set: std::collections::HashSet<_> = v.iter().collect();
                assert_eq!(set.len(), v.len(), "{model:?} {reg:?} {lowering:?}");
            }
        }
    }
}
