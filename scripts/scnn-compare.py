#!/usr/bin/env python3
"""Time the published scnn library against cvxrelu on the shared reference problems.

Both libraries are driven by the same function (`run` below), through scnn's own
API: `scnn` is pilancilab's library (PyPI `pyscnn`, with `linalg-backends` and
torch), `cvxrelu.scnn` is this project's copy of that API. Per problem:

- the model, gates, λ and data are the reference problem's (scale none, no bias;
  scnn with `unitize_data=False` and `dtype="float64"`, so both solve the same
  problem in the same precision);
- gated ReLU: scnn's `RFISTA` against cvxrelu's `RFISTA`; ReLU: scnn's `AL` against
  cvxrelu's `AL`; metrics collection off in both (`Metrics(objective=False,
  grad_norm=False, time=False)`);
- accuracy is judged by one independent formula (`objective`, numpy, from the
  returned convex weights) against the reference objective: solved at τ means
  relative objective error ≤ τ and, for ReLU, max cone violation ≤ τ;
- cvxrelu runs at its default `tol` (1e-6, a certified duality gap for gated ReLU).
  scnn runs on a ladder of `tol` (its squared gradient norm; for AL also
  `constraint_tol`) from 1e-3 to 1e-10, and is charged the cheapest rung that is
  solved at τ: scnn is tuned per problem by an oracle, cvxrelu is not. The ladder
  stops early once its rungs have used `--ladder-budget` CPU seconds (default 90);
  where no rung is solved, the ratio is reported as a lower bound: the last rung's
  time over cvxrelu's (for R-FISTA a tighter tol only runs the same iterates
  further, so reaching τ takes at least that long);
- time is the process CPU time (`time.process_time`) around `optimize_model`, one
  thread in both (OMP/MKL/OpenBLAS threads 1, `torch.set_num_threads(1)`,
  cvxrelu's default `threads=1`); the rung chosen and cvxrelu's run are timed
  `--repeats` times (default 3) and the median is kept. Wall time is recorded
  beside it;
- on ReLU, cvxrelu's R-FISTA (exact cone projections; scnn's R-FISTA trains gated
  models only) is also timed against scnn's AL;
- the same oracle for both: cvxrelu is also run on the same ladder of its own `tol`
  (its certified relative gap for R-FISTA, the AL's tolerances for the AL) and
  charged its cheapest rung that is solved at τ, as scnn is. This compares the
  two at equal accuracy under one tuning rule; the default-tol ratio above
  charges cvxrelu for certifying a far better answer than τ asks.

Usage (a venv with pyscnn, linalg-backends and the cvxrelu package; not part of CI):
    python scripts/scnn-compare.py --reference tests/data/reference --out results/scnn
    python scripts/scnn-compare.py --table results/scnn   # table.md from runs.json
"""
import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import importlib
import json
import math
import platform
import statistics
import sys
import time

import numpy as np

TAU = 1e-6
LADDER = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
MAX_ITERS = 100_000


def load_csv(path):
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def objective(X, y, G, params, model, lam):
    """Relative objective of the convex weights `params` (scnn's layout: c x P x d
    blocks, [W] gated, [U, V] ReLU) by the reference formula, and the max cone
    violation max_i max(0, -min (2 D_i - 1) X u_i) (0 for gated)."""
    D = (X @ G) > 0
    n = X.shape[0]
    if model == "gated-relu":
        W = params[0][0]
        pred = ((X @ W.T) * D).sum(axis=1)
        reg = np.linalg.norm(W, axis=1).sum()
        viol = 0.0
    else:
        U, V = params[0][0], params[1][0]
        XU, XV = X @ U.T, X @ V.T
        pred = ((XU - XV) * D).sum(axis=1)
        reg = np.linalg.norm(U, axis=1).sum() + np.linalg.norm(V, axis=1).sum()
        S = np.where(D, 1.0, -1.0)
        viol = max(0.0, -float((S * XU).min()), -float((S * XV).min()))
    return float(((pred - y) ** 2).sum() / (2 * n) + lam * reg), viol


def library(name):
    mods = {m: importlib.import_module(f"{name}.{m}")
            for m in ("models", "solvers", "regularizers", "metrics", "optimize")}
    return mods


