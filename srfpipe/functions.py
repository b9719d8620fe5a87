"""Activations, targets and their Gaussian (Hermite) constants.

Conventions (docs/model.md): activations `sigma` act on pre-activations that are about N(0, 1);
targets are `g(z) = NAME(scale * z)` or a Hermite expansion
`g(z) = sum_k c_k He_k(z) / sqrt(k!)`. Expectations over `z ~ N(0, 1)` use probabilists'
Gauss-Hermite quadrature (`numpy.polynomial.hermite_e`). No user string is ever evaluated:
names are looked up in fixed tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from math import factorial, sqrt

import numpy as np
from numpy.polynomial import hermite_e

Array = np.ndarray

QUADRATURE_NODES = 121
"""Default number of Gauss-Hermite nodes for Gaussian expectations."""


@cache
def gaussian_quadrature(n: int = QUADRATURE_NODES) -> tuple[Array, Array]:
    """Nodes and weights (each shape (n,), read-only) with `sum w f(z) ~ E f(z)`, `z ~ N(0, 1)`."""
    nodes, weights = hermite_e.hermegauss(int(n))
    weights = weights / np.sqrt(2.0 * np.pi)
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


# --------------------------------------------------------------------------- activations


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_deriv(z: Array) -> Array:
    return (np.asarray(z) > 0).astype(float)


def _erf(z: Array) -> Array:
    from scipy.special import erf  # lazy: scipy.special costs ~1 s to import

    return erf(z)


def _ndtr(z: Array) -> Array:
    from scipy.special import ndtr

    return ndtr(z)


def _erf_deriv(z: Array) -> Array:
    return (2.0 / np.sqrt(np.pi)) * np.exp(-np.square(z))


def _tanh_deriv(z: Array) -> Array:
    t = np.tanh(z)  # 1 - tanh^2, computed in place
    np.square(t, out=t)
    return np.subtract(1.0, t, out=t)


def _identity(z: Array) -> Array:
    return np.asarray(z, dtype=float)


def _one(z: Array) -> Array:
    return np.ones_like(np.asarray(z, dtype=float))


Moments = Callable[[Array], tuple[Array, Array, Array]]


@dataclass(frozen=True)
class Activation:
    """A first-layer non-linearity `sigma` with its derivative and properties (each checked
    against the function by tests/test_functions.py): `odd` (`sigma(-z) = -sigma(z)`),
    `homogeneous` (`sigma(c z) = c sigma(z)` for `c > 0`: piecewise linear with its kink
    at 0) and `closed_form` (the `shifted_moments`, needed where `sigma` has a kink)."""

    name: str
    fn: Callable[[Array], Array] = field(repr=False)
    deriv: Callable[[Array], Array] = field(repr=False)
    odd: bool
    homogeneous: bool = False
    closed_form: Moments | None = field(default=None, repr=False)

    def __call__(self, z: Array) -> Array:
        return self.fn(z)

    def shifted_moments(self, t: Array, n: int = QUADRATURE_NODES) -> tuple[Array, Array, Array]:
        """`(E sigma(zeta+t), E[zeta sigma(zeta+t)], E sigma(zeta+t)^2)`, `zeta ~ N(0,1)`.

        `t` has any shape; each output has the shape of `t`. Closed forms where `sigma` has
        a kink (quadrature converges slowly there), Gauss-Hermite quadrature otherwise.
        """
        t = np.asarray(t, dtype=float)
        if self.closed_form is not None:
            return self.closed_form(t)
        z, w = gaussian_quadrature(n)
        s = self.fn(t[..., None] + z)
        return s @ w, (s * z) @ w, np.square(s) @ w

    @property
    def mu0(self) -> float:
        """`E sigma(z)`."""
        return float(self.shifted_moments(0.0)[0])

    @property
    def mu1(self) -> float:
        """`E sigma'(z) = E[z sigma(z)]`."""
        return float(self.shifted_moments(0.0)[1])

    @property
    def deriv_variance(self) -> float:
        """`E[(sigma'(z) - mu1)^2]`: the variance the step's bulk adds per unit of step
        (docs/model.md, the bulk scale). Homogeneous: `sigma'` is constant on each side of
        0, so `E sigma'^2 = (sigma'(-1)^2 + sigma'(1)^2)/2` exactly."""
        if self.homogeneous:
            second = 0.5 * float(np.sum(np.square(self.deriv(np.array([-1.0, 1.0])))))
        else:
            z, w = gaussian_quadrature()
            second = float(np.square(self.deriv(z)) @ w)
        return max(second - self.mu1**2, 0.0)

    @property
    def mustar(self) -> float:
        """`sqrt(E sigma^2 - mu0^2 - mu1^2)`: the non-linear part's standard deviation."""
        m0, m1, second = (float(x) for x in self.shifted_moments(0.0))
        return sqrt(max(second - m0**2 - m1**2, 0.0))


