"""Gaussian constants of activations and targets against independent integrals."""

import dataclasses

import numpy as np
import pytest
from scipy import integrate, special

from srfpipe.functions import ACTIVATIONS, NAMED_TARGETS, activation, gaussian_quadrature, target


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


@pytest.mark.parametrize("name", list(ACTIVATIONS))
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
        *(target(name) for name in NAMED_TARGETS),
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


def _kinked(f, h=1e-6) -> bool:
    """A jump or a kink of f at 0: a first or second difference far above a smooth one's."""
    f0, fp, fm = (float(f(np.array(z))) for z in (0.0, h, -h))
    return abs(fp - fm) / (2 * h) > 1e3 or abs(fp - 2 * f0 + fm) / h**2 > 1e3


Z = np.linspace(-4, 4, 81)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_fields_match_the_function(name):
    """Each field of a registered activation, measured on the function itself."""
    act = ACTIVATIONS[name]
    assert act.odd == bool(np.allclose(act(-Z), -act(Z), atol=1e-14))
    scaled = [np.allclose(act(c * Z), c * act(Z), rtol=1e-14, atol=1e-14) for c in (0.3, 2.5)]
    assert act.homogeneous == all(scaled)
    # the kink needs the closed form: Gauss-Hermite is then off by far more than 1e-9 (below)
    assert _kinked(act.fn) <= (act.closed_form is not None)
    z = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(act.deriv(z[z != 0]), np.gradient(act(z), z)[z != 0], atol=0.6)
    d2 = _gauss(lambda z: act.deriv(np.atleast_1d(z))[0] ** 2) - act.mu1**2
    assert act.deriv_variance == pytest.approx(d2, rel=1e-9, abs=1e-12)


def test_a_kinked_activation_without_its_closed_form_fails_the_moment_check():
    """The check of `test_activation_shifted_moments` has teeth: quadrature alone on relu."""
    bare = dataclasses.replace(ACTIVATIONS["relu"], closed_form=None)
    got = np.array(bare.shifted_moments(np.array(0.7)))
    ref = np.array(ACTIVATIONS["relu"].shifted_moments(np.array(0.7)))
    assert np.max(np.abs(got - ref)) > 1e-7


@pytest.mark.parametrize("name", list(NAMED_TARGETS))
def test_target_fields_match_the_function(name):
    link, g = NAMED_TARGETS[name], target(name)
    assert link.odd == g.odd == bool(np.allclose(g(-Z), -g(Z), atol=1e-14))
    assert link.nonsmooth == g.nonsmooth == _kinked(g)
    assert not link.nonsmooth or link.closed_form is not None
