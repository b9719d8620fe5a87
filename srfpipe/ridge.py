"""Ridge readouts over a whole lambda grid.

docs/model.md normalisation: for features Phi (n, p) and labels y (n,),
`b(lam) = (Phi^T Phi / n + lam I)^{-1} Phi^T y / n` and `f_hat(x) = b . phi(x)`
(`b = a_hat / sqrt(p)`). The Gram matrix `Phi^T Phi / n` (p, p) is used when `n >= p`, else
the kernel `Phi Phi^T / n` (n, n). For a long lambda grid that matrix is reduced once to
band form (`srfpipe.linalg.band`, at matrix-multiply speed), then each lambda costs one
banded solve; for a short one each lambda gets its own float32 Cholesky factorisation,
refined to float64 accuracy (`srfpipe.linalg.cholesky`), whichever
`srfpipe.resources.lambda_solver` counts cheaper.
Nested training sets (prefixes `Phi[:n]`) reuse the accumulated Gram.

Threads: each fit runs on one BLAS thread; a job's T >= 2 threads run the fits and the test
features at once, and split the products around them on fixed grids
(`srfpipe.linalg.parallel`), so no number depends on T.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial

import numpy as np

from srfpipe.linalg import band, cholesky
from srfpipe.linalg.parallel import MATMUL_ROWS, gram, job_threads, matmul, one_blas_thread, threads
from srfpipe.resources import lambda_solver

TEST_ROWS = MATMUL_ROWS
"""Rows per block of test features computed alongside the fits (a block of `matmul`)."""


@dataclass(frozen=True)
class RidgeErrors:
    """Errors over the lambda grid, each of shape (L,)."""

    train_error: np.ndarray
    test_error: np.ndarray
    readout_sq_norm: np.ndarray  # ||b||^2 = ||a_hat||^2 / p
    test_prediction: np.ndarray  # (n_test, L): `f_hat` on the test inputs


def _check_lams(lams: Sequence[float]) -> np.ndarray:
    lams = np.asarray(lams, dtype=float)
    if lams.ndim != 1 or lams.size == 0 or not np.all(np.isfinite(lams)) or np.any(lams <= 0):
        raise ValueError(f"lam: need a non-empty list of finite values > 0, got {lams.tolist()}")
    return lams


def shifted_solves(
    m: np.ndarray, rhs: np.ndarray, lams: np.ndarray, overwrite: bool = False
) -> np.ndarray:
    """`(M + lam I)^{-1} rhs` for every lam, shape (k, L); M (k, k) symmetric PSD, rhs (k,);
    `overwrite` lets the band path work in M's memory. One BLAS thread (deterministic): L
    refined float32 Cholesky factorisations or one band reduction (`lambda_solver`); the band
    path as well when some `M + lam I` is too ill-conditioned for float32 or not positive
    definite, round-off negative eigenvalues of M counting as zero
    (`srfpipe.linalg.band.shifted_solves`)."""
    k = m.shape[0]
    if k == 1:
        return np.asarray(rhs, dtype=float)[:, None] / (max(m[0, 0], 0.0) + lams[None, :])
    with one_blas_thread():
        if lambda_solver(k, lams.size)[0] == "cholesky":
            z = cholesky.shifted_solves(m, rhs, lams)
            if z is not None:
                return z
        return band.shifted_solves(m, rhs, lams, overwrite)


def coefficients_from_kernel(phi: np.ndarray, y: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`b(lam) = Phi^T (Phi Phi^T/n + lam I)^{-1} y / n` for all lams, shape (p, L)."""
    n = phi.shape[0]
    kernel = gram(phi.T)
    kernel /= n
    dual = shifted_solves(kernel, y, lams, overwrite=True) / n  # (n, L)
    return matmul(phi.T, dual)


def _errors(
    b: np.ndarray,
    phi: np.ndarray,
    y: np.ndarray,
    phi_test: np.ndarray,
    y_test: np.ndarray,
) -> RidgeErrors:
    pred = matmul(phi_test, b)
    train = np.mean(np.square(y[:, None] - matmul(phi, b)), axis=0)
    test = np.mean(np.square(y_test[:, None] - pred), axis=0)
    return RidgeErrors(train, test, np.sum(np.square(b), axis=0), pred)


