"""The scikit-learn estimators: scikit-learn's own estimator checks, Pipeline and
GridSearchCV, the certificate attributes, and predictions equal to the CLI's."""

import json
import os
import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from cvxrelu import ConvexReLUClassifier, ConvexReLURegressor
from conftest import DATA, load_csv, run_cli

# scikit-learn checks that are skipped, with the reason (none at the moment).
SKIPPED = {}


@parametrize_with_checks([ConvexReLURegressor(), ConvexReLUClassifier(),
                          ConvexReLUClassifier(model="relu", solver="al", patterns=20)])
def test_sklearn_check(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


def _iris():
    X, Y = load_csv(os.path.join(DATA, "iris.csv"))
    return X, np.argmax(Y, axis=1)


def test_classifier_certificate_and_network():
    X, y = _iris()
    clf = ConvexReLUClassifier(lam=1e-3, patterns=50, tol=1e-8).fit(X, y)
    assert clf.status_ == "solved"
    assert clf.duality_gap_ <= 1e-8
    assert list(clf.classes_) == [0, 1, 2]
    m = clf.n_active_neurons_
    assert clf.first_layer_.shape == (m, 4) and clf.gates_.shape == (m, 4)
    assert clf.output_weights_.shape == (3, m)
    # the network attributes predict what predict() predicts (gated ReLU on raw inputs)
    act = (X @ clf.gates_.T + clf.gates_bias_ > 0) * (X @ clf.first_layer_.T + clf.first_layer_bias_)
    np.testing.assert_allclose(act @ clf.output_weights_.T, clf.decision_function(X),
                               rtol=1e-9, atol=1e-12)
    assert clf.score(X, y) > 0.9


def test_relu_classifier_is_feasible():
    X, y = _iris()
    clf = ConvexReLUClassifier(model="relu", solver="al", lam=1e-3, patterns=20).fit(X, y)
    assert clf.status_ == "solved"
    assert clf.max_cone_violation_ <= 1e-8
    assert clf.gates_ is None
    relu = np.maximum(X @ clf.first_layer_.T + clf.first_layer_bias_, 0)
    np.testing.assert_allclose(relu @ clf.output_weights_.T, clf.decision_function(X),
                               rtol=1e-9, atol=1e-12)


def test_pipeline_and_grid_search():
    X, y = _iris()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    pipe = make_pipeline(StandardScaler(), ConvexReLUClassifier(patterns=30, scale="none"))
    grid = GridSearchCV(pipe, {"convexreluclassifier__lam": [1e-1, 1e-2, 1e-3]}, cv=3)
    grid.fit(Xtr, ytr)
    assert grid.best_params_["convexreluclassifier__lam"] in (1e-1, 1e-2, 1e-3)
    assert len(grid.cv_results_["mean_test_score"]) == 3
    assert grid.score(Xte, yte) > 0.85


def test_regressor_multioutput_and_cli_predict(tmp_path):
    X, Y = load_csv(os.path.join(DATA, "diabetes.csv"))
    Y2 = np.hstack([Y, -Y])
    reg = ConvexReLURegressor(lam=1e-2, patterns=20).fit(X, Y2)
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.status_ == "solved"
    # the CLI predicts the same from the estimator's weights file
    wfile = tmp_path / "w.json"
    wfile.write_text(json.dumps(reg.weights_))
    xfile = tmp_path / "x.csv"
    np.savetxt(xfile, X, delimiter=",", header=",".join(f"x{j}" for j in range(X.shape[1])),
               comments="", fmt="%.17g")
    pfile = tmp_path / "p.csv"
    run_cli("predict", "--weights", wfile, "--data", xfile, "--out", pfile)
    cli = np.loadtxt(pfile, delimiter=",", skiprows=1, ndmin=2)
    np.testing.assert_allclose(reg.predict(X), cli, rtol=1e-15, atol=0)


def test_regressor_one_output():
    X, Y = load_csv(os.path.join(DATA, "diabetes.csv"))
    reg = ConvexReLURegressor(lam=1e-3, patterns=20).fit(X, Y.ravel())
    assert reg.predict(X).shape == (len(X),)
    assert reg.score(X, Y.ravel()) > 0.3
