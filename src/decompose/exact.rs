//! The exact (minimum-norm) cone decomposition as a reduction to an SOCP in
//! Clarabel's form (SPEC §1; the same IR and sign convention as [`crate::compile`]).
//!
//! For general blocks `j = 1..m` (see [`super::split`]) with data `u_j`, signs `S_j`,
//! `t_j = (−X̃_j u_j)_+`:
//!
//! ```text
//!   min  Σ_j a_j + b_j
//!   s.t. X̃_j w_j − t_j ≥ 0                 Nonnegative, n rows per block
//!        (a_j, u_j + w_j) ∈ Q^{d+1}          SecondOrder
//!        (b_j, w_j)       ∈ Q^{d+1}          SecondOrder
//! ```
//!
//! Columns `[w_1 … w_m (m·d) | a_1, b_1, …, a_m, b_m (2m)]`; rows: the `m·n`
//! Nonnegative rows, then per block the two cones. With `Ax + s = b`: the
//! Nonnegative rows are `A = −X̃_j`, `b = −t_j`; the cone `(a, u + w)` is `A = −[1; I]`,
//! `b = (0, u)`; `(b, w)` is `A = −[1; I]`, `b = 0`. There is no Zero cone and `P = 0`.
//!
//! The problem separates over blocks. [`ExactForm::PerBlock`] solves one small SOCP
//! per block (the default: measured faster, see `benches/decompose.rs` and the
//! README), [`ExactForm::Joint`] one program for all blocks.

use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::split::GeneralBlock;
use super::{Solved, Split, worse};
use crate::cone::{Cone, ConeProgram};
use crate::model::Problem;
use crate::solvers::clarabel::{ClarabelSettings, solve_program};
use crate::solvers::{SolverError, Status};

/// One SOCP for all blocks, or one per block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ExactForm {
    #[default]
    PerBlock,
    Joint,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExactSettings {
    /// Clarabel settings (default: tolerance 1e-8, 200 iterations, 1 thread).
    pub clarabel: ClarabelSettings,
    /// Default: per block.
    pub form: ExactForm,
}

/// Maps a solution `x` of the program back to the `w_j` (undoing the per-block
/// normalisation).
#[derive(Clone, Debug, PartialEq)]
pub struct ExactInverse {
    pub d: usize,
    /// `‖u_j‖` of each block.
    pub scales: Vec<f64>,
}

impl ExactInverse {
    pub fn invert(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let d = self.d;
        self.scales
            .iter()
            .enumerate()
            .map(|(j, s)| x[j * d..(j + 1) * d].iter().map(|v| v * s).collect())
            .collect()
    }
}

/// Build the program for `blocks` (see the module docs for the layout), each block
/// normalised to `‖u_j‖ = 1` (the problem is positively homogeneous in `u`).
pub fn apply(problem: &Problem, blocks: &[&GeneralBlock]) -> (ConeProgram, ExactInverse) {
    let (n, d, m) = (problem.n(), problem.d(), blocks.len());
    let cols = m * d + 2 * m;
    let row_soc = m * n;
    let rows = row_soc + 2 * m * (d + 1);
    let x = &problem.x();
    let nnz_x: usize = (0..d)
        .map(|l| x.col(l).iter().filter(|v| **v != 0.0).count())
        .sum();
    let nnz = m * (nnz_x + 2 * d + 2);
    let mut indptr = Vec::with_capacity(cols + 1);
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    indptr.push(0);
    let mut b = vec![0.0; rows];
    for (j, blk) in blocks.iter().enumerate() {
        let cone = row_soc + j * 2 * (d + 1);
        for l in 0..d {
            for (r, &xv) in x.col(l).iter().enumerate() {
                if xv != 0.0 {
                    indices.push(j * n + r);
                    data.push(-blk.sign[r] * xv);
                }
            }
            indices.push(cone + 1 + l);
            data.push(-1.0);
            indices.push(cone + d + 1 + 1 + l);
            data.push(-1.0);
            indptr.push(indices.len());
        }
        let inv = 1.0 / blk.norm;
        for r in 0..n {
            b[j * n + r] = -blk.t[r] * inv;
        }
        for l in 0..d {
            b[cone + 1 + l] = blk.u[l] * inv;
        }
    }
    let mut q = vec![0.0; cols];
    for j in 0..m {
        let cone = row_soc + j * 2 * (d + 1);
        for (h, head) in [cone, cone + d + 1].into_iter().enumerate() {
            indices.push(head);
            data.push(-1.0);
            indptr.push(indices.len());
            q[m * d + 2 * j + h] = 1.0;
        }
    }
    let a = CsMat::new_csc((rows, cols), indptr, indices, data);
    let p = CsMat::new_csc((cols, cols), vec![0; cols + 1], vec![], vec![]);
    let mut cones = Vec::with_capacity(1 + 2 * m);
    if m > 0 {
        cones.push(Cone::Nonnegative(m * n));
    }
    cones.extend(std::iter::repeat_n(Cone::SecondOrder(d + 1), 2 * m));
    let scales = blocks.iter().map(|b| b.norm).collect();
    (
        ConeProgram { p, q, a, b, cones },
        ExactInverse { d, scales },
    )
}

/// Solve the exact decomposition of the general blocks of `split`.
pub fn solve(
    problem: &Problem,
    split: &Split,
    settings: &ExactSettings,
) -> Result<Solved, SolverError> {
    let groups: Vec<Vec<&GeneralBlock>> = match settings.form {
        ExactForm::PerBlock => split.general.iter().map(|b| vec![b]).collect(),
        ExactForm::Joint if split.general.is_empty() => vec![],
        ExactForm::Joint => vec![split.general.iter().collect()],
    };
    let mut w = Vec::with_capacity(split.general.len());
    let mut status = Status::Solved;
    let mut iterations = 0;
    let mut programs = 0;
    let mut clarabel_s = 0.0;
    for g in groups {
        let (program, inverse) = apply(problem, &g);
        let sol = solve_program(program, &settings.clarabel)?;
        status = worse(status, sol.status);
        iterations += sol.iterations;
        programs += 1;
        clarabel_s += sol.setup_s + sol.solve_s;
        w.extend(inverse.invert(&sol.x));
    }
    let details = super::MethodDetails::Exact {
        exact_form: settings.form,
        socp_programs: programs,
        clarabel_s,
    };
    Ok(Solved {
        w,
        status,
        iterations,
        reported_violation: 0.0,
        details,
    })
}

impl ExactForm {
    pub const fn name(&self) -> &'static str {
        match self {
            ExactForm::PerBlock => "per-block",
            ExactForm::Joint => "joint",
        }
    }
}
crate::named::named!(ExactForm, [PerBlock, Joint]);
