//! Assembly of the sparse SOCP, column by column, straight into CSC storage.
//!
//! Each column's rows are emitted in ascending order (Zero rows, then Nonnegative,
//! then SecondOrder, by construction of the [`Layout`]), so no sort is needed; sprs
//! checks the structure when the matrix is built. Signs follow Clarabel's
//! `Ax + s = b, s ∈ K`: a cone expression `s = e(x)` becomes `A = −∂e/∂x`, `b = e(0)`.

use std::f64::consts::FRAC_1_SQRT_2;

use faer::Mat;
use sprs::CsMat;

use super::layout::{Layout, Lowering};
use crate::cone::ConeProgram;
use crate::model::{Model, Patterns, Regularizer};

/// Number of nonzeros the assembled `A` will have (for the memory estimate and to
/// size the buffers once).
pub fn count_nnz(layout: &Layout, x: &Mat<f64>, patterns: &Patterns) -> usize {
    let (n, d, p, c) = (layout.n, layout.d, layout.p, layout.c);
    let fams = layout.families();
    // Nonzeros of each column of X, and of each column restricted to each pattern:
    // bit masks of the nonzero rows ANDed with the packed pattern columns, so the
    // count costs P·d·n/64 word operations rather than another pass over D_i X.
    let words = n.div_ceil(64);
    let nonzero: Vec<Vec<u64>> = (0..d)
        .map(|j| {
            let mut m = vec![0u64; words];
            for (r, v) in x.col(j).iter().enumerate() {
                if *v != 0.0 {
                    m[r / 64] |= 1u64 << (r % 64);
                }
            }
            m
        })
        .collect();
    let col_nnz: Vec<usize> = nonzero
        .iter()
        .map(|m| m.iter().map(|w| w.count_ones() as usize).sum())
        .collect();
    let mut masked = 0usize;
    for i in 0..p {
        let pat = patterns.column_words(i);
        for nz in &nonzero {
            masked += pat
                .iter()
                .zip(nz)
                .map(|(a, b)| (a & b).count_ones() as usize)
                .sum::<usize>();
        }
    }
    let mut nnz = fams * c * masked; // Zero rows of v (and w)
    if layout.model == Model::Relu {
        nnz += fams * c * p * col_nnz.iter().sum::<usize>();
    }
    nnz += n * c; // r in the Zero rows
    match layout.reg {
        Regularizer::NeuronGl1 => nnz += fams * c * p * (d + 1),
        Regularizer::FeatureGl1 => nnz += c * p * d + d,
        Regularizer::L1 => nnz += 4 * c * p * d,
        Regularizer::L2 => {
            if layout.lowering == Lowering::Conic {
                nnz += c * p * d + 2;
            }
        }
    }
    if layout.lowering == Lowering::Conic {
        nnz += n * c + 2;
    }
    nnz
}

