#!/usr/bin/env python3
"""Solve a CBF instance with SCS and write a cvxrelu solution file.

    python3 scripts/run_scs.py INSTANCE.cbf SOLUTION.sol [--time-limit T] [--tol T] [--max-iters N]

A suite entry (run from the repository root):

    [[solver]]
    kind = "external"
    name = "scs"
    command = "python3 scripts/run_scs.py {instance} {solution} --time-limit {time_limit}"

SCS (pip install scs, version 3) solves  min c'x  s.t.  A x + s = b, s in K  with K
= zero cone x nonnegative orthant x second-order cones, in that order: with the
instance's rows s = G x + h in K (scripts/cbf_solution.py), A = -G and b = h.
--tol sets eps_abs = eps_rel (SCS's default 1e-4 otherwise); --time-limit sets
time_limit_secs. Status: SCS 'solved' -> solved; 'solved (inaccurate ...)' ->
inaccurate, or max_iterations / time_limit when SCS says it stopped there;
(inaccurate) unbounded / infeasible -> unbounded / infeasible; anything else ->
numerical_error.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbf_solution as cs  # noqa: E402


def status_of(info):
    val, text = info["status_val"], info["status"].lower()
    if val == 1:
        return "solved"
    if val == 2:
        if "iter" in text:
            return "max_iterations"
        if "time" in text:
            return "time_limit"
        return "inaccurate"
    if val in (-1, -6):
        return "unbounded"
    if val in (-2, -7):
        return "infeasible"
    if val == 0:
        return "time_limit" if "time" in text else "max_iterations"
    return "numerical_error"


def main():
    args = cs.arguments("Solve a CBF instance with SCS.")
    try:
        import numpy as np
        import scs
    except ImportError as e:
        cs.fail(f"run_scs.py: {e}: install SCS with 'pip install scs numpy scipy'")
    try:
        inst = cs.read_cbf(args.instance)
    except (cs.CbfError, ValueError, StopIteration) as e:
        cs.fail(f"{args.instance}: {e or 'unexpected end of file'}")
    g, h, sizes = cs.stacked(inst, ["eq", "nn", "soc"])
    data = {"A": (-g).tocsc(), "b": h, "c": np.array(inst["c"], dtype=float)}
    cone = {"z": len(inst["eq"][1]), "l": len(inst["nn"][1]), "q": sizes}
    settings = {"verbose": args.verbose}
    if args.tol is not None:
        settings["eps_abs"] = settings["eps_rel"] = args.tol
    if args.max_iters is not None:
        settings["max_iters"] = args.max_iters
    if args.time_limit is not None:
        settings["time_limit_secs"] = args.time_limit
    t = time.perf_counter()
    sol = scs.SCS(data, cone, **settings).solve()
    solve_s = time.perf_counter() - t
    info = sol["info"]
    x = [float(v) for v in sol["x"]]
    status = status_of(info)
    cs.write_solution(
        args.solution,
        status,
        x=None if status in ("unbounded", "infeasible") else x,
        objective=cs.objective(inst, x),
        iterations=info["iter"],
        solve_s=solve_s,
        solver=f"scs {scs.__version__} ({info['status']})",
    )
    return 0 if status == "solved" else 1


if __name__ == "__main__":
    sys.exit(main())