def run(lib, prob, X, y, G, tol, solver_name=None):
    """One solve through the scnn API of `lib` with `solver_name` ("RFISTA" or "AL";
    default RFISTA for gated ReLU, AL for ReLU); returns (cpu s, wall s, (gates, params))."""
    gated = prob["model"] == "gated-relu"
    solver_name = solver_name or ("RFISTA" if gated else "AL")
    models, solvers = lib["models"], lib["solvers"]
    model = (models.ConvexGatedReLU if gated else models.ConvexReLU)(G, c=1, bias=False)
    if solver_name == "RFISTA":
        solver = solvers.RFISTA(model, max_iters=MAX_ITERS, tol=tol)
    else:
        solver = solvers.AL(model, max_primal_iters=MAX_ITERS, max_dual_iters=MAX_ITERS,
                            tol=tol, constraint_tol=tol)
    reg = lib["regularizers"].NeuronGL1(prob["lambda"])
    metrics = lib["metrics"].Metrics(objective=False, grad_norm=False, time=False)
    c0, w0 = time.process_time(), time.perf_counter()
    trained, _ = lib["optimize"].optimize_model(model, solver, metrics, X, y, regularizer=reg,
                                                return_convex=True, unitize_data=False,
                                                dtype="float64")
    c1, w1 = time.process_time(), time.perf_counter()
    # The gates of the returned model: scnn sorts the patterns (np.unique), so its
    # blocks are a permutation of the reference gates' blocks.
    params = [np.asarray(p, dtype=float) for p in trained.parameters]
    return c1 - c0, w1 - w0, (np.asarray(trained.G, dtype=float), params)


def measured(lib, prob, X, y, G, tol, repeats, solver_name=None):
    runs = [run(lib, prob, X, y, G, tol, solver_name) for _ in range(repeats)]
    gates, params = runs[-1][2]
    f, viol = objective(X, y, gates, params, prob["model"], prob["lambda"])
    rel = abs(f - prob["objective"]) / prob["objective"]
    return {"tol": tol, "cpu": statistics.median(r[0] for r in runs),
            "wall": statistics.median(r[1] for r in runs),
            "cpu_all": [r[0] for r in runs], "rel_error": rel, "violation": viol,
            "solved": rel <= TAU and viol <= TAU}


def oracle(lib, prob, X, y, G, repeats, budget, solver_name=None):
    """The ladder of `tol`: rungs timed once until one is solved at τ (or the
    rungs used `budget` CPU s), that rung again `repeats` times. Returns
    (ladder, best or None)."""
    ladder = []
    for tol in LADDER:
        r = measured(lib, prob, X, y, G, tol, 1, solver_name)
        ladder.append(r)
        if r["solved"] or sum(x["cpu"] for x in ladder) > budget:
            break
    best = next((r for r in ladder if r["solved"]), None)
    if best is not None and repeats > 1:
        best = measured(lib, prob, X, y, G, best["tol"], repeats, solver_name)
    return ladder, best


def load_problem(reference, prob):
    data = load_csv(os.path.join(reference, prob["data"]))
    G = load_csv(os.path.join(reference, prob["gates"])).T.copy()
    return data[:, :-1], data[:, -1], G


