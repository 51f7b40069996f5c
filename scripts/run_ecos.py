#!/usr/bin/env python3
"""Solve a CBF instance with ECOS and write a cvxrelu solution file.

    python3 scripts/run_ecos.py INSTANCE.cbf SOLUTION.sol [--tol T] [--max-iters N]

A suite entry (run from the repository root):

    [[solver]]
    kind = "external"
    name = "ecos"
    command = "python3 scripts/run_ecos.py {instance} {solution}"

ECOS (pip install ecos) solves  min c'x  s.t.  A x = b,  h - G x in K  with K =
nonnegative orthant x second-order cones: with the instance's rows
g = G_c x + h_c (scripts/cbf_solution.py), the L= rows give A = G_c, b = -h_c and
the others G = -G_c, h = h_c. --tol sets feastol = abstol = reltol (ECOS's
defaults 1e-8 otherwise). ECOS has no time limit: the harness kills it at the
run's limit. Status: exit flag 0 -> solved; 10 (optimal, reduced accuracy) ->
inaccurate; 1 / 11 -> infeasible; 2 / 12 -> unbounded; -1 -> max_iterations;
others -> numerical_error.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbf_solution as cs  # noqa: E402

STATUS = {0: "solved", 10: "inaccurate", 1: "infeasible", 11: "infeasible",
          2: "unbounded", 12: "unbounded", -1: "max_iterations"}


def main():
    args = cs.arguments("Solve a CBF instance with ECOS.")
    try:
        import ecos
        import numpy as np
    except ImportError as e:
        cs.fail(f"run_ecos.py: {e}: install ECOS with 'pip install ecos numpy scipy'")
    try:
        inst = cs.read_cbf(args.instance)
    except (cs.CbfError, ValueError, StopIteration) as e:
        cs.fail(f"{args.instance}: {e or 'unexpected end of file'}")
    g, h, sizes = cs.stacked(inst, ["nn", "soc"])
    dims = {"l": len(inst["nn"][1]), "q": sizes, "e": 0}
    kwargs = {"verbose": args.verbose}
    if args.tol is not None:
        kwargs.update(feastol=args.tol, abstol=args.tol, reltol=args.tol)
    if args.max_iters is not None:
        kwargs["max_iters"] = args.max_iters
    c = np.array(inst["c"], dtype=float)
    t = time.perf_counter()
    if inst["eq"][1]:
        a, b, _ = cs.stacked(inst, ["eq"])
        sol = ecos.solve(c, (-g).tocsc(), h, dims, a.tocsc(), -b, **kwargs)
    else:
        sol = ecos.solve(c, (-g).tocsc(), h, dims, **kwargs)
    solve_s = time.perf_counter() - t
    info = sol["info"]
    flag = info["exitFlag"]
    status = STATUS.get(flag, "numerical_error")
    x = [float(v) for v in sol["x"]]
    cs.write_solution(
        args.solution,
        status,
        x=None if status in ("unbounded", "infeasible") else x,
        objective=cs.objective(inst, x),
        iterations=info["iter"],
        solve_s=solve_s,
        solver=f"ecos {ecos.__version__} (exit flag {flag}: {info.get('infostring', '')})",
    )
    return 0 if status == "solved" else 1


if __name__ == "__main__":
    sys.exit(main())
