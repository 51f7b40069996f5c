#!/usr/bin/env python3
"""What the SGD/Adam baselines of problems/paper.toml would cost on this machine.

    scripts/paper-baseline-estimate.py BIN RECORDS_DIR [--probe-dir DIR]

Measures, per dataset of the suite, the CPU time of one epoch of the gated
baseline (the network on the problem's P gates, width c·P), with a short
`BIN solve --solver sgd` run (--max-iters 10 epochs, one step size, 0.01, which
does not diverge), then extrapolates the protocol of paper.toml:

    per run   = repeats · Σ over the 7 step sizes of min(epochs · t_epoch, limit)
    (relu)      t_epoch scaled by the relu width / the gated width (GEMM cost is
                linear in the width); the relu width is the suite's
                `width = "active"`: c · max(50, ⌈a/c⌉), a the active neurons of the
                problem's best convex record in RECORDS_DIR (2cP, the suite's
                fallback, when it has none yet: then the row is an upper bound)

It assumes no step size diverges (a diverged run stops at once), so it is an
upper bound of the grid's cost for step sizes that train; the table says how
many of the suite's baseline runs each row covers. Run it alone (nothing else
on the machine): it times. Prints a Markdown table.
"""
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import tomllib

EPOCHS_PROBE = 10


def fail(message):
    print(f"paper-baseline-estimate: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    args = sys.argv[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    binary, records = args[0], pathlib.Path(args[1])
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        fail(f"{binary}: not an executable file (the cvxrelu binary)")
    if not records.is_dir():
        fail(f"{records}: not a folder (a bench folder's records/)")
    suite = tomllib.loads(pathlib.Path("problems/paper.toml").read_text())
    limit = suite["time-limit"]
    lambdas = suite["lambdas"]
    steps = 7  # the protocol's grid: 10, 5, 1, 0.5, 0.1, 0.01, 0.001
    epochs = 2000
    baselines = [s for s in suite["solver"] if s["kind"] in ("sgd", "adam")]
    recs = []
    for f in sorted(records.glob("*.json")):
        try:
            r = json.loads(f.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            fail(f"{f}: not a JSON record ({e})")
        if r.get("solver") in ("clarabel", "fista", "al") and r.get("objective") is not None:
            recs.append(r)
    rows = []
    total = 0.0
    gated_p = next(m["patterns"] for m in suite["model"] if m["kind"] == "gated-relu")
    relu_p = next(m["patterns"] for m in suite["model"] if m["kind"] == "relu")
    for ds in suite["dataset"]:
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp) / "probe.json"
            cmd = [binary, "solve", "--data", "problems/" + ds["data"], "--split", str(ds["split"]),
                   "--scale", ds["scale"], "--bias", str(ds["bias"]).lower(), "--model", "gated-relu",
                   "--patterns", str(gated_p), "--lambda", str(lambdas[2]), "--solver", "sgd",
                   "--step-sizes", "0.01", "--max-iters", str(EPOCHS_PROBE), "--time-basis", "cpu",
                   "--out", str(out)]
            # Exit code 1: the run ended unsolved (SGD has no convergence test).
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode not in (0, 1) or not out.exists():
                fail(f"probe failed ({done.returncode}): {' '.join(cmd)}: {done.stderr.strip()}")
            probe = json.loads(out.read_text())
        p = probe["problem"]
        n, d, c, pg = p["n"], p["d"], p["c"], p["patterns"]
        t_epoch = probe["time"]["cpu"]["solve_s"] / probe["iterations"]
        for model in ("gated-relu", "relu"):
            # One width per λ: gated c·P; relu the suite's `width = "active"`.
            widths, known = [], 0
            for lam in lambdas:
                if model == "gated-relu":
                    widths.append(c * pg)
                    continue
                best = [r for r in recs if r["problem"]["model"] == "relu"
                        and r["run"]["dataset"] == ds["name"] and r["problem"]["lambda"] == lam]
                if best:
                    b = min(best, key=lambda r: r["objective"])
                    widths.append(c * max(50, math.ceil(b["active_neurons"] / c)))
                    known += 1
                else:
                    widths.append(2 * relu_p * c)
            repeats = sum(b.get("repeats", 1) for b in baselines) / len(baselines)
            seconds = 0.0
            for w in widths:
                te = t_epoch * w / (c * pg)
                seconds += len(baselines) * repeats * steps * min(epochs * te, limit)
            hours = seconds / 3600
            total += hours
            runs = len(baselines) * len(lambdas)
            source = "c·P" if model == "gated-relu" else f"active: {known} of {len(lambdas)} λ, else 2cP"
            rows.append(f"| {ds['name']} | {model} | {n}×{d}, c={c} | {min(widths)}–{max(widths)} ({source}) | "
                        f"{t_epoch * max(widths) / (c * pg):.4f} | {runs} | {hours / runs:.2f} | {hours:.1f} |")
    print(f"Probe: `{binary} solve --solver sgd --step-sizes 0.01 --max-iters {EPOCHS_PROBE}` "
          f"on the gated model (P = {gated_p} requested), CPU time per epoch; relu scaled by width.\n")
    print("| dataset | model | n×d | width (neurons) | s / epoch at the widest "
          "| runs | h / run (all repeats) | h |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nTotal: {total:.0f} CPU hours for the {len(baselines) * len(lambdas) * 2 * len(suite['dataset'])} "
          f"baseline runs, {total / 2:.0f} h of wall time on 2 cores.")


if __name__ == "__main__":
    main()
