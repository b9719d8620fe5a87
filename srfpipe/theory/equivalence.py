"""Conditional Gaussian-equivalence coefficients over the spike coordinate `kappa = v.x`.

Conventions (docs/model.md, docs/theory.md): for `zeta ~ N(0, 1)` and a shift `t`,
`mu0(t) = E sigma(zeta+t)`, `mu1(t) = E[zeta sigma(zeta+t)]`,
`mus2(t) = E sigma(zeta+t)^2 - mu0^2 - mu1^2` (= `mustar(t)^2`) and
`mu2(t) = E[(zeta^2-1) sigma(zeta+t)] = mu1'(t)`. The sRF neuron `i` sees the shift
`t = r s_i kappa`; the target moments given `kappa` average over
`tau = theta_perp.x ~ N(0, 1)` with `theta.x = gamma kappa + sqrt(1-gamma^2) tau`.
A bulk scale `c` (features `sigma(c w.x + t)`) is the activation `sigma_c(z) = sigma(c z)`
with the shift `t/c`: the coefficients below then are those of `sigma_c`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from srfpipe.functions import Activation, Target, gaussian_quadrature
from srfpipe.problem import SRF, Problem

Array = np.ndarray

KAPPA_NODES = 121
"""Default number of Gauss-Hermite nodes for expectations over `kappa ~ N(0, 1)`."""

_MU2_STEP = 1e-4  # central-difference step for mu2 = d mu1 / dt


@dataclass(frozen=True)
class KappaTable:
    """Everything the fixed point needs at the `kappa` nodes; every array has shape (K,).

    `weight` sums to one (Gauss-Hermite for `kappa ~ N(0, 1)`); `mu0, mu1, mus2, mu2` are
    evaluated at `r * kappa`; `ybar, ytau, y2` are `E g`, `E[tau g]`, `E g^2` given `kappa`.
    """

    kappa: Array
    weight: Array
    mu0: Array
    mu1: Array
    mus2: Array
    mu2: Array
    ybar: Array
    ytau: Array
    y2: Array

    @cached_property
    def coef(self) -> Array:
        """`(mu1^2, mus2)`, shape (2, K): the variance coefficients of `V_w, V_z`."""
        return np.stack([self.mu1**2, self.mus2])

    @cached_property
    def coef_products(self) -> Array:
        """`(mu1^4, mu1^2 mus2, mus2^2)`, shape (K, 3)."""
        a, b = self.mu1**2, self.mus2
        return np.stack([a * a, a * b, b * b], axis=1)


def scaled_moments(act: Activation, t: Array, scale: float = 1.0) -> tuple[Array, Array, Array]:
    """`Activation.shifted_moments` of `sigma_c(z) = sigma(c z)`, `c = scale > 0`.

    `c = 1` is `act.shifted_moments` itself; homogeneous activations scale their closed
    forms; the others use Gauss-Hermite quadrature of `sigma(c (zeta + t))`.
    """
    if scale == 1.0:
        return act.shifted_moments(t)
    if act.homogeneous:  # sigma(c z) = c sigma(z): the closed forms carry over
        m0, m1, second = act.shifted_moments(t)
        return scale * m0, scale * m1, scale**2 * second
    z, w = gaussian_quadrature()
    s = act(scale * (np.asarray(t, dtype=float)[..., None] + z))
    return s @ w, (s * z) @ w, np.square(s) @ w


def shifted_coefficients(
    act: Activation, t: Array, scale: float = 1.0
) -> tuple[Array, Array, Array, Array]:
    """`(mu0, mu1, mus2, mu2)` of `sigma_c`, `c = scale`, at shifts `t` (outputs: shape of `t`)."""
    t = np.asarray(t, dtype=float)
    m0, m1, second = scaled_moments(act, t, scale)
    mus2 = np.maximum(second - m0**2 - m1**2, 0.0)
    mu2 = (
        scaled_moments(act, t + _MU2_STEP, scale)[1] - scaled_moments(act, t - _MU2_STEP, scale)[1]
    ) / (2.0 * _MU2_STEP)
    return m0, m1, mus2, mu2


def target_moments(tgt: Target, gamma: float, kappa: Array) -> tuple[Array, Array, Array]:
    """`(ybar, ytau, y2)` given `kappa` (shape of `kappa`), noise excluded.

    At `gamma = 1` the label is the deterministic `g(kappa)`: evaluated directly.
    """
    kappa = np.asarray(kappa, float)
    std = np.sqrt(max(1.0 - gamma**2, 0.0))
    if std == 0.0:
        g = tgt(gamma * kappa)
        return g, np.zeros_like(g), g * g
    return tgt.gaussian_moments(gamma * kappa, std)


_PANEL_EDGES = np.array([0.0, 0.02, 0.08, 0.25, 0.6, 1.2, 2.2, 3.5, 5.5, 9.0])
_PANEL_NODES = 16


def kappa_quadrature(
    tgt: Target, gamma: float, r: float, n: int = KAPPA_NODES
) -> tuple[Array, Array]:
    """Nodes and weights (each (K,), weights summing to 1) for `E f(kappa)`, `kappa ~ N(0,1)`.

    Gauss-Hermite with `n` nodes, unless the integrands vary fast near `kappa = 0` (strong
    spike `r > 1`, or a non-smooth target with `gamma > 0.5`), where it converges only
    algebraically (6e-4 on an r = 3 learning curve): there Gauss-Legendre panels on `[-9, 9]`
    graded towards `kappa = 0`, times the Gaussian density (5e-5 on that curve).
    """
    if r <= 1.0 and (not tgt.nonsmooth or gamma <= 0.5):
        nodes, weights = gaussian_quadrature(n)
        return np.asarray(nodes), np.asarray(weights)
    x, w = np.polynomial.legendre.leggauss(_PANEL_NODES)
    lo, hi = _PANEL_EDGES[:-1, None], _PANEL_EDGES[1:, None]
    half = (0.5 * (hi - lo) * x + 0.5 * (hi + lo)).ravel()
    half_w = (0.5 * (hi - lo) * w).ravel() * np.exp(-0.5 * half**2) / np.sqrt(2.0 * np.pi)
    nodes = np.concatenate([-half[::-1], half])
    weights = np.concatenate([half_w[::-1], half_w])
    return nodes, weights / weights.sum()


def kappa_table(
    act: Activation,
    tgt: Target,
    r: float,
    gamma: float,
    *,
    n: int = KAPPA_NODES,
    bulk_scale: float = 1.0,
) -> KappaTable:
    """Tabulate the activation and target coefficients on the `kappa` nodes (see above).

    With a bulk scale `c` the coefficients are those of `sigma_c` at the shift `(r/c) kappa`.
    """
    shift = r / bulk_scale
    kappa, weight = kappa_quadrature(tgt, gamma, shift, n)
    mu0, mu1, mus2, mu2 = shifted_coefficients(act, shift * kappa, bulk_scale)
    ybar, ytau, y2 = target_moments(tgt, gamma, kappa)
    return KappaTable(kappa, weight, mu0, mu1, mus2, mu2, ybar, ytau, y2)


# --------------------------------------------------------------------------- neuron types

GAUSSIAN_TYPES = 16
"""Default number of Gauss-Hermite types for the Gaussian readout (docs/theory.md, G table)."""


@dataclass(frozen=True)
class NeuronTypes:
    """Neuron types, each array (G,): fraction `pi` (sums to 1), readout value `s` (the
    spike of type g is `r s_g`) and bulk scale `c` (pre-activation `c_g w.x + r s_g kappa`)."""

    pi: Array
    s: Array
    c: Array


def neuron_types(
    readout_init: str, srf: SRF | None = None, nodes: int = GAUSSIAN_TYPES
) -> NeuronTypes:
    """Types for a readout init: "constant" (`s = 1`), "rademacher" (`s = +-1`, 1/2 each) or
    "gaussian" (`s ~ N(0, 1)` by `nodes`-point Gauss-Hermite quadrature); the bulk scales
    `c_g` of the sRF (`SRF.scales`, all 1 without one) at `a = s_g`."""
    if readout_init == "constant":
        pi, s = np.ones(1), np.ones(1)
    elif readout_init == "rademacher":
        pi, s = np.full(2, 0.5), np.array([1.0, -1.0])
    else:  # "gaussian" (`Problem` checks the value)
        s, pi = (np.array(a) for a in gaussian_quadrature(nodes))
    c = 1.0 if srf is None else srf.scales(s)
    return NeuronTypes(pi, s, np.broadcast_to(c, s.shape).astype(float))


def merge_types(types: NeuronTypes, r: float, odd: bool) -> NeuronTypes:
    """Merge types that give identical features: same `(r s, c)`, and for odd `sigma` same
    `(r |s|, c)` (a type with `-s` is the type with `s` after `w -> -w`, `b -> -b`). Types are
    sorted by `(c, r s)`; with `r = 0` the readout never enters the features."""
    shift = r * (np.abs(types.s) if odd else types.s)
    keys = sorted({(float(c), float(t)) for c, t in zip(types.c, shift, strict=True)})
    pi = np.array([types.pi[(types.c == c) & (shift == t)].sum() for c, t in keys], dtype=float)
    s = np.array([t / r if r > 0 else 1.0 for _, t in keys])
    return NeuronTypes(pi, s, np.array([c for c, _ in keys]))


def srf_types(problem: Problem, srf: SRF, nodes: int = GAUSSIAN_TYPES) -> NeuronTypes:
    """The merged neuron types of the sRF (those of `curves.equations`, in the order of the
    `type` axis of `learning_curve`'s per-type order parameters)."""
    return merge_types(neuron_types(problem.readout_init, srf, nodes), srf.r, problem.sigma.odd)


@dataclass(frozen=True)
class GroupTable(KappaTable):
    """`KappaTable` for G types of fractions `pi` (G,): `mu0, mu1, mus2, mu2` have shape (G, K)
    (type g at the shift `(r s_g / c_g) kappa`, coefficients of `sigma_{c_g}`)."""

    pi: Array


def group_table(
    act: Activation,
    tgt: Target,
    r: float,
    gamma: float,
    types: NeuronTypes,
    *,
    n: int = KAPPA_NODES,
) -> GroupTable:
    """Tabulate every type's coefficients and the target moments on the `kappa` nodes."""
    shifts = r * types.s / types.c
    kappa, weight = kappa_quadrature(tgt, gamma, float(np.max(np.abs(shifts))), n)
    coefs = [shifted_coefficients(act, t * kappa, c) for t, c in zip(shifts, types.c, strict=True)]
    mu0, mu1, mus2, mu2 = (np.stack(x) for x in zip(*coefs, strict=True))
    ybar, ytau, y2 = target_moments(tgt, gamma, kappa)
    return GroupTable(kappa, weight, mu0, mu1, mus2, mu2, ybar, ytau, y2, pi=types.pi)