def _relu_shifted(t: Array) -> tuple[Array, Array, Array]:
    cdf, pdf = _ndtr(t), np.exp(-0.5 * t**2) / np.sqrt(2.0 * np.pi)
    return t * cdf + pdf, cdf, (1.0 + t**2) * cdf + t * pdf


def _linear_shifted(t: Array) -> tuple[Array, Array, Array]:
    return t, np.ones_like(t), 1.0 + t**2


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", np.tanh, _tanh_deriv, odd=True),
    "erf": Activation("erf", _erf, _erf_deriv, odd=True),
    "relu": Activation("relu", _relu, _relu_deriv, False, True, _relu_shifted),
    "linear": Activation("linear", _identity, _one, True, True, _linear_shifted),
}


def activation(name: str) -> Activation:
    """Look up an activation by name; raises ValueError naming the allowed values."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"activation: unknown value {name!r}; allowed: {sorted(ACTIVATIONS)}"
        ) from None


# --------------------------------------------------------------------------- targets

_PANEL_NODES = 96
_TAIL = 12.0


def _split_gauss_legendre(mean: Array, std: Array) -> tuple[Array, Array]:
    """Nodes and weights (shape (..., 2K)) for `E f(tau)`, `tau ~ N(0, 1)`, with K-point
    Gauss-Legendre panels on `[-12, t0]` and `[t0, 12]`, `t0 = -mean/std` (clipped): a
    function steep at its zero crossing `m + s tau = 0` (e.g. `tanh(c z)`, large c) is then
    resolved, where Gauss-Hermite converges slowly."""
    x, wx = np.polynomial.legendre.leggauss(_PANEL_NODES)
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.where(std > 0, -mean / np.where(std > 0, std, 1.0), 0.0)
    t0 = np.clip(t0, -_TAIL + 1.0, _TAIL - 1.0)[..., None]
    lo, hi = (t0 + _TAIL) / 2, (_TAIL - t0) / 2  # half-widths of the two panels
    nodes = np.concatenate([-_TAIL + lo * (x + 1), t0 + hi * (x + 1)], axis=-1)
    weights = np.concatenate([lo * wx, hi * wx], axis=-1)
    weights = weights * np.exp(-0.5 * nodes**2) / np.sqrt(2.0 * np.pi)
    return nodes, weights


def _normal_cdf_pdf(m: Array, s: Array) -> tuple[Array, Array]:
    """`Phi(m/s)` and `phi(m/s)` for `s >= 0`; at `s = 0` their limits (a step at `m = 0`)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.where(m == 0, 0.0, np.sign(m) * np.inf)
        x = np.where(s > 0, m / np.where(s > 0, s, 1.0), edge)
    pdf = np.exp(-0.5 * np.square(np.where(np.isfinite(x), x, 0.0)))
    return _ndtr(x), np.where(np.isfinite(x), pdf / np.sqrt(2.0 * np.pi), 0.0)


def _linear_moments(m: Array, s: Array) -> tuple[Array, Array, Array]:
    return m, s, m**2 + s**2


def _sign_moments(m: Array, s: Array) -> tuple[Array, Array, Array]:
    cdf, pdf = _normal_cdf_pdf(m, s)
    return 2.0 * cdf - 1.0, np.where(s > 0, 2.0 * pdf, 0.0), np.where((s > 0) | (m != 0), 1.0, 0.0)


def _relu_moments(m: Array, s: Array) -> tuple[Array, Array, Array]:
    cdf, pdf = _normal_cdf_pdf(m, s)
    mean = np.where(s > 0, m * cdf + s * pdf, np.maximum(m, 0.0))
    second = np.where(s > 0, (m**2 + s**2) * cdf + m * s * pdf, np.maximum(m, 0.0) ** 2)
    return mean, s * cdf, second


