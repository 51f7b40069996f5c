#!/usr/bin/env python3
"""The table of results/scale/README.md, from the committed records and the
/usr/bin/time -v outputs next to them (NAME.json + NAME.time).

    scripts/scale-table.py results/scale      # prints the markdown table

The README's table is this script's output, pasted between the markers
<!-- scale-table --> and <!-- /scale-table --> (use --write to splice it).
"""
import json
import pathlib
import re
import sys


def time_fields(path):
    text = path.read_text()

    def field(label):
        m = re.search(re.escape(label) + r":\s*(\S+)", text)
        return m.group(1) if m else None

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return {
        "wall": secs,
        "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
        "rss_mib": int(field("Maximum resident set size (kbytes)")) / 1024,
    }


def row(rec, t):
    p = rec["problem"]
    gap = rec.get("relative_duality_gap")
    det = rec.get("details") or {}
    ws = det.get("working_set_sizes")
    if ws:
        ws_text = f"{ws[-1]} of {p['patterns']} patterns"
    elif det.get("working_set_blocks") is not None:
        ws_text = f"{det['working_set_blocks']} of {2 * p['c'] * p['patterns']} blocks"
    else:
        ws_text = "—"
    viol = rec.get("max_cone_violation", 0.0)
    return (
        f"| {p['model']} | {p['n']}×{p['d']}, c={p['c']} | {p['patterns']} | {p['lambda']:g} "
        f"| {rec['solver']} | {rec['status']} | {rec['iterations']} "
        f"| {gap:.1e} | {viol:.1e} | {rec['time']['solve_s']:.1f} / {rec['time']['cpu']['solve_s']:.1f} "
        f"| {t['wall']:.1f} / {t['cpu']:.1f} | {t['rss_mib']:.0f} MiB "
        f"| {rec['active_neurons']} | {ws_text} |"
        if gap is not None
        else f"| {p['model']} | {p['n']}×{p['d']} | {p['patterns']} | {p['lambda']:g} | {rec['solver']} | {rec['status']} | {rec['iterations']} | — | | | | | | |"
    )


def table(folder):
    lines = [
        "| model | n×d | P | λ | solver | status | iterations | certified relative gap | max cone violation "
        "| solve s (wall / thread CPU) | process s (wall / CPU) | peak RSS | active neurons | working set at the end |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for js in sorted(folder.glob("*.json")):
        tf = js.with_suffix(".time")
        if not tf.exists():
            continue
        lines.append(row(json.loads(js.read_text()), time_fields(tf)))
    return "\n".join(lines)


def main():
    args = [a for a in sys.argv[1:] if a != "--write"]
    folder = pathlib.Path(args[0] if args else "results/scale")
    t = table(folder)
    if "--write" in sys.argv:
        readme = folder / "README.md"
        text = readme.read_text()
        a, b = "<!-- scale-table -->", "<!-- /scale-table -->"
        i, j = text.index(a), text.index(b)
        readme.write_text(text[: i + len(a)] + "\n" + t + "\n" + text[j:])
    else:
        print(t)


if __name__ == "__main__":
    main()
