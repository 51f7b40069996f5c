//! The solution file of an exported instance: what an external solver writes back
//! after solving a file of [`super::cbf`], read by the harness
//! ([`crate::harness`]'s external entries) and written by `cvxrelu solve --cbf FILE
//! --write-solution SOL`.
//!
//! CBF has no solution format of its own, so this is a small line-oriented text
//! format (`cvxrelu-solution`, version 1):
//!
//! ```text
//!   # comment lines start with '#'; blank lines are ignored
//!   cvxrelu-solution 1        first line: the format and its version
//!   status solved             required: how the solve ended (names below)
//!   objective 0.0159589       optional: the solver's own objective cᵀx + c₀
//!   iterations 14             optional: the solver's iteration count
//!   solve_s 0.031             optional: the solver's own solve time, seconds
//!   solver scs 3.2.7          optional: free text (name, version)
//!   x 3                       the primal vector: its length, then one value a line
//!   0.5
//!   -1.25e-3
//!   0
//! ```
//!
//! `x` is the vector of the instance's scalar variables, in the file's order
//! (for a CBF file: the `VAR` order, 0-based index `j` on line `j + 1` after the
//! `x` line); its values must be finite. `x` may be absent when the solver found no
//! point (`status infeasible`, `numerical_error`, …); nothing may follow its
//! values. Status names: `solved` (the solver's own criterion holds at its
//! tolerance), `inaccurate` (reduced accuracy), `max_iterations`, `time_limit`,
//! `numerical_error`, `infeasible`, `unbounded`, `diverged`. Numbers are read by
//! Rust's `f64` parser (any decimal or exponent form; `nan`/`inf` are refused).
//! Keys appear at most once, in any order, before `x`.
//!
//! [`write()`] and [`read()`] are inverses ([`fmt_f64`] writes shortest round-trip
//! floats); every error of [`read`] names the 1-based line.

use crate::export::fmt_f64;
use crate::solvers::Status;

/// The first line's format name.
pub const FORMAT: &str = "cvxrelu-solution";
/// The version this build reads and writes.
pub const VERSION: u32 = 1;

/// The statuses a solution file may carry (every [`Status`] but `skipped`, which
/// the harness gives runs it did not start).
pub const STATUSES: [Status; 8] = [
    Status::Solved,
    Status::Inaccurate,
    Status::MaxIterations,
    Status::TimeLimit,
    Status::NumericalError,
    Status::Infeasible,
    Status::Unbounded,
    Status::Diverged,
];

/// The contents of a solution file.
#[derive(Clone, Debug, PartialEq)]
pub struct SolutionText {
    pub status: Status,
    /// The solver's own objective value (in the instance's sense).
    pub objective: Option<f64>,
    pub iterations: Option<usize>,
    /// The solver's own solve time, seconds.
    pub solve_s: Option<f64>,
    /// Free text naming the solver.
    pub solver: Option<String>,
    /// The primal vector (`None`: the solver found no point).
    pub x: Option<Vec<f64>>,
}

impl SolutionText {
    /// A file with a status and nothing else.
    pub fn status_only(status: Status) -> SolutionText {
        SolutionText {
            status,
            objective: None,
            iterations: None,
            solve_s: None,
            solver: None,
            x: None,
        }
    }
}

/// A malformed solution file: the 1-based line (0 for the file as a whole) and
/// what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{message}", if *line > 0 { format!("line {line}: ") } else { String::new() })]
pub struct SolutionFileError {
    pub line: usize,
    pub message: String,
}

/// The text of `sol`. Non-finite values cannot be written (the reader refuses
/// them): optional numbers that are not finite are left out, and a vector with
/// a non-finite entry is an error naming its index.
pub fn write(sol: &SolutionText) -> Result<String, SolutionFileError> {
    let mut out = format!("{FORMAT} {VERSION}\nstatus {}\n", sol.status.name());
    if let Some(v) = sol.objective.filter(|v| v.is_finite()) {
        out += &format!("objective {}\n", fmt_f64(v));
    }
    if let Some(k) = sol.iterations {
        out += &format!("iterations {k}\n");
    }
    if let Some(t) = sol.solve_s.filter(|v| v.is_finite()) {
        out += &format!("solve_s {}\n", fmt_f64(t));
    }
    if let Some(s) = &sol.solver {
        let one_line = s.replace(['\n', '\r'], " ");
        out += &format!("solver {}\n", one_line.trim());
    }
    if let Some(x) = &sol.x {
        if let Some(j) = x.iter().position(|v| !v.is_finite()) {
            return Err(SolutionFileError {
                line: 0,
                message: format!("x[{j}] = {} is not finite", x[j]),
            });
        }
        out.reserve(x.len() * 24);
        out += &format!("x {}\n", x.len());
        for &v in x {
            out += &fmt_f64(v);
            out.push('\n');
        }
    }
    Ok(out)
}

