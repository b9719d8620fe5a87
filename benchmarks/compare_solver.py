"""The fixed-point solvers of this checkout against those of an earlier commit, in-process.

The earlier `theory/fixed_point.py` and `theory/groups.py` are read with `git show REV:...`
and loaded under other names; both solve the same tables (this checkout's `curves.equations`)
on the same (alpha, lam) grids, warm-started alike (`curves.solve_grid`). Prints, per case,
the largest relative difference of every order parameter and error over the grid
(`|new - old| / max(|old|, 1e-3)`) and whether the converged flags agree.

    python benchmarks/compare_solver.py --rev ef943a5
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import types
from functools import partial

import numpy as np
from common import REPO  # noqa: E402

from srfpipe.functions import target
from srfpipe.problem import SRF, Problem
from srfpipe.theory import curves
from srfpipe.theory.groups import solve_groups

HE2 = target("hermite", 1.0, (0.0, 1.0, 1.0))
TANH2 = target("tanh", 2.0)
CASES = {  # name: (problem, sRF, dimension)
    "tanh R": (Problem("tanh", TANH2, 0.1, 2.0), SRF(1.5, 0.8), None),
    "tanh R r=3 sign": (Problem("tanh", target("sign"), 0.1, 0.7), SRF(3.0, 0.95), None),
    "relu O": (Problem("relu", TANH2, 0.1, 1.5, "constant"), SRF(1.0, 0.8), None),
    "relu O He2 unit": (Problem("relu", HE2, 0.1, 1.0, "constant", w0_rows="unit"),
                        SRF(1.0, 0.9), None),
    "erf O c=1.3": (Problem("erf", HE2, 0.0, 3.0, "constant"), SRF(0.7, 0.5, 1.3), None),
    "relu R G=2": (Problem("relu", TANH2, 0.1, 2.0), SRF(1.5, 0.8), None),
    "tanh gauss d=1000": (Problem("tanh", TANH2, 0.1, 2.0, "gaussian"), SRF(1.5, 0.8), 1000),
    "relu gauss slope": (Problem("relu", HE2, 0.1, 1.5, "gaussian"), SRF(1.0, 0.9, 1.0, 0.3), None),
}  # fmt: skip
ALPHA = np.geomspace(0.2, 6.0, 12)
LAM = np.geomspace(1e-3, 3.0, 6)
FIELDS = ("V_w", "V_z", "m_s", "m_v", "m_th", "m_e", "q_w", "q_z", "test_error", "train_error")


def load_old(rev: str) -> tuple[types.ModuleType, types.ModuleType]:
    """The `fixed_point` and `groups` modules of commit `rev`, loaded as `old_fixed_point`
    and `old_groups` (importing each other and `old_spectrum`, its block resolvent)."""
    mods = []
    for name in ("spectrum", "fixed_point", "groups"):
        text = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{rev}:srfpipe/theory/{name}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for new, old in [
            ("from srfpipe.theory import fixed_point", "import old_fixed_point as fixed_point"),
            ("from srfpipe.theory.fixed_point import", "from old_fixed_point import"),
            ("from srfpipe.theory.spectrum import", "from old_spectrum import"),
        ]:
            text = text.replace(new, old)
        mod = types.ModuleType(f"old_{name}")
        sys.modules[mod.__name__] = mod
        exec(compile(text, f"{rev}:{name}.py", "exec"), mod.__dict__)  # noqa: S102
        mods.append(mod)
    return mods[1], mods[2]


def old_solver(eq: curves.Equations, fp: types.ModuleType, gr: types.ModuleType):
    """The earlier solver on the tables of `eq` (same keywords as `eq.solver`)."""
    kw = eq.solver.keywords
    if eq.solver.func is solve_groups:
        return partial(gr.solve_groups, eq.table, eq.mp.beta, **kw)
    return partial(fp.solve, eq.table, eq.mp, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="ef943a5", help="the earlier commit")
    args = parser.parse_args()
    fp, gr = load_old(args.rev)
    worst = 0.0
    for name, (pb, srf, dim) in CASES.items():
        eq = curves.equations(pb, srf, dimension=dim)
        new = curves.solve_grid(pb, eq.solver, beta=eq.mp.beta, lam_arr=LAM, alpha_arr=ALPHA)
        old = curves.solve_grid(
            pb, old_solver(eq, fp, gr), beta=eq.mp.beta, lam_arr=LAM, alpha_arr=ALPHA
        )
        same = np.array_equal(new["converged"][1], old["converged"][1])
        rel = {}
        for f in FIELDS:
            a, b = new[f][1], old[f][1]
            ok = np.isfinite(a) & np.isfinite(b)
            rel[f] = float(np.max(np.abs(a - b)[ok] / np.maximum(np.abs(b[ok]), 1e-3), initial=0))
        worst = max(worst, *rel.values())
        top = max(rel, key=rel.get)
        print(f"{name:20s} converged equal: {same}  max rel diff {rel[top]:.2e} ({top})")
    print(f"worst relative difference over all cases and fields: {worst:.2e}")


if __name__ == "__main__":
    main()
