//! External solvers through files (suite entries with `kind = "external"`).
//!
//! One run:
//!
//! 1. compile the problem with the conic lowering ([`Lowering::Conic`]: the
//!    instance is `min cᵀx s.t. b − Ax ∈ K`, K a product of zero, nonnegative and
//!    second-order cones) and write it as a CBF file ([`crate::export::cbf`]) in a
//!    fresh temporary directory; compile + write is the record's setup time;
//! 2. run the entry's command with `{instance}`, `{solution}`, … substituted
//!    ([`command`]) in the current directory, standard input closed, under the
//!    run's time limit `T`: the command (and its process group) is killed at
//!    `T + max(0.05 T, 0.5 s)` and the run recorded as `time_limit`; its wall
//!    time from start to exit is the record's solve time (program start-up and
//!    reading the instance included), its CPU time and the solver's own solve
//!    time from the solution file are kept in `details`;
//! 3. read the solution file ([`crate::export::solution`]) the command wrote:
//!    status and primal vector `x` (one value per CBF variable, in file order);
//! 4. map `x` back through the lowering's inverse ([`crate::compile::Inverse`])
//!    to model weights and certify them ([`crate::certify`]), exactly as for an
//!    in-process solver: objective, cone violation and duality gap come from the
//!    weights, never from the solver.
//!
//! A run that gives no usable point is a record without a point, never a panic
//! or an aborted suite: killed at the limit → `time_limit`; a command that cannot
//! start, a missing or malformed solution file (bad header, unknown status,
//! non-finite value, wrong length, …) → `numerical_error` with the reason in
//! `details.error` (naming the file's line) and the tail of the command's
//! standard error in `details.stderr_tail`; a valid file without `x` → its own
//! status. The exit code is recorded but does not decide: a solver that writes a
//! valid file and exits with 1 (e.g. `cvxrelu solve --cbf`, which exits 1 when
//! not solved) is read like any other.

pub mod command;
pub mod process;

use std::time::Instant;

use super::bench::{empty_record, solver_name};
use super::expand::Run;
use crate::certify::certify;
use crate::compile::{self, Lowering, Names};
use crate::export::Provenance;
use crate::export::solution::{self, SolutionText};
use crate::model::Problem;
use crate::results::record::Point;
use crate::results::{Details, ExternalDef, Record};
use crate::solvers::details::ExternalDetails;
use crate::solvers::{CpuClock, CpuTimes, SolverDetails, Status, TimeBasis};

/// The slack over the time limit before the command is killed:
/// `max(0.05 T, 0.5 s)`.
pub fn kill_after(time_limit: f64) -> f64 {
    time_limit + (0.05 * time_limit).max(0.5)
}

