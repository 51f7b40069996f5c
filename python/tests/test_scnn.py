"""The scnn front end: a script written against the published scnn API runs with
only its imports changed and reaches the reference objectives; the network it
returns predicts on raw inputs what the convex model predicts."""

import os
import textwrap

import numpy as np
import pytest

from conftest import REFERENCE, load_csv, reference_id, reference_problems

# Written as an scnn user writes it (scnn's README and examples).
SCNN_SCRIPT = textwrap.dedent("""
    import numpy as np
    from scnn.models import ConvexGatedReLU, ConvexReLU
    from scnn.solvers import RFISTA, AL
    from scnn.regularizers import NeuronGL1
    from scnn.metrics import Metrics
    from scnn.optimize import optimize_model, optimize_path

    def train(X, y, G, lam, formulation):
        if formulation == "gated_relu":
            model = ConvexGatedReLU(G)
            solver = RFISTA(model, max_iters=100000)
        else:
            model = ConvexReLU(G)
            solver = AL(model, max_primal_iters=1000000)
        metrics = Metrics(metric_freq=25, model_loss=True, train_accuracy=True)
        model, metrics = optimize_model(model, solver, metrics, X, y,
                                        regularizer=NeuronGL1(lam), unitize_data=False,
                                        return_convex=True)
        return model, metrics

    def path(X, y, G, lams):
        model = ConvexGatedReLU(G)
        solver = RFISTA(model, max_iters=100000)
        regs = [NeuronGL1(lam) for lam in lams]
        models, metrics = optimize_path(model, solver, regs, Metrics(), X, y,
                                        unitize_data=False, return_convex=True)
        return models, metrics
""")


def load_script():
    ns = {}
    exec(compile(SCNN_SCRIPT.replace("from scnn.", "from cvxrelu.scnn."), "scnn_script", "exec"),
         ns)
    return ns


def problem(e):
    X, y = load_csv(os.path.join(REFERENCE, e["data"]))
    with open(os.path.join(REFERENCE, e["gates"])) as f:
        G = np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2).T
    return X, y, G


@pytest.mark.parametrize("e", reference_problems(), ids=reference_id)
def test_scnn_script_reaches_reference(e):
    ns = load_script()
    X, y, G = problem(e)
    model, metrics = ns["train"](X, y, G, e["lambda"], "gated_relu" if e["model"] == "gated-relu"
                                 else "relu")
    assert model.record["status"] == "solved"
    assert metrics.objective[-1] == pytest.approx(e["objective"], rel=2e-6)
    assert model.p == e["patterns"]
    assert model.parameters[0].shape == (e["c"], e["patterns"], e["d"])
    # the convex model's scnn-style prediction equals the trained network's
    D = model.compute_activations(X)
    diff = model.parameters[0] - (model.parameters[1] if e["model"] == "relu" else 0)
    pred = np.einsum("ij,lkj,ik->il", X, diff, D)
    np.testing.assert_allclose(pred, model(X), rtol=1e-9, atol=1e-12)


def test_scnn_path_warm_started():
    ns = load_script()
    e = next(p for p in reference_problems() if p["model"] == "gated-relu")
    same = [p for p in reference_problems() if p["data"] == e["data"] and p["model"] == e["model"]]
    same.sort(key=lambda p: -p["lambda"])
    X, y, G = problem(e)
    models, metrics = ns["path"](X, y, G, [p["lambda"] for p in same])
    assert len(models) == len(same)
    for m, met, p in zip(models, metrics, same):
        assert met.objective[-1] == pytest.approx(p["objective"], rel=2e-6)
        assert m.record["details"]["warm_started"] == (p is not same[0])


def test_optimize_convenience_on_raw_inputs():
    """scnn.optimize on raw (non-unitized) inputs: the returned network has its
    gates mapped back, so it predicts on raw inputs what the convex model
    predicts on the unitized inputs it was trained on."""
    from cvxrelu.scnn import NeuronGL1, optimize
    from conftest import DATA
    X, Y = load_csv(os.path.join(DATA, "wine.csv"))
    X = X * np.linspace(1, 100, X.shape[1])  # columns on very different scales
    y = Y[:, :1] * 2 - 1
    net, metrics = optimize("gated_relu", 40, X, y, regularizer=NeuronGL1(1e-3))
    conv, _ = optimize("gated_relu", 40, X, y, regularizer=NeuronGL1(1e-3), return_convex=True)
    # convex model in raw space (scnn's formula with the mapped-back gates)
    D = conv.compute_activations(X)
    pred = np.einsum("ij,lkj,ik->il", X, conv.parameters[0], D)
    np.testing.assert_allclose(net(X), pred, rtol=1e-8, atol=1e-10)
    W1, W2 = net.parameters
    G = net.G
    np.testing.assert_allclose(((X @ G > 0) * (X @ W1.T)) @ W2.T, pred, rtol=1e-8, atol=1e-10)
    assert metrics.objective[-1] == pytest.approx(net.record["objective"])


def test_metrics_fill_what_is_asked_from_the_network():
    """train/test mse and accuracy are those of the trained network's
    predictions, computed independently here; metrics not asked for stay empty."""
    from cvxrelu.scnn import ConvexGatedReLU, Metrics, NeuronGL1, RFISTA, optimize_model
    e = next(p for p in reference_problems() if p["model"] == "gated-relu")
    X, y, G = problem(e)
    Xt, yt = X[::3] * 1.1, y[::3]
    model = ConvexGatedReLU(G)
    asked = Metrics(train_mse=True, test_accuracy=True)
    net, met = optimize_model(model, RFISTA(model), asked, X, y, Xt, yt,
                              regularizer=NeuronGL1(e["lambda"]), unitize_data=False)
    pred, pred_t = net(X), net(Xt)
    assert met.train_mse[-1] == pytest.approx(np.mean((pred - y.reshape(pred.shape)) ** 2))
    assert met.test_accuracy[-1] == pytest.approx(
        np.mean(np.sign(pred_t) == np.sign(yt.reshape(pred_t.shape))))
    assert met.train_accuracy.size == 0 and met.test_mse.size == 0
    none = Metrics(objective=False, grad_norm=False, time=False)
    _, met = optimize_model(model, RFISTA(model), none, X, y, Xt, yt,
                            regularizer=NeuronGL1(e["lambda"]), unitize_data=False)
    assert all(getattr(met, k).size == 0 for k in Metrics._NAMES)


def test_sample_gate_vectors_is_numpy_default_rng():
    from cvxrelu.scnn.activations import sample_gate_vectors
    G = sample_gate_vectors(123, 5, 7)
    np.testing.assert_array_equal(G, np.random.default_rng(123).standard_normal((5, 7)))


def test_solver_model_mismatch_is_an_error():
    from cvxrelu.scnn import AL, ConvexGatedReLU
    with pytest.raises(ValueError, match="ReLU models"):
        AL(ConvexGatedReLU(np.ones((3, 2))))
