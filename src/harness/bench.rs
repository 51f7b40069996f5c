//! Running a suite: the pending runs of one shard, in suite order, each through the
//! one solver API ([`crate::solvers::solve`]), each record written atomically
//! as soon as the run ends.
//!
//! - Without `resume`, an output directory that already holds a record of one of
//!   the shard's runs is refused (nothing is overwritten by accident).
//! - With `resume`, finished runs are skipped; runs without a record are run;
//!   runs whose record was made with other settings (the suite changed) are run
//!   again and their record replaced.
//! - [`bench_folder`] refuses a folder of another suite, or whose records were
//!   measured on another setup (CPU, cores, threads, build), with `resume` too,
//!   unless forced ([`super::lock::check_suite`]).
//! - Clarabel runs whose compiled SOCP would need more than the suite's
//!   `max-memory` ([`compile::estimate`]) are recorded as `skipped` with the
//!   estimate, without compiling.
//! - A solver error (the solver refused to start) is recorded as a
//!   `numerical_error` run with the message in `details.error`, and the suite
//!   goes on.
//! - Decomposition entries (`decompose = METHOD`) run through
//!   [`super::decomposed`]: the memory guard applies to their C-GReLU Clarabel solve.
//!
//! - Traces longer than [`MAX_TRACE`] points are thinned before the record is
//!   written ([`thin_trace`]): time is cut into `MAX_TRACE` equal buckets, and each
//!   bucket keeps its last point with the best objective seen so far, so a time to
//!   τ read from a thinned trace is late by at most one bucket (`solve_s /
//!   MAX_TRACE`), never early. `details.trace_points` holds the original length.
//!
//! Problems are built once per problem id (runs of a problem are consecutive).

use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::HarnessError;
use super::expand::{Run, Shard, expand};
use super::store::{self, Manifest, RunState};
use super::suite::Suite;
use crate::compile::{self, Lowering};
use crate::model::Problem;
use crate::model::problem::load_dataset_with;
use crate::results::{Details, Record, SolverName};
use crate::solvers::{
    self, SettingsError, SolverConfig, SolverError, SolverKind, SolverOptions, Status, TracePoint,
};

/// Longest trace a record keeps.
pub const MAX_TRACE: usize = 1000;

/// Thin `trace` to at most `max + 1` points (see the module docs); returns whether
/// it was thinned.
pub fn thin_trace(trace: &mut Vec<TracePoint>, max: usize) -> bool {
    if trace.len() <= max + 1 || max == 0 {
        return false;
    }
    let end = trace.last().map(|p| p.time_s).unwrap_or(0.0);
    let width = end / max as f64;
    let bucket = |t: f64| {
        if width > 0.0 {
            ((t / width) as usize).min(max - 1)
        } else {
            0
        }
    };
    let mut kept = Vec::with_capacity(max + 1);
    let mut best = f64::INFINITY;
    for (i, p) in trace.iter().enumerate() {
        best = best.min(p.objective);
        let last_of_bucket = trace
            .get(i + 1)
            .is_none_or(|q| bucket(q.time_s) != bucket(p.time_s));
        if i == 0 || last_of_bucket {
            kept.push(TracePoint {
                objective: if i == 0 { p.objective } else { best },
                ..*p
            });
        }
    }
    *trace = kept;
    true
}

/// Options of `bench`.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub resume: bool,
    pub shard: Shard,
    /// Only these solver names (of the suite's `[[solver]]` entries).
    pub solvers: Option<Vec<String>>,
    /// Draw a progress bar on stderr (hidden anyway when stderr is not a terminal).
    pub progress: bool,
    /// Print one line per finished run on stderr.
    pub log: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            resume: false,
            shard: Shard::ALL,
            solvers: None,
            progress: true,
            log: true,
        }
    }
}

/// What a bench call did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BenchSummary {
    /// Runs of this shard (after the solver filter).
    pub selected: usize,
    /// Already finished, skipped by `resume`.
    pub already_done: usize,
    /// Run now (records written).
    pub ran: usize,
    /// Of those, re-run because their settings changed.
    pub rerun_stale: usize,
    /// Of those, recorded as skipped (memory).
    pub skipped: usize,
}

/// The runs of `suite` selected by the shard and the solver filter.
pub fn select(suite: &Suite, opts: &BenchOptions) -> Result<Vec<Run>, HarnessError> {
    if let Some(names) = &opts.solvers {
        for n in names {
            if !suite.solvers.iter().any(|s| &s.name == n) {
                let known: Vec<&str> = suite.solvers.iter().map(|s| s.name.as_str()).collect();
                return Err(HarnessError::Usage(format!(
                    "--solvers: '{n}' is not a solver of suite {} (it has: {})",
                    suite.path.display(),
                    known.join(", ")
                )));
            }
        }
    }
    Ok(expand(suite)
        .into_iter()
        .filter(|r| opts.shard.contains(r.index))
        .filter(|r| {
            opts.solvers
                .as_ref()
                .is_none_or(|names| names.contains(&r.info.solver.name))
        })
        .collect())
}

