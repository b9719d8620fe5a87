"""Gaussian constants of activations and targets against independent integrals."""

import numpy as np
import pytest
from scipy import integrate, special

from srfpipe.functions import activation, gaussian_quadrature, target


def _gauss(f, mean=0.0, std=1.0):
    """E f(mean + std*z) by adaptive quadrature (independent of Gauss-Hermite)."""
    dens = lambda z: np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)  # noqa: E731
    pts = [] if std == 0 else [-mean / std]
    val, _ = integrate.quad(
        lambda z: f(mean + std * z) * dens(z), -12, 12, points=pts or None, limit=400, epsabs=1e-13
    )
    return val


def test_quadrature_integrates_moments_exactly():
    z, w = gaussian_quadrature(41)
    assert np.isclose(w.sum(), 1.0, rtol=1e-14)
    for k, expected in [(2, 1.0), (4, 3.0), (6, 15.0), (8, 105.0)]:
        assert np.isclose(w @ z**k, expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["tanh", "erf", "relu", "linear"])
@pytest.mark.parametrize("t", [0.0, 0.7, -2.5])
def test_activation_shifted_moments(name, t):
    act = activation(name)
    m0, m1, m2 = act.shifted_moments(np.array(t))
    f = act.fn
    ref = (
        _gauss(lambda z: f(np.asarray(z + t))),
        _gauss(lambda z: z * f(np.asarray(z + t))),
        _gauss(lambda z: f(np.asarray(z + t)) ** 2),
    )
    print(name, t, (float(m0), float(m1), float(m2)), ref)
    np.testing.assert_allclose([m0, m1, m2], ref, rtol=1e-9, atol=1e-11)


def test_erf_closed_forms():
    act = activation("erf")
    assert np.isclose(act.mu1, 2 / np.sqrt(3 * np.pi), rtol=1e-12)
    t = np.array([0.3, 1.7])
    np.testing.assert_allclose(act.shifted_moments(t)[0], special.erf(t / np.sqrt(3)), rtol=1e-12)


@pytest.mark.parametrize(
    "g",
    [
        target("sign"),
        target("relu", 1.5),
        target("tanh", 2.0),
        target("tanh", 8.0),
        target("erf", 1.3),
        target("linear", 0.7),
        target("hermite", coefficients=[0.3, 1.0, 0.5, 0.2]),
    ],
    ids=lambda g: g.describe(),
)
@pytest.mark.parametrize("mean,std", [(0.4, 0.8), (-1.0, 0.3), (0.0, 1.0)])
def test_target_gaussian_moments(g, mean, std):
    got = np.array(g.gaussian_moments(mean, std), dtype=float)
    ref = np.array(
        [
            _gauss(lambda x: g(np.asarray(x)), mean, std),
            _gauss(lambda x: (x - mean) / std * g(np.asarray(x)), mean, std),
            _gauss(lambda x: g(np.asarray(x)) ** 2, mean, std),
        ]
    )
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-10)


def test_hermite_target_constants():
    g = target("hermite", coefficients=[0.0, 1.0, 0.5, 0.2])
    assert g.c1 == pytest.approx(1.0, rel=1e-12)
    assert g.second_moment == pytest.approx(1 + 0.25 + 0.04, rel=1e-12)
    assert not g.odd and target("hermite", coefficients=[0, 1, 0, 0.3]).odd


def test_unknown_names_are_rejected_with_allowed_values():
    with pytest.raises(ValueError, match="activation.*allowed"):
        activation("softplus")
    with pytest.raises(ValueError, match="target.name.*allowed"):
        target("cosine")
    with pytest.raises(ValueError, match="target.scale"):
        target("tanh", scale=-1.0)


def test_degenerate_std_gives_the_function_value():
    """std = 0 (gamma = 1): moments of the constant g(m), no NaN at the kink m = 0."""
    m = np.array([-0.5, 0.0, 0.7])
    for g in (target("sign"), target("relu", 2.0), target("tanh", 3.0), target("linear")):
        mean, cross, second = g.gaussian_moments(m, 0.0)
        np.testing.assert_allclose(mean, g(m), atol=1e-12)
        np.testing.assert_allclose(cross, 0.0, atol=1e-12)
        np.testing.assert_allclose(second, g(m) ** 2, atol=1e-12)
