"""Thread helpers: the same numbers whatever the job's thread count."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from srfpipe import parallel
from srfpipe.ridge import ridge_learning_curve


@pytest.mark.parametrize("shape", [(1, 5), (3, 1 << 18), (1000, 300), (257, 1)])
def test_by_rows_is_the_entrywise_function(shape):
    z = np.random.default_rng(0).standard_normal(shape)
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            np.testing.assert_array_equal(
                parallel.by_rows(lambda r: np.tanh(z[r]), shape), np.tanh(z)
            )


def test_for_each_runs_every_index_once():
    for threads in (1, 2):
        seen = np.zeros(37, dtype=int)
        with threadpool_limits(limits=threads):
            parallel.for_each(lambda i, s=seen: s.__setitem__(i, s[i] + 1), 37)
        np.testing.assert_array_equal(seen, 1)


def test_concurrently_keeps_order_and_limits_blas():
    with threadpool_limits(limits=2):
        out = parallel.concurrently(lambda: "a", parallel.blas_threads, lambda: 3)
        assert parallel.blas_threads() == 2
    assert out == ["a", 1, 3]  # each task runs with one BLAS thread


def test_concurrently_raises_the_task_error():
    def boom() -> None:
        raise ValueError("boom")

    with threadpool_limits(limits=2), pytest.raises(ValueError, match="boom"):
        parallel.concurrently(lambda: 1, boom)


def test_learning_curve_is_the_same_on_one_and_two_threads():
    """Kernel-side and Gram-side fits, factorised on worker threads with the test features
    computed alongside, equal the in-order single-thread run bit for bit."""
    rng = np.random.default_rng(5)
    n, p, ns = 400, 120, [60, 400, 120, 250, 180]
    x, x_test = rng.standard_normal((n, 30)), rng.standard_normal((90, 30))
    w = rng.standard_normal((p, 30)) / np.sqrt(30)
    y, y_test = rng.standard_normal(n), rng.standard_normal(90)
    runs = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            curve = ridge_learning_curve(
                np.tanh(x @ w.T), y, ns, [1e-3, 0.1, 2.0], lambda: np.tanh(x_test @ w.T), y_test
            )
        runs.append(np.array([[c.train_error, c.test_error, c.readout_sq_norm] for c in curve]))
    np.testing.assert_array_equal(runs[0], runs[1])