@dataclass(frozen=True)
class Link:
    """A named target function `h` (the target is `g(z) = h(scale z)`) and its properties
    (each checked against `h` by tests/test_functions.py): `odd`, `nonsmooth` (a jump or
    kink at 0) and `closed_form` (`(E h(m + s tau), E[tau h(m + s tau)], E h(m + s tau)^2)`
    for `tau ~ N(0, 1)`, needed where `h` is not smooth)."""

    fn: Callable[[Array], Array] = field(repr=False)
    odd: bool
    nonsmooth: bool = False
    closed_form: Callable[[Array, Array], tuple[Array, Array, Array]] | None = None


NAMED_TARGETS: dict[str, Link] = {
    "linear": Link(_identity, odd=True, closed_form=_linear_moments),
    "tanh": Link(np.tanh, odd=True),
    "relu": Link(_relu, odd=False, nonsmooth=True, closed_form=_relu_moments),
    "sign": Link(np.sign, odd=True, nonsmooth=True, closed_form=_sign_moments),
    "erf": Link(_erf, odd=True),
}
TARGET_NAMES = (*NAMED_TARGETS, "hermite")


@dataclass(frozen=True)
class Target:
    """The teacher link `g`: `NAME(scale * z)` or `sum_k c_k He_k(z)/sqrt(k!)`."""

    name: str
    scale: float = 1.0
    coefficients: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.name not in TARGET_NAMES:
            raise ValueError(f"target.name: unknown value {self.name!r}; allowed: {TARGET_NAMES}")
        if self.name == "hermite":
            if len(self.coefficients) == 0:
                raise ValueError("target.coefficients: a hermite target needs >= 1 coefficient")
            if not all(np.isfinite(self.coefficients)):
                raise ValueError(f"target.coefficients: must be finite, got {self.coefficients}")
        elif not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"target.scale: must be a finite number > 0, got {self.scale}")

    def __call__(self, z: Array) -> Array:
        z = np.asarray(z, dtype=float)
        if self.name == "hermite":
            k = np.arange(len(self.coefficients))
            norm = np.array([1.0 / sqrt(factorial(int(j))) for j in k])
            return hermite_e.hermeval(z, np.asarray(self.coefficients) * norm)
        return NAMED_TARGETS[self.name].fn(self.scale * z)

    @property
    def odd(self) -> bool:
        """True when `g(-z) = -g(z)`, so that odd students can represent it fully."""
        if self.name == "hermite":
            return all(c == 0 for c in self.coefficients[0::2])
        return NAMED_TARGETS[self.name].odd

    @property
    def nonsmooth(self) -> bool:
        """True when `g` has a jump or a kink (at 0)."""
        return self.name != "hermite" and NAMED_TARGETS[self.name].nonsmooth

    def gaussian_moments(
        self, mean: Array, std: Array, n: int = QUADRATURE_NODES
    ) -> tuple[Array, Array, Array]:
        """`(E g(m + s tau), E[tau g(m + s tau)], E g(m + s tau)^2)` for `tau ~ N(0, 1)`.

        `mean` and `std >= 0` broadcast together. The link's closed form if it has one;
        quadrature (exact for Hermite polynomials of degree < n) otherwise.
        """
        m, s = np.broadcast_arrays(np.asarray(mean, float), np.asarray(std, float))
        link = NAMED_TARGETS.get(self.name)
        if link is not None and link.closed_form is not None:
            return link.closed_form(self.scale * m, self.scale * s)
        if self.name == "hermite":  # polynomial: Gauss-Hermite is exact
            z, w = gaussian_quadrature(n)
        else:  # steep sigmoids: split the Gaussian at the zero crossing tau = -m/s
            z, w = _split_gauss_legendre(m, s)
        g = self(m[..., None] + s[..., None] * z)
        return (g * w).sum(-1), (g * z * w).sum(-1), (np.square(g) * w).sum(-1)

    @property
    def c1(self) -> float:
        """`E[z g(z)]`: the linear (first Hermite) coefficient of the target."""
        return float(self.gaussian_moments(0.0, 1.0)[1])

    @property
    def second_moment(self) -> float:
        """`E[g(z)^2]` (label noise excluded)."""
        return float(self.gaussian_moments(0.0, 1.0)[2])

    def describe(self) -> str:
        """A short human-readable label, e.g. `tanh(2z)` or `hermite[0,1,0.5]`."""
        if self.name == "hermite":
            return "hermite[" + ",".join(f"{c:g}" for c in self.coefficients) + "]"
        return f"{self.name}({self.scale:g}z)"


def target(name: str, scale: float = 1.0, coefficients: Sequence[float] | None = None) -> Target:
    """Build a target from config values (see `Target`)."""
    return Target(name=name, scale=float(scale), coefficients=tuple(map(float, coefficients or ())))
