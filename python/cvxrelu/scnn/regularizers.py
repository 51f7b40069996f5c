"""Regularizers, named as in ``scnn.regularizers``; ``lam`` is the strength and
the data term is ``1/(2nc) ||.||^2`` in both libraries, so a given ``lam`` is the
same problem."""


class Regularizer:
    """Base class: ``lam * R(U)``."""

    name = None

    def __init__(self, lam):
        self.lam = float(lam)

    def __str__(self):
        return f"{type(self).__name__}_lam{self.lam}"

    __repr__ = __str__


class NeuronGL1(Regularizer):
    """``lam * sum_{k,i} ||u_{k,i}||_2``: the group lasso over neurons (the paper's
    penalty, equal to weight decay on the recovered network)."""

    name = "neuron-gl1"


class FeatureGL1(Regularizer):
    """``lam * sum_j ||U[:, :, j]||_2``: one group per input feature (gated ReLU)."""

    name = "feature-gl1"


class L2(Regularizer):
    """``lam * 1/2 ||U||_F^2`` (gated ReLU)."""

    name = "l2"


class L1(Regularizer):
    """``lam * ||U||_1`` (gated ReLU)."""

    name = "l1"
