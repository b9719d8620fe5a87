"""Band reduction `M = Q B Q^T` and the shifted solves built on it, against dense algebra."""

import numpy as np
import pytest

from srfpipe.linalg import band
from srfpipe.linalg.parallel import job_threads


def _gram(k: int, seed: int = 0) -> np.ndarray:
    a = np.tanh(np.random.default_rng(seed).standard_normal((2 * k, k)))
    return a.T @ a / (2 * k)


def _dense(form: band.BandForm) -> np.ndarray:
    b1, k = form.band.shape
    out = np.zeros((k, k))
    for i in range(b1):
        out += np.diag(form.band[i, : k - i], -i)
        if i:
            out += np.diag(form.band[i, : k - i], i)
    return out


@pytest.mark.parametrize(
    "k,width", [(2, 64), (3, 1), (40, 8), (65, 64), (66, 64), (300, 64), (700, 64)]
)
def test_q_b_qt_is_m(k, width):
    m = _gram(k)
    form = band.reduce(m, width=width)
    q = np.eye(k)
    form.apply_q(q, transpose=False)
    err = np.abs(q @ _dense(form) @ q.T - m).max()
    print(f"k={k} b={width}: max |Q B Q^T - M| = {err:.1e}")
    assert err < 1e-14 * k
    np.testing.assert_allclose(q.T @ q, np.eye(k), atol=1e-14 * k)
    lower = np.tril_indices(k, -(min(width, k - 1) + 1))
    assert not np.any(_dense(form)[lower])


def test_overwrite_reduces_in_place():
    m = _gram(100)
    work = m.copy()
    form = band.reduce(work, overwrite=True)
    assert np.shares_memory(form.work, work)
    np.testing.assert_array_equal(form.band, band.reduce(m).band)


@pytest.mark.parametrize("k", [2, 50, 200])
def test_shifted_solves_equal_dense_solves(k):
    m, rhs = _gram(k, 1), np.random.default_rng(2).standard_normal(k)
    lams = np.array([1e-6, 1e-2, 1.0, 30.0])
    got = band.shifted_solves(m, rhs, lams)
    for j, lam in enumerate(lams):
        ref = np.linalg.solve(m + lam * np.eye(k), rhs)
        np.testing.assert_allclose(got[:, j], ref, rtol=1e-9 / lam**0.5, atol=0)


def test_same_numbers_on_one_and_two_threads():
    m, rhs = _gram(1300, 3), np.ones(1300)  # several update blocks per panel
    runs = []
    for threads in (1, 2):
        with job_threads(threads):
            runs.append(band.shifted_solves(m, rhs, np.array([1e-3, 1.0])))
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize(("m", "nb"), [(5, 1), (40, 8), (130, 64)])
def test_block_factor_is_the_product_of_reflectors(m, nb):
    rng = np.random.default_rng(m)
    v = band.unit_lower(rng.standard_normal((m, nb + 3)), nb)
    tau = 2.0 / np.sum(v * v, axis=0)  # each H(i) an exact reflection
    product = np.eye(m)
    for i in range(nb):
        product = product @ (np.eye(m) - tau[i] * np.outer(v[:, i], v[:, i]))
    t = band.block_factor(v, tau)
    np.testing.assert_allclose(np.eye(m) - v @ t @ v.T, product, atol=1e-12)
    z = rng.standard_normal((m, 3))
    for transpose, ref in ((False, product), (True, product.T)):
        out = z.copy()
        band.apply_block(out, v, t, transpose)
        np.testing.assert_allclose(out, ref @ z, atol=1e-12)
