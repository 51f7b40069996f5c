//! The Python extension `cvxrelu._cvxrelu`: the library's public API on numpy
//! arrays. Problems are built from in-memory data by
//! [`Problem::from_datasets`], solved by [`solvers::solve`] on a worker thread while
//! the calling thread waits with the GIL released and checks for signals every
//! 50 ms (Ctrl-C → [`solvers::cancel::request`], the solve stops at its next check,
//! and `KeyboardInterrupt` is raised). Results come back as the CLI's JSON text (the
//! record of `solve --out`, the weights file of `solve --weights`), so a Python
//! result is the CLI's by construction. Errors are `ValueError` with the CLI's
//! one-line messages.

use std::time::Duration;

use cvxrelu::model::{Dataset, Problem, ProblemSpec};
use cvxrelu::results::SolverName;
use cvxrelu::results::record::Record;
use cvxrelu::results::solution::SolutionFile;
use cvxrelu::solvers::{self, SolverConfig, SolverKind, SolverOptions};
use faer::Mat;
use numpy::{PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string().replace('\n', " "))
}

fn to_mat(a: &PyReadonlyArray2<'_, f64>, what: &str) -> PyResult<Mat<f64>> {
    let view = a.as_array();
    let (n, d) = (view.nrows(), view.ncols());
    let m = Mat::from_fn(n, d, |i, j| view[(i, j)]);
    if let Some((i, j)) = (0..n)
        .flat_map(|i| (0..d).map(move |j| (i, j)))
        .find(|&(i, j)| !m[(i, j)].is_finite())
    {
        return Err(value_error(format!(
            "{what}: row {i}, column {j}: value is not finite"
        )));
    }
    Ok(m)
}

fn dataset(
    x: &PyReadonlyArray2<'_, f64>,
    y: &PyReadonlyArray2<'_, f64>,
    source: &str,
) -> PyResult<Dataset> {
    let (x, y) = (to_mat(x, source)?, to_mat(y, source)?);
    if x.nrows() != y.nrows() {
        return Err(value_error(format!(
            "{source}: X has {} rows but y has {}",
            x.nrows(),
            y.nrows()
        )));
    }
    let c = y.ncols();
    Ok(Dataset {
        source: source.to_string(),
        feature_names: (0..x.ncols()).map(|j| format!("x{j}")).collect(),
        target_names: if c == 1 {
            vec!["y".into()]
        } else {
            (0..c).map(|k| format!("y{k}")).collect()
        },
        x,
        y,
    })
}

/// Solver options from a JSON object with keys tol, max_iters, time_limit, threads.
fn options(json: &str) -> PyResult<SolverOptions> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(value_error)?;
    let mut o = SolverOptions::new();
    let num = |k: &str| v.get(k).and_then(|x| x.as_f64());
    o.tol = num("tol");
    o.time_limit = num("time_limit");
    o.max_iters = v
        .get("max_iters")
        .and_then(|x| x.as_u64())
        .map(|m| m.min(u32::MAX as u64) as u32);
    o.threads = v
        .get("threads")
        .and_then(|x| x.as_u64())
        .map(|t| t as usize);
    Ok(o)
}

/// Solve one training problem. `spec` is the problem as JSON (the keys of a CLI
/// problem file: model, lambda, reg, patterns, seed, gates, bias, scale, split, …;
/// `data` and `test` are descriptions), `solver` a solver name, `options` JSON.
/// Returns (record JSON, weights-file JSON).
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
    let spec: ProblemSpec =
        serde_json::from_str(spec).map_err(|e| value_error(format!("problem: {e}")))?;
    let kind: SolverKind = serde_json::from_value(serde_json::Value::String(solver.into()))
        .map_err(|_| value_error(format!("solver: unknown solver '{solver}'")))?;
    let train = dataset(&x, &y, &spec.data)?;
    let test = match (&x_test, &y_test) {
        (Some(a), Some(b)) => Some(dataset(a, b, spec.test.as_deref().unwrap_or("test"))?),
        (None, None) => None,
        _ => return Err(value_error("give both X_test and y_test, or neither")),
    };
    let config = SolverConfig::new(kind, &options(options_json)?).map_err(value_error)?;
    let job = move || -> Result<(String, String), String> {
        let problem = Problem::from_datasets(&spec, train, test).map_err(|e| e.to_string())?;
        let solution = solvers::solve(&problem, &config, None).map_err(|e| e.to_string())?;
        let record = Record::from_solution(&problem, SolverName::Solver(kind), &solution);
        let weights = match solution.convex_weights() {
            Some(w) => serde_json::to_string(&SolutionFile::new(&problem, kind.name(), &w))
                .map_err(|e| e.to_string())?,
            None => String::new(),
        };
        let record = serde_json::to_string(&record).map_err(|e| e.to_string())?;
        Ok((record, weights))
    };
    run_cancellable(py, job)
}

/// Run `job` on a worker thread; wait with the GIL released, checking signals.
fn run_cancellable<T: Send + 'static>(
    py: Python<'_>,
    job: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> PyResult<T> {
    solvers::cancel::reset();
    let handle = std::thread::spawn(job);
    loop {
        let done = py.allow_threads(|| {
            let t = std::time::Instant::now();
            while !handle.is_finished() && t.elapsed() < Duration::from_millis(50) {
                std::thread::sleep(Duration::from_millis(2));
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
            return Err(if e.is_instance_of::<PyKeyboardInterrupt>(py) {
                e
            } else {
                e
            });
        }
    }
    match handle.join() {
        Ok(r) => r.map_err(value_error),
        Err(_) => Err(value_error("the solver panicked")),
    }
}

/// Predictions of a weights file (its JSON text) on raw inputs `x` (`n × d`).
#[pyfunction]
fn predict<'py>(
    py: Python<'py>,
    weights: &str,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let file = weights_file(weights)?;
    let d = x.shape()[1];
    let n = x.shape()[0];
    let set = Dataset {
        source: "X".into(),
        feature_names: (0..d).map(|j| format!("x{j}")).collect(),
        target_names: Vec::new(),
        x: to_mat(&x, "X")?,
        y: Mat::zeros(n, 0),
    };
    let pred = file.predict(&set).map_err(value_error)?;
    let out = &pred.outputs;
    let rows: Vec<Vec<f64>> = (0..out.nrows())
        .map(|i| (0..out.ncols()).map(|k| out[(i, k)]).collect())
        .collect();
    PyArray2::from_vec2(py, &rows).map_err(value_error)
}

/// Parse and validate a weights file's JSON text (as `SolutionFile::read` does).
fn weights_file(text: &str) -> PyResult<SolutionFile> {
    let dir = std::env::temp_dir().join(format!("cvxrelu-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(value_error)?;
    let path = dir.join(format!("w-{:?}.json", std::thread::current().id()));
    cvxrelu::fsio::write_atomic(&path, text.as_bytes()).map_err(value_error)?;
    let r = SolutionFile::read(&path).map_err(value_error);
    let _ = std::fs::remove_file(&path);
    r
}

#[pymodule]
fn _cvxrelu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(predict, m)?)?;
    Ok(())
}
