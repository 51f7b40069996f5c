"""Optimizers, named as in ``scnn.solvers``; each runs a cvxrelu solver.

- ``RFISTA`` -> cvxrelu's ``fista`` (R-FISTA with the correct momentum
  ``t+ = (1 + sqrt(1 + 4 t^2)) / 2``; scnn computes ``1 + sqrt(1 + 4 t^2) / 2``).
  ``tol`` is cvxrelu's certified relative duality gap, not scnn's squared
  min-norm subgradient: the answer comes with a proof of its accuracy.
- ``AL`` -> cvxrelu's ``al`` (augmented Lagrangian, then a projected polish);
  ``max_primal_iters`` bounds the iterations, ``tol`` is the certified gap,
  ``constraint_tol`` and ``delta`` are accepted for compatibility (the AL
  chooses its own penalty by the windowing rule and polishes to feasibility).
- ``CVXPYSolver`` -> Clarabel on cvxrelu's compiled SOCP (an interior-point
  method like the ones scnn reaches through CVXPY); ``solver`` and
  ``solver_kwargs`` are accepted and ignored.
"""

from .models import ConvexGatedReLU, ConvexReLU


class Optimizer:
    """Base class: the model it trains and the cvxrelu solver it runs."""

    solver = None

    def __init__(self, model):
        self.model = model

    def cpu_only(self):
        return True

    def _options(self):
        return {}


class RFISTA(Optimizer):
    """R-FISTA for gated ReLU models (and ReLU models: cvxrelu projects onto the
    cones)."""

    solver = "fista"

    def __init__(self, model, max_iters=10000, tol=1e-6):
        if not isinstance(model, (ConvexGatedReLU, ConvexReLU)):
            raise ValueError("RFISTA trains ConvexGatedReLU or ConvexReLU models")
        super().__init__(model)
        self.max_iters = max_iters
        self.tol = tol

    def _options(self):
        return {"max_iter": self.max_iters, "tol": self.tol}


class AL(Optimizer):
    """The augmented Lagrangian method for ReLU models."""

    solver = "al"

    def __init__(self, model, max_primal_iters=10000, max_dual_iters=10000, tol=1e-6,
                 constraint_tol=1e-6, delta=1000):
        if not isinstance(model, ConvexReLU):
            raise ValueError("The AL optimizer can only be used to train ReLU models.")
        super().__init__(model)
        self.max_primal_iters = max_primal_iters
        self.max_dual_iters = max_dual_iters
        self.tol = tol
        self.constraint_tol = constraint_tol
        self.delta = delta

    def _options(self):
        return {"max_iter": self.max_primal_iters, "tol": self.tol}


class CVXPYSolver(Optimizer):
    """An interior-point solve: Clarabel on the compiled SOCP."""

    solver = "clarabel"

    def __init__(self, model, solver="clarabel", solver_kwargs=None, clean_sol=False):
        super().__init__(model)
        self.solver_name = solver
        self.solver_kwargs = {} if solver_kwargs is None else solver_kwargs
        self.clean_sol = clean_sol
