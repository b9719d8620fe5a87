"""The sRF ridge fixed point with neurons of G types (docs/theory.md section 11).

Type g (fraction `pi_g`) has coefficients `mu_j,g(kappa)` (arrays (G, K) of a `GroupTable`).
Given `kappa` the feature covariance is `D1 W W^T D1 + D*` with `D1 = diag(mu1_g(i))`,
`D* = diag(mus2_g(i))`, so the order parameters become per type: `T` (G x G) and `v_z` (G)
with `V(k) = mu1(k)^T T mu1(k) + mus2(k) . v_z`; means `m_s, m_v, m_th, m_e` (G each);
second moments `q_w` (G x G, `b^T P_g W W^T P_h b`) and `q_z` (G, `||P_g b||^2`).
The variance unknowns are `x = (T_gh for g <= h, v_z)`; `G = 1` is the system of
`fixed_point` (which `curves` keeps using for one type). Batch axis B first, as there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from srfpipe.theory.equivalence import GroupTable
from srfpipe.theory.fixed_point import Solution, TypeMeans
from srfpipe.theory.iterate import converged, solve_fixed_point
from srfpipe.theory.spectrum import block_derivative, block_resolvent

Array = np.ndarray


class _Layout:
    """Index maps between `x = (T_gh, g <= h; v_z)` and `(T (G, G), v_z (G))`."""

    def __init__(self, g: int) -> None:
        self.g = g
        self.iu = np.triu_indices(g)
        self.n = len(self.iu[0]) + g
        # dV = sum_{g<=h} (2 - delta_gh) mu1_g mu1_h dT_gh + mus2 . dv_z
        self.mult = np.concatenate([np.where(self.iu[0] == self.iu[1], 1.0, 2.0), np.ones(g)])
        self.full = np.empty((g, g), dtype=int)  # position of T_gh in x, (G, G)
        self.full[self.iu] = self.full[self.iu[::-1]] = np.arange(len(self.iu[0]))

    def pack(self, t: Array, v: Array) -> Array:
        return np.concatenate([t[..., self.iu[0], self.iu[1]], v], -1)

    def unpack(self, x: Array) -> tuple[Array, Array]:
        return x[..., self.full], x[..., len(self.iu[0]) :]


@dataclass(frozen=True)
class _Problem:
    """One batch: the table, the layout, the features `phi` (n, K) of `V(k)` and the points."""

    tab: GroupTable
    lay: _Layout
    beta: float
    psi: Array
    lam: Array

    @cached_property
    def phi(self) -> Array:
        """`(mu1_g mu1_h for g <= h, mus2_g)` at the nodes, shape (n, K)."""
        iu = self.lay.iu
        return np.concatenate([self.tab.mu1[iu[0]] * self.tab.mu1[iu[1]], self.tab.mus2])


class _State:
    """The variance map at `x` (B, n): `w`, hats `(m, d)`, block resolvent `(q, R)`, `F(x)`."""

    def __init__(self, x: Array, pb: _Problem, q0: Array | None = None) -> None:
        self.w = 1.0 / (1.0 + (x * pb.lay.mult) @ pb.phi)  # (B, K)
        self.m, dz = pb.lay.unpack((self.w * pb.tab.weight) @ pb.phi.T)  # E[w phi]
        self.d = pb.lam[:, None] + dz
        self.q, self.r = block_resolvent(self.m, self.d, pb.tab.pi, pb.beta, q0)
        self.g = pb.psi[:, None] * pb.lay.pack(self.r, pb.tab.pi * self.q)

    def jacobian(self, pb: _Problem) -> Array:
        """`J = dF/dx` (B, n, n): `psi D(-E[w^2 phi (mult phi)^T])`, D the block derivative."""
        weighted = (pb.phi * pb.lay.mult[:, None])[None] * (self.w**2 * pb.tab.weight)[:, None]
        hm = weighted @ pb.phi.T  # [b, j, i] = E[w^2 mult_j phi_j phi_i], (B, n, n)
        return pb.psi[:, None, None] * self.derivative(-hm, pb)

    def derivative(self, dirs: Array, pb: _Problem) -> Array:
        """`D(dm, dd)`: derivative of `(R, pi q)` (packed like `x`) along directions `dirs`
        (B, N, n) of the hats `(m, d)` packed like `x`; shape (B, n, N)."""
        dm, dd = pb.lay.unpack(dirs)
        dy, dr = block_derivative(self.q, self.r, self.m, pi=pb.tab.pi, beta=pb.beta, dm=dm, dd=dd)
        return np.swapaxes(pb.lay.pack(dr, dy), -1, -2)


@dataclass(frozen=True)
class _VarianceMap:
    """`F` of `x` (B, n) for one batch: an `iterate.VarianceMap`."""

    pb: _Problem

    def __call__(self, x: Array, jacobian: bool) -> tuple[Array, Array | None]:
        """At an iterate (`jacobian`), the `q` implied by `v_z = psi pi q` (exact at the fixed
        point) warm-starts the block resolvent; a trial point starts cold (a warm start from
        a poor trial can land on a spurious finite resolvent that makes the trial look good)."""
        pb = self.pb
        vz = x[:, pb.lay.n - pb.lay.g :]
        if not jacobian:
            return _State(x, pb).g, None
        warm = None
        if np.all(pb.psi > 0) and np.all(vz > 0):
            warm = vz / (pb.psi[:, None] * pb.tab.pi)
        st = _State(x, pb, warm)
        return st.g, st.jacobian(pb)

    def newton_usable(self, newton: Array, jac: Array) -> Array:
        """`v_z > 0` (the resolvent needs it) and finite."""
        lay = self.pb.lay
        return np.all(newton[:, lay.n - lay.g :] > 0, -1) & np.all(np.isfinite(newton), -1)


_POWER_STEPS = 30
_EXACT_ABOVE = 0.5


def _spectral_radius(jac: Array) -> Array:
    """Largest `|eigenvalue|` of each (n, n) matrix of `jac` (B, n, n): a power-iteration
    estimate, replaced by the exact value (`eigvals`) wherever it exceeds 0.5."""
    v = np.ones(jac.shape[:-1])
    for _ in range(_POWER_STEPS):
        v = (jac @ v[..., None])[..., 0]
        v /= np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-300)
    rho = np.linalg.norm((jac @ v[..., None])[..., 0], axis=-1)
    near = rho >= _EXACT_ABOVE  # NaN (a lost point) stays NaN
    if np.any(near):
        rho[near] = np.max(np.abs(np.linalg.eigvals(jac[near])), -1)
    return rho


def _strong_basis(mu0: Array, weight: Array) -> Array:
    """`proj` (G, r0) such that `proj.T @ mu0` is an orthonormal (in `E_kappa`) basis of the
    span of the mean functions `mu0_g`: only this span is fitted without penalty (types with
    equal `mu0` share one direction; none if `mu0 = 0`)."""
    u, sv, _ = np.linalg.svd(mu0 * np.sqrt(weight), full_matrices=False)
    keep = sv > max(1e-10 * sv[0], 1e-12)
    return u[:, keep] / sv[keep]


class _Means(NamedTuple):
    """Solution of the mean system (b): `L(k)` (B, K) and per-type overlaps (B, G)."""

    ell: Array
    m_s: Array
    m_v: Array
    m_th: Array
    m_e: Array
    mt_v: Array
    mt_th: Array
    mt_e: Array


def _means(pb: _Problem, st: _State, row_var: float, width: float) -> _Means:
    """The `3G` linear system for `(m_s, m_v, m_e)` and the conjugates (section 11, (b)).

    The mean directions `1_g` cost `m_s,g^2 / (p pi_g q_g)`: nothing as `p -> inf` (then
    only the span of the `mu0_g` counts), but kept at a finite width `p`, where
    `p pi_g q_g` need not be large (Gaussian types).
    """
    tab, beta, g = pb.tab, pb.beta, pb.lay.g
    w, wt = st.w, tab.weight
    finite = bool(np.isfinite(width))
    proj = np.eye(g) if finite else _strong_basis(tab.mu0, wt)
    r0 = proj.shape[1]
    basis = np.concatenate([proj.T @ tab.mu0, tab.mu1 * tab.kappa, 0.5 * tab.mu2])
    basis = basis[: r0 + (2 * g if row_var > 0 else g)]  # unit rows: no e directions
    wf = w[:, None, :] * basis
    gram = np.einsum("bik,jk,k->bij", wf, basis, wt)
    rhs = np.einsum("bik,k->bi", wf, tab.ybar * wt)
    pq = tab.pi * st.q  # (B, G)
    reg = [1.0 / (width * pq)] if finite else []
    reg += [1.0 / (beta * pq)] + ([1.0 / (row_var * beta * pq)] if row_var > 0 else [])
    idx = np.arange(0 if finite else r0, basis.shape[0])
    gram[:, idx, idx] += np.concatenate(reg, -1)
    sol = np.linalg.solve(gram, rhs[..., None])[..., 0]
    m_v = sol[:, r0 : r0 + g]
    m_e = sol[:, r0 + g :] if row_var > 0 else np.zeros_like(m_v)
    ell = sol @ basis
    resid = w * (tab.ybar - ell)
    mt_th = (w * tab.ytau) @ (tab.mu1 * wt).T
    return _Means(
        ell=ell,
        m_s=sol[:, :r0] @ proj.T,  # minimum-norm per-type means if p = inf
        m_v=m_v,
        m_th=beta * np.einsum("bgh,bh->bg", st.r, mt_th),
        m_e=m_e,
        mt_v=resid * tab.kappa @ (tab.mu1 * wt).T + np.einsum("bgh,bh->bg", st.m, m_v),
        mt_th=mt_th,
        mt_e=resid @ (0.5 * tab.mu2 * wt).T,
    )


def solve_groups(
    tab: GroupTable,
    beta: float,
    psi: Array,
    lam: Array,
    *,
    noise: float,
    start: Array | None = None,
    row_var: float = 2.0,
    width: float = np.inf,
) -> Solution:
    """Solve at points `(psi, lam)` (each (B,)); `start` (B, n) warm-starts `x`.

    `row_var` as in `fixed_point.solve`; `width` is `p`: finite, it keeps the O(1/p) cost
    of the mean directions, which decides how many of them a Gaussian readout fits.
    The `Solution` order parameters are sums over types (`V_w = tr(W W^T Q)/n`,
    `q_w = b^T W W^T b`, `q_z = ||b||^2`, `m_v = b.W v`, ...; `m_s` is the sum of the
    minimum-norm per-type means); `per_type` holds the per-type means `m_s, m_v, m_e`
    (B, G) of `L(kappa)` before that sum; `state` is `x`.
    """
    psi = np.asarray(psi, dtype=float)
    pb = _Problem(tab, _Layout(tab.pi.size), beta, psi, np.asarray(lam, dtype=float))
    lay, phi, wt = pb.lay, pb.phi, tab.weight
    x, rel, iters = solve_fixed_point(
        _VarianceMap(pb), np.zeros((psi.size, lay.n)) if start is None else start
    )
    st = _State(x, pb)
    jac = st.jacobian(pb)
    mn = _means(pb, st, row_var, width)

    # second moments (c): E(k) = e0(k) + phi(k) . (mult q) and (1 - J) q = -D(src)
    m1v, m1th = mn.m_v @ tab.mu1, mn.m_th @ tab.mu1
    e0 = tab.y2 + noise - 2.0 * tab.ybar * mn.ell - 2.0 * m1th * tab.ytau + mn.ell**2 - m1v**2
    drive = (st.w**2 * e0 * wt) @ phi.T  # E[w^2 e0 phi], (B, n)
    outer = np.einsum("bg,bh->bgh", mn.mt_v, mn.mt_v) + np.einsum("bg,bh->bgh", mn.mt_th, mn.mt_th)
    diag = row_var * beta * mn.mt_e**2
    if np.isfinite(width):  # the norm of b along the mean directions
        diag = diag + mn.m_s**2 / (width * (tab.pi * st.q) ** 2)
    src = lay.pack(beta * outer, diag) + psi[:, None] * drive
    q = np.linalg.solve(np.eye(lay.n) - jac, -st.derivative(src[:, None], pb))[..., 0]
    q_w, q_z = lay.unpack(q)
    err = e0 + (q * lay.mult) @ phi
    test, train = err @ wt, (st.w**2 * err) @ wt
    q_ok = np.all(q_z >= 0, -1)
    ok = converged(rel, _spectral_radius(jac), q_ok=q_ok, test=test, train=train, noise=noise)
    k = lay.n - lay.g
    return Solution(
        V_w=x[:, :k] @ lay.mult[:k],
        V_z=x[:, k:].sum(-1),
        m_s=mn.m_s.sum(-1),
        m_v=mn.m_v.sum(-1),
        m_th=mn.m_th.sum(-1),
        m_e=mn.m_e.sum(-1),
        q_w=q_w.sum((-1, -2)),
        q_z=q_z.sum(-1),
        test_error=test,
        train_error=train,
        residual=rel,
        iterations=iters,
        converged=ok,
        state=x,
        per_type=TypeMeans(mn.m_s, mn.m_v, mn.m_e),
    )
