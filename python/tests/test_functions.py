"""solve / path / export / bench / report / predict as functions: equal to the
CLI's outputs, errors with the CLI's messages, Ctrl-C stops a solve."""

import json
import os
import signal
import threading
import time
import _thread

import numpy as np
import pytest

import cvxrelu
from cvxrelu import CvxreluError
from conftest import DATA, REFERENCE, ROOT, load_csv, run_cli

IRIS = os.path.join(DATA, "iris.csv")


def test_path_equals_cli_path(tmp_path):
    lams = [1e-1, 1e-2, 1e-3]
    run_cli("path", "--data", IRIS, "--model", "gated-relu", "--patterns", 20, "--lambdas",
            ",".join(map(str, lams)), "--solver", "fista", "--out", tmp_path)
    X, Y = load_csv(IRIS)
    steps = cvxrelu.path(X, Y, lams, patterns=20, solver="fista")
    assert len(steps) == 3
    for i, (rec, weights) in enumerate(steps):
        cli = json.loads((tmp_path / f"lambda_{i:03}.json").read_text())
        assert rec["objective"] == pytest.approx(cli["objective"], rel=1e-12, abs=0)
        assert rec["iterations"] == cli["iterations"]
        assert rec["details"]["path_index"] == i
        assert rec["details"]["warm_started"] == (i > 0)
        assert weights["problem"]["lambda"] == lams[i]


def test_path_grid_must_decrease():
    X, Y = load_csv(IRIS)
    with pytest.raises(CvxreluError, match="strictly decreasing"):
        cvxrelu.path(X, Y, [1e-3, 1e-2])


@pytest.mark.parametrize("fmt,ext,model,reg", [
    ("cbf", "cbf", "relu", None), ("mof", "mof.json", "relu", None),
    ("clarabel-json", "json", "relu", None),
    ("mps", "mps", "gated-relu", "l2"),  # MPS holds QPs only
])
def test_export_writes_the_cli_program(fmt, ext, model, reg, tmp_path):
    ref = os.path.join(REFERENCE, "synth.csv")
    gates = os.path.join(REFERENCE, "synth_gates.csv")
    a, b = tmp_path / f"cli.{ext}", tmp_path / f"py.{ext}"
    run_cli("export", "--data", ref, "--gates", gates, "--model", model, "--lambda", "1e-3",
            "--scale", "none", "--format", fmt, "--output", a, *(["--reg", reg] if reg else []))
    X, y = load_csv(ref)
    rec = cvxrelu.export(X, y, b, model=model, lam=1e-3, gates=gates, scale="none", reg=reg)
    assert rec["format"] == fmt
    # the same program; only the provenance (the data's name) differs
    def program(p):
        if ext.endswith("json"):
            doc = json.loads(p.read_text())
            doc.pop("description", None)  # MOF's provenance
            doc.pop("cvxrelu", None)      # Clarabel JSON's provenance
            return doc
        return [l for l in p.read_text().splitlines() if not l.startswith(("#", "*"))]
    pa = program(a)
    assert pa == program(b)
    assert len(pa) >= 5 and (ext.endswith("json") or len(pa) > 100)


