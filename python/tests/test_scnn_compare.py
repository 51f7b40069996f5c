"""scripts/scnn-compare.py, the comparison with the published scnn library: its
evaluator agrees with the independent reference objectives on the answers of the
path it times (cvxrelu.scnn), is blind to the order of the blocks (scnn returns
them sorted), and the committed table is what the script writes from the
committed runs."""

import importlib.util
import json
import os

import numpy as np
import pytest

from conftest import REFERENCE, ROOT

SCRIPT = os.path.join(ROOT, "scripts", "scnn-compare.py")
COMMITTED = os.path.join(ROOT, "results", "scnn")


def script():
    spec = importlib.util.spec_from_file_location("scnn_compare", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def problems():
    with open(os.path.join(REFERENCE, "objectives.json")) as f:
        return json.load(f)["problems"]


@pytest.mark.parametrize("model", ["gated-relu", "relu"])
def test_evaluator_gives_the_reference_objective_of_cvxrelu_scnn_answers(model):
    sc = script()
    lib = sc.library("cvxrelu.scnn")
    prob = next(p for p in problems() if p["data"] == "synth.csv" and p["model"] == model
                and p["lambda"] == 0.01)
    data = sc.load_csv(os.path.join(REFERENCE, prob["data"]))
    X, y = data[:, :-1], data[:, -1]
    G = sc.load_csv(os.path.join(REFERENCE, prob["gates"])).T.copy()
    cpu, wall, (gates, params) = sc.run(lib, prob, X, y, G, 1e-6)
    assert cpu > 0 and wall > 0
    f, viol = sc.objective(X, y, gates, params, model, prob["lambda"])
    assert abs(f - prob["objective"]) <= 1e-6 * prob["objective"]
    assert viol <= 1e-6
    # A wrong evaluation must show: dropping one active block moves the objective.
    k = int(np.argmax(np.linalg.norm(params[0][0], axis=1)))
    cut = [p.copy() for p in params]
    cut[0][0][k] = 0.0
    assert sc.objective(X, y, gates, cut, model, prob["lambda"])[0] > f * (1 + 1e-6)


def test_evaluator_is_blind_to_the_order_of_blocks():
    sc = script()
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    y = rng.standard_normal(40)
    G = rng.standard_normal((5, 7))
    U, V = rng.standard_normal((1, 7, 5)), rng.standard_normal((1, 7, 5))
    perm = rng.permutation(7)
    for model, params in (("gated-relu", [U]), ("relu", [U, V])):
        a = sc.objective(X, y, G, params, model, 0.1)
        b = sc.objective(X, y, G[:, perm], [p[:, perm] for p in params], model, 0.1)
        assert a == pytest.approx(b, rel=1e-12)
        # and not blind to pairing gates with other blocks
        c = sc.objective(X, y, G[:, perm], params, model, 0.1)
        assert c[0] != pytest.approx(a[0], rel=1e-6)


def test_committed_table_is_what_the_script_writes(tmp_path):
    sc = script()
    out = tmp_path / "table.md"
    sc.table(COMMITTED, str(out))
    with open(os.path.join(COMMITTED, "table.md")) as f:
        assert out.read_text() == f.read()