def compare(args):
    import torch

    torch.set_num_threads(1)
    scnn, ours = library("scnn"), library("cvxrelu.scnn")
    refs = json.load(open(os.path.join(args.reference, "objectives.json")))["problems"]
    out = []
    for prob in refs:
        if args.only and not any(s in f"{prob['data']} {prob['model']}" for s in args.only):
            continue
        X, y, G = load_problem(args.reference, prob)
        mine = measured(ours, prob, X, y, G, 1e-6, args.repeats)
        ladder, best = oracle(scnn, prob, X, y, G, args.repeats, args.ladder_budget)
        mine_ladder, mine_best = oracle(ours, prob, X, y, G, args.repeats, args.ladder_budget)
        row = {"data": prob["data"], "model": prob["model"], "lambda": prob["lambda"],
               "n": prob["n"], "d": prob["d"], "patterns": prob["patterns"],
               "reference_objective": prob["objective"], "cvxrelu": mine,
               "scnn_ladder": ladder, "scnn": best,
               "cvxrelu_oracle_ladder": mine_ladder, "cvxrelu_oracle": mine_best}
        if prob["model"] == "relu":
            row["cvxrelu_rfista"] = measured(ours, prob, X, y, G, 1e-6, args.repeats, "RFISTA")
        row["commit"] = commit()
        out.append(row)
        ratio = f"{best['cpu'] / mine['cpu']:.1f}x" if best else "scnn unsolved"
        print(f"{prob['data']:18} {prob['model']:10} {prob['lambda']:<6g} cvxrelu {mine['cpu']:.4f}s "
              f"({mine['rel_error']:.1e}) scnn {best['cpu'] if best else float('nan'):.4f}s "
              f"tol {best['tol'] if best else '-'} -> {ratio}", flush=True)
    doc = {"about": __doc__.split("\n\n")[0], "tau": TAU, "ladder": LADDER, "max_iters": MAX_ITERS,
           "ladder_budget": args.ladder_budget,
           "repeats": args.repeats, "machine": {"cpu": cpu_model(), "python": platform.python_version(),
                                                "torch": torch.__version__,
                                                "scnn": version("pyscnn"), "numpy": np.__version__},
           "problems": out}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "runs.json")
    if args.merge and os.path.exists(path):
        # Keep the rows not measured now (same machine only).
        old = json.load(open(path))
        if old["machine"] != doc["machine"]:
            sys.exit(f"error: {path}: measured on {old['machine']}, this is {doc['machine']}")
        key = lambda r: (r["data"], r["model"], r["lambda"])
        new = {key(r): r for r in out}
        doc["problems"] = [new.pop(key(r), r) for r in old["problems"]] + list(new.values())
    save(args.out, doc)


