"""Timing of the theory stage (single core): one 40-alpha curve and a 40 x 20 table.

Targets (issue 3): curve < 1 s, table < 10 s; neurons in groups (issue 14): curve < 0.5 s
for G = 2 (ReLU, +-1 readout) and < 3 s for the Gaussian readout. Prints the best wall time
and, in brackets, the CPU time of the same call (the honest single-core cost on a busy
machine), and the ratio of the wall time to its curve target.

    OMP_NUM_THREADS=1 python benchmarks/bench_theory.py
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from srfpipe.functions import target
from srfpipe.problem import SRF, Problem
from srfpipe.theory.curves import learning_curve

ALPHAS = np.linspace(0.2, 5.0, 40)
LAMS = np.geomspace(0.01, 3.0, 20)
HERMITE = target("hermite", 1.0, (0, 1, 0, 0.5))
HE2 = target("hermite", 1.0, (0, 1, 1))
GROUPS = {"dimension": 1000}
CASES = {  # name: (activation, target, readout init, sRF, keywords, curve target in s)
    "tanh, tanh(2z), R": ("tanh", target("tanh", 2.0), "rademacher", SRF(1.5, 0.8), {}, 1),
    "erf, hermite, R": ("erf", HERMITE, "rademacher", SRF(2.0, 0.6), {}, 1),
    "tanh, sign, gamma=1": ("tanh", target("sign"), "rademacher", SRF(3.0, 1.0), {}, 1),
    "relu, tanh(2z), O": ("relu", target("tanh", 2.0), "constant", SRF(1.0, 0.8), {}, 1),
    "relu, tanh(2z), R G=2": ("relu", target("tanh", 2.0), "rademacher", SRF(1.5, 0.8), {}, 0.5),
    "tanh, tanh(2z), gauss": ("tanh", target("tanh", 2.0), "gaussian", SRF(1.5, 0.8), GROUPS, 3),
    "relu, z+He2, gauss": ("relu", HE2, "gaussian", SRF(1.0, 0.9), GROUPS, 3),
    "relu, z+He2, gauss c(a)": ("relu", HE2, "gaussian", SRF(1.0, 0.9, 1.0, 0.3), GROUPS, 3),
}  # fmt: skip


def best_of(fn, repeat: int = 3) -> tuple[float, float]:
    """Best (wall, CPU) time of `repeat` calls, seconds."""
    times = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return min(times)


def main() -> None:
    with threadpool_limits(1):
        head = f"{'curve (40) [cpu]':>18s} {'/goal':>5s} {'table 40x20 [cpu]':>18s} {'/10s':>5s}"
        print(f"{'case':24s} {head}")
        for name, (act, tgt, init, srf, kw, goal) in CASES.items():
            pb = Problem(act, tgt, 0.1, 2.0, init)
            curve = best_of(
                lambda p=pb, s=srf, k=kw: learning_curve(p, s, lam=[0.1], alpha=ALPHAS, **k)
            )
            table = best_of(
                lambda p=pb, s=srf, k=kw: learning_curve(
                    p, s, lam=LAMS, alpha=ALPHAS, **k
                ).test_error.min("lam"),
                repeat=1,
            )
            print(
                f"{name:24s} {curve[0]:7.3f}s [{curve[1]:6.3f}s] {curve[0] / goal:5.2f} "
                f"{table[0]:7.3f}s [{table[1]:6.3f}s] {table[0] / 10:5.2f}"
            )


if __name__ == "__main__":
    main()
