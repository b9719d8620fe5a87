"""The sRF ridge fixed point with neurons of G types (docs/theory.md section 11).

Type g (fraction `pi_g`) has coefficients `mu_j,g(kappa)` (arrays (G, K) of a `GroupTable`).
Given `kappa` the feature covariance is `D1 W W^T D1 + D*` with `D1 = diag(mu1_g(i))`,
`D* = diag(mus2_g(i))`, so the order parameters become per type: `T` (G x G) and `v_z` (G)
with `V(k) = mu1(k)^T T mu1(k) + mus2(k) . v_z`; means `m_s, m_v, m_th, m_e` (G each);
second moments `q_w` (G x G, `b^T P_g W W^T P_h b`) and `q_z` (G, `||P_g b||^2`).
The variance unknowns are `x = (T_gh for g <= h, v_z)`; `G = 1` is the system of
`fixed_point` (which `curves` keeps using for one type). Batch axis B first, as there.

`NodeBulk` replaces the isotropic bulk (`W` iid) by rows of type g with covariance
`f_g(X)/d` for one symmetric matrix `X` (docs/theory.md section 14, non-odd sigma): the
block resolvent becomes an average over the nodes of `X`'s spectral measure, and the
directions `W v`, `W theta_perp` get their own measures on the same nodes.
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


@dataclass(frozen=True)
class NodeBulk:
    """A structured bulk for G types (docs/theory.md section 14): the normalised rows of type
    g are `N(0, f_g(X)/d)` for one symmetric `X`, discretised on its spectral measure.

    `f` (G, N) > 0: the factor of type g at node k; `rho` (N,): the trace measure (weights
    summing to 1); `dirs` (2, N): the measures of the unit directions `v` and `theta_perp`
    (`u^T F(X) u = sum_k dirs[., k] F(x_k)`). One node with `f = 1` is the isotropic bulk.
    `spikes` (2, G): an extra variance `spikes[u, g] u u^T/d` of type g's rows along each
    direction (a rank-one change of the covariance: it moves that direction's forms only).
    With `P_k = diag(pi_g q_g f_gk)` and `R_k = (P_k^-1 + beta m)^-1`, the block resolvent
    is `q_g = 1/(d_g + sum_k rho_k f_gk (m - beta m R_k m)_gg)`, `R = sum_k rho_k R_k`, and
    the quadratic forms of `P_g W u` are `beta sum_k dirs_k R_k`.
    """

    f: Array
    rho: Array
    dirs: Array
    spikes: Array | None = None

    def resolvent(
        self, m: Array, d: Array, pi: Array, beta: float, q: Array | None = None
    ) -> tuple[Array, Array, Array]:
        """`(q, R, R_k)` for `m` (B, G, G), `d` (B, G) > 0 (`q` (B, G) warm-starts): the
        increasing map `q <- 1/(d + Theta(q))` from below, with Newton's step where it lowers
        the residual (as `spectrum.block_resolvent`). `R_k` is (B, N, G, G)."""
        f, rho = self.f.T, self.rho  # (N, G)
        if q is None:
            q = 1.0 / (d + (f * rho[:, None]).sum(0) * np.diagonal(m, axis1=-2, axis2=-1))
        q = np.array(q, float)
        eye = np.eye(q.shape[-1])
        for _ in range(_BLOCK_MAX_ITER):
            val, jac = self._map(q, m, d, pi, beta)
            res = np.max(np.abs(q - val) / val, -1)
            if np.all(res < _BLOCK_TOL):
                break
            newton = q - np.linalg.solve(eye - jac, (q - val)[..., None])[..., 0]
            ok = np.all(newton > 0, -1)
            trial = np.where(ok[..., None], newton, val)
            val_t = self._map(trial, m, d, pi, beta)[0]
            better = np.max(np.abs(trial - val_t) / val_t, -1) < res
            q = np.where((ok & better)[..., None], trial, val)
        rk = self._nodes(q, m, pi, beta)
        return q, np.einsum("k,bkgh->bgh", rho, rk), rk

    def _nodes(self, q: Array, m: Array, pi: Array, beta: float) -> Array:
        """`R_k = s (I + beta s m s)^-1 s`, `s = sqrt(pi q f_k)`, (B, N, G, G)."""
        s = np.sqrt(pi * q[:, None, :] * self.f.T[None])  # (B, N, G)
        b = np.eye(q.shape[-1]) + beta * s[..., :, None] * m[:, None] * s[..., None, :]
        return s[..., :, None] * np.linalg.inv(b) * s[..., None, :]

    def _theta(self, rk: Array, m: Array, beta: float) -> Array:
        """`Theta_k = m - beta m R_k m` (B, N, G, G)."""
        return m[:, None] - beta * m[:, None] @ rk @ m[:, None]

    def _map(self, q: Array, m: Array, d: Array, pi: Array, beta: float) -> tuple[Array, Array]:
        """`F(q) = 1/(d + Theta(q))` and `dF_g/dq_f = F_g^2 beta C_gf`,
        `C_gf = pi_f sum_k rho_k f_gk f_fk Theta_k,gf^2` (B, G, G)."""
        th = self._theta(self._nodes(q, m, pi, beta), m, beta)
        f = self.f.T[None]  # (1, N, G)
        diag = np.einsum("k,bkg->bg", self.rho, f * np.diagonal(th, axis1=-2, axis2=-1))
        val = 1.0 / (d + diag)
        c = np.einsum("k,bkg,bkf,bkgf->bgf", self.rho, f, f, th**2) * pi
        return val, val[..., :, None] ** 2 * beta * c

    def derivative(
        self, q: Array, m: Array, *, pi: Array, beta: float, dm: Array, dd: Array
    ) -> tuple[Array, Array, Array]:
        """Derivatives along N directions `(dm (B, n, G, G), dd (B, n, G))` of
        `y = pi q` (B, n, G), of `R` and of the direction forms `sum_k dirs_k R_k`
        ((B, n, G, G) and (B, n, 2, G, G)): `a = -(I - beta pi q^2 C)^-1 (dd + sum_k rho_k
        f_k diag(N_k^T dm N_k))`, `N_k = I - beta R_k m`, `dq = q^2 a`,
        `dR_k = R_k diag(a/(pi f_k)) R_k - beta R_k dm R_k`."""
        g = q.shape[-1]
        rk = self._nodes(q, m, pi, beta)
        th = self._theta(rk, m, beta)
        f = self.f.T[None]
        c = np.einsum("k,bkg,bkf,bkgf->bgf", self.rho, f, f, th**2) * pi * q[:, None, :] ** 2
        nk = np.eye(g) - beta * rk @ m[:, None]  # (B, N, G, G)
        ndn = np.einsum("bkig,bnij,bkjg->bnkg", nk, dm, nk)  # diag(N^T dm N), (B, n, N, G)
        src = dd + np.einsum("k,bnkg->bng", self.rho, f[:, None] * ndn)
        lhs = np.eye(g) - beta * c
        a = -np.swapaxes(np.linalg.solve(lhs, np.swapaxes(src, -1, -2)), -1, -2)  # (B, n, G)
        scaled = a[:, :, None, :] / (pi * f[:, None])  # (B, n, N, G)
        drk = np.einsum("bkgi,bnki,bkih->bnkgh", rk, scaled, rk)
        drk = drk - beta * np.einsum("bkgi,bnij,bkjh->bnkgh", rk, dm, rk)
        dr = np.einsum("k,bnkgh->bngh", self.rho, drk)
        ddirs = np.einsum("xk,bnkgh->bnxgh", self.dirs, drk)
        if self.spikes is not None:
            dw = -beta * np.einsum("xk,bnkgh->bnxgh", self.dirs, drk @ m[:, None, None])
            dw = dw - beta * np.einsum("xk,bkgi,bnih->bnxgh", self.dirs, rk, dm)
            w = np.einsum("xk,bkgh->bxgh", self.dirs, nk)
            p = pi * q[:, None, :] * self.spikes  # (B, 2, G)
            dp = (pi * q**2)[:, None, None, :] * a[:, :, None, :] * self.spikes  # (B, n, 2, G)
            h = np.eye(g) + beta * m[:, None] @ (p[..., :, None] * np.swapaxes(w, -1, -2))
            hinv = np.linalg.inv(h)[:, None]  # (B, 1, 2, G, G)
            pwt = (p[..., :, None] * np.swapaxes(w, -1, -2))[:, None]  # diag(p) W^T
            wp, wt, dwt = (
                (w * p[..., None, :])[:, None],
                np.swapaxes(w, -1, -2)[:, None],
                np.swapaxes(dw, -1, -2),
            )
            num = dw @ pwt + (w[:, None] * dp[..., None, :]) @ wt + wp @ dwt
            mm = m[:, None, None]
            dh = dm[:, :, None] @ pwt + mm @ (dp[..., :, None] * wt)
            dh = beta * (dh + mm @ (p[:, None, ..., :, None] * dwt))
            ddirs = ddirs + num @ hinv - wp @ wt @ hinv @ dh @ hinv
        return pi * q[:, None] ** 2 * a, dr, ddirs

    def forms(self, rk: Array, q: Array, m: Array, pi: Array, beta: float) -> Array:
        """The quadratic forms of `P_g W u` over beta (B, 2, G, G): `sum_k dirs_k R_k`, plus
        with `spikes` the rank-one update `W P W^T (I + beta m P W^T)^-1`,
        `W = sum_k dirs_k N_k`, `N_k = I - beta R_k m`, `P = diag(pi q spikes[u])`."""
        out = np.einsum("xk,bkgh->bxgh", self.dirs, rk)
        if self.spikes is None:
            return out
        w = np.einsum("xk,bkgh->bxgh", self.dirs, np.eye(q.shape[-1]) - beta * rk @ m[:, None])
        p = pi * q[:, None, :] * self.spikes  # (B, 2, G)
        wt = np.swapaxes(w, -1, -2)
        h = np.eye(q.shape[-1]) + beta * m[:, None] @ (p[..., :, None] * wt)
        return out + (w * p[..., None, :]) @ wt @ np.linalg.inv(h)


_BLOCK_TOL = 1e-14
_BLOCK_MAX_ITER = 500


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
    bulk: NodeBulk | None = None

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
        if pb.bulk is None:
            self.q, self.r = block_resolvent(self.m, self.d, pb.tab.pi, pb.beta, q0)
            self.rk = None
        else:
            self.q, self.r, self.rk = pb.bulk.resolvent(self.m, self.d, pb.tab.pi, pb.beta, q0)
        self.g = pb.psi[:, None] * pb.lay.pack(self.r, pb.tab.pi * self.q)

    def forms(self, pb: _Problem) -> Array:
        """The quadratic forms of `P_g W v`, `P_g W theta_perp` over beta (B, 2, G, G): `R`
        for the isotropic bulk, the direction measures' averages of `R_k` for a `NodeBulk`."""
        if pb.bulk is None:
            return np.stack([self.r, self.r], 1)
        return pb.bulk.forms(self.rk, self.q, self.m, pb.tab.pi, pb.beta)

    def jacobian(self, pb: _Problem) -> Array:
        """`J = dF/dx` (B, n, n): `psi D(-E[w^2 phi (mult phi)^T])`, D the block derivative."""
        weighted = (pb.phi * pb.lay.mult[:, None])[None] * (self.w**2 * pb.tab.weight)[:, None]
        hm = weighted @ pb.phi.T  # [b, j, i] = E[w^2 mult_j phi_j phi_i], (B, n, n)
        return pb.psi[:, None, None] * self.derivative(-hm, pb)

    def derivative(self, dirs: Array, pb: _Problem) -> Array:
        """`D(dm, dd)`: derivative of `(R, pi q)` (packed like `x`) along directions `dirs`
        (B, N, n) of the hats `(m, d)` packed like `x`; shape (B, n, N)."""
        dm, dd = pb.lay.unpack(dirs)
        if pb.bulk is None:
            dy, dr = block_derivative(
                self.q, self.r, self.m, pi=pb.tab.pi, beta=pb.beta, dm=dm, dd=dd
            )
        else:
            dy, dr, _ = pb.bulk.derivative(self.q, self.m, pi=pb.tab.pi, beta=pb.beta, dm=dm, dd=dd)
        return np.swapaxes(pb.lay.pack(dr, dy), -1, -2)

    def signal(self, pb: _Problem, mt: Array) -> Array:
        """`-beta d(sum_X mt_X^T Rf_X mt_X)` packed like `x` (B, n): the signal part of the
        second moments `(q_w, q_z)` for sources `mt` (B, 2, G) along `W v`, `W theta_perp`
        (`Rf_X` the forms over beta; the derivative in `m_gh` is per entry)."""
        lay = pb.lay
        unit = np.broadcast_to(np.eye(lay.n), (mt.shape[0], lay.n, lay.n))
        dm, dd = lay.unpack(unit)
        assert pb.bulk is not None
        _, _, dforms = pb.bulk.derivative(self.q, self.m, pi=pb.tab.pi, beta=pb.beta, dm=dm, dd=dd)
        grad = np.einsum("bxg,bnxgh,bxh->bn", mt, dforms, mt)
        return -pb.beta * grad / lay.mult


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
    forms = st.forms(pb)  # (B, 2, G, G)
    # m_v = beta Rf_v mt_v with mt_v = E[w k mu1 (ybar - L)] + M m_v: (beta Rf_v)^-1 - M,
    # which is diag(1/(beta pi q)) for the isotropic bulk
    v_block = 1.0 / (beta * pq) if pb.bulk is None else np.zeros_like(pq)
    reg = [1.0 / (width * pq)] if finite else []
    reg += [v_block] + ([1.0 / (row_var * beta * pq)] if row_var > 0 else [])
    idx = np.arange(0 if finite else r0, basis.shape[0])
    gram[:, idx, idx] += np.concatenate(reg, -1)
    if pb.bulk is not None:
        gram[:, r0 : r0 + g, r0 : r0 + g] += np.linalg.inv(beta * forms[:, 0]) - st.m
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
        m_th=beta * np.einsum("bgh,bh->bg", forms[:, 1], mt_th),
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
    bulk: NodeBulk | None = None,
) -> Solution:
    """Solve at points `(psi, lam)` (each (B,)); `start` (B, n) warm-starts `x`.

    `row_var` as in `fixed_point.solve`; `width` is `p`: finite, it keeps the O(1/p) cost
    of the mean directions, which decides how many of them a Gaussian readout fits;
    `bulk` a structured bulk (`NodeBulk`; None: `W` iid, section 11).
    The `Solution` order parameters are sums over types (`V_w = tr(W W^T Q)/n`,
    `q_w = b^T W W^T b`, `q_z = ||b||^2`, `m_v = b.W v`, ...; `m_s` is the sum of the
    minimum-norm per-type means); `per_type` holds the per-type means `m_s, m_v, m_e`
    (B, G) of `L(kappa)` before that sum; `state` is `x`.
    """
    psi = np.asarray(psi, dtype=float)
    pb = _Problem(tab, _Layout(tab.pi.size), beta, psi, np.asarray(lam, dtype=float), bulk)
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
    diag = row_var * beta * mn.mt_e**2
    if np.isfinite(width):  # the norm of b along the mean directions
        diag = diag + mn.m_s**2 / (width * (tab.pi * st.q) ** 2)
    if bulk is None:
        outer = np.einsum("bg,bh->bgh", mn.mt_v, mn.mt_v)
        outer = outer + np.einsum("bg,bh->bgh", mn.mt_th, mn.mt_th)
        src = lay.pack(beta * outer, diag) + psi[:, None] * drive
        rhs = -st.derivative(src[:, None], pb)[..., 0]
    else:  # the direction forms are not the trace's R: their own derivatives
        src = lay.pack(np.zeros_like(st.m), diag) + psi[:, None] * drive
        rhs = -st.derivative(src[:, None], pb)[..., 0]
        rhs = rhs + st.signal(pb, np.stack([mn.mt_v, mn.mt_th], 1))
    q = np.linalg.solve(np.eye(lay.n) - jac, rhs[..., None])[..., 0]
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
