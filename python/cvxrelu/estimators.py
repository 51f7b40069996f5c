"""scikit-learn estimators: two-layer ReLU networks trained to global optimality.

``ConvexReLURegressor`` and ``ConvexReLUClassifier`` solve the convex
reformulation (C-GReLU with ``model="gated-relu"``, C-ReLU with ``model="relu"``)
of a two-layer network with weight decay ``lam`` and keep the certificate:

- ``objective_``, ``duality_gap_`` (relative), ``max_cone_violation_``,
  ``status_`` ("solved", "max_iterations", ...), ``n_iter_``;
- the network on raw inputs: ``first_layer_`` (m x d), ``first_layer_bias_`` (m),
  ``output_weights_`` (c x m; each neuron feeds one output), ``gates_`` (m x d,
  gated ReLU only; ``None`` for ReLU) and ``gates_bias_``; ``n_active_neurons_``;
- ``record_`` and ``weights_``: the CLI's result record and weights file (dicts).

Classification is one-vs-all as in the convex model: two classes are fit as one
output with targets -1/+1 (``classes_[1]`` is +1), k > 2 classes as k outputs with
one-hot 0/1 targets, predicted by the largest output. ``decision_function``
returns those outputs. Predictions go through the same Rust code as
``cvxrelu predict`` (the stored preprocessing and gates applied to raw inputs).
"""

import json

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from . import _api

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(est, X="no_validation", y="no_validation", **kw):
        return est._validate_data(X, y, **kw)


class _ConvexNetwork(BaseEstimator):
    """Parameters and fitted attributes shared by the two estimators."""

    def __init__(self, model="gated-relu", lam=1e-3, patterns=100, seed=0, gates=None,
                 solver="fista", tol=None, max_iter=None, time_limit=None, scale="standardize",
                 bias=True, threads=1):
        self.model = model
        self.lam = lam
        self.patterns = patterns
        self.seed = seed
        self.gates = gates
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.time_limit = time_limit
        self.scale = scale
        self.bias = bias
        self.threads = threads

    def _solve(self, X, Y):
        if X.shape[0] < 2:
            raise ValueError(f"n_samples = {X.shape[0]}: {type(self).__name__} needs at least "
                             "2 samples")
        record, weights = _api.solve(
            X, Y, model=self.model, lam=self.lam, patterns=self.patterns, seed=self.seed,
            gates=self.gates, bias=self.bias, scale=self.scale, solver=self.solver, tol=self.tol,
            max_iter=self.max_iter, time_limit=self.time_limit, threads=self.threads)
        if weights is None:
            raise ValueError(f"solver '{self.solver}' on the relu model trains a network whose "
                             "patterns are not the convex model's; use fista, al or clarabel")
        self.record_ = record
        self.weights_ = weights
        self._weights_json = json.dumps(weights)
        self.objective_ = record["objective"]
        self.duality_gap_ = record["relative_duality_gap"]
        self.max_cone_violation_ = record["max_cone_violation"]
        self.status_ = record["status"]
        self.n_iter_ = record["iterations"]
        net = weights["network"]
        neurons = net["neurons"]
        d, c = X.shape[1], net["c"]
        self.n_active_neurons_ = len(neurons)
        self.first_layer_ = np.array([nr["raw_first"] for nr in neurons], dtype=float).reshape(-1, d)
        self.first_layer_bias_ = np.array([nr["raw_bias"] for nr in neurons], dtype=float)
        self.output_weights_ = np.zeros((c, len(neurons)))
        for j, nr in enumerate(neurons):
            self.output_weights_[nr["output"], j] = nr["second"]
        if net["model"] == "gated-relu":
            self.gates_ = np.array([nr["raw_gate"][0] for nr in neurons], dtype=float).reshape(-1, d)
            self.gates_bias_ = np.array([nr["raw_gate"][1] for nr in neurons], dtype=float)
        else:
            self.gates_ = None
            self.gates_bias_ = None
        return self

    def _outputs(self, X):
        check_is_fitted(self, "weights_")
        X = _validate_data(self, X, reset=False, dtype=np.float64)
        return _api.predict(self._weights_json, X)


class ConvexReLURegressor(RegressorMixin, _ConvexNetwork):
    """A two-layer (gated) ReLU network fit by convex optimization, squared loss
    ``1/(2nc) ||f(X) - Y||^2 + lam * (group norms)`` (the weight-decay network's
    objective); ``y`` may have several columns (one-vs-all outputs)."""

    def fit(self, X, y):
        X, y = _validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        return self._solve(X, y.reshape(-1, 1) if y.ndim == 1 else y)

    def predict(self, X):
        out = self._outputs(X)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}


class ConvexReLUClassifier(ClassifierMixin, _ConvexNetwork):
    """A two-layer (gated) ReLU classifier fit by convex optimization: -1/+1
    targets for two classes, one-vs-all one-hot targets for more."""

    def fit(self, X, y):
        X, y = _validate_data(self, X, y, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_, idx = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes in the "
                             f"data, but the data contain only one class: {self.classes_[0]!r}")
        if k == 2:
            Y = np.where(idx == 1, 1.0, -1.0).reshape(-1, 1)
        else:
            Y = np.zeros((len(y), k))
            Y[np.arange(len(y)), idx] = 1.0
        return self._solve(X, Y)

    def decision_function(self, X):
        out = self._outputs(X)
        return out.ravel() if len(self.classes_) == 2 else out

    def predict(self, X):
        out = self.decision_function(X)
        if len(self.classes_) == 2:
            return self.classes_[(out > 0).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]
