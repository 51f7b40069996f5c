"""``optimize``, ``optimize_model`` and ``optimize_path`` with scnn's signatures.

An scnn script runs by changing its imports from ``scnn.X`` to
``cvxrelu.scnn.X``. The problem is the same by construction: the data term is
``1/(2nc) ||.||^2`` and ``lam`` multiplies the same penalties; the gates of the
model are used as given (on the unitized inputs when ``unitize_data=True``, as in
scnn). What differs on purpose is listed in ``cvxrelu.scnn``'s documentation.
``device`` and ``dtype`` are accepted and ignored (cvxrelu computes in float64 on
the CPU); ``verbose`` and ``log_file`` are accepted and ignored.
"""

import copy
import math
import os
import pickle

import numpy as np

from .. import _api
from .activations import sample_gate_vectors
from .metrics import Metrics
from .models import (ConvexGatedReLU, ConvexReLU, Model, NonConvexGatedReLU, NonConvexReLU)
from .regularizers import NeuronGL1, Regularizer
from .solvers import AL, RFISTA, Optimizer


def _check(model, solver, regularizer):
    if not isinstance(model, (ConvexGatedReLU, ConvexReLU)):
        raise ValueError("model: give a ConvexGatedReLU or ConvexReLU model")
    if not isinstance(solver, Optimizer):
        raise ValueError("solver: give an optimizer of cvxrelu.scnn.solvers (RFISTA, AL, ...)")
    reg = NeuronGL1(0.0) if regularizer is None else regularizer
    if not isinstance(reg, Regularizer):
        raise ValueError("regularizer: give a regularizer of cvxrelu.scnn.regularizers")
    return reg


def _targets(y):
    y = np.asarray(y, dtype=float)
    return y.reshape(-1, 1) if y.ndim == 1 else y


def _blocks(weights, key):
    b = weights["weights"][key]
    return np.asarray(b["data"], dtype=float).reshape(b["c"], b["p"], b["d"])


def _raw(blocks, pre):
    """Model-space rows (..., d [+1]) acting on raw inputs: weights and bias."""
    factor = np.asarray(pre["factor"], dtype=float)
    shift = np.asarray(pre["shift"], dtype=float)
    d = len(factor)
    w = blocks[..., :d] / factor
    b = (blocks[..., d] if pre["bias"] else 0.0) - w @ shift
    return w, np.broadcast_to(b, blocks.shape[:-1]).copy()


def _convex_model(model, weights):
    """The trained convex model (scnn's ``return_convex=True``) on raw inputs."""
    pre = weights["preprocess"]
    out = copy.copy(model)
    gates = np.asarray(weights["gates"], dtype=float).reshape(len(weights["gates"]), -1)
    g, gb = _raw(gates, pre)
    out.G, out.G_bias = g.T.copy(), gb
    out.p = out.G.shape[1]
    keys = ("u",) if isinstance(model, ConvexGatedReLU) else ("v", "w")
    params = []
    for key in keys:
        w, b = _raw(_blocks(weights, key), pre)
        params.append(w)
        if model.bias:
            params.append(b)
    out.parameters = params
    return out


def _network(model, weights):
    """The recovered network (scnn's default return) on raw inputs."""
    net = weights["network"]
    neurons = net["neurons"]
    d, c, m = model.d, net["c"], len(neurons)
    W1 = np.array([nr["raw_first"] for nr in neurons], dtype=float).reshape(m, d)
    b1 = np.array([nr["raw_bias"] for nr in neurons], dtype=float)
    W2 = np.zeros((c, m))
    for j, nr in enumerate(neurons):
        W2[nr["output"], j] = nr["second"]
    if isinstance(model, ConvexGatedReLU):
        G = np.array([nr["raw_gate"][0] for nr in neurons], dtype=float).reshape(m, d).T
        Gb = np.array([nr["raw_gate"][1] for nr in neurons], dtype=float)
        out = NonConvexGatedReLU(G, c=c, bias=model.bias, G_bias=Gb)
    else:
        out = NonConvexReLU(d, m, c=c, bias=model.bias)
    out.parameters = [W1, b1, W2] if model.bias else [W1, W2]
    return out


def _finish(model, metrics, record, weights, X, y, X_test, y_test, return_convex):
    key = "u" if isinstance(model, ConvexGatedReLU) else "v"
    blocks = _blocks(weights, key)
    if key == "v":
        blocks = np.concatenate([blocks, _blocks(weights, "w")], axis=1)
    trained = _convex_model(model, weights) if return_convex else _network(model, weights)
    trained.record, trained.weights = record, weights
    metrics._fill(record, blocks, X, y, X_test, y_test, trained)
    return trained