/// The last `lines` lines of a text file (empty when unreadable).
fn tail(path: &std::path::Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Run an external entry on `problem` (see the module docs).
pub fn run(problem: &Problem, run: &Run, external: &ExternalDef) -> Record {
    // CBF: the conic lowering (the suite admits no other format yet).
    let lowering: Lowering = external.format.lowering();
    let est = compile::estimate(problem, lowering);
    if est.bytes > run.max_memory {
        let details = Details {
            skipped: Some(format!(
                "the instance needs an estimated {:.1} GiB, above max-memory {:.1} GiB",
                est.gib(),
                run.max_memory as f64 / (1u64 << 30) as f64
            )),
            memory_estimate: Some(est),
            ..Details::default()
        };
        return empty_record(problem, run, Status::Skipped, details);
    }
    let t = Instant::now();
    let (program, inverse) = compile::apply(problem, lowering);
    let compile_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let names = Names::from_layout(&inverse.layout);
    let rendered = crate::export::render(
        &program,
        external.format,
        &names,
        &Provenance::new(problem, lowering),
    );
    let mut details = ExternalDetails {
        command: external.command.clone(),
        format: external.format.name().to_string(),
        instance: program.size(),
        compile_s,
        write_s: 0.0,
        exit_code: None,
        killed: false,
        cpu_s: None,
        solver_status: None,
        solver_objective: None,
        solver_solve_s: None,
        solver: None,
        instance_violation: None,
        stderr_tail: None,
    };
    let fail = |status: Status, details: ExternalDetails, error: String| {
        let d = Details {
            error: Some(error),
            ..Details::of_solver(SolverDetails::External(details))
        };
        empty_record(problem, run, status, d)
    };
    let bytes = match rendered {
        Ok(b) => b,
        Err(e) => {
            return fail(
                Status::NumericalError,
                details,
                format!("writing the instance: {e}"),
            );
        }
    };
    let dir = match tempfile::Builder::new()
        .prefix("cvxrelu-external-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            return fail(
                Status::NumericalError,
                details,
                format!("creating a temporary directory: {e}"),
            );
        }
    };
    let instance = dir
        .path()
        .join(format!("instance.{}", external.format.extension()));
    let solution_path = dir.path().join("solution.sol");
    if let Err(e) = std::fs::write(&instance, &bytes) {
        return fail(
            Status::NumericalError,
            details,
            format!("{}: cannot write: {e}", instance.display()),
        );
    }
    drop(bytes);
    details.write_s = t.elapsed().as_secs_f64();
    let setup_s = compile_s + details.write_s;
    let s = &run.info.solver;
    let values = command::Values {
        instance: instance.display().to_string(),
        solution: solution_path.display().to_string(),
        time_limit: s.time_limit,
        tol: s.tol,
        max_iters: s.max_iters,
        threads: s.threads.unwrap_or(1),
    };
    let argv = match command::substitute(&external.command, &values) {
        Ok(a) => a,
        Err(e) => return fail(Status::NumericalError, details, format!("command: {e}")),
    };
    let (out_path, err_path) = (dir.path().join("stdout.txt"), dir.path().join("stderr.txt"));
    let outcome = match process::run(&argv, kill_after(s.time_limit), &out_path, &err_path) {
        Ok(o) => o,
        Err(e) => return fail(Status::NumericalError, details, e),
    };
    details.exit_code = outcome.exit_code;
    details.killed = outcome.killed;
    details.cpu_s = outcome.cpu_s;
    let with_times = |mut rec: Record| {
        rec.time.setup_s = setup_s;
        rec.time.solve_s = outcome.wall_s;
        rec
    };
    if outcome.killed {
        details.stderr_tail = Some(tail(&err_path, 10));
        let msg = format!(
            "killed after {:.2} s (time limit {} s)",
            outcome.wall_s, s.time_limit
        );
        return with_times(fail(Status::TimeLimit, details, msg));
    }
    let read = std::fs::read_to_string(&solution_path)
        .map_err(|e| {
            format!(
                "the command exited with {} without a readable solution file ({e})",
                match outcome.exit_code {
                    Some(c) => format!("code {c}"),
                    None => "a signal".to_string(),
                }
            )
        })
        .and_then(|text| solution::read(&text).map_err(|e| format!("solution file: {e}")));
    let file: SolutionText = match read {
        Ok(f) => f,
        Err(msg) => {
            details.stderr_tail = Some(tail(&err_path, 10));
            return with_times(fail(Status::NumericalError, details, msg));
        }
    };
    details.solver_status = Some(file.status);
    details.solver_objective = file.objective;
    details.solver_solve_s = file.solve_s;
    details.solver = file.solver.clone();
    let Some(x) = file.x.as_deref() else {
        let d = Details::of_solver(SolverDetails::External(details));
        let mut rec = with_times(empty_record(problem, run, file.status, d));
        rec.iterations = file.iterations.unwrap_or(0);
        return rec;
    };
    let weights = match inverse.invert(x) {
        Ok(w) => w,
        Err(e) => {
            return with_times(fail(
                Status::NumericalError,
                details,
                format!("solution file: {e}"),
            ));
        }
    };
    details.instance_violation = Some(program.max_violation(x));
    drop(program);
    let cert = certify(problem, &weights);
    let point = Point {
        weights: &weights,
        status: file.status,
        iterations: file.iterations.unwrap_or(0),
        setup_s,
        solve_s: outcome.wall_s,
        // The child's own CPU time (user + system, from `wait4`); the setup is this
        // process's compile and write, counted in wall seconds for both.
        cpu: outcome.cpu_s.map(|c| CpuTimes {
            clock: CpuClock::Process,
            setup_s,
            solve_s: c,
        }),
        // The external program is stopped on the wall clock (`kill_after`), so its
        // record is on the wall basis whatever the suite's.
        basis: TimeBasis::Wall,
        trace: &[],
    };
    Record::of_point(
        problem,
        solver_name(run),
        &point,
        &cert,
        Details::of_solver(SolverDetails::External(details)),
    )
}