def ridge_reference(
    phi: np.ndarray, y: np.ndarray, lams: Sequence[float], phi_test: np.ndarray, y_test: np.ndarray
) -> RidgeErrors:
    """The definition the fast path is tested against: `Phi^T Phi/n = V diag(s) V^T` by
    `scipy.linalg.eigh`, `b(lam) = V diag(1/(s + lam)) V^T Phi^T y/n` (plain, O(p^3))."""
    from scipy import linalg

    lams = np.asarray(lams, dtype=float)
    n = phi.shape[0]
    s, v = linalg.eigh(phi.T @ phi / n)
    b = v @ ((v.T @ (phi.T @ y / n))[:, None] / (s[:, None] + lams[None, :]))
    return _errors(b, phi, y, phi_test, y_test)


def ridge_learning_curve(
    phi: np.ndarray,
    y: np.ndarray,
    ns: Sequence[int],
    lams: Sequence[float] | np.ndarray,
    phi_test: np.ndarray | Callable[[slice], np.ndarray],
    y_test: np.ndarray,
) -> list[RidgeErrors]:
    """Train/test errors and `||b||^2` on each prefix `phi[:n], y[:n]` for n in `ns` (in the
    order given), every lambda from one band reduction or a Cholesky factorisation per lambda
    (`shifted_solves`; `ridge_reference` is the definition).

    `lams` (L,) is the grid of every n, or (len(ns), L) one grid per n; sizes are in
    `[1, phi.shape[0]]` (checked at the edge). `phi_test` (n_test, p) may be a function of a
    row slice returning those rows: they are then computed in blocks of `TEST_ROWS` rows
    alongside the fits.
    """
    ns = [int(n) for n in ns]
    grid = np.asarray(lams, dtype=float)
    rows = grid if grid.ndim == 2 else np.broadcast_to(grid, (len(ns), grid.size))
    lam_of = {n: _check_lams(row) for n, row in zip(ns, rows, strict=True)}
    if callable(phi_test):
        n_test, rows_of = y_test.shape[0], phi_test
        phi_test = np.empty((n_test, phi.shape[1]))

        def fill(rows: slice) -> None:
            phi_test[rows] = rows_of(rows)

        blocks = [slice(s, min(s + TEST_ROWS, n_test)) for s in range(0, n_test, TEST_ROWS)]
        side_tasks = [partial(fill, rows) for rows in blocks]
    else:
        side_tasks = []
    coefs = _fit_nested(phi, y, sorted(set(ns)), lam_of, side_tasks)
    results = {n: _errors(b, phi[:n], y[:n], phi_test, y_test) for n, b in coefs.items()}
    return [results[n] for n in ns]


def _fit_nested(
    phi: np.ndarray,
    y: np.ndarray,
    ns: list[int],
    lam_of: dict[int, np.ndarray],
    side_tasks: list[Callable[[], None]],
) -> dict[int, np.ndarray]:
    """`b(lam)` (p, L) fitted on `phi[:n], y[:n]` for each n of the increasing list `ns`;
    the `side_tasks` are run too. The Gram matrix is accumulated over increasing n on the
    calling thread; with T >= 2 threads the fits (one BLAS thread each, working in their
    scaled Gram's memory), then the side tasks, run on T workers, at most T fits at once (so
    at most T scaled Grams are alive). The numbers do not depend on T.
    """
    p = phi.shape[1]
    total, phi_y, done = None, np.zeros(p), 0

    def system(n: int) -> tuple[np.ndarray, np.ndarray] | None:
        """`(Phi^T Phi/n, Phi^T y/n)` on the first n rows (None if n < p: kernel side)."""
        nonlocal total, done
        if n < p:
            return None
        block = phi[done:n]
        update = gram(block)
        if total is None:
            total = update
        else:
            total += update
        del update
        phi_y[...] += matmul(block.T, y[done:n])
        done = n
        return total / n, phi_y / n

    def solve(n: int, sys_n: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        if sys_n is None:
            return coefficients_from_kernel(phi[:n], y[:n], lam_of[n])
        return shifted_solves(*sys_n, lam_of[n], overwrite=True)  # b(lam) (p, L)

    workers = threads()
    if workers < 2:
        coefs = {n: solve(n, system(n)) for n in ns}
        for task in side_tasks:
            task()
        return coefs
    first = system(ns[0])  # over the job's threads
    with job_threads(1), ThreadPoolExecutor(workers) as pool:  # nested helpers run in order
        fits = {ns[0]: pool.submit(solve, ns[0], first)}
        del first
        side = [pool.submit(task) for task in side_tasks]  # queued behind the first fit
        for n in ns[1:]:
            while len(busy := [f for f in fits.values() if not f.done()]) >= workers:
                wait(busy, return_when=FIRST_COMPLETED)
            fits[n] = pool.submit(solve, n, system(n))
        for f in side:
            f.result()
        return {n: f.result() for n, f in fits.items()}
