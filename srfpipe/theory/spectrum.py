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
    """Nodes `om` (N,) and weights `nu` (N,) with `sum nu h(om) ~ int h(om) om rho(om) d om`.

    The spectral object of the fixed point: the trace measure `rho` (`integrals`) and the
    signal measures of the directions `W v`, `W theta_perp` and `e` (`kernels`, `prior`).
    For Marchenko-Pastur these are `rho` times constants (`beta om`, `beta om`,
    `row_var beta`); `EmpiricalSpectrum` carries its own.
    """

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
        out = {(1, 1): inv @ self.nu, (1, 2): sq[..., 0], (2, 2): sq[..., 1]}
        # (D^-1 - D0^-1)/om = -c1/(D D0) and (D^-2 - D0^-2)/om = -c1 (1/(D D0^2) + 1/(D^2 D0))
        d0, slope = c0[..., 0], c1[..., 0]
        out[0, 1] = (1.0 - slope * out[1, 1]) / d0
        out[0, 2] = (1.0 - slope * (out[1, 1] + d0 * out[1, 2])) / d0**2
        return out

    def kernels(self, integ: dict, row_var: float) -> tuple[Array, Array, Array]:
        """`int D^-1 dmu_X` for X = `W v`, `W theta_perp`, `e` (each (B,)), from `integrals`."""
        k = self.beta * integ[1, 1]
        return k, k, row_var * self.beta * integ[0, 1]

    def prior(self, integ: dict, mt_v: Array, mt_th: Array, mt_e: Array, row_var: float) -> Array:
        """`sum_X mt_X^2 (int om D^-2 dmu_X, int D^-2 dmu_X)`, (B, 2): the signal part of
        `(q_w, q_z)`."""
        sig, row = mt_v**2 + mt_th**2, row_var * mt_e**2
        q_w = sig * integ[2, 2] + row * integ[1, 2]
        return self.beta * np.stack([q_w, sig * integ[1, 2] + row * integ[0, 2]], -1)


@dataclass(frozen=True)
class EmpiricalSpectrum(MarchenkoPastur):
    """A discrete trace measure (`om` the non-zero eigenvalues of `W W^T`, `nu = om/p`) and
    discrete signal measures: `int F dmu_X = sum_k F(signal_om_k) signal_weight[X, k]` for
    X = 0, 1, 2 (`W v`, `W theta_perp`, `e`), `signal_om` (M,), `signal_weight` (3, M).
    The `e` measure carries `||e||^2` itself: `row_var` only marks it present (> 0)."""

    signal_om: Array
    signal_weight: Array

    def integrals(self, c0: Array, c1: Array) -> dict:
        """`I(a, j)` of the trace measure and `("signal", a, j)`: `int om^a D^-j dmu_X`,
        shape `c0.shape + (3,)`, for (a, j) in (0, 1), (1, 2), (0, 2)."""
        out: dict = super().integrals(c0, c1)
        c0, c1 = np.asarray(c0, float)[..., None], np.asarray(c1, float)[..., None]
        inv = 1.0 / (c0 + c1 * self.signal_om)
        sq = inv * inv
        out["signal", 0, 1] = inv @ self.signal_weight.T
        out["signal", 1, 2] = sq @ (self.signal_weight * self.signal_om).T
        out["signal", 0, 2] = sq @ self.signal_weight.T
        return out

    def kernels(self, integ: dict, row_var: float) -> tuple[Array, Array, Array]:
        k = integ["signal", 0, 1]
        return k[..., 0], k[..., 1], k[..., 2]

    def prior(self, integ: dict, mt_v: Array, mt_th: Array, mt_e: Array, row_var: float) -> Array:
        sq = np.stack([mt_v, mt_th, mt_e], -1) ** 2
        return np.stack(
            [np.sum(sq * integ["signal", 1, 2], -1), np.sum(sq * integ["signal", 0, 2], -1)], -1
        )


def marchenko_pastur(beta: float, n: int = MP_NODES) -> MarchenkoPastur:
    """Precompute the quadrature for ratio `beta = p/d > 0` with `n` nodes."""
    i = np.arange(1, n + 1)
    angle = i * np.pi / (n + 1)
    t = np.cos(angle)
    w = np.pi / (n + 1) * np.sin(angle) ** 2  # int_{-1}^{1} f(t) sqrt(1-t^2) dt
    centre, half = 1.0 + beta, 2.0 * np.sqrt(beta)
    om = centre + half * t
    nu = w * half**2 / (2.0 * np.pi * beta)
    return MarchenkoPastur(float(beta), om, nu, np.stack([nu, nu * om], axis=1))


