"""Lambda-path benchmark: a ridge fit over 20 lambdas against the same fit for one lambda.

Features `tanh(X W0^T)` with X (n, d) Gaussian and W0 (p, d) iid N(0, 1/d), labels
`tanh(2 x . theta)` plus noise; `srfpipe.ridge.ridge_learning_curve` at one n (one band
reduction, one banded solve per lambda, train and test predictions) with L lambdas against
L = 1. For reference, the same path through a full eigendecomposition (as srfpipe did
before, here with the faster evd driver), at `--threads` and at 1 BLAS thread.

With `--ks`, the solver crossover instead: for a Gram matrix M (k, k) at each k,
`(M + lam I)^{-1} r` for L lambdas by L Cholesky factorisations (`srfpipe.linalg.cholesky`)
against one band reduction (`srfpipe.linalg.band`, the baseline, timed in the same rounds),
one BLAS thread; the crossover is the L at which both cost the same. Then two Cholesky fits
on two threads at once against one after the other (the ctypes calls release the GIL).

    python benchmarks/bench_lambda.py            # d=1000, p=2000, n=4000, n_test=4000
    python benchmarks/bench_lambda.py --n 1000   # kernel side (n < p)
    python benchmarks/bench_lambda.py --ks 1000 2000 4000   # Cholesky/band crossover
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
from common import interleaved, lambda_grid, table
from scipy import linalg
from threadpoolctl import threadpool_limits

from srfpipe.linalg import band, cholesky
from srfpipe.linalg.parallel import job_threads
from srfpipe.resources import lambda_solver
from srfpipe.ridge import ridge_learning_curve

COUNTS = (1, 2, 4, 6, 8)
"""Lambda counts L of the Cholesky path in the crossover study."""


def eigh_path(
    phi: np.ndarray, y: np.ndarray, lams: np.ndarray, phi_test: np.ndarray, y_test: np.ndarray
) -> np.ndarray:
    """Test errors (L,) via a full eigendecomposition of the Gram matrix (reference, n >= p)."""
    n = phi.shape[0]
    s, u = linalg.eigh(phi.T @ phi / n, driver="evd", check_finite=False)
    c = u.T @ (phi.T @ y / n)
    b = u @ (c[:, None] / (np.maximum(s, 0.0)[:, None] + lams[None, :]))
    return np.mean(np.square(y_test[:, None] - phi_test @ b), axis=0)


def crossover(ks: list[int], repeats: int) -> None:
    """Cholesky (L lambdas) / band reduction time at each k, the crossover L, and two
    concurrent Cholesky fits against two in a row."""
    rng = np.random.default_rng(0)
    rows = []
    for k in ks:
        a = np.tanh(rng.standard_normal((k + k // 2, k)))
        m, r = a.T @ a / a.shape[0], rng.standard_normal(k)
        lams = np.geomspace(1e-3, 1.0, max(COUNTS))
        cases = {"band": partial(band.shifted_solves, m, r, lams[:4])}
        for c in COUNTS:
            cases[f"cholesky {c}"] = partial(cholesky.shifted_solves, m, r, lams[:c])
        with job_threads(1):
            best = interleaved(cases, repeats if k < 4000 else max(1, repeats // 2))
        per = np.polyfit(COUNTS, [best[f"cholesky {c}"] for c in COUNTS], 1)  # s per lambda
        at = (best["band"] - per[1]) / per[0]
        ratios = [best[f"cholesky {c}"] / best["band"] for c in COUNTS]
        rows.append([k, best["band"], *ratios, f"{at:.1f}", lambda_solver(k, 4)[0]])
    print("Cholesky path (L lambdas) / band reduction (baseline, its seconds), one thread")
    header = ["k", "band s", *(f"L={c}" for c in COUNTS), "crossover L", "chosen at L=4"]
    print(table(header, rows))
    k = ks[len(ks) // 2]
    a = np.tanh(rng.standard_normal((k + k // 2, k)))
    m, r, lams = a.T @ a / a.shape[0], rng.standard_normal(k), np.geomspace(1e-3, 1.0, 4)

    tasks = {
        "Cholesky fits (4 lambdas)": lambda _=0: cholesky.shifted_solves(m, r, lams),
        "numpy products M @ M (control, GIL-free)": lambda _=0: m @ m,
    }
    with job_threads(1), ThreadPoolExecutor(2) as pool:
        for name, task in tasks.items():
            runs = {
                "row": lambda t=task: (t(), t()),
                "once": lambda t=task: list(pool.map(t, (0, 1))),
            }
            for _ in range(2):  # warm up, then time
                times = {}
                for case, run in runs.items():
                    t0, c0 = time.perf_counter(), time.process_time()
                    run()
                    times[case] = (time.perf_counter() - t0, time.process_time() - c0)
            (row_wall, _), (once_wall, once_cpu) = times["row"], times["once"]
            print(
                f"two {name} at k={k} on two threads / in a row, wall: {once_wall / row_wall:.2f};"
                f" CPU / wall on two threads: {once_cpu / once_wall:.2f} cores"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--p", type=int, default=2000)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--n-test", type=int, default=4000)
    ap.add_argument("--lams", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ks", type=int, nargs="*", help="crossover study at these k instead")
    args = ap.parse_args()
    if args.ks:
        crossover(args.ks, args.repeats)
        return

    rng = np.random.default_rng(0)
    theta = rng.standard_normal(args.d)
    theta /= np.linalg.norm(theta)
    w0 = rng.standard_normal((args.p, args.d)) / np.sqrt(args.d)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, args.d))
        return np.tanh(x @ w0.T), np.tanh(2 * x @ theta) + 0.3 * rng.standard_normal(n)

    phi, y = sample(args.n)
    phi_test, y_test = sample(args.n_test)
    grid = np.asarray(lambda_grid(args.lams))
    one = grid[[args.lams // 2]]

    def path(lams: np.ndarray) -> np.ndarray:
        with job_threads(args.threads):  # as `srfpipe.jobs` runs a rule
            n = phi.shape[0]
            return ridge_learning_curve(phi, y, [n], lams, phi_test, y_test)[0].test_error

    cases = {
        f"ridge path, {args.lams} lambdas": lambda: path(grid),
        "ridge path, 1 lambda": lambda: path(one),
    }
    if args.n >= args.p:

        def reference_1_thread() -> None:
            with threadpool_limits(limits=1):
                eigh_path(phi, y, grid, phi_test, y_test)

        cases[f"eigendecomposition path, {args.lams} lambdas (reference)"] = lambda: eigh_path(
            phi, y, grid, phi_test, y_test
        )
        cases["  the same with 1 BLAS thread"] = reference_1_thread
    with threadpool_limits(limits=args.threads):
        best = interleaved(cases, args.repeats)
    errors = path(grid)
    names = list(best)
    print(
        f"lambda-path benchmark: n={args.n} p={args.p} n_test={args.n_test} threads={args.threads}"
    )
    print(table(["fit", "seconds"], list(best.items())))
    ratio = best[names[0]] / best[names[1]]
    print(f"{args.lams} lambdas / 1 lambda = {ratio:.2f}   (target <= 1.2)")
    if len(names) > 2:
        ref = eigh_path(phi, y, grid, phi_test, y_test)
        fastest = min(best[names[2]], best[names[3]])
        print(
            f"ridge path / eigendecomposition path (faster thread count) = "
            f"{best[names[0]] / fastest:.2f}; "
            f"max relative difference of test errors {np.max(np.abs(errors / ref - 1)):.1e}"
        )


if __name__ == "__main__":
    main()
