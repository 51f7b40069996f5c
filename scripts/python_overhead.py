#!/usr/bin/env python3
"""The overhead of a Python solve over the CLI (issue 15's closing note): one run
each on a small (iris, gated, P = 50) and a large (n = 20000, d = 30, P = 300,
generated with numpy's default_rng(0)) problem, fista. Run alone on a quiet machine
from the repository root with the package installed (scripts/test builds it):

    target/py-venv/bin/python scripts/python_overhead.py --out results/python/overhead.json
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np

import cvxrelu
from cvxrelu import ConvexReLUClassifier, ConvexReLURegressor


def cli(args, out):
    t = time.perf_counter()
    subprocess.run(["./target/release/cvxrelu", "solve", *args, "--out", out], check=True,
                   capture_output=True)
    return time.perf_counter() - t, json.load(open(out))


def case(name, csv, X, Y, patterns, estimator, y_fit, tmp):
    w, r = cli(["--data", csv, "--model", "gated-relu", "--lambda", "1e-3", "--patterns",
                str(patterns), "--solver", "fista"], os.path.join(tmp, "r.json"))
    t = time.perf_counter()
    rec, _ = cvxrelu.solve(X, Y, lam=1e-3, patterns=patterns, solver="fista")
    wp = time.perf_counter() - t
    t = time.perf_counter()
    estimator.fit(X, y_fit)
    we = time.perf_counter() - t
    return {"problem": name, "iterations": rec["iterations"], "cli_process_s": w,
            "cli_solve_s": r["time"]["solve_s"], "python_call_s": wp,
            "python_solve_s": rec["time"]["solve_s"], "estimator_fit_s": we,
            "same_objective": rec["objective"] == r["objective"],
            "load_average": os.getloadavg()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        D = np.loadtxt("problems/data/iris.csv", delimiter=",", skiprows=1)
        small = case("iris gated P=50", "problems/data/iris.csv", D[:, :4], D[:, 4:], 50,
                     ConvexReLUClassifier(lam=1e-3, patterns=50, bias=False), D[:, 4:].argmax(1),
                     tmp)
        rng = np.random.default_rng(0)
        n, d = 20000, 30
        X = rng.standard_normal((n, d))
        y = np.tanh(X[:, :3] @ np.array([1.0, -2.0, 0.5])) + 0.1 * rng.standard_normal(n)
        csv = os.path.join(tmp, "large.csv")
        np.savetxt(csv, np.hstack([X, y[:, None]]), delimiter=",", fmt="%.17g",
                   header=",".join([f"x{j}" for j in range(d)] + ["y"]), comments="")
        Dl = np.loadtxt(csv, delimiter=",", skiprows=1)
        large = case("synthetic n=20000 d=30 gated P=300", csv, Dl[:, :d], Dl[:, d], 300,
                     ConvexReLURegressor(lam=1e-3, patterns=300, bias=False), Dl[:, d], tmp)
    doc = {"command": "target/py-venv/bin/python scripts/python_overhead.py", "runs": [small, large]}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