# --------------------------------------------------------------------------- neuron types
#
# Neurons of G types (type g: a fraction pi_g of the p rows; P_g projects on its rows) and the
# matrix A = diag(d_g(i)) + sum_gh m_gh P_g W W^T P_h (m a G x G PSD matrix). Deterministic
# equivalent (docs/theory.md section 11): with P = diag(pi_g q_g),
#   q_g = 1/(d_g + Theta_gg),  Theta = m - beta m R m,  R = (P^-1 + beta m)^-1,
# q_g = (1/p_g) tr P_g A^-1 and R_gh = (1/p) tr(A^-1 P_g W W^T P_h).

_BLOCK_TOL = 1e-14
_BLOCK_MAX_ITER = 500


def _block_r(q: Array, m: Array, pi: Array, beta: float) -> Array:
    """`R = (P^-1 + beta m)^-1 = s (I + beta s m s)^-1 s`, `s = sqrt(pi q)`; (B, G, G)."""
    s = np.sqrt(pi * q)
    b = np.eye(q.shape[-1]) + beta * s[..., :, None] * m * s[..., None, :]
    return s[..., :, None] * np.linalg.inv(b) * s[..., None, :]


def block_resolvent(
    m: Array, d: Array, pi: Array, beta: float, q: Array | None = None
) -> tuple[Array, Array]:
    """`(q, R)` for `m` (B, G, G), `d` (B, G) > 0, `pi` (G,); `q` (B, G) warm-starts.

    `q <- 1/(d + diag Theta(q))` is increasing in `q`, so iterating it from 0 rises to the
    solution; Newton's step (analytic G x G Jacobian) is taken where it lowers the residual.
    """
    q = 1.0 / (d + np.diagonal(m, axis1=-2, axis2=-1)) if q is None else np.array(q, float)
    eye = np.eye(q.shape[-1])
    for _ in range(_BLOCK_MAX_ITER):
        r = _block_r(q, m, pi, beta)
        u = r @ m
        theta = m - beta * m @ u
        f = 1.0 / (d + np.diagonal(theta, axis1=-2, axis2=-1))
        res = np.max(np.abs(q - f) / f, -1)
        if np.all(res < _BLOCK_TOL):
            break
        # dF_g/dq_f = F_g^2 beta U_fg^2 / (pi_f q_f^2)
        jac = f[..., :, None] ** 2 * beta * np.swapaxes(u, -1, -2) ** 2 / (pi * q**2)[..., None, :]
        newton = q - np.linalg.solve(eye - jac, (q - f)[..., None])[..., 0]
        ok = np.all(newton > 0, -1)
        trial = np.where(ok[..., None], newton, f)
        r_t = _block_r(trial, m, pi, beta)
        f_t = 1.0 / (d + np.diagonal(m - beta * m @ r_t @ m, axis1=-2, axis2=-1))
        better = np.max(np.abs(trial - f_t) / f_t, -1) < res
        q = np.where((ok & better)[..., None], trial, f)
    return q, _block_r(q, m, pi, beta)


def block_derivative(
    q: Array, r: Array, m: Array, *, pi: Array, beta: float, dm: Array, dd: Array
) -> tuple[Array, Array]:
    """Derivatives of `(y, R)`, `y_g = pi_g q_g = (1/p) tr P_g A^-1`, along `(dm, dd)`.

    `q` (B, G), `r`, `m` (B, G, G) at the solution; `dm` (B, N, G, G) symmetric and `dd`
    (B, N, G) are N directions. Returns `dy` (B, N, G) and `dR` (B, N, G, G). These are minus
    the second-order traces, e.g. `-(1/p) tr(A^-1 P_g A^-1 X)` for `dA = X`.
    """
    g = q.shape[-1]
    u = r @ m  # U = R m
    n = np.eye(g) - beta * u
    s = np.swapaxes(u, -1, -2) ** 2 / pi[..., None, :]  # S^T: (S^T)_gf = U_fg^2 / pi_f
    lhs = np.eye(g) - beta * s
    src = dd + np.sum(n[:, None] * (dm @ n[:, None]), -2)  # dd + diag(N^T dm N)
    a = -np.swapaxes(np.linalg.solve(lhs, np.swapaxes(src, -1, -2)), -1, -2)  # (B, N, G)
    dy = pi * q[:, None] ** 2 * a
    ra = r[:, None] * (a / pi)[..., None, :]  # R diag(a / pi)
    dr = ra @ r[:, None] - beta * r[:, None] @ dm @ r[:, None]
    return dy, dr