/// The limit for data and patterns: the suite's max-memory is the threshold of
/// Clarabel skips, so building a problem keeps at least the default limit.
fn build_limit(max_memory: u64) -> u64 {
    max_memory.max(crate::compile::DEFAULT_MAX_MEMORY)
}

/// Load every dataset once before running anything, so a bad file fails now and
/// not hours into the suite.
fn preflight(suite: &Suite) -> Result<(), HarnessError> {
    for ds in &suite.datasets {
        let train = load_dataset_with(
            &ds.data,
            ds.target.as_deref(),
            build_limit(suite.max_memory),
        )?;
        if let Some(t) = &ds.test {
            let test = load_dataset_with(t, ds.target.as_deref(), build_limit(suite.max_memory))?;
            train
                .check_compatible(&test)
                .map_err(crate::model::ModelError::from)?;
        }
    }
    Ok(())
}

/// The solver's name in the run's records.
pub(crate) fn solver_name(run: &Run) -> SolverName {
    SolverName::from(run.info.solver.name.as_str())
}

/// A record for a run that did not produce a point.
pub(crate) fn empty_record(
    problem: &Problem,
    run: &Run,
    status: Status,
    details: Details,
) -> Record {
    Record::without_point(problem, solver_name(run), status, details)
}

/// The solver options of a run (its suite entry's settings).
pub fn solver_options(run: &Run) -> SolverOptions {
    let s = &run.info.solver;
    let mut o = SolverOptions::new();
    o.tol = s.tol;
    o.max_iters = s.max_iters;
    o.time_limit = Some(s.time_limit);
    // The suite's max-memory skips Clarabel runs (memory_skip); the native
    // solvers' guard keeps at least the default limit.
    o.max_memory = Some(run.max_memory.max(crate::compile::DEFAULT_MAX_MEMORY));
    o.batch_size = s.batch_size;
    o.step_sizes = s.step_sizes.clone();
    o.threads = s.threads;
    o.time_basis = Some(s.time_basis);
    o.repeats = s.repeats;
    o
}

/// The configured solver of a run.
pub fn solver_config(run: &Run) -> Result<SolverConfig, SettingsError> {
    SolverConfig::new(run.info.solver.kind, &solver_options(run))
}

/// The `skipped` record of a Clarabel run whose compiled SOCP of `solved` (the
/// problem Clarabel would solve) needs more than the run's `max-memory`; `None`
/// when it fits or the solver is not Clarabel. The record is of `problem`.
pub(crate) fn memory_skip(problem: &Problem, solved: &Problem, run: &Run) -> Option<Record> {
    let needs_socp = match run.info.solver.kind {
        SolverKind::Clarabel => true,
        SolverKind::Fista
        | SolverKind::Al
        | SolverKind::Sgd
        | SolverKind::Adam
        // External runs check the instance they write themselves (conic lowering).
        | SolverKind::External => false,
    };
    if !needs_socp {
        return None;
    }
    let est = compile::estimate(solved, Lowering::Quadratic);
    if est.bytes <= run.max_memory {
        return None;
    }
    let details = Details {
        skipped: Some(format!(
            "the compiled SOCP needs an estimated {:.1} GiB, above max-memory {:.1} GiB",
            est.gib(),
            run.max_memory as f64 / (1u64 << 30) as f64
        )),
        memory_estimate: Some(est),
        ..Details::default()
    };
    Some(empty_record(problem, run, Status::Skipped, details))
}

/// The `numerical_error` record of a run whose solver refused to start.
pub(crate) fn error_record(problem: &Problem, run: &Run, error: impl ToString) -> Record {
    let details = Details {
        error: Some(error.to_string()),
        ..Details::default()
    };
    empty_record(problem, run, Status::NumericalError, details)
}

/// Run one run on its built problem and return its record: an external entry
/// through [`super::external::run`], a decomposition entry through
/// [`super::decomposed::run`], any other through the solver dispatch.
pub fn run_one(problem: &Problem, run: &Run) -> Record {
    run_with_width(problem, run, (None, None))
}

/// [`run_one`] with a baseline's ReLU width resolved ([`super::width::resolve`]):
/// neurons per output (`None`: 2P) and the note recorded in
/// `details.width_source`.
pub fn run_with_width(
    problem: &Problem,
    run: &Run,
    width: (Option<usize>, Option<String>),
) -> Record {
    let (neurons, source) = width;
    let mut rec = match (&run.info.solver.external, run.info.solver.decompose) {
        (Some(external), _) => super::external::run(problem, run, external),
        (None, Some(method)) => super::decomposed::run(problem, run, method),
        (None, None) => match memory_skip(problem, problem, run) {
            Some(skipped) => skipped,
            None => match SolverConfig::new(run.info.solver.kind, &{
                let mut o = solver_options(run);
                o.neurons = neurons;
                o
            })
            .map_err(SolverError::from)
            .and_then(|config| solvers::solve(problem, &config, None))
            {
                Ok(solution) => Record::from_solution(problem, solver_name(run), &solution),
                Err(e) => error_record(problem, run, e),
            },
        },
    };
    if let Some(crate::solvers::SolverDetails::Baseline(b)) = rec.details.solver.as_mut() {
        b.width_source = source;
    }
    let n = rec.trace.len();
    if thin_trace(&mut rec.trace, MAX_TRACE) {
        rec.details.trace_points = Some(n);
    }
    rec.run = Some(run.info.clone());
    rec
}

