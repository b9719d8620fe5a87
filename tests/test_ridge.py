"""Ridge over a lambda grid (one band reduction) against the eigh definition and direct
solves."""

import numpy as np
import pytest

from srfpipe.ridge import ridge_learning_curve, ridge_reference

LAMS = [1e-4, 1e-2, 0.3, 5.0]


def _direct(phi, y, lam, phi_test, y_test):
    n, p = phi.shape
    b = np.linalg.solve(phi.T @ phi / n + lam * np.eye(p), phi.T @ y / n)
    return (np.mean((y - phi @ b) ** 2), np.mean((y_test - phi_test @ b) ** 2), b @ b)


@pytest.mark.parametrize("n,p", [(120, 40), (40, 120), (60, 60)])
def test_path_equals_direct_solve(n, p):
    rng = np.random.default_rng(1)
    phi, phi_test = np.tanh(rng.standard_normal((n, p))), np.tanh(rng.standard_normal((50, p)))
    y, y_test = rng.standard_normal(n), rng.standard_normal(50)
    (res,) = ridge_learning_curve(phi, y, [n], LAMS, phi_test, y_test)
    eig = ridge_reference(phi, y, LAMS, phi_test, y_test)
    for k, lam in enumerate(LAMS):
        ref = _direct(phi, y, lam, phi_test, y_test)
        for errs in (res, eig):
            got = (errs.train_error[k], errs.test_error[k], errs.readout_sq_norm[k])
            np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-13)


def test_nested_curve_equals_independent_fits():
    rng = np.random.default_rng(2)
    p, ns = 30, [10, 30, 45, 90]
    phi, phi_test = rng.standard_normal((90, p)), rng.standard_normal((40, p))
    y, y_test = rng.standard_normal(90), rng.standard_normal(40)
    curve = ridge_learning_curve(phi, y, ns, LAMS, phi_test, y_test)
    for n, res in zip(ns, curve, strict=True):
        ref = ridge_reference(phi[:n], y[:n], LAMS, phi_test, y_test)
        np.testing.assert_allclose(res.test_error, ref.test_error, rtol=1e-9)
        np.testing.assert_allclose(res.train_error, ref.train_error, rtol=1e-8, atol=1e-14)


def test_interpolation_threshold_small_lambda_is_finite():
    """n = p with lambda -> 0+: the minimum-norm limit is finite (large but not inf/nan)."""
    rng = np.random.default_rng(3)
    phi = rng.standard_normal((50, 50))
    (res,) = ridge_learning_curve(
        phi, rng.standard_normal(50), [50], [1e-12], phi, rng.standard_normal(50)
    )
    assert np.all(np.isfinite(res.test_error)) and res.train_error[0] < 1e-6


@pytest.mark.parametrize("bad", [[], [0.0], [-1.0], [np.nan]])
def test_bad_lambdas_rejected(bad):
    phi = np.ones((3, 2))
    with pytest.raises(ValueError, match="lam"):
        ridge_learning_curve(phi, np.ones(3), [3], bad, phi, np.ones(3))


def test_round_off_negative_eigenvalues_are_clamped_as_zero():
    """A Gram matrix that round-off made slightly indefinite, solved at a tinier lambda,
    gives the solution of the clamped (PSD) matrix, not a sign-flipped one."""
    from srfpipe.ridge import shifted_solves

    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    s = np.array([-1e-9, 0.0, 0.3, 0.5, 1.0, 2.0])
    m = (q * s) @ q.T
    m = (m + m.T) / 2
    rhs = rng.standard_normal(6)
    lams = np.array([1e-10, 0.1])
    got = shifted_solves(m, rhs, lams)
    expected = q @ ((q.T @ rhs)[:, None] / (np.maximum(s, 0.0)[:, None] + lams[None, :]))
    # round-off in m (~eps ||m||) is amplified by 1/lam = 1e10: relative error ~1e-5
    np.testing.assert_allclose(got, expected, rtol=1e-4)
