"""cvxrelu: two-layer ReLU networks trained to global optimality by convex optimization.

`solve(X, y, ...)` returns the CLI's JSON record (a dict) and the weights file (a
dict); `predict(weights, X)` evaluates a saved network on raw inputs. The solve
runs in Rust with the GIL released; Ctrl-C stops it and raises KeyboardInterrupt.
"""

import json

import numpy as np

from . import _cvxrelu

__all__ = ["solve", "predict"]


def _as_2d(a, name):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 1-D or 2-D array, got {a.ndim}-D")
    return np.ascontiguousarray(a)


def solve(X, y, *, model="gated-relu", lam=1e-3, patterns=None, seed=0, gates=None,
          bias=False, scale="standardize", reg=None, solver="clarabel", tol=None,
          max_iter=None, time_limit=None, threads=None, X_test=None, y_test=None):
    """Solve one training problem; returns (record dict, weights dict or None)."""
    spec = {"data": "X", "model": model, "lambda": float(lam), "seed": int(seed),
            "bias": bool(bias), "scale": scale}
    if patterns is not None:
        spec["patterns"] = int(patterns)
    if gates is not None:
        raise ValueError("gates: give a gate file path through the CLI (not yet supported here)")
    if reg is not None:
        spec["reg"] = reg
    if X_test is not None:
        spec["test"] = "X_test"
    opts = {k: v for k, v in {"tol": tol, "max_iters": max_iter, "time_limit": time_limit,
                              "threads": threads}.items() if v is not None}
    xt = None if X_test is None else _as_2d(X_test, "X_test")
    yt = None if y_test is None else _as_2d(y_test, "y_test")
    record, weights = _cvxrelu.solve(_as_2d(X, "X"), _as_2d(y, "y"), json.dumps(spec), solver,
                                     json.dumps(opts), xt, yt)
    return json.loads(record), (json.loads(weights) if weights else None)


def predict(weights, X):
    """Outputs (n x c) of a weights file (dict or JSON text) on raw inputs X."""
    text = weights if isinstance(weights, str) else json.dumps(weights)
    return _cvxrelu.predict(text, _as_2d(X, "X"))
