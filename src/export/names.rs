//! Names of the variables, rows and cone blocks of a compiled program, after the
//! mathematics (see [`crate::compile::layout`]): formats that name things (MOF, MPS)
//! use them, so an exported file can be read without this crate.
//!
//! Columns: `u_k_i_j` (C-GReLU) or `v_k_i_j`, `w_k_i_j` (C-ReLU) for coordinate `j`
//! of block `(k, i)`; regularizer auxiliaries `t_k_i` (and `s_k_i` for the `w`
//! blocks) for neuron-gl1, `t_j` for feature-gl1, `t_k_i_j` for l1, `e2` for the l2
//! epigraph; residuals `r_k_l` (sample `l`); the loss epigraph `e`.
//!
//! Rows: `fit_k_l` (the residual definition, Zero), `cone_v_k_i_l` / `cone_w_k_i_l`
//! (`X̃_i v ≥ 0`, Nonnegative), `l1pos_k_i_j` (`t − u ≥ 0`) and `l1neg_k_i_j`
//! (`t + u ≥ 0`); second-order rows `norm_…_m` inside their block.

use crate::compile::layout::{Layout, Lowering};
use crate::cone::{Cone, ConeProgram};
use crate::model::{Model, Regularizer};

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

fn family(l: &Layout, f: usize) -> &'static str {
    match (l.model, f) {
        (Model::GatedRelu, _) => "u",
        (Model::Relu, 0) => "v",
        (Model::Relu, _) => "w",
    }
}

fn columns(l: &Layout) -> Vec<String> {
    let mut names = Vec::with_capacity(l.cols);
    for f in 0..l.families() {
        for k in 0..l.c {
            for i in 0..l.p {
                for j in 0..l.d {
                    names.push(format!("{}_{k}_{i}_{j}", family(l, f)));
                }
            }
        }
    }
    match l.reg {
        Regularizer::NeuronGl1 => {
            for f in 0..l.families() {
                let t = if f == 0 { "t" } else { "s" };
                for k in 0..l.c {
                    for i in 0..l.p {
                        names.push(format!("{t}_{k}_{i}"));
                    }
                }
            }
        }
        Regularizer::FeatureGl1 => names.extend((0..l.d).map(|j| format!("t_{j}"))),
        Regularizer::L1 => {
            for k in 0..l.c {
                for i in 0..l.p {
                    for j in 0..l.d {
                        names.push(format!("t_{k}_{i}_{j}"));
                    }
                }
            }
        }
        Regularizer::L2 => {
            if l.lowering == Lowering::Conic {
                names.push("e2".to_string());
            }
        }
    }
    for k in 0..l.c {
        names.extend((0..l.n).map(|r| format!("r_{k}_{r}")));
    }
    if l.lowering == Lowering::Conic {
        names.push("e".to_string());
    }
    debug_assert_eq!(names.len(), l.cols);
    names
}

fn rows(l: &Layout) -> Vec<String> {
    let mut names = Vec::with_capacity(l.rows);
    for k in 0..l.c {
        names.extend((0..l.n).map(|r| format!("fit_{k}_{r}")));
    }
    match (l.model, l.reg) {
        (Model::Relu, _) => {
            for f in 0..2 {
                for k in 0..l.c {
                    for i in 0..l.p {
                        let fam = family(l, f);
                        names.extend((0..l.n).map(|r| format!("cone_{fam}_{k}_{i}_{r}")));
                    }
                }
            }
        }
        (Model::GatedRelu, Regularizer::L1) => {
            for k in 0..l.c {
                for i in 0..l.p {
                    for j in 0..l.d {
                        names.push(format!("l1pos_{k}_{i}_{j}"));
                        names.push(format!("l1neg_{k}_{i}_{j}"));
                    }
                }
            }
        }
        _ => {}
    }
    let soc = cones(l);
    for (block, cone) in soc.iter().zip(l.cones()) {
        if let Cone::SecondOrder(m) = cone {
            names.extend((0..m).map(|r| format!("{block}_{r}")));
        }
    }
    debug_assert_eq!(names.len(), l.rows);
    names
}

fn cones(l: &Layout) -> Vec<String> {
    let mut names = Vec::new();
    for cone in l.cones() {
        match cone {
            Cone::Zero(_) => names.push("fit".to_string()),
            Cone::Nonnegative(_) => names.push(match l.model {
                Model::Relu => "cone".to_string(),
                Model::GatedRelu => "l1".to_string(),
            }),
            Cone::SecondOrder(_) => {}
        }
    }
    match l.reg {
        Regularizer::NeuronGl1 => {
            for f in 0..l.families() {
                for k in 0..l.c {
                    for i in 0..l.p {
                        names.push(format!("norm_{}_{k}_{i}", family(l, f)));
                    }
                }
            }
        }
        Regularizer::FeatureGl1 => names.extend((0..l.d).map(|j| format!("norm_feature_{j}"))),
        Regularizer::L1 | Regularizer::L2 => {}
    }
    if l.lowering == Lowering::Conic {
        names.push("loss_epigraph".to_string());
        if l.reg == Regularizer::L2 {
            names.push("l2_epigraph".to_string());
        }
    }
    debug_assert_eq!(names.len(), l.cones().len());
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
