#!/usr/bin/env python3
"""R-FISTA on the gated reference problems with Euclidean steps and in the
block-Gram metric (`--metric euclidean|block-gram`): iterations and the solve's
CPU seconds (the record's `time.cpu.solve_s`, median of --repeats runs), written to
results/native/block-metric.md. Standard library only; run alone on a quiet machine.

    python3 scripts/metric-compare.py [--bin target/release/cvxrelu] [--repeats 3]
"""
import argparse, json, os, platform, statistics, subprocess, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "tests", "data", "reference")


def solve(binary, p, metric):
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "r.json")
        subprocess.run([binary, "solve", "--data", os.path.join(REF, p["data"]),
                        "--gates", os.path.join(REF, p["gates"]), "--scale", "none",
                        "--model", "gated-relu", "--lambda", repr(p["lambda"]),
                        "--solver", "fista", "--metric", metric, "--out", out],
                       check=True, capture_output=True)
        return json.load(open(out))


def path_of(rec):
    """What identifies a deterministic run: iterations, objective, the last step."""
    return rec["iterations"], rec["objective"], rec["details"]["final_step"]


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "cvxrelu"))
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    commit = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    probs = [p for p in json.load(open(os.path.join(REF, "objectives.json")))["problems"]
             if p["model"] == "gated-relu"]
    lines = ["<!-- written by scripts/metric-compare.py; do not edit -->",
             "# R-FISTA: Euclidean steps against the block-Gram metric", "",
             f"{cpu_model()}, one thread, commit {commit}; gated reference problems (P = 50 "
             f"gates), default tolerance (certified relative gap 1e-6); CPU seconds of the "
             f"solve, median of {a.repeats}. `auto` is the default's choice.", "",
             "| data | λ | n | d | auto | Euclidean it. | CPU s | block-Gram it. | CPU s | speed-up |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for p in probs:
        rows, paths = {}, {}
        for metric in ("euclidean", "block-gram"):
            recs = [solve(a.bin, p, metric) for _ in range(a.repeats)]
            assert all(r["status"] == "solved" for r in recs), (p, metric)
            rows[metric] = (recs[0]["iterations"],
                            statistics.median(r["time"]["cpu"]["solve_s"] for r in recs))
            paths[metric] = path_of(recs[0])
        # The default's choice: the run whose path `auto` repeats exactly (the
        # iteration count alone can tie).
        auto_path = path_of(solve(a.bin, {**p}, "auto"))
        assert (auto_path == paths["block-gram"]) != (auto_path == paths["euclidean"]), p
        auto = auto_path == paths["block-gram"]
        (ei, ec), (bi, bc) = rows["euclidean"], rows["block-gram"]
        lines.append(f"| {p['data'][:-4]} | {p['lambda']:g} | {p['n']} | {p['d']} | "
                     f"{'block-Gram' if auto else 'Euclidean'} | {ei} | {ec:.4f} | {bi} | {bc:.4f} | "
                     f"{ec / bc:.2f}× |")
    path = os.path.join(ROOT, "results", "native", "block-metric.md")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
