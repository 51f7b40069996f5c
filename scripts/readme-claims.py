#!/usr/bin/env python3
"""Splice committed summaries into README.md.

The README's claims are copied, never written by hand, between two pairs of markers:

    <!-- default-summary:begin --> ... <!-- default-summary:end -->
        the summary table of results/default/report.md, its machine line and its
        record count;
    <!-- scnn-summary:begin --> ... <!-- scnn-summary:end -->
        the machine line and the summary lines of results/scnn/table.md (written by
        scripts/scnn-compare.py from results/scnn/runs.json);
    <!-- native-summary:begin --> ... <!-- native-summary:end -->
        the speed-ups against Clarabel of the first table of
        results/native/vs-clarabel.md (the output of the example native_vs_clarabel).

Run by scripts/regenerate-reports. tests/committed_reports.rs checks that the
blocks are what this script writes.

    python3 scripts/readme-claims.py [--check]
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_block(report: str) -> str:
    lines = report.splitlines()
    head = [l for l in lines[:12] if l.startswith(("Machine", "Suite", "cvxrelu ")) or
            re.match(r"^\d+ records", l)]
    i = lines.index("## Summary per solver")
    table = []
    for l in lines[i + 1:]:
        if l.startswith("## "):
            break
        table.append(l)
    body = "\n\n".join(head) + "\n\n" + "\n".join(table).strip("\n")
    return f"<!-- written by scripts/readme-claims.py from results/default/report.md -->\n{body}"


def scnn_block(table: str) -> str:
    lines = table.splitlines()
    machine = next(l for l in lines if "one thread" in l)
    summary = [l for l in lines if l.startswith("- ")]
    body = machine + "\n\n" + "\n".join(summary)
    return f"<!-- written by scripts/readme-claims.py from results/scnn/table.md -->\n{body}"


def native_block(run: str) -> str:
    commit = re.search(r"release build of\s+commit (\w+)", run).group(1)
    rows = []
    for l in run.split("```")[1].splitlines():
        cells = [c.strip() for c in l.strip("|").split("|")]
        if len(cells) == 14 and cells[0] != "case" and not cells[0].startswith("-"):
            rows.append(cells)
        elif rows and not l.startswith("|"):
            break  # the first table only
    lines = []
    for case, n, d, p, lam, _, solver, *_, to_tol, to_stop in rows:
        name = {"fista": "R-FISTA", "al": "the augmented Lagrangian"}[solver]
        lines.append(f"- {case}, n = {n}, d = {d}, P = {p}, λ = {lam}: {name} "
                     f"{to_tol}× faster than Clarabel to a 1e-6 objective gap, "
                     f"{to_stop}× to its certified stop")
    head = f"One run at {commit} (`results/native/vs-clarabel.md`):"
    return ("<!-- written by scripts/readme-claims.py from results/native/vs-clarabel.md -->\n"
            + head + "\n\n" + "\n".join(lines))


BLOCKS = [("default-summary", "results/default/report.md", default_block),
          ("scnn-summary", "results/scnn/table.md", scnn_block),
          ("native-summary", "results/native/vs-clarabel.md", native_block)]


def main() -> int:
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text()
    new = readme
    for name, source, make in BLOCKS:
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        if begin not in new or end not in new:
            print(f"{readme_path}: markers {begin} / {end} missing", file=sys.stderr)
            return 2
        start, stop = new.index(begin) + len(begin), new.index(end)
        new = new[:start] + "\n" + make((ROOT / source).read_text()) + "\n" + new[stop:]
    if "--check" in sys.argv[1:]:
        if new != readme:
            print("README.md: a summary block is stale: run scripts/regenerate-reports",
                  file=sys.stderr)
            return 1
        return 0
    if new != readme:
        readme_path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