def commit():
    """The repository's commit (`-dirty` with uncommitted changes) for the rows."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], cwd=here,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def extend(args):
    """Add cvxrelu's R-FISTA on the ReLU problems to an existing runs.json (same
    rules, same machine: refused if the CPU differs)."""
    path = os.path.join(args.out, "runs.json")
    doc = json.load(open(path))
    if doc["machine"]["cpu"] != cpu_model():
        sys.exit(f"error: {path}: measured on {doc['machine']['cpu']}, this is {cpu_model()}")
    ours = library("cvxrelu.scnn")
    refs = json.load(open(os.path.join(args.reference, "objectives.json")))["problems"]
    for row in doc["problems"]:
        if row["model"] != "relu" or "cvxrelu_rfista" in row:
            continue
        prob = next(p for p in refs if (p["data"], p["model"], p["lambda"]) ==
                    (row["data"], row["model"], row["lambda"]))
        X, y, G = load_problem(args.reference, prob)
        row["cvxrelu_rfista"] = measured(ours, prob, X, y, G, 1e-6, doc["repeats"], "RFISTA")
        print(f"{row['data']:18} relu {row['lambda']:<6g} cvxrelu R-FISTA "
              f"{row['cvxrelu_rfista']['cpu']:.4f}s", flush=True)
    save(args.out, doc)


def save(folder, doc):
    tmp = os.path.join(folder, "runs.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, os.path.join(folder, "runs.json"))
    table(folder)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def version(dist):
    from importlib.metadata import version as v

    return v(dist)


def commits(doc):
    out = {}
    for p in doc["problems"]:
        c = p.get("commit", "1211e32")  # the first run (package built at 1211e32), before the field
        out[c] = out.get(c, 0) + 1
    return out


def gmean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


PAIRS = [("gated-relu", "cvxrelu", "R-FISTA", "R-FISTA"),
         ("relu", "cvxrelu", "AL", "AL"),
         ("relu", "cvxrelu_rfista", "R-FISTA", "AL"),
         ("gated-relu", "cvxrelu_oracle", "R-FISTA, same oracle as scnn,", "R-FISTA"),
         ("relu", "cvxrelu_oracle", "AL, same oracle as scnn,", "AL")]


def table(folder, out=None):
    """Write `out` (default FOLDER/table.md) from FOLDER/runs.json."""
    doc = json.load(open(os.path.join(folder, "runs.json")))
    m = doc["machine"]
    lines = ["<!-- written by scripts/scnn-compare.py from runs.json; do not edit -->",
             "# cvxrelu against scnn on the reference problems", "",
             f"{m['cpu']}, one thread; scnn {m['scnn']} (torch {m['torch']}), Python {m['python']}. "
             f"Solved at τ = {doc['tau']:g}: relative objective error against the reference and, "
             f"for ReLU, cone violation ≤ τ. cvxrelu at its default tol; scnn at the cheapest "
             f"tol of {doc['ladder'][0]:g} … {doc['ladder'][-1]:g} that is solved (≥: no rung "
             f"solved, bound from the last rung); \"same oracle\": cvxrelu too at the cheapest "
             f"solved tol of that ladder. CPU seconds, median of {doc['repeats']}.",
             "", "cvxrelu commit of the rows: " + ", ".join(
                 f"{c} ({n} rows)" for c, n in sorted(commits(doc).items())) + ".", ""]
    summary = []
    for model, key, ours, theirs in PAIRS:
        rows = [p for p in doc["problems"] if p["model"] == model and key in p]
        if not rows:
            continue
        lines += [f"## {model}: cvxrelu {ours} against scnn {theirs}", "",
                  "| data | λ | cvxrelu CPU s | rel. error | scnn tol | scnn CPU s | scnn rel. error "
                  "| scnn viol. | ratio |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        exact, bound, unsolved_ours = [], [], 0
        for p in rows:
            a, b = p[key], p["scnn"]
            if a is None:  # the oracle's ladder reached τ at no rung
                a = dict(p[key + "_ladder"][-1], solved=False)
            mark = "" if a["solved"] else " (not solved)"
            if key == "cvxrelu_oracle":
                mark += f" (tol {a['tol']:g})"
            unsolved_ours += not a["solved"]
            head = f"| {p['data'][:-4]} | {p['lambda']:g} | {a['cpu']:.4f}{mark} | {a['rel_error']:.1e} |"
            if b is None:
                last = p["scnn_ladder"][-1]
                r = last["cpu"] / a["cpu"]
                (bound if a["solved"] else []).append(r)
                lines.append(f"{head} none (last {last['tol']:g}) | {last['cpu']:.4f} | "
                             f"{last['rel_error']:.1e} | {last['violation']:.0e} | ≥ {r:.1f}× |")
            else:
                r = b["cpu"] / a["cpu"]
                (exact if a["solved"] else []).append(r)
                lines.append(f"{head} {b['tol']:g} | {b['cpu']:.4f} | {b['rel_error']:.1e} | "
                             f"{b['violation']:.0e} | {r:.1f}× |")
        lines.append("")
        both = exact + bound
        text = f"- {model}, cvxrelu {ours} against scnn {theirs}, {len(rows)} problems:"
        if exact:
            text += (f" scnn reached τ on {len(exact)}, ratio geometric mean {gmean(exact):.1f}× "
                     f"(min {min(exact):.1f}×, max {max(exact):.1f}×);")
        if bound:
            text += (f" scnn reached τ at no rung on {len(bound)}, ratio ≥ {gmean(bound):.1f}× "
                     f"(geometric mean of the bounds; min ≥ {min(bound):.1f}×);")
        if both:
            text += (f" all together ≥ **{gmean(both):.1f}×** (geometric mean), "
                     f"{sum(r >= 10 for r in both)} of {len(both)} at ≥ 10×")
        text += f"; cvxrelu not solved on {unsolved_ours}." if unsolved_ours else "."
        summary.append(text)
    lines += ["## Summary", ""] + summary
    out = out or os.path.join(folder, "table.md")
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", help="folder of objectives.json and the problems")
    ap.add_argument("--out", default="results/scnn")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ladder-budget", type=float, default=90.0,
                    help="CPU seconds of scnn rungs per problem before the ladder stops")
    ap.add_argument("--only", nargs="*", help="substrings of 'data model' to keep")
    ap.add_argument("--merge", action="store_true",
                    help="replace only the rows measured now in an existing OUT/runs.json")
    ap.add_argument("--table", metavar="FOLDER", help="only write FOLDER/table.md from runs.json")
    ap.add_argument("--table-out", metavar="FILE", help="with --table: write FILE instead")
    ap.add_argument("--extend", action="store_true",
                    help="add cvxrelu's R-FISTA on ReLU to OUT/runs.json (needs --reference)")
    args = ap.parse_args()
    if args.table:
        table(args.table, args.table_out)
    elif not args.reference:
        sys.exit("error: --reference FOLDER is required (or --table FOLDER)")
    elif args.extend:
        extend(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
