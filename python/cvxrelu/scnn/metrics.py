"""``Metrics``, as in ``scnn.metrics``: which quantities to collect while
training, filled by ``optimize_model``.

cvxrelu's solvers record a trace (objective, time, at logged
iterations); ``objective`` and ``time`` come from that trace; ``grad_norm`` is
the final certified relative duality gap (a stronger stopping measure than
scnn's squared subgradient norm); the others are computed once at the end
and stored as one-element arrays. The whole record is in ``metrics.record``.
"""

import numpy as np


class Metrics:
    """Metrics to collect (see scnn); filled by optimize_model / optimize_path."""

    test_metrics = False

    _NAMES = ("objective", "grad_norm", "time", "model_loss", "constraint_gaps",
              "lagrangian_grad", "train_accuracy", "train_mse", "test_accuracy", "test_mse",
              "total_neurons", "neuron_sparsity", "active_neurons", "total_features",
              "feature_sparsity", "active_features", "active_weights", "weight_sparsity")

    def __init__(self, metric_freq=25, objective=True, grad_norm=True, time=True,
                 model_loss=False, constraint_gaps=False, lagrangian_grad=False,
                 train_accuracy=False, train_mse=False, test_accuracy=False, test_mse=False,
                 total_neurons=False, neuron_sparsity=False, active_neurons=False,
                 total_features=False, feature_sparsity=False, active_features=False,
                 active_weights=False, weight_sparsity=False):
        self.metric_freq = metric_freq
        flags = locals()
        self.metrics_to_collect = {k: bool(flags[k]) for k in self._NAMES}
        for k in self._NAMES:
            setattr(self, k, np.array([]))
        self.test_metrics = bool(test_mse or test_accuracy)
        self.record = None

    def has_test_metrics(self):
        return self.test_metrics

    def _fill(self, record, convex_blocks, X, y, X_test, y_test, network):
        """Fill the enabled metrics from a record, the convex blocks (c, p, d) and
        the trained network (callable on raw inputs)."""
        self.record = record
        trace = record.get("trace") or []
        final = {
            "objective": record["objective"],
            "grad_norm": record.get("relative_duality_gap"),
            "time": record["time"]["solve_s"],
            "model_loss": record["loss"],
            "constraint_gaps": record["max_cone_violation"],
            "lagrangian_grad": record.get("relative_duality_gap"),
        }
        series = {
            "objective": [t.get("objective") for t in trace],
            "time": [t.get("time_s") for t in trace],
        }
        norms = np.linalg.norm(convex_blocks, axis=2)  # (c, p)
        total = norms.size
        active = int(np.count_nonzero(norms))
        feat_used = np.any(convex_blocks != 0, axis=(0, 1))
        final.update({
            "total_neurons": total,
            "active_neurons": active,
            "neuron_sparsity": 1.0 - active / total if total else 0.0,
            "total_features": convex_blocks.shape[2],
            "active_features": int(np.count_nonzero(feat_used)),
            "feature_sparsity": 1.0 - np.count_nonzero(feat_used) / max(convex_blocks.shape[2], 1),
            "active_weights": int(np.count_nonzero(convex_blocks)),
            "weight_sparsity": 1.0 - np.count_nonzero(convex_blocks) / max(convex_blocks.size, 1),
        })
        for split, (A, b) in (("train", (X, y)), ("test", (X_test, y_test))):
            if not (self.metrics_to_collect[f"{split}_mse"]
                    or self.metrics_to_collect[f"{split}_accuracy"]):
                continue  # the network's predictions only when a metric uses them
            if A is None:
                if split == "test":
                    A, b = X, y
                else:
                    continue
            pred = network(A)
            b = np.asarray(b, dtype=float).reshape(pred.shape)
            final[f"{split}_mse"] = float(np.mean((pred - b) ** 2))
            if pred.shape[1] == 1:
                acc = np.mean(np.sign(pred) == np.sign(b))
            else:
                acc = np.mean(np.argmax(pred, 1) == np.argmax(b, 1))
            final[f"{split}_accuracy"] = float(acc)
        for k, on in self.metrics_to_collect.items():
            if not on:
                continue
            vals = [v for v in series.get(k, []) if v is not None]
            if not vals or vals[-1] != final.get(k):
                vals.append(final.get(k))
            setattr(self, k, np.array(vals, dtype=float))
        return self
