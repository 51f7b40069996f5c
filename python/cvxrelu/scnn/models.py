"""Models, named as in ``scnn.models``: the convex reformulations (inputs to
``optimize_model``) and the networks it returns.

Conventions (as scnn's): gates ``G`` are ``d x p``; convex parameters are
``(c, p, d)`` arrays (``[U]`` for gated ReLU, ``[U, V]`` for ReLU, where the
prediction is ``sum_i D_i X (U_i - V_i)``), plus ``(c, p)`` bias arrays when
``bias=True``; networks have ``[W1 (p x d), W2 (c x p)]`` (with the first-layer
bias ``b1 (p,)`` between them when ``bias=True``) and, gated, the gates ``G``.

Differences on purpose:
- a returned network predicts on raw inputs with its gates mapped back through
  the preprocessing too (scnn maps the weights back but leaves the gates in the
  unitized space, so its network mispredicts on raw inputs); ``model(X)`` runs
  the same Rust code as ``cvxrelu predict``;
- the convex model returned with ``return_convex=True`` keeps the patterns
  cvxrelu kept (duplicates and the all-zero pattern dropped, first gate kept), so
  its ``p`` and ``G`` can be smaller than the ones given.
"""

import numpy as np

from .. import _api


class Model:
    """Base class: ``c`` outputs, ``d`` inputs, ``p`` neurons, ``bias``,
    ``parameters``; after training, ``record`` and ``weights`` (the CLI's
    documents) and ``__call__`` on raw inputs."""

    d: int
    p: int
    c: int
    bias: bool

    record = None
    weights = None

    def get_parameters(self):
        return self.parameters

    def set_parameters(self, parameters):
        self.parameters = parameters

    def __call__(self, X):
        if self.weights is None:
            raise ValueError(f"this {type(self).__name__} has not been trained by optimize_model")
        out = _api.predict(self.weights, X)
        return out


class GatedModel(Model):
    """A model with fixed gate vectors ``G`` (d x p) and gate biases ``G_bias``."""

    def __init__(self, G, c=1, bias=False, G_bias=None):
        self.G = np.asarray(G, dtype=float)
        if self.G.ndim != 2:
            raise ValueError(f"G: expected a d x p matrix, got {self.G.ndim}-D")
        self.d, self.p = self.G.shape
        self.c = int(c)
        self.bias = bool(bias)
        self.G_bias = np.zeros(self.p) if G_bias is None else np.asarray(G_bias, dtype=float)

    def compute_activations(self, X):
        """``D = 1[X G + G_bias > 0]`` (n x p)."""
        return (np.asarray(X, dtype=float) @ self.G + self.G_bias > 0).astype(float)

    def _gates_rows(self):
        """The gates as cvxrelu's gate file rows (p x d, plus the bias entry)."""
        rows = self.G.T
        if self.bias:
            rows = np.hstack([rows, self.G_bias.reshape(-1, 1)])
        return rows


class ConvexGatedReLU(GatedModel):
    """The convex gated ReLU model ``sum_i diag(X g_i > 0) X u_i`` (C-GReLU)."""

    formulation = "gated-relu"

    def __init__(self, G, c=1, bias=False, G_bias=None):
        super().__init__(G, c, bias, G_bias)
        self.parameters = [np.zeros((self.c, self.p, self.d))]
        if self.bias:
            self.parameters.append(np.zeros((self.c, self.p)))


class ConvexReLU(GatedModel):
    """The convex ReLU model ``sum_i D_i X (u_i - v_i)`` with the cone
    constraints ``(2 D_i - I) X u_i >= 0`` (C-ReLU); ``G`` generates the
    patterns."""

    formulation = "relu"

    def __init__(self, G, c=1, bias=False, G_bias=None):
        super().__init__(G, c, bias, G_bias)
        z = np.zeros((self.c, self.p, self.d))
        self.parameters = [z, z.copy()]
        if self.bias:
            self.parameters = [z, np.zeros((self.c, self.p)), z.copy(), np.zeros((self.c, self.p))]


class NonConvexGatedReLU(GatedModel):
    """A gated ReLU network ``sum_j diag(X g_j > 0) (X W1_j + b1_j) W2_j``."""

    def __init__(self, G, c=1, bias=False, G_bias=None):
        super().__init__(G, c, bias, G_bias)
        self.parameters = [np.zeros((self.p, self.d)), np.zeros((self.c, self.p))]
        if self.bias:
            self.parameters.insert(1, np.zeros(self.p))


class NonConvexReLU(Model):
    """A ReLU network ``sum_j (X W1_j + b1_j)_+ W2_j``."""

    def __init__(self, d, p, c=1, bias=False):
        self.d, self.p, self.c, self.bias = int(d), int(p), int(c), bool(bias)
        self.parameters = [np.zeros((self.p, self.d)), np.zeros((self.c, self.p))]
        if self.bias:
            self.parameters.insert(1, np.zeros(self.p))
