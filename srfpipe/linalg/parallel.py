"""A job's threads, spent so that no number depends on how many there are.

Threaded OpenBLAS (GEMM, GEMV, LAPACK) gives results that depend on the thread count for some
shapes. Inside `job_threads(n)` BLAS therefore runs on one thread and srfpipe spends the `n`
threads itself, on grids that do not depend on `n`: products by fixed row blocks (`matmul`),
Gram matrices by fixed column blocks (`gram`, and from them `top_singular`), entrywise
functions by row chunks (`by_rows`), independent tasks (`for_each`). Numpy's ufuncs, random
generators and BLAS, and `srfpipe.linalg.band`'s ctypes calls, release the GIL.

The budget is a context variable: threads started by these helpers see a budget of one,
so nested helpers run in order instead of oversubscribing the cores.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

import numpy as np
from scipy import linalg
from threadpoolctl import ThreadpoolController

CHUNK = 1 << 17
"""Entries per chunk of `by_rows` (1 MiB of float64)."""
MATMUL_ROWS = 512
"""Rows of `a` per block of `matmul`."""
GRAM_COLUMNS = 512
"""Columns of `a` per block of `gram`."""

_BUDGET: ContextVar[int] = ContextVar("srfpipe_threads", default=1)


@cache
def _controller(scipy_blas: bool) -> ThreadpoolController:
    """The BLAS libraries of this process, looked up once, and again once scipy.linalg (which
    ships its own OpenBLAS, besides numpy's) has been imported."""
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """Context manager limiting BLAS to one thread (cheap: the libraries are looked up once)."""
    return _controller("scipy.linalg" in sys.modules).limit(limits=1, user_api="blas")


@contextmanager
def job_threads(n: int) -> Iterator[None]:
    """Run the body with a budget of `n` threads for these helpers and BLAS on one thread."""
    token = _BUDGET.set(max(1, int(n)))
    try:
        with one_blas_thread():
            yield
    finally:
        _BUDGET.reset(token)


def threads() -> int:
    """The thread budget of the calling thread (1 outside `job_threads` and in workers)."""
    return _BUDGET.get()


def for_each(fn: Callable[[int], None], count: int) -> None:
    """`fn(i)` for i in `range(count)`, spread over the budget's threads (fn writes its
    results); BLAS on one thread in each."""
    workers = min(threads(), count)
    with one_blas_thread():
        if workers <= 1:
            for i in range(count):
                fn(i)
            return
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(fn, range(count)))


def by_rows(
    fn: Callable[[slice], np.ndarray], shape: tuple[int, int], dtype: np.dtype | type = np.float64
) -> np.ndarray:
    """Array of `shape` (n, m) and `dtype` whose rows `r` (a slice) are `fn(r)`, computed on
    row chunks of about `CHUNK` entries (so that a chain of ufuncs stays in cache). For an
    entrywise `fn` the numbers do not depend on the chunks."""
    n, m = shape
    rows = max(1, CHUNK // max(m, 1))
    if n <= rows:
        return np.asarray(fn(slice(0, n)), dtype=dtype)
    out = np.empty(shape, dtype=dtype)

    def chunk(i: int) -> None:
        r = slice(i * rows, min((i + 1) * rows, n))
        out[r] = fn(r)

    for_each(chunk, -(-n // rows))
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` for a (n, k) and b (k, m) or (k,): blocks of `MATMUL_ROWS` rows of `a`, each
    a one-thread BLAS call."""
    out = np.empty((a.shape[0], *b.shape[1:]), dtype=np.result_type(a, b))

    def block(i: int) -> None:
        rows = slice(i * MATMUL_ROWS, (i + 1) * MATMUL_ROWS)
        np.matmul(a[rows], b, out=out[rows])

    for_each(block, -(-a.shape[0] // MATMUL_ROWS))
    return out


def gram(a: np.ndarray) -> np.ndarray:
    """`a.T @ a` (k, k) for a (n, k): the lower triangle in blocks of `GRAM_COLUMNS`
    columns (SYRK on the diagonal, GEMM below), one BLAS thread each; exactly symmetric."""
    k = a.shape[1]
    cuts = list(range(0, k, GRAM_COLUMNS)) + [k]
    pairs = [(i, j) for i in range(len(cuts) - 1) for j in range(i + 1)]
    out = np.empty((k, k), dtype=a.dtype)

    def block(t: int) -> None:
        i, j = pairs[t]
        ri, rj = slice(cuts[i], cuts[i + 1]), slice(cuts[j], cuts[j + 1])
        if i == j:
            ai = a[:, ri]
            out[ri, ri] = ai.T @ ai
        else:
            out[ri, rj] = a[:, ri].T @ a[:, rj]
            out[rj, ri] = out[ri, rj].T

    for_each(block, len(pairs))
    return out


def top_singular(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-`k` singular triplets of m (p, d), descending: (U (p, k), s (k,), V (d, k)), `k`
    capped at `min(p, d) - 1`; from a partial eigensolve (one BLAS thread) of the smaller Gram
    matrix, so the squared singular values carry an absolute error ~ eps s_1^2 (fine for the
    top ones)."""
    k = min(k, min(m.shape) - 1)
    tall = m.shape[0] >= m.shape[1]
    g = gram(m) if tall else gram(m.T)
    n = g.shape[0]
    with one_blas_thread():
        vals, vecs = linalg.eigh(
            g, subset_by_index=(n - k, n - 1), overwrite_a=True, check_finite=False
        )
    vals, vecs = vals[::-1], np.ascontiguousarray(vecs[:, ::-1])
    s = np.sqrt(np.maximum(vals, 0.0))
    other = (matmul(m, vecs) if tall else matmul(m.T, vecs)) / np.where(s > 0, s, 1.0)
    return (other, s, vecs) if tall else (vecs, s, other)
