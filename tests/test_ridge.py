"""Ridge over a lambda grid (one band reduction, or a refined float32 Cholesky factorisation
per lambda) against the eigh definition and direct solves."""

import numpy as np
import pytest

from srfpipe.linalg import band, cholesky
from srfpipe.linalg.parallel import job_threads
from srfpipe.resources import DEFAULT_RATES, lambda_solver
from srfpipe.ridge import ridge_learning_curve, ridge_reference, shifted_solves

LAMS = [1e-4, 1e-2, 0.3, 5.0]
LONG = np.geomspace(1e-4, 5.0, 8)  # a grid long enough for the band reduction


def _direct(phi, y, lam, phi_test, y_test):
    n, p = phi.shape
    b = np.linalg.solve(phi.T @ phi / n + lam * np.eye(p), phi.T @ y / n)
    return (np.mean((y - phi @ b) ** 2), np.mean((y_test - phi_test @ b) ** 2), b @ b)


def test_short_grids_take_cholesky_long_ones_the_band_reduction():
    """The choice compares flops at the stored rates: L k^3/3 at `cholesky` against
    4 k^3/3 at `band`, so the crossover L = 4 cholesky/band (7) does not depend on k."""
    crossover = 4.0 * DEFAULT_RATES["cholesky"] / DEFAULT_RATES["band"]
    for k in (2, 64, 1000, 4000):
        for n_lams in range(1, 12):
            solver, flops = lambda_solver(k, n_lams)
            assert solver == ("cholesky" if n_lams < crossover else "band")
            assert flops == (n_lams if solver == "cholesky" else 4) * k**3 / 3.0
    assert lambda_solver(100, len(LAMS))[0] == "cholesky"
    assert lambda_solver(100, LONG.size)[0] == "band"


@pytest.mark.parametrize("n,p", [(120, 40), (40, 120), (60, 60)])
@pytest.mark.parametrize("lams", [LAMS, list(LONG)], ids=["cholesky", "band"])
def test_path_equals_direct_solve(n, p, lams):
    rng = np.random.default_rng(1)
    phi, phi_test = np.tanh(rng.standard_normal((n, p))), np.tanh(rng.standard_normal((50, p)))
    y, y_test = rng.standard_normal(n), rng.standard_normal(50)
    (res,) = ridge_learning_curve(phi, y, [n], lams, phi_test, y_test)
    eig = ridge_reference(phi, y, lams, phi_test, y_test)
    for k, lam in enumerate(lams):
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
    gives the solution of the clamped (PSD) matrix, not a sign-flipped one (the Cholesky
    path fails and the band path clamps)."""
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


def _gram(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.tanh(np.random.default_rng(seed).standard_normal((k + 30, k)))
    return a.T @ a / (k + 30), np.random.default_rng(seed + 1).standard_normal(k)


@pytest.mark.parametrize("k", [2, 127, 300])
def test_refined_cholesky_equals_the_eigh_definition(k):
    """Refined to float64: the solutions agree with the definition to the condition number
    of `M + lam I`, `kappa = (s_max + lam) / (s_min + lam)`, times a k x k factorisation's
    float64 round-off, `k eps` (factor 10 slack), where float32 alone would be off by about
    `kappa eps32` (printed); M is only read."""
    m, rhs = _gram(k, k)
    m[0, 0] += 10.0 * k  # a spike: kappa up to 1e6 at lam = 1e-3
    s, v = np.linalg.eigh(m)
    lams = np.array([1e-3, 0.1, 3.0])
    work = m.copy()
    got = cholesky.shifted_solves(work, rhs, lams)
    assert got is not None
    np.testing.assert_array_equal(work, m)
    for j, lam in enumerate(lams):
        ref = v @ ((v.T @ rhs) / (s + lam))
        kappa = (s.max() + lam) / (max(s.min(), 0.0) + lam)
        err = np.linalg.norm(got[:, j] - ref) / np.linalg.norm(ref)
        f32 = np.linalg.solve((m + lam * np.eye(k)).astype(np.float32), rhs.astype(np.float32))
        err32 = np.linalg.norm(f32 - ref) / np.linalg.norm(ref)
        print(f"k={k} lam={lam:g} kappa={kappa:.1e}: error {err:.1e} (float32 alone {err32:.1e})")
        assert err <= 10 * k * np.finfo(float).eps * kappa


def test_refined_cholesky_declines_what_float32_cannot_solve_and_leaves_m_intact():
    """`M + lam I` with a negative eigenvalue below -lam, or a condition number ~1e10 beyond
    float32's reach: None (the band path takes over), and M (C- and Fortran-ordered) is
    unchanged; `ridge.shifted_solves` then returns the definition's solution."""
    rng = np.random.default_rng(5)
    q, _ = np.linalg.qr(rng.standard_normal((200, 200)))
    for low, lam in [(-1e-8, 1e-10), (0.0, 1e-10)]:
        s = np.linspace(low, 2.0, 200)
        m = (q * s) @ q.T
        m = (m + m.T) / 2
        for order in "CF":
            work = np.array(m, order=order)
            assert cholesky.shifted_solves(work, np.ones(200), np.array([1.0, lam])) is None
            np.testing.assert_array_equal(work, m)
    expected = q @ ((q.T @ np.ones(200)) / (np.maximum(s, 0.0) + lam))
    got = shifted_solves(m, np.ones(200), np.array([lam]))[:, 0]
    err = np.linalg.norm(got - expected) / np.linalg.norm(expected)
    print(f"band path at kappa 2e10: error {err:.1e}")
    assert err <= 10 * 200 * np.finfo(float).eps * 2.0 / lam


