"""A job's threads: entrywise work by row chunks, independent blocks of work, concurrent tasks.

A job's CPU budget is its BLAS thread limit (`srfpipe.jobs` sets it to the rule's
`threads`). Numpy's ufuncs and random generators, BLAS, and the ctypes calls of
`srfpipe.lapack` and `srfpipe.band` release the GIL, so Python threads run them on
separate cores. Every helper gives the same numbers for any thread count: work is split so
that each entry is computed by the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

CHUNK = 1 << 17
"""Entries per chunk of `by_rows` (1 MiB of float64)."""

T = TypeVar("T")


def blas_threads() -> int:
    """The BLAS thread limit in force (1 if no BLAS is loaded)."""
    return max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"), default=1)


def for_each(fn: Callable[[int], None], count: int) -> None:
    """`fn(i)` for i in `range(count)`, spread over the job's threads (fn writes its results)."""
    threads = min(blas_threads(), count)
    if threads <= 1:
        for i in range(count):
            fn(i)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fn, range(count)))


def by_rows(fn: Callable[[slice], np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """Array of `shape` (n, m) whose rows `r` (a slice) are `fn(r)`, computed on row chunks
    of about `CHUNK` entries (so that a chain of ufuncs stays in cache) spread over the
    job's threads. For an entrywise `fn` the numbers do not depend on the chunks."""
    n, m = shape
    rows = max(1, CHUNK // max(m, 1))
    if n <= rows:
        return fn(slice(0, n))
    out = np.empty(shape)

    def chunk(i: int) -> None:
        r = slice(i * rows, min((i + 1) * rows, n))
        out[r] = fn(r)

    for_each(chunk, -(-n // rows))
    return out


def concurrently(*tasks: Callable[[], T]) -> list[T]:
    """`[task() for task in tasks]`, the tasks on separate threads (at most the job's
    thread count at once) with one BLAS thread each; in order, inline, for a job of one."""
    threads = min(blas_threads(), len(tasks))
    if threads <= 1:
        return [task() for task in tasks]
    with threadpool_limits(limits=1), ThreadPoolExecutor(threads) as pool:
        return [f.result() for f in [pool.submit(task) for task in tasks]]
