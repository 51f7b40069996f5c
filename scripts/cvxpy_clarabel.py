#!/usr/bin/env python3
"""The reference problems solved by CVXPY + Clarabel: the other column of the
interior-point comparison in results/ipm/ (see src/harness/ipm.rs and
examples/ipm_variants.rs).

    python3 scripts/cvxpy_clarabel.py [--reference tests/data/reference] \
        [--out results/ipm/cvxpy.json] [--times] [--repeats 5] [--only SUBSTRING]

Needs cvxpy, clarabel, numpy (pip install cvxpy clarabel numpy). For each problem
of REFERENCE/objectives.json it builds, as a CVXPY user would,

  C-GReLU  min  1/(2nc) ||sum_i D_i X U_i - Y||_F^2 + lam sum_{i,k} ||U_i[:, k]||_2
  C-ReLU   min  1/(2nc) ||sum_i D_i X (V_i - W_i) - Y||_F^2
                + lam sum_{i,k} (||V_i[:, k]||_2 + ||W_i[:, k]||_2)
           s.t. (2 D_i - I) X V_i >= 0,  (2 D_i - I) X W_i >= 0

with D_i = diag(1[X g_i > 0]) for the gates of NAME_gates.csv (duplicate patterns
removed, keeping the first, and the all-zero pattern dropped, as cvxrelu does),
solves it with solver=CLARABEL at Clarabel's default tolerances (1e-8, the same
as cvxrelu's), and writes status, Clarabel's iteration count and the objective
recomputed from the variables' values. With --times it also records CVXPY's
compilation time and Clarabel's solve time (medians of --repeats solves): take
those on a quiet machine.
"""

import argparse
import json
import os
import statistics
import sys


def load_csv(path):
    import numpy as np

    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header, data


def patterns(x, gates):
    import numpy as np

    masks, seen = [], set()
    for g in gates:
        m = (x @ g > 0).astype(float)
        key = m.tobytes()
        if key in seen or not m.any():
            continue
        seen.add(key)
        masks.append(m)
    return masks


def build(entry, ref_dir):
    import cvxpy as cp
    import numpy as np

    header, data = load_csv(os.path.join(ref_dir, entry["data"]))
    ycols = [j for j, h in enumerate(header) if h == "y" or (h.startswith("y") and h[1:].isdigit())]
    xcols = [j for j in range(len(header)) if j not in ycols]
    x, y = data[:, xcols], data[:, ycols]
    _, gates = load_csv(os.path.join(ref_dir, entry["gates"]))
    masks = patterns(x, gates)
    n, d = x.shape
    c = y.shape[1]
    lam = entry["lambda"]
    dx = [m[:, None] * x for m in masks]
    if entry["model"] == "gated-relu":
        us = [cp.Variable((d, c)) for _ in masks]
        pred = sum(dxi @ u for dxi, u in zip(dx, us))
        pen = sum(cp.norm(u[:, k], 2) for u in us for k in range(c))
        cons = []
        variables = us
    else:
        vs = [cp.Variable((d, c)) for _ in masks]
        ws = [cp.Variable((d, c)) for _ in masks]
        pred = sum(dxi @ (v - w) for dxi, v, w in zip(dx, vs, ws))
        pen = sum(cp.norm(v[:, k], 2) + cp.norm(w[:, k], 2) for v, w in zip(vs, ws) for k in range(c))
        sgn = [(2 * m - 1)[:, None] * x for m in masks]
        cons = [s @ v >= 0 for s, v in zip(sgn, vs)] + [s @ w >= 0 for s, w in zip(sgn, ws)]
        variables = vs + ws
    obj = cp.sum_squares(pred - y) / (2 * n * c) + lam * pen
    prob = cp.Problem(cp.Minimize(obj), cons)

    def objective_value():
        if any(v.value is None for v in variables):
            return None
        return float(obj.value)

    return prob, objective_value


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reference", default="tests/data/reference")
    p.add_argument("--out", default="results/ipm/cvxpy.json")
    p.add_argument("--times", action="store_true", help="record times (quiet machine only)")
    p.add_argument("--repeats", type=int, default=5, help="solves per problem with --times")
    p.add_argument("--only", default=None, help="only problems whose data file contains this")
    a = p.parse_args()
    try:
        import clarabel
        import cvxpy as cp
        import numpy as np
    except ImportError as e:
        print(f"cvxpy_clarabel.py: {e}: pip install cvxpy clarabel numpy", file=sys.stderr)
        return 2
    with open(os.path.join(a.reference, "objectives.json")) as f:
        entries = json.load(f)["problems"]
    out = []
    for e in entries:
        if a.only and a.only not in e["data"]:
            continue
        prob, value = build(e, a.reference)
        prob.solve(solver=cp.CLARABEL)
        row = {
            "data": e["data"],
            "model": e["model"],
            "lambda": e["lambda"],
            "status": prob.status,
            "iterations": prob.solver_stats.num_iters,
            "objective": value(),
        }
        if a.times:
            comp, solve = [], []
            for _ in range(a.repeats):
                prob, _ = build(e, a.reference)
                prob.solve(solver=cp.CLARABEL)
                comp.append(prob.compilation_time)
                solve.append(prob.solver_stats.solve_time)
            row["compile_s"] = statistics.median(comp)
            row["solve_s"] = statistics.median(solve)
        rel = abs(row["objective"] - e["objective"]) / e["objective"] if row["objective"] else float("nan")
        print(f"{e['data']} {e['model']} lam={e['lambda']}: {row['status']} in {row['iterations']} iterations, "
              f"objective {row['objective']!r} (rel {rel:.1e})", file=sys.stderr)
        out.append(row)
    doc = {
        "versions": {"cvxpy": cp.__version__, "clarabel": clarabel.__version__, "numpy": np.__version__},
        "problems": out,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
