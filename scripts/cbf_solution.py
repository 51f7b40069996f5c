"""Read a CBF instance into a standard conic form, and write a cvxrelu solution file.

Shared by the runner scripts (run_scs.py, run_ecos.py) that let `cvxrelu bench`
use another solver through files (suite entries with kind = "external"; see
src/harness/external/mod.rs and src/export/solution.rs in this repository).

CBF (version 1-3, the subset without integers or PSD parts): variables x with
domains (VAR), constraint rows g = G x + h with cones (CON), objective c'x + c0
(OBJACOORD, OBJBCOORD), coefficients ACOORD (G) and BCOORD (h). Cones: F, L=, L+,
L-, Q (u1 >= ||u2:||) and QR (2 u1 u2 >= ||u3:||^2, u1, u2 >= 0). Anything else
is refused with the line.

`read_cbf` returns the instance as
    minimise  sign * (c'x) + c0   (sign = -1 for OBJSENSE MAX: c is negated)
    subject to  G_eq x + h_eq = 0,  G_nn x + h_nn >= 0,  G_q x + h_q in Q^{k_1} x ...
with every variable domain written as rows (x_j itself in its cone), L- rows
negated, and each QR cone (u1, u2, u3:) replaced by the second-order cone
(u1 + u2, u1 - u2, sqrt(2) u3:), which holds iff the rotated one does.

`write_solution` writes the cvxrelu-solution 1 format: a header, `status NAME`,
optional `objective`, `iterations`, `solve_s`, `solver`, then `x N` and one value a
line (Python's repr, which round-trips).
"""

import math
import sys

STATUSES = (
    "solved",
    "inaccurate",
    "max_iterations",
    "time_limit",
    "numerical_error",
    "infeasible",
    "unbounded",
    "diverged",
)


class CbfError(Exception):
    pass


def _lines(text):
    for i, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if s and not s.startswith("#"):
            yield i, s


def _cones(it, what):
    line, head = next(it)
    parts = head.split()
    if len(parts) != 2:
        raise CbfError(f"line {line}: {what}: expected 'TOTAL COUNT'")
    total, count = int(parts[0]), int(parts[1])
    cones = []
    for _ in range(count):
        line, s = next(it)
        kind, dim = s.split()
        if kind not in ("F", "L=", "L+", "L-", "Q", "QR"):
            raise CbfError(f"line {line}: {what}: cone {kind} is not supported")
        cones.append((kind, int(dim)))
    if sum(d for _, d in cones) != total:
        raise CbfError(f"line {line}: {what}: cone sizes do not add up to {total}")
    return total, cones