def _call(model, solver, reg, unitize_data):
    opts = dict(solver._options())
    return dict(model=model.formulation, reg=reg.name, gates=model._gates_rows(), bias=model.bias,
                scale="unit-norm" if unitize_data else "none", solver=solver.solver,
                tol=opts.get("tol"), max_iter=opts.get("max_iter"))


def optimize_model(model, solver, metrics, X_train, y_train, X_test=None, y_test=None,
                   regularizer=None, return_convex=False, unitize_data=True, verbose=False,
                   log_file=None, device="cpu", dtype="float32", seed=778):
    """Train ``model`` with ``solver``; returns ``(trained model, metrics)``: the
    network (``NonConvexGatedReLU`` / ``NonConvexReLU``, neurons of zero weight
    removed) or, with ``return_convex=True``, the convex model."""
    reg = _check(model, solver, regularizer)
    metrics = Metrics() if metrics is None else metrics
    y = _targets(y_train)
    yt = None if y_test is None else _targets(y_test)
    record, weights = _api.solve(X_train, y, lam=reg.lam, X_test=X_test, y_test=yt,
                                 **_call(model, solver, reg, unitize_data))
    trained = _finish(model, metrics, record, weights, X_train, y, X_test, yt, return_convex)
    return trained, metrics


def optimize_path(model, solver, path, metrics, X_train, y_train, X_test=None, y_test=None,
                  warm_start=True, save_path=None, return_convex=False, unitize_data=True,
                  verbose=False, log_file=None, device="cpu", dtype="float32", seed=778):
    """Train along ``path`` (regularizers of one kind, strictly decreasing ``lam``),
    each solve warm-started from the previous one (``warm_start=False``: each from
    zero). Returns ``(models, metrics)``; with ``save_path`` each ``(model,
    metrics)`` is pickled to ``save_path/str(regularizer)`` and the paths are
    returned instead of the models."""
    if not path:
        raise ValueError("path: give at least one regularizer")
    regs = [_check(model, solver, r) for r in path]
    if len({type(r) for r in regs}) != 1:
        raise ValueError("path: every regularizer must be of the same kind")
    metrics = Metrics() if metrics is None else metrics
    y = _targets(y_train)
    yt = None if y_test is None else _targets(y_test)
    kw = _call(model, solver, regs[0], unitize_data)
    if warm_start:
        steps = _api.path(X_train, y, [r.lam for r in regs], X_test=X_test, y_test=yt, **kw)
    else:
        steps = [_api.solve(X_train, y, lam=r.lam, X_test=X_test, y_test=yt, **kw) for r in regs]
    models, all_metrics = [], []
    for reg, (record, weights) in zip(regs, steps):
        m = copy.deepcopy(metrics)
        trained = _finish(model, m, record, weights, X_train, y, X_test, yt, return_convex)
        if save_path is not None:
            os.makedirs(save_path, exist_ok=True)
            target = os.path.join(save_path, str(reg))
            with open(target, "wb") as f:
                pickle.dump((trained, m), f)
            models.append(target)
        else:
            models.append(trained)
        all_metrics.append(m)
    return models, all_metrics


def optimize(formulation, max_neurons, X_train, y_train, X_test=None, y_test=None,
             regularizer=None, bias=False, return_convex=False, unitize_data=True, verbose=False,
             log_file=None, device="cpu", dtype="float32", seed=778):
    """scnn's convenience function: ``formulation`` "gated_relu" (R-FISTA on
    ``max_neurons`` gates) or "relu" (the AL on ``floor(max_neurons / 2)`` gates),
    gates from ``sample_gate_vectors(seed, d, ...)``. Returns ``(model, metrics)``.

    Also callable as ``optimize(model, solver, X, y, X_test=None, y_test=None,
    regularizer=...)``: then it is ``optimize_model`` with a default ``Metrics``."""
    if isinstance(formulation, Model):
        return optimize_model(formulation, max_neurons, Metrics(), X_train, y_train, X_test,
                              y_test, regularizer, return_convex, unitize_data, verbose,
                              log_file, device, dtype, seed)
    X = np.asarray(X_train, dtype=float)
    d = X.shape[1]
    y = np.asarray(y_train)
    c = 1 if y.ndim == 1 else y.shape[1]
    if formulation == "gated_relu":
        model = ConvexGatedReLU(sample_gate_vectors(seed, d, max_neurons), c=c, bias=bias)
        solver = RFISTA(model)
    elif formulation == "relu":
        model = ConvexReLU(sample_gate_vectors(seed, d, math.floor(max_neurons / 2)), c=c,
                           bias=bias)
        solver = AL(model)
    else:
        raise ValueError(f"Convex formulation {formulation} not recognized!")
    return optimize_model(model, solver, Metrics(), X, y_train, X_test, y_test, regularizer,
                          return_convex, unitize_data, verbose, log_file, device, dtype, seed)
