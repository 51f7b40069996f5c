//! `cvxrelu solve --cbf FILE --solver clarabel`: solve any CBF file with the cones
//! F, L=, L+, L-, Q, QR by Clarabel and print a [`CbfRecord`].
//!
//! A raw CBF file has no data, model, weights or network, so its record is its own
//! small object rather than a [`crate::results::record::Record`] with invented fields: the
//! file's dimensions, the solver's status, the objective in the file's sense
//! (recomputed from `x`), the largest cone violation of `x` (recomputed), Clarabel's
//! primal and dual costs, iterations and times. With `--write-solution SOL` the
//! status and primal vector are also written as a solution file
//! ([`crate::export::solution`]), so the project can stand in for an external
//! solver of a suite.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::error::CliError;
use super::solve::{SolveArgs, emit_json};
use crate::export::ConeSummary;
use crate::export::cbf::{self, Sense};
use crate::export::solution::{self, SolutionText};
use crate::fsio::{check_writable, write_atomic};
use crate::solvers::{SolverConfig, SolverError, SolverKind, Status, clarabel::solve_program};

/// Dimensions of the file and of the program it became.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CbfInfo {
    pub file: String,
    pub version: u32,
    pub sense: Sense,
    /// Scalar variables.
    pub vars: usize,
    /// `CON` rows in the file.
    pub constraint_rows: usize,
    /// Rows of the program (CON rows not in `F`, plus one per constrained variable).
    pub rows: usize,
    pub nnz_a: usize,
    pub cones: ConeSummary,
    /// The file's `#` comment lines (for files written by cvxrelu: the provenance).
    pub comments: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CbfTimes {
    pub read_s: f64,
    pub setup_s: f64,
    pub solve_s: f64,
}

/// The record of solving a CBF file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CbfRecord {
    pub cbf: CbfInfo,
    pub solver: String,
    pub status: Status,
    pub clarabel_status: String,
    /// `cᵀx + c₀` at the solution, in the file's sense (`null` when unbounded).
    #[serde(deserialize_with = "crate::json::nullable_f64")]
    pub objective: f64,
    /// Clarabel's dual objective, in the file's sense (`null` when unbounded).
    #[serde(deserialize_with = "crate::json::nullable_f64")]
    pub dual_objective: f64,
    /// Largest violation of the cone constraints at `x` (recomputed).
    pub max_violation: f64,
    pub iterations: usize,
    pub time: CbfTimes,
}

pub fn run(args: &SolveArgs, path: &Path) -> Result<i32, CliError> {
    if args.solver.solver != SolverKind::Clarabel {
        return Err(CliError::usage(format!(
            "--cbf files are solved by --solver clarabel (got {})",
            args.solver.solver.name()
        )));
    }
    for o in [&args.out, &args.write_solution].into_iter().flatten() {
        if o.as_os_str() != "-" {
            check_writable(o)?;
        }
    }
    let t = Instant::now();
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let limit = args
        .solver
        .max_memory
        .unwrap_or(crate::compile::DEFAULT_MAX_MEMORY);
    let problem = cbf::read_with_limit(&text, limit).map_err(|e| CliError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let read_s = t.elapsed().as_secs_f64();
    let size = problem.program.size();
    let info = CbfInfo {
        file: path.display().to_string(),
        version: problem.version,
        sense: problem.sense,
        vars: problem.num_vars,
        constraint_rows: problem.con_row.len(),
        rows: size.rows,
        nnz_a: size.nnz_a,
        cones: ConeSummary::of(&problem.program.cones),
        comments: problem.comments.clone(),
    };
    let est = crate::compile::memory::program_estimate(&size);
    let limit = args.solver.memory_limit();
    if est.bytes > limit {
        return Err(CliError::File {
            path: path.to_path_buf(),
            message: format!(
                "the program ({} variables, {} rows, {} nonzeros) and its Clarabel solve need an estimated {:.1} GiB, above the limit of {:.1} GiB; raise it with --max-memory BYTES",
                size.cols,
                size.rows,
                size.nnz_a,
                est.gib(),
                limit as f64 / (1u64 << 30) as f64
            ),
        });
    }
    let settings = match SolverConfig::new(SolverKind::Clarabel, &args.solver.options())
        .map_err(SolverError::from)?
    {
        SolverConfig::Clarabel(s) => s,
        _ => unreachable!("a Clarabel configuration"),
    };
    let sol = solve_program(problem.program.clone(), &settings)?;
    let sign = match problem.sense {
        Sense::Min => 1.0,
        Sense::Max => -1.0,
    };
    let record = CbfRecord {
        cbf: info,
        solver: SolverKind::Clarabel.name().to_string(),
        status: sol.status,
        clarabel_status: sol.clarabel_status.clone(),
        objective: match sol.status {
            // The point is a direction of decrease, not a solution: the objective is
            // −∞ (MIN) or +∞ (MAX), `null` in JSON.
            Status::Unbounded => -sign * f64::INFINITY,
            _ => problem.objective(&sol.x),
        },
        dual_objective: match sol.status {
            Status::Unbounded => f64::NAN,
            _ => sign * sol.cost_dual + problem.objective_constant,
        },
        max_violation: problem.program.max_violation(&sol.x),
        iterations: sol.iterations,
        time: CbfTimes {
            read_s,
            setup_s: sol.setup_s,
            solve_s: sol.solve_s,
        },
    };
    eprintln!(
        "{}: {} by clarabel in {} iterations, {:.3}s (+{:.3}s read, {:.3}s setup)\n  objective {:.10e} (dual {:.10e}); max cone violation {:.1e}; {} variables, {} rows, {} nonzeros",
        record.cbf.file,
        record.status.name(),
        record.iterations,
        record.time.solve_s,
        record.time.read_s,
        record.time.setup_s,
        record.objective,
        record.dual_objective,
        record.max_violation,
        record.cbf.vars,
        record.cbf.rows,
        record.cbf.nnz_a
    );
    if let Some(o) = &args.out {
        emit_json(o, &record)?;
    }
    if let Some(path) = &args.write_solution {
        write_solution(path, &record, &sol.x)?;
    }
    Ok(if record.status.is_solved() { 0 } else { 1 })
}

/// The solution file of a solve: status, Clarabel's objective, iterations and
/// solve time, and `x` unless the status is `unbounded` (then `x` is a direction,
/// not a point) or `x` has a non-finite entry.
fn write_solution(path: &Path, record: &CbfRecord, x: &[f64]) -> Result<(), CliError> {
    let point = match record.status {
        Status::Unbounded => None,
        Status::Solved
        | Status::Inaccurate
        | Status::MaxIterations
        | Status::TimeLimit
        | Status::NumericalError
        | Status::Infeasible
        | Status::Diverged
        | Status::Skipped
        | Status::Feasible
        | Status::Approximate => x.iter().all(|v| v.is_finite()).then(|| x.to_vec()),
    };
    let sol = SolutionText {
        status: record.status,
        objective: Some(record.objective),
        iterations: Some(record.iterations),
        solve_s: Some(record.time.solve_s),
        solver: Some(format!("cvxrelu {} (clarabel)", env!("CARGO_PKG_VERSION"))),
        x: point,
    };
    let text = solution::write(&sol).map_err(|e| CliError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if path.as_os_str() == "-" {
        print!("{text}");
        Ok(())
    } else {
        Ok(write_atomic(path, text.as_bytes())?)
    }
}
