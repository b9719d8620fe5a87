"""Timing of the theory stage (single core): one 40-alpha curve and a 40 x 20 table.

Targets (issue 3): curve < 1 s, table < 10 s. Prints the best wall time and, in brackets,
the CPU time of the same call (the honest single-core cost on a busy machine), and the ratio
of the wall time to its target.

    OMP_NUM_THREADS=1 python benchmarks/bench_theory.py
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from srfpipe.functions import target
from srfpipe.problem import SRF, Problem
from srfpipe.theory import learning_curve, optimal_ridge

ALPHAS = np.linspace(0.2, 5.0, 40)
LAMS = np.geomspace(0.01, 3.0, 20)
HERMITE = target("hermite", 1.0, (0, 1, 0, 0.5))
CASES = {
    "tanh, tanh(2z), R": ("tanh", target("tanh", 2.0), "rademacher", 1.5, 0.8),
    "erf, hermite, R": ("erf", HERMITE, "rademacher", 2.0, 0.6),
    "tanh, sign, gamma=1": ("tanh", target("sign"), "rademacher", 3.0, 1.0),
    "relu, tanh(2z), O": ("relu", target("tanh", 2.0), "constant", 1.0, 0.8),
}


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
        head = f"{'curve (40) [cpu]':>18s} {'/1s':>5s} {'table 40x20 [cpu]':>18s} {'/10s':>5s}"
        print(f"{'case':22s} {head}")
        for name, (act, tgt, init, r, gamma) in CASES.items():
            pb, srf = Problem(act, tgt, 0.1, 2.0, init), SRF(r, gamma)
            curve = best_of(lambda p=pb, s=srf: learning_curve(p, s, lam=[0.1], alpha=ALPHAS))
            table = best_of(
                lambda p=pb, s=srf: optimal_ridge(learning_curve(p, s, lam=LAMS, alpha=ALPHAS)),
                repeat=1,
            )
            print(
                f"{name:22s} {curve[0]:7.3f}s [{curve[1]:6.3f}s] {curve[0]:5.2f} "
                f"{table[0]:7.3f}s [{table[1]:6.3f}s] {table[0] / 10:5.2f}"
            )


if __name__ == "__main__":
    main()
