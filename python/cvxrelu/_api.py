"""The tool's functions on numpy arrays: solve, path, export, bench, report, predict.

Each call goes to the Rust library (``cvxrelu._cvxrelu``); results are the CLI's
JSON documents parsed into dicts: the result record of ``cvxrelu solve --out``
(objective, certificate, status, times, trace; SPEC section 7) and the weights
file of ``cvxrelu solve --weights`` (convex weights, gates, preprocessing and the
recovered network on raw inputs).
"""

import json
import os
import tempfile

import numpy as np

from . import _cvxrelu

CvxreluError = _cvxrelu.CvxreluError

MODELS = ("gated-relu", "relu")
SOLVERS = ("clarabel", "fista", "al", "sgd", "adam")
SCALINGS = ("standardize", "unit-norm", "none")
REGULARIZERS = ("neuron-gl1", "feature-gl1", "l2", "l1")
FORMATS = ("cbf", "mof", "clarabel-json", "mps")


def as_matrix(a, name, *, allow_1d=True):
    """``a`` as a C-contiguous float64 2-D array (a 1-D array is one column)."""
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise CvxreluError(f"{name}: not an array of numbers ({e})") from None
    if a.ndim == 1 and allow_1d:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise CvxreluError(f"{name}: expected a 2-D array, got {a.ndim}-D")
    return np.ascontiguousarray(a)


def _choice(value, allowed, name):
    if value not in allowed:
        raise CvxreluError(f"{name}: '{value}' is not one of: {', '.join(allowed)}")
    return value


class _Gates:
    """A gate array written to a temporary CSV for the duration of a call (the
    library reads gates as the CLI's gate files: header g0,g1,..., P rows in the
    scaled (+bias) feature space; values written with 17 significant digits, so
    they round-trip exactly)."""

    def __init__(self, gates):
        self.gates = gates
        self.path = None

    def __enter__(self):
        if self.gates is None or isinstance(self.gates, (str, os.PathLike)):
            return None if self.gates is None else os.fspath(self.gates)
        g = as_matrix(self.gates, "gates", allow_1d=False)
        if g.shape[0] == 0:
            raise CvxreluError("gates: no gate (0 rows)")
        fd, self.path = tempfile.mkstemp(prefix="cvxrelu-gates-", suffix=".csv")
        with os.fdopen(fd, "w") as f:
            f.write(",".join(f"g{j}" for j in range(g.shape[1])) + "\n")
            for row in g:
                f.write(",".join(repr(float(v)) for v in row) + "\n")
        return self.path

    def __exit__(self, *exc):
        if self.path is not None:
            os.unlink(self.path)
        return False


def _spec(model, lam, reg, patterns, seed, gates_path, bias, scale, has_test):
    spec = {
        "data": "X",
        "model": _choice(model, MODELS, "model"),
        "lambda": float(lam),
        "seed": int(seed),
        "bias": bool(bias),
        "scale": _choice(scale, SCALINGS, "scale"),
    }
    if reg is not None:
        spec["reg"] = _choice(reg, REGULARIZERS, "reg")
    if gates_path is not None:
        spec["gates"] = gates_path
    elif patterns is not None:
        spec["patterns"] = int(patterns)
    if has_test:
        spec["test"] = "X_test"
    return spec


def _options(tol, max_iter, time_limit, threads, max_memory=None, working_sets=None,
             metric=None, momentum=None):
    opts = {"tol": tol, "max_iters": max_iter, "time_limit": time_limit, "threads": threads,
            "max_memory": max_memory, "working_sets": working_sets, "metric": metric,
            "momentum": momentum}
    return json.dumps({k: v for k, v in opts.items() if v is not None})


def _test_arrays(X_test, y_test):
    if (X_test is None) != (y_test is None):
        raise CvxreluError("X_test, y_test: give both, or neither")
    if X_test is None:
        return None, None
    return as_matrix(X_test, "X_test"), as_matrix(y_test, "y_test")


def solve(X, y, *, model="gated-relu", lam=1e-3, reg=None, patterns=None, seed=0, gates=None,
          bias=False, scale="standardize", solver="fista", tol=None, max_iter=None,
          time_limit=None, threads=None, max_memory=None, working_sets=None, metric=None,
          momentum=None, X_test=None, y_test=None):
    """Train on ``X`` (n x d) and ``y`` (n, or n x c) and certify the answer.

    Returns ``(record, weights)``: the CLI's result record (a dict with
    ``objective``, ``relative_duality_gap``, ``max_cone_violation``, ``status``,
    ``iterations``, ``active_neurons``, ``time``, ...) and its weights file (a dict;
    ``None`` for a ReLU network trained by sgd/adam). ``gates``: an array of P rows
    in the scaled (+bias) feature space, or a gate-file path; otherwise ``patterns``
    gates are drawn from ``seed`` (default 100). ``metric``: R-FISTA's steps on
    gated-relu, "euclidean", "block-gram" or "auto" (``cvxrelu solve --metric``).
    ``momentum``: R-FISTA's momentum, "fista", "greedy" or "auto" (``--momentum``).
    Defaults match ``cvxrelu solve`` except the solver (``fista`` here).
    """
    _choice(solver, SOLVERS, "solver")
    xt, yt = _test_arrays(X_test, y_test)
    with _Gates(gates) as gates_path:
        spec = _spec(model, lam, reg, patterns, seed, gates_path, bias, scale, xt is not None)
        record, weights = _cvxrelu.solve(as_matrix(X, "X"), as_matrix(y, "y"), json.dumps(spec),
                                         solver, _options(tol, max_iter, time_limit, threads,
                                                          max_memory, working_sets, metric,
                                                          momentum),
                                         xt, yt)
    return json.loads(record), (json.loads(weights) if weights else None)


