#!/usr/bin/env python3
"""Splice the default suite's committed summary into README.md.

The README's claims about the default benchmark are the summary table of
results/default/report.md, its machine line and its record count, copied between
the markers

    <!-- default-summary:begin -->  ...  <!-- default-summary:end -->

by this script (run by scripts/regenerate-reports), never written by hand.
tests/committed_reports.rs checks that the README block is what this script writes.

    python3 scripts/readme-claims.py [--check]
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- default-summary:begin -->", "<!-- default-summary:end -->"


def block(report: str) -> str:
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
    return (f"{BEGIN}\n<!-- written by scripts/readme-claims.py from results/default/report.md -->\n"
            f"{body}\n{END}")


def main() -> int:
    report = (ROOT / "results" / "default" / "report.md").read_text()
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text()
    if BEGIN not in readme or END not in readme:
        print(f"{readme_path}: markers {BEGIN} / {END} missing", file=sys.stderr)
        return 2
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    new = readme[:start] + block(report) + readme[end:]
    if "--check" in sys.argv[1:]:
        if new != readme:
            print("README.md: the default-summary block is stale: run scripts/regenerate-reports",
                  file=sys.stderr)
            return 1
        return 0
    if new != readme:
        readme_path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
