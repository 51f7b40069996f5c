//! Writing a [`ConeProgram`] as CBF 3, one function per section, in the order the
//! format lists them: `VER`, `OBJSENSE`, `VAR`, `CON`, `OBJACOORD`, `OBJBCOORD`,
//! `ACOORD`, `BCOORD`.
//!
//! The program's variables are all free (one `F n` domain); its cones map one to
//! one: Zero → `L=`, Nonnegative → `L+`, SecondOrder → `Q`, in the program's order,
//! so CBF row `i` is program row `i`. Coefficients go through
//! [`crate::export::conic_row`] (`G = −A`, `h = b`). Explicit zeros are not written.
//! Floats use the shortest round-trip representation ([`crate::export::fmt_f64`]).

use std::fmt::Write;

use sprs::CsMat;

use super::{CbfCone, VERSION};
use crate::cone::{Cone, ConeProgram};
use crate::export::{ExportError, conic_row, fmt_f64};

/// The CBF text of `program`, with `comments` as `#` lines at the top. Refuses a
/// program with a quadratic objective (CBF has none: compile with the conic
/// lowering).
pub fn write(program: &ConeProgram, comments: &[String]) -> Result<String, ExportError> {
    if program.p.data().iter().any(|&v| v != 0.0) {
        return Err(ExportError::Unsupported {
            format: "cbf",
            reason:
                "the objective is quadratic; CBF objectives are linear (use the conic lowering)"
                    .into(),
        });
    }
    let mut out = String::with_capacity(64 + 32 * program.a.nnz());
    header(&mut out, comments);
    ver(&mut out);
    objsense(&mut out);
    var(&mut out, program.num_vars());
    con(&mut out, &program.cones);
    objacoord(&mut out, &program.q);
    objbcoord(&mut out, 0.0);
    acoord(&mut out, &program.a);
    bcoord(&mut out, &program.b);
    Ok(out)
}

fn line(out: &mut String, args: std::fmt::Arguments) {
    // Writing to a String cannot fail.
    let _ = out.write_fmt(args);
    out.push('\n');
}

fn header(out: &mut String, comments: &[String]) {
    for c in comments {
        for l in c.lines() {
            line(out, format_args!("# {l}"));
        }
    }
    if !comments.is_empty() {
        out.push('\n');
    }
}

fn ver(out: &mut String) {
    line(out, format_args!("VER\n{VERSION}\n"));
}

fn objsense(out: &mut String) {
    line(out, format_args!("OBJSENSE\nMIN\n"));
}

/// All variables free: one `F` domain.
fn var(out: &mut String, n: usize) {
    line(
        out,
        format_args!("VAR\n{n} 1\n{} {n}\n", CbfCone::Free.keyword()),
    );
}

fn cbf_cone(c: &Cone) -> (CbfCone, usize) {
    match *c {
        Cone::Zero(m) => (CbfCone::Zero, m),
        Cone::Nonnegative(m) => (CbfCone::Nonnegative, m),
        Cone::SecondOrder(m) => (CbfCone::Quadratic, m),
    }
}

fn con(out: &mut String, cones: &[Cone]) {
    let rows: usize = cones.iter().map(Cone::dim).sum();
    let cones: Vec<_> = cones.iter().filter(|c| c.dim() > 0).collect();
    line(out, format_args!("CON\n{rows} {}", cones.len()));
    for c in cones {
        let (kind, m) = cbf_cone(c);
        line(out, format_args!("{} {m}", kind.keyword()));
    }
    out.push('\n');
}

fn objacoord(out: &mut String, q: &[f64]) {
    let nnz = q.iter().filter(|&&v| v != 0.0).count();
    line(out, format_args!("OBJACOORD\n{nnz}"));
    for (j, &v) in q.iter().enumerate().filter(|(_, v)| **v != 0.0) {
        line(out, format_args!("{j} {}", fmt_f64(v)));
    }
    out.push('\n');
}

fn objbcoord(out: &mut String, c0: f64) {
    line(out, format_args!("OBJBCOORD\n{}\n", fmt_f64(c0)));
}

fn acoord(out: &mut String, a: &CsMat<f64>) {
    let nnz = a.data().iter().filter(|&&v| v != 0.0).count();
    line(out, format_args!("ACOORD\n{nnz}"));
    for (j, col) in a.outer_iterator().enumerate() {
        for (i, &v) in col.iter().filter(|(_, v)| **v != 0.0) {
            let (g, _) = conic_row(v, 0.0);
            line(out, format_args!("{i} {j} {}", fmt_f64(g)));
        }
    }
    out.push('\n');
}

fn bcoord(out: &mut String, b: &[f64]) {
    let nnz = b.iter().filter(|&&v| v != 0.0).count();
    line(out, format_args!("BCOORD\n{nnz}"));
    for (i, &v) in b.iter().enumerate().filter(|(_, v)| **v != 0.0) {
        let (_, h) = conic_row(0.0, v);
        line(out, format_args!("{i} {}", fmt_f64(h)));
    }
}
