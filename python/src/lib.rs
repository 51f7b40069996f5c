//! The Python extension `cvxrelu._cvxrelu`: the library's public API on numpy
//! arrays, below the pure-Python package `cvxrelu` (estimators, scnn front end).
//!
//! - Problems are built from in-memory data by [`Problem::from_datasets`] — the
//!   same preprocessing, gates, patterns and memory checks as the CLI's files.
//! - Every solve runs on a worker thread while the calling thread waits with the
//!   GIL released and checks for signals every 20 ms: Ctrl-C asks the solvers to
//!   stop ([`solvers::cancel::request`]; the native solvers and Clarabel check it
//!   between iterations), the worker is joined and `KeyboardInterrupt` is raised.
//! - Results come back as the CLI's JSON text (the record of `solve --out`, the
//!   weights file of `solve --weights`), so a Python result is the CLI's by
//!   construction; the Python side parses them.
//! - Errors are `cvxrelu.CvxreluError` (a `ValueError`) carrying the CLI's one-line
//!   message.

use std::path::Path;
use std::time::Duration;

use cvxrelu::export::{self, Format};
use cvxrelu::harness::Shard;
use cvxrelu::harness::bench::{BenchOptions, bench_folder};
use cvxrelu::model::{Dataset, Problem, ProblemSpec, Weights};
use cvxrelu::results::SolverName;
use cvxrelu::results::path::{check_grid, path_step};
use cvxrelu::results::record::Record;
use cvxrelu::results::solution::SolutionFile;
use cvxrelu::solvers::native::fista::{Metric, Momentum, WorkingSets};
use cvxrelu::solvers::progress::Silent;
use cvxrelu::solvers::{self, SolverConfig, SolverKind, SolverOptions};
use faer::Mat;
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    _cvxrelu,
    CvxreluError,
    PyValueError,
    "An error of cvxrelu, with the CLI's one-line message."
);

fn error(e: impl std::fmt::Display) -> PyErr {
    CvxreluError::new_err(e.to_string().replace('\n', " "))
}

/// A float64 array as a faer matrix; every value must be finite.
fn to_mat(a: &PyReadonlyArray2<'_, f64>, what: &str) -> PyResult<Mat<f64>> {
    let view = a.as_array();
    let (n, d) = (view.nrows(), view.ncols());
    for ((i, j), v) in view.indexed_iter() {
        if !v.is_finite() {
            return Err(error(format!(
                "{what}: row {i}, column {j}: value {v} is not finite"
            )));
        }
    }
    Ok(Mat::from_fn(n, d, |i, j| view[(i, j)]))
}

fn dataset(
    x: &PyReadonlyArray2<'_, f64>,
    y: Option<&PyReadonlyArray2<'_, f64>>,
    source: &str,
) -> PyResult<Dataset> {
    let xm = to_mat(x, &format!("{source} X"))?;
    let ym = match y {
        Some(y) => to_mat(y, &format!("{source} y"))?,
        None => Mat::zeros(xm.nrows(), 0),
    };
    if xm.nrows() != ym.nrows() {
        return Err(error(format!(
            "{source}: X has {} rows but y has {}",
            xm.nrows(),
            ym.nrows()
        )));
    }
    let c = ym.ncols();
    Ok(Dataset {
        source: source.to_string(),
        feature_names: (0..xm.ncols()).map(|j| format!("x{j}")).collect(),
        target_names: if c == 1 {
            vec!["y".into()]
        } else {
            (0..c).map(|k| format!("y{k}")).collect()
        },
        x: xm,
        y: ym,
    })
}

/// Solver options from a JSON object with the keys tol, max_iters, time_limit,
/// threads, max_memory (bytes), working_sets ("off" | "on" | "auto") and metric
/// ("euclidean" | "block-gram" | "auto").
fn options(json: &str) -> PyResult<SolverOptions> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| error(format!("options: {e}")))?;
    let mut o = SolverOptions::new();
    let num = |k: &str| v.get(k).and_then(|x| x.as_f64());
    let count = |k: &str| v.get(k).and_then(|x| x.as_u64());
    o.tol = num("tol");
    o.time_limit = num("time_limit");
    o.max_iters = count("max_iters").map(|m| m.min(u32::MAX as u64) as u32);
    o.threads = count("threads").map(|t| t as usize);
    o.max_memory = count("max_memory");
    if let Some(w) = v.get("working_sets").and_then(|x| x.as_str()) {
        o.working_sets = Some(
            w.parse::<WorkingSets>()
                .map_err(|e| error(format!("working_sets: {e}")))?,
        );
    }
    if let Some(m) = v.get("metric").and_then(|x| x.as_str()) {
        o.metric = Some(
            m.parse::<Metric>()
                .map_err(|e| error(format!("metric: {e}")))?,
        );
    }
    if let Some(m) = v.get("momentum").and_then(|x| x.as_str()) {
        o.momentum = Some(
            m.parse::<Momentum>()
                .map_err(|e| error(format!("momentum: {e}")))?,
        );
    }
    Ok(o)
}