def path(X, y, lambdas, *, model="gated-relu", reg=None, patterns=None, seed=0, gates=None,
         bias=False, scale="standardize", solver="fista", tol=None, max_iter=None,
         time_limit=None, threads=None, max_memory=None, working_sets=None, metric=None,
         momentum=None, X_test=None, y_test=None):
    """A regularisation path over the strictly decreasing ``lambdas``, each solve
    warm-started from the previous one (``cvxrelu path``). Returns a list of
    ``(record, weights)``, one per value."""
    _choice(solver, SOLVERS, "solver")
    lambdas = [float(v) for v in np.atleast_1d(np.asarray(lambdas, dtype=np.float64))]
    xt, yt = _test_arrays(X_test, y_test)
    with _Gates(gates) as gates_path:
        spec = _spec(model, lambdas[0] if lambdas else 0.0, reg, patterns, seed, gates_path, bias,
                     scale, xt is not None)
        steps = _cvxrelu.path(as_matrix(X, "X"), as_matrix(y, "y"), json.dumps(spec), solver,
                              _options(tol, max_iter, time_limit, threads, max_memory,
                                       working_sets, metric, momentum), lambdas, xt, yt)
    return [(json.loads(r), json.loads(w)) for r, w in steps]


def export(X, y, file, *, format=None, model="gated-relu", lam=1e-3, reg=None, patterns=None,
           seed=0, gates=None, bias=False, scale="standardize", max_memory=None):
    """Compile the problem to an explicit SOCP and write it to ``file`` in
    ``format`` (cbf, mof, clarabel-json, mps; default from the file's extension:
    .cbf, .mof.json, .json, .mps), atomically. Returns the export record (dict)."""
    file = os.fspath(file)
    if format is None:
        lower = file.lower()
        format = ("mof" if lower.endswith(".mof.json") else "clarabel-json" if lower.endswith(".json")
                  else "cbf" if lower.endswith(".cbf") else "mps" if lower.endswith(".mps") else None)
        if format is None:
            raise CvxreluError(f"{file}: give format= (one of: {', '.join(FORMATS)}); the extension "
                               "does not name one")
    _choice(format, FORMATS, "format")
    with _Gates(gates) as gates_path:
        spec = _spec(model, lam, reg, patterns, seed, gates_path, bias, scale, False)
        rec = _cvxrelu.export_problem(as_matrix(X, "X"), as_matrix(y, "y"), json.dumps(spec),
                                      format, file, max_memory)
    return json.loads(rec)


def bench(suite, out, *, solvers=None, shard=None, resume=False, force=False, progress=False):
    """Run a suite file (TOML, see problems/) into the folder ``out`` (``cvxrelu
    bench``). ``shard``: "k/N". ``force``: run into a folder that holds another
    suite's records, or records measured on another machine or build (they get
    mixed; otherwise refused). Returns a dict of run counts."""
    names = ("selected", "already_done", "ran", "rerun_stale", "skipped")
    counts = _cvxrelu.bench(os.fspath(suite), os.fspath(out),
                            None if solvers is None else list(solvers), shard, bool(resume),
                            bool(force), bool(progress))
    return dict(zip(names, counts))


def report(folder, out=None):
    """Write the report of a bench folder (``cvxrelu report``); returns the paths
    written (report.md, records.csv, the profile figures)."""
    return _cvxrelu.report(os.fspath(folder), None if out is None else os.fspath(out))


def predict(weights, X):
    """Outputs (n x c) of a trained network on raw inputs ``X``: ``weights`` is a
    weights dict (from :func:`solve`), its JSON text, or a weights-file path. The
    file's preprocessing and gates are applied, as ``cvxrelu predict`` does."""
    if isinstance(weights, dict):
        text = json.dumps(weights)
    elif isinstance(weights, os.PathLike) or (isinstance(weights, str)
                                              and not weights.lstrip().startswith("{")):
        with open(weights) as f:
            text = f.read()
    else:
        text = weights
    return _cvxrelu.predict(text, as_matrix(X, "X", allow_1d=False))
