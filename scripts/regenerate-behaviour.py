#!/usr/bin/env python3
"""Regenerate tests/data/behaviour.json from the solvers as they are now.

Runs `tests/behaviour_unchanged.rs` with CVXRELU_REGENERATE_BEHAVIOUR set (its
`check` then prints each observed run as a `BEHAVIOUR {json}` line instead of
comparing; the checks against the independent reference objectives still run and
must pass), replaces every entry by what was observed, appends REASON to the
file's `about`, and prints which entries moved. Entries are matched by
(data, model, lambda, solver) for the reference problems and by id for the tiny
suite; an entry the tests did not print is an error.

    scripts/regenerate-behaviour.py "Regenerated 2026-12-06 because ..."
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "behaviour.json"


def key(entry):
    if "id" in entry:
        return ("tiny", entry["id"])
    return ("reference", entry["data"], entry["model"], entry["lambda"], entry["solver"])


def main():
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit("usage: regenerate-behaviour.py REASON (appended to the file's `about`)")
    reason = sys.argv[1].strip()
    env = dict(os.environ, CVXRELU_REGENERATE_BEHAVIOUR="1")
    out = subprocess.run(
        ["cargo", "test", "--release", "--test", "behaviour_unchanged", "--", "--nocapture"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        sys.exit("behaviour_unchanged failed while regenerating (a reference check?)")
    observed = {}
    for line in out.stdout.splitlines():
        if line.startswith("BEHAVIOUR "):
            entry = json.loads(line[len("BEHAVIOUR "):])
            observed[key(entry)] = entry
    golden = json.loads(GOLDEN.read_text())
    moved = 0
    for section in ("reference", "tiny"):
        for entry in golden[section]:
            k = key(entry)
            if k not in observed:
                sys.exit(f"no observation for {k}")
            new = observed[k]
            change = [f for f in ("status", "iterations", "objective") if new[f] != entry[f]]
            if change:
                moved += 1
                print(f"{' '.join(map(str, k[1:]))}: "
                      + ", ".join(f"{f} {entry[f]} -> {new[f]}" for f in change))
            for f in ("status", "iterations", "objective"):
                entry[f] = new[f]
    golden["about"] = golden["about"].rstrip() + " " + reason
    tmp = GOLDEN.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(GOLDEN)
    print(f"{moved} of {sum(len(golden[s]) for s in ('reference', 'tiny'))} entries moved")


if __name__ == "__main__":
    main()
