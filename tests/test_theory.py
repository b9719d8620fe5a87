"""Unit tests of srfpipe.theory: quadratures, solver, API contract (fast)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import integrate

from srfpipe.functions import activation, target
from srfpipe.problem import SRF, Problem
from srfpipe.theory import iterate
from srfpipe.theory.curves import learning_curve, plateau
from srfpipe.theory.equivalence import kappa_quadrature, shifted_coefficients
from srfpipe.theory.network_map import network_map
from srfpipe.theory.spectrum import marchenko_pastur

TANH, ERF, RELU = activation("tanh"), activation("erf"), activation("relu")
TANH2 = target("tanh", 2.0)


def curve(act, g, noise, beta, lams, alphas, r, gamma, readout_init="rademacher"):
    """`learning_curve` for an sRF of these parameters, dims ("lam", "alpha")."""
    problem = Problem(act.name, g, noise, beta, readout_init)
    ds = learning_curve(problem, SRF(r, gamma), lam=lams, alpha=alphas)
    return ds.transpose("lam", "alpha", ...)


def mp_quad(f, beta):
    """`E f(om)` under Marchenko-Pastur by adaptive quadrature plus the atom."""
    lo, hi = (1 - np.sqrt(beta)) ** 2, (1 + np.sqrt(beta)) ** 2

    def dens(om):
        return np.sqrt(max((hi - om) * (om - lo), 0.0)) / (2 * np.pi * beta * om)

    return integrate.quad(lambda om: f(om) * dens(om), lo, hi, limit=400, epsabs=1e-13)[0] + max(
        1 - 1 / beta, 0
    ) * f(0.0)


@pytest.mark.parametrize("beta", [0.3, 1.0, 1.7, 3.0])
def test_mp_integrals_match_adaptive_quadrature(beta):
    mp = marchenko_pastur(beta)
    c0, c1 = 0.07, 0.8
    got = mp.integrals(np.array([c0]), np.array([c1]))
    for (a, j), val in got.items():
        ref = mp_quad(lambda om, a=a, j=j: om**a / (c0 + c1 * om) ** j, beta)
        assert val[0] == pytest.approx(ref, rel=1e-9), (a, j)
    assert mp.nu.sum() == pytest.approx(1.0)  # int om d rho = 1


def test_mu2_is_second_hermite_coefficient():
    t = np.linspace(-3, 3, 7)
    z, w = np.polynomial.hermite_e.hermegauss(151)
    w = w / w.sum()
    for act in (TANH, ERF):
        mu2 = shifted_coefficients(act, t)[3]
        ref = (act(t[:, None] + z) * (z**2 - 1)) @ w
        np.testing.assert_allclose(mu2, ref, atol=1e-7)
    relu_mu2 = shifted_coefficients(RELU, t)[3]
    np.testing.assert_allclose(relu_mu2, np.exp(-(t**2) / 2) / np.sqrt(2 * np.pi), atol=1e-7)


def test_kappa_quadrature_handles_sign_target_at_gamma_one():
    nodes, weights = kappa_quadrature(target("sign"), 1.0, 0.0)
    ref = (
        2
        * integrate.quad(lambda k: np.tanh(3 * k) * np.exp(-k * k / 2) / np.sqrt(2 * np.pi), 0, 12)[
            0
        ]
    )
    assert weights @ (np.sign(nodes) * np.tanh(3 * nodes)) == pytest.approx(ref, rel=1e-10)


def test_learning_curve_contract(tmp_path):
    lams, alphas = [0.05, 0.3, 1.0], [4.0, 0.5, 1.0, 2.0]  # unsorted alphas keep their order
    problem = Problem("tanh", TANH2, 0.1, 2.0)
    ds = learning_curve(problem, SRF(1.5, 0.8), lam=lams, alpha=alphas)
    assert ds.test_error.dims == ("alpha", "lam")
    np.testing.assert_array_equal(ds.alpha.values, alphas)
    assert ds.converged.dtype == np.int8 and ds.converged.all()
    assert float(ds.residual.max()) < 1e-9
    np.testing.assert_array_equal(ds.readout_sq_norm.values, ds.q_z.values)
    assert (ds.train_error < ds.test_error).all()
    assert all(isinstance(v, str | int | float) for v in ds.attrs.values())
    ds.to_netcdf(tmp_path / "curve.nc")
    back = xr.load_dataset(tmp_path / "curve.nc")
    np.testing.assert_allclose(back.test_error.values, ds.test_error.values)


def test_warm_start_does_not_change_the_answer():
    alphas = np.linspace(0.3, 4.0, 12)
    ds = curve(ERF, TANH2, 0.2, 1.0, [0.05], alphas, r=2.0, gamma=0.6)
    for j in (0, 5, 11):
        single = curve(ERF, TANH2, 0.2, 1.0, [0.05], [alphas[j]], r=2.0, gamma=0.6)
        assert float(single.test_error[0, 0]) == pytest.approx(float(ds.test_error[0, j]), 1e-9)


def test_large_ridge_keeps_only_the_free_spike_direction():
    """lam -> inf: only the unpenalised mean direction `mu0(r kappa) s` is fitted, so
    eps_g -> E g^2 + Delta - E[mu0 ybar]^2 / E[mu0^2] (2-d Gauss-Hermite reference)."""
    r, gamma, noise = 1.0, 0.7, 0.3
    z, w = np.polynomial.hermite_e.hermegauss(81)
    w = w / w.sum()
    kap, tau = z[:, None], z[None, :]
    mu0 = np.tanh(r * kap + z[None, :]) @ w  # E_zeta tanh(zeta + r kappa), (K,)
    ybar = np.tanh(2 * (gamma * kap + np.sqrt(1 - gamma**2) * tau)) @ w  # (K,)
    ref = TANH2.second_moment + noise - (w @ (mu0 * ybar)) ** 2 / (w @ mu0**2)
    ds = curve(TANH, TANH2, noise, 1.5, [1e7], [1.0], r=r, gamma=gamma)
    assert float(ds.test_error[0, 0]) == pytest.approx(ref, rel=1e-5)
    flat = curve(TANH, TANH2, noise, 1.5, [1e7], [1.0], r=0.0, gamma=gamma)
    assert float(flat.test_error[0, 0]) == pytest.approx(TANH2.second_moment + noise, rel=1e-5)


def test_spike_helps_and_plateau_is_the_alpha_limit():
    ds0 = curve(TANH, TANH2, 0.1, 2.0, [0.1], [2.0], r=0.0, gamma=0.8)
    ds1 = curve(TANH, TANH2, 0.1, 2.0, [0.1], [2.0], r=1.5, gamma=0.8)
    assert float(ds1.test_error[0, 0]) < float(ds0.test_error[0, 0])
    far = curve(TANH, TANH2, 0.1, 2.0, [0.1], [1e7], r=1.5, gamma=0.8)
    problem = Problem("tanh", TANH2, 0.1, 2.0)
    assert plateau(problem, SRF(1.5, 0.8), lam=0.1) == pytest.approx(
        float(far.test_error[0, 0]), rel=1e-5
    )
    best = plateau(problem, SRF(1.5, 0.8))  # lam = 0: projection on the feature span
    assert 0.1 < best < float(far.test_error[0, 0])
    # a list of lambdas solves from one set of tables, as each lambda alone
    lams = [0.0, 0.1, 1.0]
    one_by_one = [plateau(problem, SRF(1.5, 0.8), lam=lam) for lam in lams]
    np.testing.assert_allclose(plateau(problem, SRF(1.5, 0.8), lam=lams), one_by_one, rtol=1e-12)


def test_network_map_formula():
    noise, eta, alpha0 = 0.2, 1.3, 4.0
    norm = np.sqrt(TANH2.c1**2 + (TANH2.second_moment + noise) / alpha0)
    problem = Problem("tanh", TANH2, noise, alpha0=alpha0)
    srf = network_map(problem, eta).srf
    assert srf.r == pytest.approx(eta * TANH.mu1 * norm)
    assert srf.gamma == pytest.approx(TANH2.c1 / norm)
    assert network_map(problem, eta).beta_norm == pytest.approx(norm)
    assert network_map(problem, 0.0).r == 0.0


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="readout_init"):
        curve(TANH, TANH2, 0.1, 2.0, [0.1], [1.0], r=1.0, gamma=0.5, readout_init="x")
    with pytest.raises(ValueError, match="init_output"):
        learning_curve(Problem(init_output="full"), SRF(1.0, 0.5), lam=[0.1], alpha=[1.0])
    with pytest.raises(ValueError, match="gamma"):
        curve(TANH, TANH2, 0.1, 2.0, [0.1], [1.0], r=1.0, gamma=1.5)
    with pytest.raises(ValueError, match="lam"):
        curve(TANH, TANH2, 0.1, 2.0, [0.0], [1.0], r=1.0, gamma=0.5)
    # every activation x readout init is covered (neurons in groups: tests/test_theory_groups)
    for init in ("rademacher", "constant", "gaussian"):
        ds = curve(RELU, TANH2, 0.1, 2.0, [0.1], [1.0], 1.0, 0.5, readout_init=init)
        assert ds.converged.all()


def test_unconverged_points_are_nan_with_a_warning(monkeypatch):
    monkeypatch.setattr(iterate, "MAX_ITER", 1)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        ds = curve(TANH, TANH2, 0.1, 2.0, [0.01], [2.0], r=1.0, gamma=0.5)
    assert int(ds.converged[0, 0]) == 0
    assert np.isnan(float(ds.test_error[0, 0])) and np.isnan(float(ds.q_z[0, 0]))
    assert np.isfinite(float(ds.residual[0, 0]))


@pytest.mark.parametrize("alphas, beta", [([0.25, 0.5, 1, 1.5, 2, 3, 4], 2.0), ([0.5, 4], 8.0)])
def test_dense_alpha_grid_holds_the_simulated_alphas_and_the_peak(alphas, beta):
    from srfpipe.theory.curves import dense_alpha_grid

    grid = dense_alpha_grid(alphas, beta)
    assert grid.size >= 60 and np.all(np.diff(grid) > 0)
    assert grid[0] == min(alphas) and grid[-1] == max(alphas)
    assert np.all(np.isin(alphas, grid))
    near = np.sum((grid > beta / 1.3) & (grid < beta * 1.3))
    if min(alphas) < beta < max(alphas):  # denser near the peak than the log spacing
        assert near >= 16


def test_conditional_coverage_is_one_neuron_type():
    """The conditional theory (one type) refuses what needs several types; the workflow
    asks the same predicate, so it plans no eval_conditional job for them."""
    from srfpipe.theory.coverage import conditional_gap, theory_gap

    relu_pm = Problem("relu", TANH2, 0.1, 1.5, "rademacher")
    assert theory_gap(relu_pm) is None and "one neuron type" in conditional_gap(relu_pm)
    assert "one neuron type" in conditional_gap(Problem("tanh", TANH2, readout_init="gaussian"))
    assert conditional_gap(Problem("tanh", TANH2, 0.1, 1.5, "rademacher")) is None
    assert conditional_gap(Problem("relu", TANH2, 0.1, 1.5, "constant")) is None