def test_singular_gram_at_a_tiny_lambda_is_the_definition():
    """M with 20 zero eigenvalues (rank 40 of 60), lambda 1e-8: whichever path runs (the
    Cholesky factorisation may fail on the round-off of M), the solution is the clamped
    definition's, to M's round-off `k eps s_max` amplified by `1/lam` (factor 10 slack)."""
    rng = np.random.default_rng(6)
    k, lams = 60, np.array([1e-8, 1e-2])
    q, _ = np.linalg.qr(rng.standard_normal((k, k)))
    s = np.concatenate([np.zeros(20), np.linspace(0.1, 2.0, 40)])
    m = (q * s) @ q.T
    m = (m + m.T) / 2
    rhs = rng.standard_normal(k)
    expected = q @ ((q.T @ rhs)[:, None] / (s[:, None] + lams[None, :]))
    got = shifted_solves(m, rhs, lams)
    bound = 10 * k * np.finfo(float).eps * s.max() / lams
    err = np.linalg.norm(got - expected, axis=0) / np.linalg.norm(expected, axis=0)
    print(f"relative errors {err}, bounds {bound}")
    assert np.all(err <= bound)


def test_both_paths_agree_on_a_well_conditioned_system():
    m, rhs = _gram(300, 7)
    lams = np.array([1e-2, 0.1, 1.0])
    np.testing.assert_allclose(
        cholesky.shifted_solves(m, rhs, lams), band.shifted_solves(m, rhs, lams), rtol=1e-11
    )


def test_cholesky_learning_curve_is_the_same_on_one_and_two_threads():
    """Four alphas' Cholesky fits (k up to 300, several tiles) on one thread and two at
    once: bit-identical."""
    rng = np.random.default_rng(8)
    p, ns = 300, [150, 300, 450, 600]
    assert lambda_solver(p, len(LAMS))[0] == "cholesky"
    phi, phi_test = np.tanh(rng.standard_normal((600, p))), np.tanh(rng.standard_normal((80, p)))
    y, y_test = rng.standard_normal(600), rng.standard_normal(80)
    runs = []
    for threads in (1, 2):
        with job_threads(threads):
            curve = ridge_learning_curve(phi, y, ns, LAMS, phi_test, y_test)
        runs.append(np.array([[c.train_error, c.test_error, c.readout_sq_norm] for c in curve]))
    np.testing.assert_array_equal(runs[0], runs[1])
