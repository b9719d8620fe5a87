"""The sRF ridge fixed point at a batch of points sharing (sigma, g, r, gamma, beta).

Notation (docs/theory.md): `psi = p/n = beta/alpha` (`psi = 0` is `alpha = inf`),
`w(k) = 1/(1 + mu1^2 V_w + mus2 V_z)`, `D(om) = lam + vh_w om + vh_z`,
`I(a, j) = int om^a D^-j d rho_beta`. Only `(V_w, V_z)` need a non-linear solve (Newton
safeguarded by the monotone iteration, analytic Jacobian); means `(m_s, m_v, m_e)` and
second moments `(q_w, q_z)` then follow from small linear systems. All arrays carry a leading batch
axis of length B (one entry per point); kappa-node arrays have shape (B, K).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from srfpipe.theory.equivalence import KappaTable
from srfpipe.theory.iterate import converged, solve_fixed_point
from srfpipe.theory.spectrum import MarchenkoPastur

Array = np.ndarray

NEWTON_RADIUS = 0.99


def _kind(kind: str) -> Any:
    return field(metadata={"kind": kind})


@dataclass(frozen=True)
class Solution:
    """Errors, status and order parameters, each (B,); `test_error` includes the noise.

    A field's kind ("error", "status", "order") makes it an output of `learning_curve`,
    `srfpipe theory` and the theory artifact (`CURVE_OUTPUTS`); fields without are internal.
    """

    test_error: Array = _kind("error")
    train_error: Array = _kind("error")
    converged: Array = _kind("status")
    residual: Array = _kind("status")
    iterations: Array = _kind("status")
    V_w: Array = _kind("order")
    V_z: Array = _kind("order")
    m_s: Array = _kind("order")
    m_v: Array = _kind("order")
    m_th: Array = _kind("order")
    m_e: Array = _kind("order")
    q_w: Array = _kind("order")
    q_z: Array = _kind("order")
    state: Array  # the variance unknowns, (B, n): (V_w, V_z) here; warm-starts the next solve
    per_type: TypeMeans | None = None  # several types (`groups.solve_groups`) only


class TypeMeans(NamedTuple):
    """Per-type mean order parameters `m_s,g, m_v,g, m_e,g`, each (B, G), of a G-type
    solution: `L(kappa) = sum_g [mu0_g m_s,g + mu1_g kappa m_v,g + (mu2_g/2) m_e,g]`."""

    m_s: Array
    m_v: Array
    m_e: Array


def _outputs(kind: str) -> tuple[str, ...]:
    return tuple(f.name for f in fields(Solution) if f.metadata.get("kind") == kind)


ORDER_PARAMETERS = _outputs("order")
ERRORS = (*_outputs("error"), "readout_sq_norm")
"""The errors; `readout_sq_norm = ||b||^2` is the order parameter `q_z` under its own name."""
STATUS = _outputs("status")
CURVE_OUTPUTS = (*ERRORS, *STATUS, *ORDER_PARAMETERS)
"""The ("alpha", "lam") variables of `learning_curve`, in order."""
TYPE_MEANS = tuple(f"{m}_type" for m in TypeMeans._fields)
"""The per-type means of `learning_curve` (dims ("alpha", "lam", "type"); G > 1 only)."""


def _mean(tab: KappaTable, f: Array) -> Array:
    """`E_kappa f` over the last axis (K,)."""
    return f @ tab.weight


@dataclass(frozen=True)
class _VarianceMap:
    """The map `G` of `(V_w, V_z)` at the points `(psi, lam)` (B,): an `iterate.VarianceMap`."""

    tab: KappaTable
    mp: MarchenkoPastur
    psi: Array
    lam: Array

    def step(self, x: Array, jacobian: bool = True) -> tuple[Array, Any, Array, dict, Array]:
        """`G(x)` (B, 2), its Jacobian `psi [[I22, I12], [I12, I02]] M` (B, 2, 2) if asked,
        `w = 1/(1 + V(kappa))` (B, K), `I(a, j)` (each (B,)) and `(vh_w, vh_z)` (B, 2) at `x`
        (B, 2); the fixed point is `x = G(x)`."""
        tab, psi = self.tab, self.psi
        w = 1.0 / (1.0 + x @ tab.coef)
        ww = w * tab.weight
        vh = ww @ tab.coef.T
        integ = self.mp.integrals(self.lam + vh[:, 1], vh[:, 0])
        g = psi[:, None] * np.stack([integ[1, 1], integ[0, 1]], -1)
        jac = None
        if jacobian:
            m = (ww * w) @ tab.coef_products  # E[w^2 c_i c_j]: (B, 3) = (11, 12, 22)
            jac = psi[:, None, None] * (
                _spectral_matrix(integ) @ np.stack([m[:, :2], m[:, 1:]], -2)
            )
        return g, jac, w, integ, vh

    def __call__(self, x: Array, jacobian: bool) -> tuple[Array, Array | None]:
        return self.step(x, jacobian)[:2]

    def newton_usable(self, newton: Array, jac: Array) -> Array:
        """Newton is locally reliable: spectral radius of `J` below `NEWTON_RADIUS`, `x > 0`."""
        return (_spectral_radius(jac) < NEWTON_RADIUS) & np.all(newton > 0, -1)


def _spectral_matrix(integ: dict) -> Array:
    """`[[I22, I12], [I12, I02]]`, shape (B, 2, 2)."""
    return np.stack(
        [np.stack([integ[2, 2], integ[1, 2]], -1), np.stack([integ[1, 2], integ[0, 2]], -1)], -2
    )


def _spectral_radius(jac: Array) -> Array:
    """Largest eigenvalue of 2x2 matrices with non-negative entries (Perron root), (B,)."""
    half_tr = 0.5 * (jac[:, 0, 0] + jac[:, 1, 1])
    det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
    return half_tr + np.sqrt(np.maximum(half_tr**2 - det, 0.0))


def solve(
    tab: KappaTable,
    mp: MarchenkoPastur,
    psi: Array,
    lam: Array,
    *,
    noise: float,
    start: Array | None = None,
    row_var: float = 2.0,
) -> Solution:
    """Solve the fixed point at points `(psi, lam)` (each (B,)); `start` (B, 2) warm-starts V.

    `row_var = d Var ||w_i||^2` sets the row-norm direction, `||e||^2 -> row_var beta`:
    2 for Gaussian rows, 0 for unit rows (no `e` direction, `m_e = 0`).
    """
    psi = np.asarray(psi, dtype=float)
    lam = np.asarray(lam, dtype=float)
    vmap = _VarianceMap(tab, mp, psi, lam)
    x, rel, iters = solve_fixed_point(vmap, np.zeros((psi.size, 2)) if start is None else start)
    _, jac, w, integ, vh = vmap.step(x)

    # means: basis f = (mu0, mu1 kappa, mu2/2) of L(kappa) = f . (m_s, m_v, m_e)
    basis = np.stack([tab.mu0, tab.mu1 * tab.kappa, 0.5 * tab.mu2])  # (3, K)
    wf = w[:, None, :] * basis  # (B, 3, K)
    gram = np.einsum("bik,jk,k->bij", wf, basis, tab.weight)
    rhs = np.einsum("bik,k->bi", wf, tab.ybar * tab.weight)
    k_v, k_th, k_e = mp.kernels(integ, row_var)
    gram[:, 1, 1] += 1.0 / k_v - vh[:, 0]
    absent = [0] if np.max(np.abs(tab.mu0)) < 1e-12 else []  # no strong mean direction
    if row_var > 0:
        gram[:, 2, 2] += 1.0 / k_e
    else:  # unit rows: no row-norm direction
        absent.append(2)
    for i in absent:  # m_i = 0
        gram[:, i, :] = gram[:, :, i] = 0.0
        gram[:, i, i] = 1.0
        rhs[:, i] = 0.0
    m_s, m_v, m_e = np.moveaxis(np.linalg.solve(gram, rhs[..., None])[..., 0], -1, 0)
    mt_th = _mean(tab, w * tab.mu1 * tab.ytau)
    m_th = k_th * mt_th
    mt_v = m_v / k_v
    mt_e = m_e / k_e if row_var > 0 else np.zeros_like(m_e)

    # second moments: E(k) = e0(k) + mu1^2 q_w + mus2 q_z, linear system with matrix 1 - J_G
    ell = m_s[:, None] * tab.mu0 + m_v[:, None] * tab.mu1 * tab.kappa + m_e[:, None] * tab.mu2 / 2
    e0 = (
        tab.y2
        + noise
        - 2.0 * tab.ybar * ell
        - 2.0 * m_th[:, None] * tab.mu1 * tab.ytau
        + ell**2
        - (tab.mu1 * m_v[:, None]) ** 2
    )
    w2 = w * w
    spec = _spectral_matrix(integ)
    drive = np.stack([_mean(tab, w2 * tab.mu1**2 * e0), _mean(tab, w2 * tab.mus2 * e0)], -1)
    prior = mp.prior(integ, mt_v, mt_th, mt_e, row_var)
    source = prior + psi[:, None] * (spec @ drive[..., None])[..., 0]
    q = np.linalg.solve(np.eye(2) - jac, source[..., None])[..., 0]
    err = e0 + q[:, :1] * tab.mu1**2 + q[:, 1:] * tab.mus2
    test = _mean(tab, err)
    train = _mean(tab, w2 * err)

    q_ok = np.all(q >= 0, -1)
    ok = converged(rel, _spectral_radius(jac), q_ok=q_ok, test=test, train=train, noise=noise)
    return Solution(
        V_w=x[:, 0],
        V_z=x[:, 1],
        m_s=m_s,
        m_v=m_v,
        m_th=m_th,
        m_e=m_e,
        q_w=q[:, 0],
        q_z=q[:, 1],
        test_error=test,
        train_error=train,
        residual=rel,
        iterations=iters,
        converged=ok,
        state=x,
    )