/// Assemble the program for `layout` on data `x` (`n × d`), targets `y` (`n × c`),
/// patterns and `λ`.
pub fn assemble(
    layout: &Layout,
    x: &Mat<f64>,
    y: &Mat<f64>,
    patterns: &Patterns,
    lambda: f64,
) -> ConeProgram {
    let (n, d, p, c) = (layout.n, layout.d, layout.p, layout.c);
    let nnz = count_nnz(layout, x, patterns);
    let mut indptr = Vec::with_capacity(layout.cols + 1);
    let mut indices: Vec<usize> = Vec::with_capacity(nnz);
    let mut data: Vec<f64> = Vec::with_capacity(nnz);
    indptr.push(0);
    let mut q = vec![0.0; layout.cols];
    let mut b = vec![0.0; layout.rows];

    // Active rows of each pattern, computed once.
    let active: Vec<Vec<usize>> = (0..p).map(|i| patterns.active_rows(i).collect()).collect();

    // v / u blocks, then w blocks.
    for f in 0..layout.families() {
        let sign = if f == 0 { -1.0 } else { 1.0 }; // Zero rows: r − D X (v − w)
        for k in 0..c {
            for i in 0..p {
                for j in 0..d {
                    let col = x.col(j);
                    for &r in &active[i] {
                        let v = col[r];
                        if v != 0.0 {
                            indices.push(k * n + r);
                            data.push(sign * v);
                        }
                    }
                    if layout.model == Model::Relu {
                        // s = X̃_i v ≥ 0  ⇒  A = −X̃_i
                        let base = layout.row_nonneg + ((f * c + k) * p + i) * n;
                        for (r, &v) in col.iter().enumerate() {
                            if v != 0.0 {
                                indices.push(base + r);
                                data.push(if patterns.get(r, i) { -v } else { v });
                            }
                        }
                    }
                    let blk = (k * p + i) * d + j;
                    match layout.reg {
                        Regularizer::NeuronGl1 => {
                            let cone = (f * c + k) * p + i;
                            indices.push(layout.row_soc + cone * (d + 1) + 1 + j);
                            data.push(-1.0);
                        }
                        Regularizer::FeatureGl1 => {
                            indices.push(layout.row_soc + j * (c * p + 1) + 1 + (k * p + i));
                            data.push(-1.0);
                        }
                        Regularizer::L1 => {
                            // t − u ≥ 0, t + u ≥ 0
                            indices.push(layout.row_nonneg + 2 * blk);
                            data.push(1.0);
                            indices.push(layout.row_nonneg + 2 * blk + 1);
                            data.push(-1.0);
                        }
                        Regularizer::L2 => {
                            if layout.lowering == Lowering::Conic {
                                indices.push(layout.row_l2_cone + 2 + blk);
                                data.push(-1.0);
                            }
                        }
                    }
                    indptr.push(indices.len());
                }
            }
        }
    }

    // Regularizer auxiliaries.
    match layout.reg {
        Regularizer::NeuronGl1 => {
            for cone in 0..layout.families() * c * p {
                indices.push(layout.row_soc + cone * (d + 1));
                data.push(-1.0);
                indptr.push(indices.len());
                q[layout.col_aux + cone] = lambda;
            }
        }
        Regularizer::FeatureGl1 => {
            for j in 0..d {
                indices.push(layout.row_soc + j * (c * p + 1));
                data.push(-1.0);
                indptr.push(indices.len());
                q[layout.col_aux + j] = lambda;
            }
        }
        Regularizer::L1 => {
            for blk in 0..c * p * d {
                indices.push(layout.row_nonneg + 2 * blk);
                data.push(-1.0);
                indices.push(layout.row_nonneg + 2 * blk + 1);
                data.push(-1.0);
                indptr.push(indices.len());
                q[layout.col_aux + blk] = lambda;
            }
        }
        Regularizer::L2 => {
            if layout.lowering == Lowering::Conic {
                // ((e₂+1)/√2, (e₂−1)/√2, u): ‖u‖² ≤ 2 e₂, objective λ e₂
                indices.extend([layout.row_l2_cone, layout.row_l2_cone + 1]);
                data.extend([-FRAC_1_SQRT_2, -FRAC_1_SQRT_2]);
                indptr.push(indices.len());
                b[layout.row_l2_cone] = FRAC_1_SQRT_2;
                b[layout.row_l2_cone + 1] = -FRAC_1_SQRT_2;
                q[layout.col_aux] = lambda;
            }
        }
    }

    // Residuals r_k = pred_k − y_k.
    for k in 0..c {
        for r in 0..n {
            indices.push(k * n + r);
            data.push(1.0);
            if layout.lowering == Lowering::Conic {
                indices.push(layout.row_loss_cone + 2 + k * n + r);
                data.push(-1.0);
            }
            indptr.push(indices.len());
            b[k * n + r] = -y[(r, k)];
        }
    }

    let inv_nc = 1.0 / (n * c) as f64;
    if layout.lowering == Lowering::Conic {
        indices.extend([layout.row_loss_cone, layout.row_loss_cone + 1]);
        data.extend([-FRAC_1_SQRT_2, -FRAC_1_SQRT_2]);
        indptr.push(indices.len());
        b[layout.row_loss_cone] = FRAC_1_SQRT_2;
        b[layout.row_loss_cone + 1] = -FRAC_1_SQRT_2;
        q[layout.col_e] = inv_nc;
    }
    // The layout's segments and the assembly must agree (checked in release too:
    // a mismatch is a compiler bug, never a property of the input).
    assert_eq!(
        indptr.len(),
        layout.cols + 1,
        "assembly and layout disagree on columns"
    );
    assert_eq!(
        indices.len(),
        nnz,
        "assembly and the nonzero count disagree"
    );

    let a = CsMat::new_csc((layout.rows, layout.cols), indptr, indices, data);

    // P: 1/(nc) on r (quadratic lowering), λ on u (quadratic l2).
    let mut p_ptr = Vec::with_capacity(layout.cols + 1);
    let mut p_idx = Vec::new();
    let mut p_val = Vec::new();
    p_ptr.push(0);
    for col in 0..layout.cols {
        if layout.lowering == Lowering::Quadratic {
            if col >= layout.col_r && col < layout.col_r + n * c {
                p_idx.push(col);
                p_val.push(inv_nc);
            } else if layout.reg == Regularizer::L2 && col < layout.col_aux && lambda != 0.0 {
                p_idx.push(col);
                p_val.push(lambda);
            }
        }
        p_ptr.push(p_idx.len());
    }
    let pmat = CsMat::new_csc((layout.cols, layout.cols), p_ptr, p_idx, p_val);
    ConeProgram {
        p: pmat,
        q,
        a,
        b,
        cones: layout.cones(),
    }
}
