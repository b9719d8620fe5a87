"""Thread helpers: the same numbers whatever the job's thread count."""

import numpy as np
import pytest

from srfpipe.linalg import parallel
from srfpipe.linalg.parallel import job_threads
from srfpipe.ridge import ridge_learning_curve


@pytest.mark.parametrize("shape", [(1, 5), (3, 1 << 18), (1000, 300), (257, 1)])
def test_by_rows_is_the_entrywise_function(shape):
    z = np.random.default_rng(0).standard_normal(shape)
    for threads in (1, 2):
        with job_threads(threads):
            np.testing.assert_array_equal(
                parallel.by_rows(lambda r: np.tanh(z[r]), shape), np.tanh(z)
            )


def test_for_each_runs_every_index_once():
    for threads in (1, 2):
        seen = np.zeros(37, dtype=int)
        with job_threads(threads):
            parallel.for_each(lambda i, s=seen: s.__setitem__(i, s[i] + 1), 37)
        np.testing.assert_array_equal(seen, 1)


def test_for_each_gives_tasks_a_budget_of_one_and_raises_their_error():
    seen = np.zeros(3, dtype=int)
    with job_threads(2):
        parallel.for_each(lambda i: seen.__setitem__(i, parallel.threads()), 3)
        assert parallel.threads() == 2
    np.testing.assert_array_equal(seen, 1)  # nested helpers in a task run in order

    def boom(i: int) -> None:
        raise ValueError("boom")

    with job_threads(2), pytest.raises(ValueError, match="boom"):
        parallel.for_each(boom, 2)


def test_learning_curve_is_the_same_on_one_and_two_threads():
    """Kernel-side and Gram-side fits, factorised on worker threads with the test features
    computed alongside by row blocks, equal the in-order single-thread run bit for bit, and
    the fit with the test features given as an array to round-off."""
    rng = np.random.default_rng(5)
    n, p, ns, n_test = 400, 120, [60, 400, 120, 250, 180], 1100  # 3 blocks of test rows
    x, x_test = rng.standard_normal((n, 30)), rng.standard_normal((n_test, 30))
    w = rng.standard_normal((p, 30)) / np.sqrt(30)
    y, y_test = rng.standard_normal(n), rng.standard_normal(n_test)
    lams = [1e-3, 0.1, 2.0]

    def rows_of(rows: slice) -> np.ndarray:
        return np.tanh(x_test[rows] @ w.T)

    runs = []
    for threads in (1, 2):
        with job_threads(threads):
            curve = ridge_learning_curve(np.tanh(x @ w.T), y, ns, lams, rows_of, y_test)
        runs.append(np.array([[c.train_error, c.test_error, c.readout_sq_norm] for c in curve]))
    np.testing.assert_array_equal(runs[0], runs[1])
    curve = ridge_learning_curve(np.tanh(x @ w.T), y, ns, lams, np.tanh(x_test @ w.T), y_test)
    ref = np.array([[c.train_error, c.test_error, c.readout_sq_norm] for c in curve])
    np.testing.assert_allclose(runs[0], ref, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_and_gram_are_thread_count_independent(dtype):
    """At this shape OpenBLAS's threaded GEMM differs between 1 and 2 threads; `matmul`
    and `gram` do not, and they are the products they claim to be."""
    rng = np.random.default_rng(6)
    a = rng.standard_normal((1300, 700)).astype(dtype)
    b = rng.standard_normal((700, 500)).astype(dtype)
    runs = []
    for threads in (1, 2):
        with job_threads(threads):
            runs.append((parallel.matmul(a, b), parallel.matmul(a, b[:, 0]), parallel.gram(a)))
    for one, two in zip(*runs, strict=True):
        np.testing.assert_array_equal(one, two)
        assert one.dtype == dtype
    prod, vec, g = runs[0]
    tol = 1e-3 if dtype == np.float32 else 1e-11
    a64, b64 = a.astype(float), b.astype(float)
    np.testing.assert_allclose(prod, a64 @ b64, rtol=0, atol=tol)
    np.testing.assert_allclose(vec, a64 @ b64[:, 0], rtol=0, atol=tol)
    np.testing.assert_allclose(g, a64.T @ a64, rtol=0, atol=tol * 10)
    np.testing.assert_array_equal(g, g.T)
