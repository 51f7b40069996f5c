"""An scnn-compatible front end: ``from cvxrelu.scnn.models import ConvexGatedReLU``
and friends, with the signatures of the published library (scnn / pyscnn), so an
existing scnn script runs by changing ``scnn`` to ``cvxrelu.scnn`` in its imports.

Modules: ``models`` (ConvexGatedReLU, ConvexReLU and the networks returned),
``solvers`` (RFISTA, AL, CVXPYSolver), ``regularizers`` (NeuronGL1, FeatureGL1,
L2, L1), ``metrics`` (Metrics), ``activations`` (sample_gate_vectors), ``optimize``
(optimize, optimize_model, optimize_path).

Where behaviour differs on purpose:
- the returned network's gates are mapped back to raw inputs along with its
  weights (scnn forgets the gates, so its network mispredicts on raw inputs);
- R-FISTA uses the correct momentum ``(1 + sqrt(1 + 4 t^2)) / 2``;
- solvers stop on a certified relative duality gap (``tol``), not on scnn's
  squared subgradient norm, and every answer carries its certificate
  (``model.record``: objective, gap, cone violation, status);
- duplicate activation patterns are removed keeping the first gate, so a returned
  convex model can have fewer neurons than gates given;
- computations are float64 on the CPU (``device``, ``dtype`` ignored);
- not provided: ``LeastSquaresSolver``, ``ApproximateConeDecomposition`` (use
  ``cvxrelu decompose``), feature-sparse and convolutional gates, losses other
  than the squared loss.
"""

from .activations import sample_gate_vectors
from .metrics import Metrics
from .models import ConvexGatedReLU, ConvexReLU, NonConvexGatedReLU, NonConvexReLU
from .optimize import optimize, optimize_model, optimize_path
from .regularizers import L1, L2, FeatureGL1, NeuronGL1
from .solvers import AL, RFISTA, CVXPYSolver

__all__ = ["sample_gate_vectors", "Metrics", "ConvexGatedReLU", "ConvexReLU",
           "NonConvexGatedReLU", "NonConvexReLU", "optimize", "optimize_model", "optimize_path",
           "NeuronGL1", "FeatureGL1", "L1", "L2", "RFISTA", "AL", "CVXPYSolver"]