def test_bench_and_report(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text(f"""
name = "py-smoke"
time-limit = 20.0
time-basis = "cpu"
taus = [1e-3]
lambdas = [1e-2]
seeds = [0]
[[dataset]]
name = "iris"
data = "{IRIS}"
split = 0.2
scale = "unit-norm"
bias = true
[[model]]
kind = "gated-relu"
patterns = 8
[[solver]]
kind = "fista"
""")
    out = tmp_path / "out"
    counts = cvxrelu.bench(suite, out)
    assert counts["ran"] == counts["selected"] == 1
    again = cvxrelu.bench(suite, out, resume=True)
    assert again["already_done"] == 1 and again["ran"] == 0
    with pytest.raises(CvxreluError, match="--resume"):
        cvxrelu.bench(suite, out)
    written = cvxrelu.report(out)
    assert any(p.endswith("report.md") for p in written)
    assert "fista" in (out / "report.md").read_text()


def test_predict_from_weights_dict_text_and_file(tmp_path):
    X, Y = load_csv(IRIS)
    rec, w = cvxrelu.solve(X, Y, patterns=10)
    p = cvxrelu.predict(w, X)
    assert p.shape == (len(X), 3)
    f = tmp_path / "w.json"
    f.write_text(json.dumps(w))
    np.testing.assert_array_equal(cvxrelu.predict(str(f), X), p)
    np.testing.assert_array_equal(cvxrelu.predict(json.dumps(w), X), p)


@pytest.mark.parametrize("edit,message", [
    (lambda w: w.update(version=99), "version 99"),
    (lambda w: w["gates"].pop(), "field gates"),
    (lambda w: w["network"].update(c=7), "field network.c"),
    (lambda w: w["problem"].update(model="relu"), "field problem.model"),
])
def test_predict_refuses_corrupt_weights(edit, message):
    X, Y = load_csv(IRIS)
    _, w = cvxrelu.solve(X, Y, patterns=10)
    edit(w)
    with pytest.raises(CvxreluError, match=message):
        cvxrelu.predict(w, X)


def test_predict_refuses_wrong_feature_count():
    X, Y = load_csv(IRIS)
    _, w = cvxrelu.solve(X, Y, patterns=10)
    with pytest.raises(CvxreluError, match="feature"):
        cvxrelu.predict(w, X[:, :3])


@pytest.mark.parametrize("kwargs,message", [
    (dict(lam=-1.0), "lambda"),
    (dict(solver="newton"), "solver"),
    (dict(model="sigmoid"), "model"),
    (dict(patterns=0), "pattern"),
    (dict(tol=-1.0), "tol"),
])
def test_bad_arguments_are_errors(kwargs, message):
    X, Y = load_csv(IRIS)
    with pytest.raises(CvxreluError, match=message):
        cvxrelu.solve(X, Y, **kwargs)


def test_bad_arrays_are_errors():
    X, Y = load_csv(IRIS)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(CvxreluError, match="row 3, column 2"):
        cvxrelu.solve(Xn, Y)
    with pytest.raises(CvxreluError, match="rows"):
        cvxrelu.solve(X[:-1], Y)
    with pytest.raises(CvxreluError, match="2-D"):
        cvxrelu.solve(np.zeros((2, 2, 2)), Y[:2])
    with pytest.raises(CvxreluError, match="not an array of numbers"):
        cvxrelu.solve([["a", "b"]], [1.0])


def test_errors_are_value_errors_with_one_line():
    X, Y = load_csv(IRIS)
    with pytest.raises(ValueError) as e:
        cvxrelu.solve(X, Y, lam=float("nan"))
    assert "\n" not in str(e.value)


def test_ctrl_c_stops_a_long_solve_and_the_next_solve_works():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 40))
    y = np.sin(X[:, :1] * 3) + 0.1 * rng.standard_normal((3000, 1))
    # Ctrl-C after 1 s, repeated every 2 s until the solve has raised. A process
    # started in the background by a non-interactive shell inherits SIGINT as
    # ignored, and then `interrupt_main` does nothing: two fresh-clone CI runs
    # launched that way hung here (2026-12-06). So the test installs Python's
    # own handler for its duration, and the solve's 120 s limit turns a lost
    # interrupt into a failure instead of a hang.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    stop = threading.Event()

    def interrupter():
        if stop.wait(1.0):
            return
        while True:
            _thread.interrupt_main()
            if stop.wait(2.0):
                return

    thread = threading.Thread(target=interrupter, daemon=True)
    start = time.monotonic()
    thread.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            # would take minutes: tolerance 1e-14, a million iterations
            cvxrelu.solve(X, y, lam=1e-5, patterns=1000, tol=1e-14, max_iter=1_000_000,
                          time_limit=120)
    finally:
        stop.set()
        thread.join()
        signal.signal(signal.SIGINT, previous)
    elapsed = time.monotonic() - start
    assert elapsed < 30, f"the solve went on for {elapsed:.1f} s after Ctrl-C"
    rec, _ = cvxrelu.solve(X[:200], y[:200], patterns=10)
    assert rec["status"] == "solved"


def solve_each_way(tmp_path, name, lam, option, values):
    """Gated R-FISTA on reference problem `name` at `lam` for each value of
    `option` (a keyword of `cvxrelu.solve` and the CLI flag of the same name),
    through Python and through the CLI: the two give the same iterations and
    objective, and a certified answer. Returns the Python records by value."""
    data = os.path.join(REFERENCE, f"{name}.csv")
    gates = os.path.join(REFERENCE, f"{name}_gates.csv")
    X, Y = load_csv(data)
    recs = {}
    for value in values:
        rec, _ = cvxrelu.solve(X, Y, lam=lam, gates=gates, scale="none", **{option: value})
        out = tmp_path / f"{value}.json"
        run_cli("solve", "--data", data, "--gates", gates, "--scale", "none", "--model",
                "gated-relu", "--lambda", repr(lam), "--solver", "fista", f"--{option}", value,
                "--out", out)
        cli = json.loads(out.read_text())
        assert rec["iterations"] == cli["iterations"]
        assert rec["objective"] == pytest.approx(cli["objective"], rel=1e-12, abs=0)
        assert rec["status"] == "solved" and rec["relative_duality_gap"] <= 1e-6
        recs[value] = rec
    with pytest.raises(CvxreluError, match=option):
        cvxrelu.solve(X, Y, lam=lam, gates=gates, scale="none", **{option: "no-such-value"})
    return recs


def test_momentum_option_equals_the_cli_and_changes_only_the_path(tmp_path):
    recs = solve_each_way(tmp_path, "digits38", 1e-2, "momentum", ("fista", "greedy", "auto"))
    # Same optimum (both certified); auto is greedy on gated ReLU, in fewer iterations.
    assert recs["greedy"]["objective"] == pytest.approx(recs["fista"]["objective"], rel=2e-6)
    assert recs["auto"]["iterations"] == recs["greedy"]["iterations"] < recs["fista"]["iterations"]


def test_metric_option_equals_the_cli_and_changes_only_the_path(tmp_path):
    recs = solve_each_way(tmp_path, "breast_cancer", 1e-3, "metric", ("euclidean", "block-gram"))
    # Same optimum (both certified), reached in fewer iterations in the metric.
    assert recs["block-gram"]["objective"] == pytest.approx(recs["euclidean"]["objective"],
                                                            rel=2e-6)
    assert recs["block-gram"]["iterations"] < recs["euclidean"]["iterations"]
