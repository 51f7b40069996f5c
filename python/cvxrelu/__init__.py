"""cvxrelu: two-layer ReLU networks trained to global optimality by convex
optimization, with a certificate.

- ``solve``, ``path``, ``export``, ``bench``, ``report``, ``predict``: the command
  line tool's jobs on numpy arrays; results are the CLI's JSON documents as dicts.
- ``ConvexReLURegressor``, ``ConvexReLUClassifier``: scikit-learn estimators
  (``cvxrelu.estimators``; needs scikit-learn).
- ``cvxrelu.scnn``: a front end with the published scnn library's API.

Solves run in Rust with the GIL released; Ctrl-C stops a long solve between
iterations and raises ``KeyboardInterrupt``. Errors are ``CvxreluError`` (a
``ValueError``) with the CLI's one-line messages.
"""

from ._api import CvxreluError, bench, export, path, predict, report, solve
from ._cvxrelu import version

__version__ = version()

__all__ = ["CvxreluError", "solve", "path", "export", "bench", "report", "predict",
           "ConvexReLURegressor", "ConvexReLUClassifier", "__version__"]


def __getattr__(name):  # the estimators import scikit-learn only when asked for
    if name in ("ConvexReLURegressor", "ConvexReLUClassifier"):
        from . import estimators
        return getattr(estimators, name)
    raise AttributeError(f"module 'cvxrelu' has no attribute {name!r}")