def read_cbf(path):
    """The instance of a CBF file (see the module docs) as a dict of plain lists."""
    with open(path) as f:
        it = _lines(f.read())
    sense, n, m = "MIN", None, 0
    var_cones, con_cones = [], []
    c = {}
    c0 = 0.0
    a = []  # (row, col, value)
    b = {}
    for line, key in it:
        if key == "VER":
            _, v = next(it)
            if int(v) > 3:
                raise CbfError(f"line {line}: CBF version {v}: this reader knows 1-3")
        elif key == "OBJSENSE":
            _, sense = next(it)
            if sense not in ("MIN", "MAX"):
                raise CbfError(f"line {line}: OBJSENSE {sense}")
        elif key == "VAR":
            n, var_cones = _cones(it, "VAR")
        elif key == "CON":
            m, con_cones = _cones(it, "CON")
        elif key == "OBJACOORD":
            _, k = next(it)
            for _ in range(int(k)):
                _, s = next(it)
                j, v = s.split()
                c[int(j)] = c.get(int(j), 0.0) + float(v)
        elif key == "OBJBCOORD":
            _, v = next(it)
            c0 = float(v)
        elif key == "ACOORD":
            _, k = next(it)
            for _ in range(int(k)):
                _, s = next(it)
                i, j, v = s.split()
                a.append((int(i), int(j), float(v)))
        elif key == "BCOORD":
            _, k = next(it)
            for _ in range(int(k)):
                _, s = next(it)
                i, v = s.split()
                b[int(i)] = b.get(int(i), 0.0) + float(v)
        else:
            raise CbfError(f"line {line}: section {key} is not supported (integers, PSD, ...)")
    if n is None:
        raise CbfError("no VAR section")
    sign = -1.0 if sense == "MAX" else 1.0

    # Rows of the constraints, by CON row: list of (col, value), and h.
    rows = [[] for _ in range(m)]
    for i, j, v in a:
        if not (0 <= i < m and 0 <= j < n):
            raise CbfError(f"ACOORD entry ({i}, {j}) outside {m} x {n}")
        rows[i].append((j, v))
    blocks = []  # (kind, [row entries], [h]) with kind in L=, L+, Q
    start = 0
    for kind, dim in con_cones:
        rs = [rows[start + t] for t in range(dim)]
        hs = [b.get(start + t, 0.0) for t in range(dim)]
        blocks.append((kind, rs, hs))
        start += dim
    start = 0
    for kind, dim in var_cones:
        rs = [[(start + t, 1.0)] for t in range(dim)]
        blocks.append((kind, rs, [0.0] * dim))
        start += dim

    out = {"n": n, "sense": sense, "c0": c0, "eq": ([], []), "nn": ([], []), "soc": []}
    out["c"] = [sign * c.get(j, 0.0) for j in range(n)]
    for kind, rs, hs in blocks:
        if kind == "F":
            continue
        if kind == "L=":
            out["eq"][0].extend(rs)
            out["eq"][1].extend(hs)
        elif kind == "L+":
            out["nn"][0].extend(rs)
            out["nn"][1].extend(hs)
        elif kind == "L-":
            out["nn"][0].extend([[(j, -v) for j, v in r] for r in rs])
            out["nn"][1].extend([-h for h in hs])
        elif kind == "Q":
            out["soc"].append((rs, hs))
        elif kind == "QR":
            if len(rs) < 2:
                raise CbfError("a QR cone needs at least 2 rows")
            r1, r2 = rs[0], rs[1]
            s2 = math.sqrt(2.0)
            plus = r1 + r2
            minus = r1 + [(j, -v) for j, v in r2]
            rest = [[(j, s2 * v) for j, v in r] for r in rs[2:]]
            out["soc"].append(
                ([plus, minus] + rest, [hs[0] + hs[1], hs[0] - hs[1]] + [s2 * h for h in hs[2:]])
            )
    return out


def stacked(instance, parts):
    """G (scipy CSC) and h (numpy) of the rows of `parts` (names among eq, nn, soc),
    in that order, and the SOC sizes."""
    import numpy as np
    import scipy.sparse as sp

    rows, hs, sizes = [], [], []
    for p in parts:
        if p == "soc":
            for rs, h in instance["soc"]:
                rows.extend(rs)
                hs.extend(h)
                sizes.append(len(rs))
        else:
            rows.extend(instance[p][0])
            hs.extend(instance[p][1])
    ii, jj, vv = [], [], []
    for i, r in enumerate(rows):
        for j, v in r:
            ii.append(i)
            jj.append(j)
            vv.append(v)
    g = sp.csc_matrix((vv, (ii, jj)), shape=(len(rows), instance["n"]))
    return g, np.array(hs, dtype=float), sizes


def objective(instance, x):
    """The file's objective c'x + c0 at x (in the file's sense)."""
    sign = -1.0 if instance["sense"] == "MAX" else 1.0
    return sign * sum(ci * xi for ci, xi in zip(instance["c"], x)) + instance["c0"]


def write_solution(path, status, x=None, objective=None, iterations=None, solve_s=None, solver=None):
    assert status in STATUSES, status
    lines = ["cvxrelu-solution 1", f"status {status}"]
    if objective is not None and math.isfinite(objective):
        lines.append(f"objective {objective!r}")
    if iterations is not None:
        lines.append(f"iterations {int(iterations)}")
    if solve_s is not None and math.isfinite(solve_s):
        lines.append(f"solve_s {float(solve_s)!r}")
    if solver:
        lines.append("solver " + " ".join(str(solver).split()))
    if x is not None and all(math.isfinite(v) for v in x):
        lines.append(f"x {len(x)}")
        lines.extend(repr(float(v)) for v in x)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    import os

    os.replace(tmp, path)


def arguments(description):
    import argparse

    p = argparse.ArgumentParser(description=description)
    p.add_argument("instance", help="the CBF file to solve")
    p.add_argument("solution", help="where to write the cvxrelu-solution file")
    p.add_argument("--time-limit", type=float, default=None, help="seconds")
    p.add_argument("--tol", type=float, default=None, help="the solver's tolerance")
    p.add_argument("--max-iters", type=int, default=None)
    p.add_argument("--verbose", action="store_true")
    return p.parse_args()


def fail(message, code=2):
    print(message, file=sys.stderr)
    sys.exit(code)
