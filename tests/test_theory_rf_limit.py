"""r = 0: the sRF theory must reduce to classical random-features ridge asymptotics.

Independent implementation: Gaussian equivalent features `phi = mu1 W x + mustar z`
(covariance `Omega = mu1^2 W W^T + mustar^2 I`), teacher `y = c1 theta.x + (non-linear part
+ noise)`. Writing `theta.x = phi.beta_t + residual` with `beta_t = mu1 Omega^{-1} W theta`,
this is linear ridge on Gaussian data, whose asymptotics are (effective regularisation
`kap`): `lam = kap (1 - tr[Omega (Omega+kap)^-1]/n)`, `df2 = tr[Omega^2 (Omega+kap)^-2]/n`,
`eps_g = s2 + (kap^2 c1^2 beta_t' Omega (Omega+kap)^-2 beta_t + s2 df2)/(1 - df2)`, where
`s2` is the residual variance. Traces over `W W^T` use the Marchenko-Pastur law integrated
with scipy's adaptive `quad` on the density (or the eigenvalues of a sampled `W`).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize

from srfpipe.functions import activation, target
from srfpipe.problem import SRF, Problem
from srfpipe.theory.curves import learning_curve


def mp_expectation(f, beta: float) -> float:
    """`E f(om)` under Marchenko-Pastur with ratio beta (mean 1), via adaptive quadrature."""
    lo, hi = (1 - np.sqrt(beta)) ** 2, (1 + np.sqrt(beta)) ** 2

    def density(om: float) -> float:
        return np.sqrt(max((hi - om) * (om - lo), 0.0)) / (2 * np.pi * beta * om)

    cont = integrate.quad(lambda om: f(om) * density(om), lo, hi, limit=200, epsabs=1e-13)[0]
    return cont + max(1.0 - 1.0 / beta, 0.0) * f(0.0)


def rf_ridge_error(act, tgt, noise, beta, lam, alpha, expect) -> float:
    """Classical RF ridge test error (noise included); `expect(f)` averages over WW^T's law."""
    mu1, mus2 = act.mu1, act.mustar**2
    c1, g2 = tgt.c1, tgt.second_moment
    psi = beta / alpha  # p/n

    def omega(om):
        return mu1**2 * om + mus2

    def gap(kap):
        return kap * (1.0 - psi * expect(lambda om: omega(om) / (omega(om) + kap))) - lam

    kap = optimize.brentq(gap, lam, lam + 10.0 * (1.0 + psi) * (1.0 + mus2 + mu1**2 * 4 * beta))
    df2 = psi * expect(lambda om: omega(om) ** 2 / (omega(om) + kap) ** 2)
    # theta' W' F(WW') W theta -> (1/d) tr(WW' F) = beta E[om F(om)]
    explained = beta * expect(lambda om: om * mu1**2 / omega(om))
    s2 = g2 - c1**2 * explained + noise
    bias = (
        kap**2
        * c1**2
        * beta
        * expect(lambda om: om * mu1**2 / (omega(om) * (omega(om) + kap) ** 2))
    )
    return s2 + (bias + s2 * df2) / (1.0 - df2)


CASES = [
    ("tanh", "tanh", 2.0, (), 0.1, 2.0, 0.5),
    ("erf", "hermite", 1.0, (0.0, 1.0, 0.0, 0.5), 0.2, 1.0, 0.7),
    ("tanh", "sign", 1.0, (), 0.0, 1.5, 1.0),
    ("erf", "linear", 1.0, (), 0.3, 0.5, 0.2),
]


@pytest.mark.parametrize(("act", "tgt", "scale", "coef", "noise", "beta", "gamma"), CASES)
def test_r0_matches_classical_rf_ridge(act, tgt, scale, coef, noise, beta, gamma):
    a, g = activation(act), target(tgt, scale, coef)
    lams, alphas = [0.05, 0.3, 1.0], [0.5, 1.0, 2.0, 4.0]
    ds = learning_curve(
        Problem(act, g, noise, beta), SRF(0.0, gamma), lam=lams, alpha=alphas
    ).transpose("lam", "alpha", ...)
    worst = 0.0
    for i, lam in enumerate(lams):
        for j, alpha in enumerate(alphas):
            ref = rf_ridge_error(a, g, noise, beta, lam, alpha, lambda f: mp_expectation(f, beta))
            got = float(ds.test_error[i, j])
            worst = max(worst, abs(got - ref) / ref)
            print(f"lam={lam} alpha={alpha} theory={got:.6f} classical={ref:.6f}")
    print(f"worst relative gap {worst:.2e}")
    assert worst < 1e-4  # 0.5% is the bar; the two implementations agree far better


def test_r0_matches_sampled_deterministic_equivalent():
    """Same formula with the spectrum of one sampled W (d = 1000): within 0.5%."""
    a, g = activation("tanh"), target("tanh", 2.0)
    beta, d = 1.5, 1000
    w = np.random.default_rng(0).standard_normal((int(beta * d), d)) / np.sqrt(d)
    eig = np.linalg.eigvalsh(w @ w.T)

    def expect(f):
        return float(np.mean(f(eig)))

    ds = learning_curve(
        Problem("tanh", g, 0.1, beta), SRF(0.0, 0.4), lam=[0.05, 0.5], alpha=[0.5, 2.0, 4.0]
    ).transpose("lam", "alpha", ...)
    for i, lam in enumerate([0.05, 0.5]):
        for j, alpha in enumerate([0.5, 2.0, 4.0]):
            ref = rf_ridge_error(a, g, 0.1, beta, lam, alpha, expect)
            got = float(ds.test_error[i, j])
            print(f"lam={lam} alpha={alpha} theory={got:.5f} sampled-W={ref:.5f}")
            assert abs(got - ref) / ref < 5e-3
