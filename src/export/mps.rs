//! Free-format MPS with a `QUADOBJ` section, for programs without second-order
//! cones: C-GReLU with the `l2` regularizer (a QP) or `l1` (a QP with the linear
//! constraints `t − u ≥ 0`, `t + u ≥ 0`). Programs with cones are refused: the MPS
//! cone extensions (`CSECTION`) are dialects few tools read.
//!
//! The program `min ½xᵀPx + qᵀx s.t. b − Ax ∈ K` becomes
//!
//! - `ROWS`: the objective `N obj`, Zero rows `E` and Nonnegative rows `L`
//!   (`b − Ax ≥ 0 ⇔ Ax ≤ b`), named after the mathematics ([`Names`]);
//! - `COLUMNS`: `q` in `obj` and `A` as is, column by column;
//! - `RHS`: `b` (nonzeros);
//! - `BOUNDS`: `FR` for every variable (the MPS default bound is `[0, ∞)`);
//! - `QUADOBJ`: the upper triangle of `P`, entries as is. In `QUADOBJ` the objective
//!   is `qᵀx + ½xᵀQx` with one triangle of the symmetric `Q` listed (CPLEX, Gurobi,
//!   HiGHS, SAS; `QMATRIX` would list both), which is exactly our `P`.
//!
//! The provenance goes in `*` comment lines.

use std::fmt::Write;

use super::{ExportError, Names, fmt_f64};
use crate::cone::{Cone, ConeProgram};

fn line(out: &mut String, args: std::fmt::Arguments) {
    let _ = out.write_fmt(args);
    out.push('\n');
}

/// Refuse programs with second-order cones, with a one-line reason.
fn check(program: &ConeProgram) -> Result<(), ExportError> {
    let soc: Vec<usize> = program
        .cones
        .iter()
        .filter_map(|c| match c {
            Cone::SecondOrder(m) => Some(*m),
            Cone::Zero(_) | Cone::Nonnegative(_) => None,
        })
        .collect();
    if soc.is_empty() {
        return Ok(());
    }
    Err(ExportError::Unsupported {
        format: "mps",
        reason: format!(
            "the program has {} second-order cone(s) and MPS has no standard cones; only gated-relu with --reg l2 or --reg l1 is a QP (use --format cbf, mof or clarabel-json for this problem)",
            soc.len()
        ),
    })
}

/// Row kinds, in program order.
fn row_kinds(program: &ConeProgram) -> Vec<char> {
    let mut kinds = Vec::with_capacity(program.num_rows());
    for c in &program.cones {
        let k = match c {
            Cone::Zero(_) => 'E',
            Cone::Nonnegative(_) | Cone::SecondOrder(_) => 'L',
        };
        kinds.extend(std::iter::repeat_n(k, c.dim()));
    }
    kinds
}

/// The MPS text of `program` (free format), with `comments` as `*` lines.
pub fn write(
    program: &ConeProgram,
    names: &Names,
    comments: &[String],
) -> Result<String, ExportError> {
    check(program)?;
    let mut out = String::with_capacity(64 + 40 * (program.a.nnz() + program.num_vars()));
    header(&mut out, comments);
    rows(&mut out, program, names);
    columns(&mut out, program, names);
    rhs(&mut out, program, names);
    bounds(&mut out, names);
    quadobj(&mut out, program, names);
    line(&mut out, format_args!("ENDATA"));
    Ok(out)
}

fn header(out: &mut String, comments: &[String]) {
    for c in comments {
        for l in c.lines() {
            line(out, format_args!("* {l}"));
        }
    }
    // No OBJSENSE section: minimisation is the MPS default, and older readers
    // do not know the section.
    line(out, format_args!("NAME cvxrelu"));
}

fn rows(out: &mut String, program: &ConeProgram, names: &Names) {
    line(out, format_args!("ROWS\n N obj"));
    for (k, name) in row_kinds(program).iter().zip(&names.rows) {
        line(out, format_args!(" {k} {name}"));
    }
}

fn columns(out: &mut String, program: &ConeProgram, names: &Names) {
    line(out, format_args!("COLUMNS"));
    for (j, col) in program.a.outer_iterator().enumerate() {
        let name = &names.cols[j];
        let mut any = false;
        if program.q[j] != 0.0 {
            line(out, format_args!(" {name} obj {}", fmt_f64(program.q[j])));
            any = true;
        }
        for (i, &v) in col.iter().filter(|(_, v)| **v != 0.0) {
            line(
                out,
                format_args!(" {name} {} {}", names.rows[i], fmt_f64(v)),
            );
            any = true;
        }
        if !any {
            // A column must appear to exist.
            line(out, format_args!(" {name} obj 0"));
        }
    }
}

fn rhs(out: &mut String, program: &ConeProgram, names: &Names) {
    line(out, format_args!("RHS"));
    for (i, &v) in program.b.iter().enumerate().filter(|(_, v)| **v != 0.0) {
        line(out, format_args!(" rhs {} {}", names.rows[i], fmt_f64(v)));
    }
}

fn bounds(out: &mut String, names: &Names) {
    line(out, format_args!("BOUNDS"));
    for name in &names.cols {
        line(out, format_args!(" FR bnd {name}"));
    }
}

fn quadobj(out: &mut String, program: &ConeProgram, names: &Names) {
    if program.p.data().iter().all(|&v| v == 0.0) {
        return;
    }
    line(out, format_args!("QUADOBJ"));
    for (col, colvec) in program.p.outer_iterator().enumerate() {
        for (row, &v) in colvec.iter().filter(|(_, v)| **v != 0.0) {
            line(
                out,
                format_args!(" {} {} {}", names.cols[row], names.cols[col], fmt_f64(v)),
            );
        }
    }
}
