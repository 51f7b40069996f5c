"""Gate vectors, as ``scnn.activations`` draws them."""

import numpy as np


def sample_gate_vectors(seed, d, n_samples, gate_type="dense", order=None):
    """A ``d x n_samples`` matrix of i.i.d. standard normal gates from
    ``numpy.random.default_rng(seed)`` (scnn's dense gates, value for value).
    Only ``gate_type="dense"`` is provided."""
    if gate_type != "dense":
        raise ValueError(f"gate_type '{gate_type}': cvxrelu.scnn provides dense gates only")
    return np.random.default_rng(seed).standard_normal((d, n_samples))


def compute_activation_patterns(X, G, filter_duplicates=True, filter_zero=True):
    """Patterns ``D = 1[X G > 0]`` (n x p) and their gates, duplicates removed
    keeping the first gate of each pattern and the all-zero pattern dropped, as
    cvxrelu does (scnn's own function orders the kept patterns differently)."""
    X, G = np.asarray(X, dtype=float), np.asarray(G, dtype=float)
    D = (X @ G > 0).astype(float)
    keep, seen = [], set()
    for i in range(D.shape[1]):
        key = D[:, i].tobytes()
        if (filter_zero and not D[:, i].any()) or (filter_duplicates and key in seen):
            continue
        seen.add(key)
        keep.append(i)
    return D[:, keep], G[:, keep]