fn problem_spec(json: &str) -> PyResult<ProblemSpec> {
    serde_json::from_str(json).map_err(|e| error(format!("problem: {e}")))
}

fn solver_kind(name: &str) -> PyResult<SolverKind> {
    name.parse::<SolverKind>()
        .map_err(|e| error(format!("solver: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| e.to_string())
}

/// The training and test sets of a call.
fn datasets(
    spec: &ProblemSpec,
    x: &PyReadonlyArray2<'_, f64>,
    y: &PyReadonlyArray2<'_, f64>,
    x_test: Option<&PyReadonlyArray2<'_, f64>>,
    y_test: Option<&PyReadonlyArray2<'_, f64>>,
) -> PyResult<(Dataset, Option<Dataset>)> {
    let train = dataset(x, Some(y), &spec.data)?;
    let test = match (x_test, y_test) {
        (Some(a), Some(b)) => Some(dataset(a, Some(b), spec.test.as_deref().unwrap_or("test"))?),
        (None, None) => None,
        _ => return Err(error("X_test, y_test: give both, or neither")),
    };
    Ok((train, test))
}

/// Solve one training problem. `spec` is the problem as JSON (the keys of a CLI
/// problem file: model, lambda, reg, patterns, seed, gates, bias, scale, split,
/// …; `data` and `test` only name the arrays in messages), `solver` a solver
/// name, `options_json` the options. Returns (record JSON, weights-file JSON or
/// "" for a ReLU baseline network).
#[pyfunction]
#[pyo3(signature = (x, y, spec, solver, options_json, x_test=None, y_test=None))]
#[allow(clippy::too_many_arguments)]
fn solve(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    spec: &str,
    solver: &str,
    options_json: &str,
    x_test: Option<PyReadonlyArray2<'_, f64>>,
    y_test: Option<PyReadonlyArray2<'_, f64>>,
) -> PyResult<(String, String)> {
    let spec = problem_spec(spec)?;
    let kind = solver_kind(solver)?;
    let (train, test) = datasets(&spec, &x, &y, x_test.as_ref(), y_test.as_ref())?;
    let config = SolverConfig::new(kind, &options(options_json)?).map_err(error)?;
    run_cancellable(py, move || {
        let problem = Problem::from_datasets(&spec, train, test).map_err(|e| e.to_string())?;
        let solution = solvers::solve(&problem, &config, None).map_err(|e| e.to_string())?;
        let record = Record::from_solution(&problem, SolverName::Solver(kind), &solution);
        let weights = match solution.convex_weights() {
            Some(w) => to_json(&SolutionFile::new(&problem, kind.name(), &w))?,
            None => String::new(),
        };
        Ok((to_json(&record)?, weights))
    })
}

/// A regularisation path: the problem at each λ of `lambdas` (strictly
/// decreasing), each solve warm-started from the previous one, as `cvxrelu path`
/// does. Returns one (record JSON, weights JSON) per λ.
#[pyfunction]
#[pyo3(signature = (x, y, spec, solver, options_json, lambdas, x_test=None, y_test=None))]
#[allow(clippy::too_many_arguments)]
fn path(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    spec: &str,
    solver: &str,
    options_json: &str,
    lambdas: Vec<f64>,
    x_test: Option<PyReadonlyArray2<'_, f64>>,
    y_test: Option<PyReadonlyArray2<'_, f64>>,
) -> PyResult<Vec<(String, String)>> {
    let mut spec = problem_spec(spec)?;
    let kind = solver_kind(solver)?;
    if kind.is_baseline() {
        return Err(error(format!(
            "solver {}: a path runs the convex solvers only (clarabel, fista, al)",
            kind.name()
        )));
    }
    check_grid(&lambdas).map_err(|m| error(format!("lambdas: {m}")))?;
    spec.lambda = lambdas[0];
    let (train, test) = datasets(&spec, &x, &y, x_test.as_ref(), y_test.as_ref())?;
    let config = SolverConfig::new(kind, &options(options_json)?).map_err(error)?;
    run_cancellable(py, move || {
        let base = Problem::from_datasets(&spec, train, test).map_err(|e| e.to_string())?;
        let mut warm: Option<Weights> = None;
        let mut out = Vec::with_capacity(lambdas.len());
        for (idx, &lambda) in lambdas.iter().enumerate() {
            if solvers::cancel::requested() {
                break;
            }
            let (rec, weights) = path_step(&base, idx, lambda, &config, warm.as_ref(), &mut Silent)
                .map_err(|e| e.to_string())?;
            let file = SolutionFile::new(&base.with_lambda(lambda), kind.name(), &weights);
            out.push((to_json(&rec)?, to_json(&file)?));
            warm = Some(weights);
        }
        Ok(out)
    })
}

/// Compile the problem and write it to `path` in `format` (cbf, mof,
/// clarabel-json, mps), atomically. Returns the export record as JSON.
#[pyfunction]
#[pyo3(signature = (x, y, spec, format, path, max_memory=None))]
fn export_problem(
    py: Python<'_>,
    x: PyReadonlyArray2<'_, f64>,
    y: PyReadonlyArray2<'_, f64>,
    spec: &str,
    format: &str,
    path: &str,
    max_memory: Option<u64>,
) -> PyResult<String> {
    let spec = problem_spec(spec)?;
    let format: Format = format.parse().map_err(|e| error(format!("format: {e}")))?;
    let (train, _) = datasets(&spec, &x, &y, None, None)?;
    let target = std::path::PathBuf::from(path);
    cvxrelu::fsio::check_writable(&target).map_err(error)?;
    let limit = max_memory.unwrap_or(cvxrelu::compile::DEFAULT_MAX_MEMORY);
    run_cancellable(py, move || {
        let problem = Problem::from_datasets(&spec, train, None).map_err(|e| e.to_string())?;
        let rec = export::write_problem_with_limit(&problem, format, &target, limit)
            .map_err(|e| e.to_string())?;
        to_json(&rec)
    })
}

/// Run a suite file into a folder (`cvxrelu bench`). Returns (runs of the shard,
/// already done, run now, re-run after a suite change, skipped for memory).
#[pyfunction]
#[pyo3(name = "bench", signature = (suite, out, solvers=None, shard=None, resume=false, force=false, progress=false))]
#[allow(clippy::too_many_arguments)]
fn run_bench(
    py: Python<'_>,
    suite: &str,
    out: &str,
    solvers: Option<Vec<String>>,
    shard: Option<&str>,
    resume: bool,
    force: bool,
    progress: bool,
) -> PyResult<(usize, usize, usize, usize, usize)> {
    let shard = match shard {
        Some(s) => s
            .parse::<Shard>()
            .map_err(|e| error(format!("shard: {e}")))?,
        None => Shard::ALL,
    };
    let opts = BenchOptions {
        resume,
        shard,
        solvers,
        progress,
        log: progress,
    };
    let (suite, out) = (suite.to_string(), out.to_string());
    run_cancellable(py, move || {
        let (_, s) = bench_folder(Path::new(&suite), Path::new(&out), &opts, force)
            .map_err(|e| e.to_string())?;
        Ok((s.selected, s.already_done, s.ran, s.rerun_stale, s.skipped))
    })
}

/// Write the report of a bench folder (`cvxrelu report`): returns the paths of
/// the markdown report, the CSV and the figures.
#[pyfunction]
#[pyo3(signature = (dir, out=None))]
fn report(py: Python<'_>, dir: &str, out: Option<&str>) -> PyResult<Vec<String>> {
    let (dir, out) = (dir.to_string(), out.map(str::to_string));
    run_cancellable(py, move || {
        let w = cvxrelu::harness::report::report(Path::new(&dir), out.as_deref().map(Path::new))
            .map_err(|e| e.to_string())?;
        let mut paths = vec![w.markdown, w.csv];
        paths.extend(w.profiles);
        paths.extend(w.study_files);
        Ok(paths.iter().map(|p| p.display().to_string()).collect())
    })
}

/// Run `job` on a worker thread; wait with the GIL released, checking signals.
/// A pending signal whose handler raises (Ctrl-C) cancels the job: the solvers
/// stop at their next check, the worker is joined, the exception propagates.
fn run_cancellable<T: Send + 'static>(
    py: Python<'_>,
    job: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> PyResult<T> {
    solvers::cancel::reset();
    let handle = std::thread::spawn(job);
    loop {
        let done = py.allow_threads(|| {
            let t = std::time::Instant::now();
            while !handle.is_finished() && t.elapsed() < Duration::from_millis(20) {
                std::thread::sleep(Duration::from_millis(1));
            }
            handle.is_finished()
        });
        if done {
            break;
        }
        if let Err(e) = py.check_signals() {
            solvers::cancel::request();
            let _ = py.allow_threads(|| handle.join());
            solvers::cancel::reset();
            return Err(e);
        }
    }
    match handle.join() {
        Ok(r) => r.map_err(error),
        Err(_) => Err(error("internal error: the solver thread panicked")),
    }
}

/// Predictions (n × c) of a weights file's JSON text on raw inputs `x` (n × d).
#[pyfunction]
fn predict<'py>(
    py: Python<'py>,
    weights: &str,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let file = SolutionFile::parse(weights, "weights").map_err(error)?;
    let set = dataset(&x, None, "X")?;
    let pred = file.predict(&set).map_err(error)?;
    let out = &pred.outputs;
    let rows: Vec<Vec<f64>> = (0..out.nrows())
        .map(|i| (0..out.ncols()).map(|k| out[(i, k)]).collect())
        .collect();
    if rows.is_empty() {
        return Ok(PyArray2::zeros(py, [0, out.ncols()], false));
    }
    PyArray2::from_vec2(py, &rows).map_err(error)
}

/// The version of the Rust library the extension was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _cvxrelu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CvxreluError", m.py().get_type::<CvxreluError>())?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(path, m)?)?;
    m.add_function(wrap_pyfunction!(export_problem, m)?)?;
    m.add_function(wrap_pyfunction!(run_bench, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(predict, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