/// ` [k/N, elapsed, ETA]` after `k` of `n` runs in `elapsed` seconds (the ETA
/// assumes the remaining runs take the mean time of the finished ones).
pub fn position(k: usize, n: usize, elapsed: f64) -> String {
    let clock = |s: f64| {
        let s = s.max(0.0).round() as u64;
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    };
    let eta = if k > 0 {
        clock(elapsed / k as f64 * n.saturating_sub(k) as f64)
    } else {
        "?".into()
    };
    format!(" [{k}/{n}, {} elapsed, ETA {eta}]", clock(elapsed))
}

/// [`bench()`] as the CLI and the Python package run it: load the suite file, take
/// the folder's lock for this shard (one bench process per folder and shard), check
/// that the folder holds no other suite's records (unless `force`), run.
pub fn bench_folder(
    suite_file: &Path,
    out: &Path,
    opts: &BenchOptions,
    force: bool,
) -> Result<(Suite, BenchSummary), HarnessError> {
    let suite = Suite::load(suite_file)?;
    std::fs::create_dir_all(out).map_err(|source| crate::fsio::WriteError {
        path: out.to_path_buf(),
        source,
    })?;
    let _lock = super::lock::acquire(out, opts.shard)?;
    let fingerprint = super::lock::suite_fingerprint(&suite.name, &expand(&suite));
    let machine = super::machine::Machine::now(suite.threads());
    super::lock::check_suite(out, suite_file, &suite.name, &fingerprint, &machine, force)?;
    let summary = bench(&suite, out, opts)?;
    Ok((suite, summary))
}

/// Run the selected runs of `suite` into `out`.
pub fn bench(suite: &Suite, out: &Path, opts: &BenchOptions) -> Result<BenchSummary, HarnessError> {
    let all = expand(suite);
    let runs = select(suite, opts)?;
    let mut summary = BenchSummary {
        selected: runs.len(),
        ..Default::default()
    };
    std::fs::create_dir_all(store::records_dir(out)).map_err(|source| crate::fsio::WriteError {
        path: store::records_dir(out),
        source,
    })?;
    let mut pending = Vec::new();
    for run in &runs {
        match store::state(out, run)? {
            RunState::Pending => pending.push((run, false)),
            RunState::Finished | RunState::Stale if !opts.resume => {
                return Err(HarnessError::Usage(format!(
                    "{}: already holds a record of run {} (and maybe others): add --resume to continue, or choose another --out",
                    out.display(),
                    run.info.id
                )));
            }
            RunState::Finished => summary.already_done += 1,
            RunState::Stale => pending.push((run, true)),
        }
    }
    preflight(suite)?;
    let mut manifest = Manifest::new(suite, &all);
    manifest.machine = Some(super::machine::Machine::now(suite.threads()));
    store::write_manifest(out, &manifest)?;

    let bar = if opts.progress {
        ProgressBar::with_draw_target(Some(pending.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} runs [{elapsed_precise} elapsed, ETA {eta_precise}] {msg}",
        )
        .expect("static template"),
    );
    // Baselines of `width = "active"` need the convex records of their problem:
    // run them after the shard's other runs (stable: suite order otherwise).
    pending
        .sort_by_key(|(run, _)| run.info.solver.width == Some(crate::results::run::Width::Active));
    let mut cached: Option<(String, Problem)> = None;
    let (total, started) = (pending.len(), Instant::now());
    for (run, stale) in pending {
        bar.set_message(run.info.id.clone());
        let problem = match &cached {
            Some((id, p)) if *id == run.info.problem_id => p,
            _ => {
                let p = Problem::build_within(&run.info.spec, build_limit(run.max_memory))?;
                &cached.insert((run.info.problem_id.clone(), p)).1
            }
        };
        let t = Instant::now();
        let width = super::width::resolve(out, run, &all, problem.c());
        let rec = run_with_width(problem, run, width);
        store::write_record(out, &rec)?;
        summary.ran += 1;
        summary.rerun_stale += usize::from(stale);
        summary.skipped += usize::from(rec.status == Status::Skipped);
        if opts.log {
            let mut line = format!(
                "{} {}: objective {:.6e}, {} iterations, {:.2}s",
                run.info.id,
                rec.status.name(),
                rec.objective,
                rec.iterations,
                t.elapsed().as_secs_f64()
            );
            // Without a drawn bar (no terminal: CI logs, nohup) each line says
            // where the bench is.
            if bar.is_hidden() {
                line += &position(summary.ran, total, started.elapsed().as_secs_f64());
            }
            bar.suspend(|| eprintln!("{line}"));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(m) = manifest.machine.as_mut() {
        m.load_end = super::machine::load_average();
    }
    store::write_manifest(out, &manifest)?;
    Ok(summary)
}
