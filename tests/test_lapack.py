"""GIL-free tridiagonalisation against scipy's f2py LAPACK and a full eigendecomposition."""

import threading

import numpy as np
import pytest
from scipy import linalg
from scipy.linalg import lapack as scipy_lapack
from threadpoolctl import threadpool_limits

from srfpipe import lapack


def _sym(k: int, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((2 * k, k))
    return a.T @ a / (2 * k)


@pytest.mark.parametrize("k", [2, 3, 70, 200])
def test_sytrd_is_scipys_dsytrd(k):
    """Same routine of the same library: bit-identical T and reflectors."""
    m = _sym(k)
    lwork = int(scipy_lapack.dsytrd_lwork(k, lower=1)[0])
    with threadpool_limits(limits=1):
        refl, diag, off, tau = lapack.sytrd(m)
        ref, d_ref, e_ref, tau_ref, info = scipy_lapack.dsytrd(m.T, lower=1, lwork=lwork)
    assert info == 0
    np.testing.assert_array_equal(diag, d_ref)
    np.testing.assert_array_equal(off, e_ref)
    np.testing.assert_array_equal(tau, tau_ref)
    below = np.tril_indices(k, -2)
    np.testing.assert_array_equal(refl[below], ref[below])
    np.testing.assert_array_equal(np.diag(refl, -1), 1.0)


@pytest.mark.parametrize("overwrite", [False, True])
def test_q_t_qt_reconstructs_m(overwrite):
    k = 150
    m = _sym(k, 1)
    work = m.copy()
    refl, diag, off, tau = lapack.sytrd(work, overwrite=overwrite)
    assert np.shares_memory(refl, work) == overwrite
    q = np.eye(k)
    lapack.apply_q(refl, tau, q, transpose=False)
    t = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    err = np.abs(q @ t @ q.T - m).max()
    print(
        f"max |Q T Q^T - M| = {err:.2e}, max |Q^T Q - I| = {np.abs(q.T @ q - np.eye(k)).max():.2e}"
    )
    assert err < 1e-13 * k
    np.testing.assert_allclose(q.T @ q, np.eye(k), atol=1e-13)


def test_top_eigenpairs_match_eigh():
    k = 300
    m = _sym(k, 2)
    m[:3, :3] += 5.0  # a separated top eigenvalue, then a bulk
    vals, vecs = lapack.top_eigenpairs(m, 8)
    ref_vals, ref_vecs = linalg.eigh(m, subset_by_index=[k - 8, k - 1])
    np.testing.assert_allclose(vals, ref_vals[::-1], rtol=1e-12)
    overlaps = np.abs(np.sum(vecs * ref_vecs[:, ::-1], axis=0))
    np.testing.assert_allclose(overlaps, 1.0, atol=1e-8)
    np.testing.assert_allclose(m @ vecs, vecs * vals, atol=1e-12 * vals[0])


def _main_thread_progress(fn) -> int:
    """Iterations the main thread makes while `fn` runs on another thread."""
    count = 0
    thread = threading.Thread(target=fn)
    thread.start()
    while thread.is_alive():
        count += 1
    thread.join()
    return count


def test_sytrd_releases_the_gil():
    """While one thread reduces a matrix, another keeps running Python code; with scipy's
    f2py wrapper it is blocked for the whole call (beyond one switch interval)."""
    m = _sym(2000, 3)
    lwork = int(scipy_lapack.dsytrd_lwork(2000, lower=1)[0])
    with threadpool_limits(limits=1):
        free = _main_thread_progress(lambda: lapack.sytrd(m))
        held = _main_thread_progress(lambda: scipy_lapack.dsytrd(m.T, lower=1, lwork=lwork))
    print(f"main-thread iterations during the reduction: GIL-free {free}, f2py {held}")
    assert free > 5 * max(held, 1)