fn status_of(name: &str) -> Option<Status> {
    STATUSES.iter().copied().find(|s| s.name() == name)
}

fn finite(line: usize, key: &str, v: &str) -> Result<f64, SolutionFileError> {
    let err = |message: String| SolutionFileError { line, message };
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(x) => Err(err(format!("{key}: {x} is not finite"))),
        Err(_) => Err(err(format!("{key}: '{v}' is not a number"))),
    }
}

/// Read a solution file (see the module docs for the format).
pub fn read(text: &str) -> Result<SolutionText, SolutionFileError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let err = |line: usize, message: String| SolutionFileError { line, message };
    let (l0, first) = lines.next().ok_or_else(|| {
        err(
            0,
            format!("empty: expected a first line '{FORMAT} {VERSION}'"),
        )
    })?;
    match first.split_whitespace().collect::<Vec<_>>()[..] {
        [f, v] if f == FORMAT && v == VERSION.to_string() => {}
        [f, v] if f == FORMAT => {
            return Err(err(
                l0,
                format!("version {v}: this build reads version {VERSION}"),
            ));
        }
        _ => {
            return Err(err(
                l0,
                format!("not a solution file: expected '{FORMAT} {VERSION}', found '{first}'"),
            ));
        }
    }
    let mut status = None;
    let mut sol = SolutionText::status_only(Status::NumericalError);
    let mut seen: Vec<&str> = Vec::new();
    let mut x_len = None;
    for (l, line) in lines.by_ref() {
        let (key, value) = match line.split_once(char::is_whitespace) {
            Some((k, v)) => (k, v.trim()),
            None => (line, ""),
        };
        if seen.contains(&key) {
            return Err(err(l, format!("{key}: given twice")));
        }
        match key {
            "status" => {
                status = Some(status_of(value).ok_or_else(|| {
                    let names: Vec<&str> = STATUSES.iter().map(|s| s.name()).collect();
                    err(
                        l,
                        format!("status: '{value}' is not one of: {}", names.join(", ")),
                    )
                })?);
            }
            "objective" => sol.objective = Some(finite(l, key, value)?),
            "solve_s" => {
                let t = finite(l, key, value)?;
                if t < 0.0 {
                    return Err(err(l, format!("solve_s: {t} is negative")));
                }
                sol.solve_s = Some(t);
            }
            "iterations" => {
                sol.iterations =
                    Some(value.parse().map_err(|_| {
                        err(l, format!("iterations: '{value}' is not a count >= 0"))
                    })?);
            }
            "solver" => sol.solver = Some(value.to_string()),
            "x" => {
                let n: usize = value
                    .parse()
                    .map_err(|_| err(l, format!("x: '{value}' is not a length >= 0")))?;
                x_len = Some((l, n));
                break;
            }
            other => {
                return Err(err(
                    l,
                    format!(
                        "unknown key '{other}' (expected status, objective, iterations, solve_s, solver or x)"
                    ),
                ));
            }
        }
        seen.push(key);
    }
    sol.status = status.ok_or_else(|| err(0, "no 'status' line".into()))?;
    if let Some((lx, n)) = x_len {
        let mut x = Vec::with_capacity(n.min(1 << 24));
        for (l, line) in lines.by_ref() {
            if x.len() == n {
                return Err(err(
                    l,
                    format!("'{line}' after the {n} values of x (the file must end there)"),
                ));
            }
            x.push(finite(l, &format!("x[{}]", x.len()), line)?);
        }
        if x.len() != n {
            return Err(err(
                lx,
                format!("x: {n} values announced, {} found", x.len()),
            ));
        }
        sol.x = Some(x);
    }
    Ok(sol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_by_name() {
        for s in STATUSES {
            assert_eq!(status_of(s.name()), Some(s));
        }
        assert_eq!(status_of("skipped"), None);
    }
}
