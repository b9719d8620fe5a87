"""Marchenko-Pastur integrals `I(a, j) = int om^a D(om)^{-j} rho_beta(d om)`, D linear in om.

`rho_beta` is the limiting spectral law of `W W^T` (p x p) for `W` (p, d) iid `N(0, 1/d)`,
`beta = p/d`: mean 1, continuous part on `[(1-sqrt beta)^2, (1+sqrt beta)^2]` and an atom
`1 - 1/beta` at 0 when `beta > 1`. We integrate `int F d rho = F(0) + int (F - F(0))/om dnu`
with `dnu = om rho(om) d om = sqrt((a+ - om)(om - a-)) / (2 pi beta) d om` by Gauss-Chebyshev
quadrature of the second kind: exact for the atom and free of the `1/sqrt(om)` edge at beta=1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

MP_NODES = 256
"""Default number of Gauss-Chebyshev nodes."""


@dataclass(frozen=True)
class MarchenkoPastur:
    """Nodes `om` (N,) and weights `nu` (N,) with `sum nu h(om) ~ int h(om) om rho(om) d om`."""

    beta: float
    om: Array
    nu: Array
    nu_om: Array  # (N, 2): columns nu and nu * om

    def integrals(self, c0: Array, c1: Array) -> dict[tuple[int, int], Array]:
        """`I(a, j)` for `D = c0 + c1 om`, a in {0, 1, 2}, j in {1, 2}; shape of `c0`, `c1`.

        Needs `c0 > 0` (`D(0) > 0`) and `c1 >= 0`.
        """
        c0 = np.asarray(c0, float)[..., None]
        c1 = np.asarray(c1, float)[..., None]
        inv = 1.0 / (c0 + c1 * self.om)
        sq = (inv * inv) @ self.nu_om  # (..., 2): int D^-2 dnu, int om D^-2 dnu
        out: dict[tuple[int, int], Array] = {}
        out[1, 1] = inv @ self.nu
        out[1, 2] = sq[..., 0]
        out[2, 2] = sq[..., 1]
        # (D^-1 - D0^-1)/om = -c1/(D D0) and (D^-2 - D0^-2)/om = -c1 (1/(D D0^2) + 1/(D^2 D0))
        d0, slope = c0[..., 0], c1[..., 0]
        out[0, 1] = (1.0 - slope * out[1, 1]) / d0
        out[0, 2] = (1.0 - slope * (out[1, 1] + d0 * out[1, 2])) / d0**2
        return out


def marchenko_pastur(beta: float, n: int = MP_NODES) -> MarchenkoPastur:
    """Precompute the quadrature for ratio `beta = p/d > 0` with `n` nodes."""
    if not (np.isfinite(beta) and beta > 0):
        raise ValueError(f"beta: must be a finite number > 0, got {beta}")
    i = np.arange(1, n + 1)
    angle = i * np.pi / (n + 1)
    t = np.cos(angle)
    w = np.pi / (n + 1) * np.sin(angle) ** 2  # int_{-1}^{1} f(t) sqrt(1-t^2) dt
    centre, half = 1.0 + beta, 2.0 * np.sqrt(beta)
    om = centre + half * t
    nu = w * half**2 / (2.0 * np.pi * beta)
    return MarchenkoPastur(float(beta), om, nu, np.stack([nu, nu * om], axis=1))
