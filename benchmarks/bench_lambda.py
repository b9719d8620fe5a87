"""Lambda-path benchmark: a ridge fit over 20 lambdas against the same fit for one lambda.

Features `tanh(X W0^T)` with X (n, d) Gaussian and W0 (p, d) iid N(0, 1/d), labels
`tanh(2 x . theta)` plus noise; `srfpipe.ridge.ridge_learning_curve` at one n (one band
reduction, one banded solve per lambda, train and test predictions) with L lambdas against
L = 1. For reference, the same path through a full eigendecomposition (as srfpipe did
before, here with the faster evd driver), at `--threads` and at 1 BLAS thread.

    python benchmarks/bench_lambda.py            # d=1000, p=2000, n=4000, n_test=4000
    python benchmarks/bench_lambda.py --n 1000   # kernel side (n < p)
"""

from __future__ import annotations

import argparse

import numpy as np
from common import interleaved, lambda_grid, table
from scipy import linalg
from threadpoolctl import threadpool_limits

from srfpipe.linalg.parallel import job_threads
from srfpipe.ridge import ridge_learning_curve


def eigh_path(
    phi: np.ndarray, y: np.ndarray, lams: np.ndarray, phi_test: np.ndarray, y_test: np.ndarray
) -> np.ndarray:
    """Test errors (L,) via a full eigendecomposition of the Gram matrix (reference, n >= p)."""
    n = phi.shape[0]
    s, u = linalg.eigh(phi.T @ phi / n, driver="evd", check_finite=False)
    c = u.T @ (phi.T @ y / n)
    b = u @ (c[:, None] / (np.maximum(s, 0.0)[:, None] + lams[None, :]))
    return np.mean(np.square(y_test[:, None] - phi_test @ b), axis=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--p", type=int, default=2000)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--n-test", type=int, default=4000)
    ap.add_argument("--lams", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

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
