"""Householder reflector blocks (LAPACK larft/larfb) against the product of the reflectors."""

import numpy as np
import pytest

from srfpipe.linalg import lapack


@pytest.mark.parametrize(("m", "nb"), [(5, 1), (40, 8), (130, 64)])
def test_block_factor_is_the_product_of_reflectors(m, nb):
    rng = np.random.default_rng(m)
    v = lapack.unit_lower(rng.standard_normal((m, nb + 3)), nb)
    tau = 2.0 / np.sum(v * v, axis=0)  # each H(i) an exact reflection
    product = np.eye(m)
    for i in range(nb):
        product = product @ (np.eye(m) - tau[i] * np.outer(v[:, i], v[:, i]))
    t = lapack.block_factor(v, tau)
    np.testing.assert_allclose(np.eye(m) - v @ t @ v.T, product, atol=1e-12)
    z = rng.standard_normal((m, 3))
    for transpose, ref in ((False, product), (True, product.T)):
        out = z.copy()
        lapack.apply_block(out, v, t, transpose)
        np.testing.assert_allclose(out, ref @ z, atol=1e-12)
