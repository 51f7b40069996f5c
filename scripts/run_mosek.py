#!/usr/bin/env python3
"""Solve a CBF instance with MOSEK and write a cvxrelu solution file.

    python3 scripts/run_mosek.py INSTANCE.cbf SOLUTION.sol [--time-limit T] [--tol T] [--max-iters N]

A suite entry (run from the repository root; needs a MOSEK licence):

    [[solver]]
    kind = "external"
    name = "mosek"
    command = "python3 scripts/run_mosek.py {instance} {solution} --time-limit {time_limit}"

MOSEK (pip install Mosek; a licence file, e.g. ~/mosek/mosek.lic or MOSEKLM_LICENSE_FILE)
reads CBF itself (Task.readdata), so no conversion is made here: the
interior-point solution's x is written in the file's variable order.
--time-limit sets optimizer_max_time, --tol the interior-point conic tolerances
(intpnt_co_tol_rel_gap, _pfeas, _dfeas), --max-iters intpnt_max_iterations.
Status: solution status optimal -> solved; a primal (dual) infeasibility
certificate -> infeasible (unbounded); otherwise the termination code:
max time -> time_limit, max iterations -> max_iterations, else inaccurate when
MOSEK returned a point, numerical_error when not.

Without MOSEK or without a licence the script writes no solution file and exits
with code 2 and a one-line message (the harness records the run as
numerical_error with that message in stderr_tail).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbf_solution as cs  # noqa: E402


def main():
    args = cs.arguments("Solve a CBF instance with MOSEK.")
    try:
        import mosek
    except ImportError as e:
        cs.fail(f"run_mosek.py: {e}: install MOSEK with 'pip install Mosek' (and a licence)")
    try:
        with mosek.Task() as task:
            if args.verbose:
                task.set_Stream(mosek.streamtype.log, lambda s: sys.stderr.write(s))
            task.readdata(args.instance)
            if args.time_limit is not None:
                task.putdouparam(mosek.dparam.optimizer_max_time, args.time_limit)
            if args.tol is not None:
                for p in (
                    mosek.dparam.intpnt_co_tol_rel_gap,
                    mosek.dparam.intpnt_co_tol_pfeas,
                    mosek.dparam.intpnt_co_tol_dfeas,
                ):
                    task.putdouparam(p, args.tol)
            if args.max_iters is not None:
                task.putintparam(mosek.iparam.intpnt_max_iterations, args.max_iters)
            t = time.perf_counter()
            trm = task.optimize()
            solve_s = time.perf_counter() - t
            itr = mosek.soltype.itr
            if not task.solutiondef(itr):
                cs.write_solution(args.solution, "numerical_error", solve_s=solve_s,
                                  solver=f"mosek (termination {trm})")
                return 1
            solsta = task.getsolsta(itr)
            x = list(task.getxx(itr))
            if solsta == mosek.solsta.optimal:
                status = "solved"
            elif solsta == mosek.solsta.prim_infeas_cer:
                status = "infeasible"
            elif solsta == mosek.solsta.dual_infeas_cer:
                status = "unbounded"
            elif trm == mosek.rescode.trm_max_time:
                status = "time_limit"
            elif trm == mosek.rescode.trm_max_iterations:
                status = "max_iterations"
            else:
                status = "inaccurate"
            major, minor, rev = mosek.Env.getversion()
            cs.write_solution(
                args.solution,
                status,
                x=None if status in ("infeasible", "unbounded") else x,
                objective=task.getprimalobj(itr),
                iterations=task.getintinf(mosek.iinfitem.intpnt_iter),
                solve_s=solve_s,
                solver=f"mosek {major}.{minor}.{rev} ({solsta}, {trm})",
            )
            return 0 if status == "solved" else 1
    except mosek.Error as e:
        code = str(getattr(e, "errno", ""))
        text = " ".join(str(e).split())
        if "license" in code.lower() or "license" in text.lower():
            cs.fail(f"run_mosek.py: MOSEK has no licence here ({text}); see https://www.mosek.com/products/academic-licenses/")
        cs.fail(f"run_mosek.py: MOSEK error {text}")


if __name__ == "__main__":
    sys.exit(main())
