"""Structured-bulk theory of the one-step network (docs/theory.md section 14).

The step `W1 = W0 + eta mu1 a beta_vec^T + eta B` (`init_output: zero`, odd `sigma`) has, given
the step batch `(X0, y)`, a bulk `M = W0 + eta B` whose rows are iid `N(0, Sigma)` with
`Sigma = (I + t K)/d`, `K = X0^T D_y^2 X0/n0`, `t = eta^2 s^2/alpha0`,
`s^2 = E sigma'^2 - mu1^2` (hypothesis H1). The conditional theory's ingredients of such a
layer (trace measure of `B B^T`, measures of `B v`, `B theta_perp`, row norms; section 13)
then have deterministic equivalents, computed here from the problem's parameters alone:

* `m(z) = (1/p) tr (B B^T - z)^-1` (`B = M/c`, `c^2 = tr Sigma = c_W^2`) solves
  `m = 1/(-z + tr(S (I + p m S)^-1))`, `S = Sigma/c^2`: a resolvent of `K` at
  `zeta = -(1 + A)/(A t)`, `A = beta m/c^2`;
* `K` is a `y^2`-weighted Wishart: `r = (1/d) tr (K - zeta)^-1` solves
  `r = 1/(-zeta + E[w/(1 + w e)])`, `w = y^2`, `e = r/alpha0`; quadratic forms of vectors
  `u_f = X_perp^T f/n0` built from the same batch are `u_f^T R u_g = E[f g e/(1 + w e)]`, and
  `theta` (along which `w` depends) enters by a Schur complement;
* `v = beta_vec/||beta_vec||` and `theta_perp` are combinations of `theta` and `u_y`, and
  `x^T (B B^T - z)^-1 x = 1 - (A t)^-1 v^T (K - zeta)^-1 v` for `x = B v`;
* neuron `i`'s own `mu1_i = E sigma'(||w0_i|| z)` (Gaussian rows) adds
  `eta a_i (mu1_i - mu1) ||beta_vec||` to `B v`, of squared norm
  `beta eta^2 ||beta_vec||^2 E[(z^2 - 1) sigma'(z)]^2/2` (hypothesis H2), spread like the
  trace measure.

A non-odd `sigma` adds the linear Hermite part of `sigma'`, `eta mu2 diag(a) W0 Kt`: rows
per readout sign `a` with their own covariance (`SignRows`, verified on trained layers).
With `K` replaced by its average over `Kt`'s eigenvectors plus its excess along `v` and
`theta_perp`, both signs are functions of `Kt` (`sign_bulk`), and the two-type fixed point
runs on `Kt`'s spectral nodes (`groups.NodeBulk`; Rademacher readout).

All are explicit in `e`, so for real `z < 0` (the points the fixed point needs) a monotone 1-D
solve gives `e(z)`, and complex-step differentiation in `e` gives the `z`-derivatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
import xarray as xr
from scipy.interpolate import CubicSpline

from srfpipe.functions import gaussian_quadrature
from srfpipe.problem import Problem
from srfpipe.theory.coverage import theory_gap
from srfpipe.theory.curves import (
    ROW_NORM_VARIANCE,
    Equations,
    equations,
    learning_curve,
    positive_grid,
    solve_grid,
)
from srfpipe.theory.equivalence import (
    KAPPA_NODES,
    NeuronTypes,
    group_table,
    kappa_quadrature,
    kappa_table,
)
from srfpipe.theory.fixed_point import solve
from srfpipe.theory.groups import NodeBulk, solve_groups
from srfpipe.theory.network_map import NetworkMap, network_map
from srfpipe.theory.spectrum import EmpiricalSpectrum, marchenko_pastur

Array = np.ndarray

KAPPA_Y_NODES, XI_NODES = 61, 7
"""Nodes for the expectations over `y = g(kappa) + sqrt(Delta) xi`: Gauss-Hermite in `xi`,
`equivalence.kappa_quadrature` in `kappa` (Gauss-Hermite; graded panels for sign and relu
targets). The node measure's own `c1` and `E y^2` are used throughout, so that `v` is a unit
vector (61 nodes miss `E tanh(2 kappa)^2` by 1e-4, which would otherwise show as a spurious
weight ~1e-4 |z| of `B v` at large `|z|`)."""
BULK_TERMS = ("projections", "self", "neuron_mu1", "rows")
BULKS = ("isotropic", "structured")
"""The one-step network's bulk: `isotropic` (`c_W W0`, the paper's Result 3.3) or
`structured` (this module)."""
"""Structured terms beyond the bulk's trace measure (always structured): the measures of
`B v` and `B theta_perp` (`projections`; without it `beta om rho`, the isotropic form over
the structured trace measure), the batch's self-interaction along `v` (`self`: `u_y` treated
as a direction independent of `K` without it), the per-neuron `mu1_i` along `v`
(`neuron_mu1`) and the row-norm variance (`rows`; `curves.ROW_NORM_VARIANCE` without it)."""
_STEP = 1e-20  # complex step (relative) for derivatives in e
_BISECT = 200
_NEWTON = 30
_TAYLOR = 1e-7  # accept the spline's e when z(e) is this close (relative)


@dataclass(frozen=True)
class BulkLaw:
    """The deterministic law of the normalised bulk `B` (p x d, `p = beta d`) of one step.

    `kappa, w, f_y, pw` (N,): `kappa`, `w = y^2`, `y` and the weights on the `(kappa, xi)`
    nodes; `t = eta^2 s^2/alpha0` (> 0); `c2 = c_W^2`; `c1 = E[y kappa]` (!= 0);
    `bn2 = ||beta_vec||^2`; `mu1_sq = ||h2||^2/c^2` (the per-neuron `mu1_i` term along `v`);
    `terms` the structured terms kept (the others take their isotropic forms).
    """

    beta: float
    alpha0: float
    t: float
    c2: float
    c1: float
    bn2: float
    kappa: Array
    w: Array
    f_y: Array
    pw: Array
    mu1_sq: float
    terms: tuple[str, ...] = BULK_TERMS

    def _mean(self, f: Array) -> Array:
        return f @ self.pw

    def zeta(self, e: Array) -> Array:
        """`zeta(e) = E[w/(1 + w e)] - 1/(alpha0 e)`: where `r = alpha0 e` (shape of `e`)."""
        e = np.asarray(e)
        return self._mean(self.w / (1.0 + self.w * e[..., None])) - 1.0 / (self.alpha0 * e)

    def at(self, e: Array) -> dict[str, Array]:
        """`z`, `m(z)` and the projection transforms `s_v(z)`, `s_th(z)` at `e` (shape of
        `e`, complex allowed): `s_X(z) = x_X^T (B B^T - z)^-1 x_X`."""
        e = np.asarray(e)
        zeta = self.zeta(e)
        big_a = -1.0 / (1.0 + self.t * zeta)  # A = beta m / c^2
        m = big_a * self.c2 / self.beta
        z = (1.0 - self.alpha0 * e / (big_a * self.t) - self.beta) / (big_a * self.c2)
        eq = e[..., None] / (1.0 + self.w * e[..., None])  # e/(1 + w e) on the nodes

        def q(f: Array, g: Array) -> Array:  # u_f^T R_perp u_g
            return self._mean(f * g * eq)

        f_k = self.w * self.kappa
        # theta^T (K - zeta)^-1 theta = 1/schur (the theta row of K by a Schur complement)
        schur = self._mean(f_k * self.kappa) - zeta - q(f_k, f_k)
        if "self" in self.terms:
            g_ty = -q(f_k, self.f_y) / schur
            g_yy = q(self.f_y, self.f_y) + q(f_k, self.f_y) ** 2 / schur
        else:  # u_y as a direction independent of K: ||u_y||^2 r(zeta)
            g_ty = 0.0 * schur
            g_yy = self._mean(self.w) * e
        g_tt = 1.0 / schur
        c1, bn2 = self.c1, self.bn2
        norm = np.sqrt(1.0 - c1**2 / bn2)
        a_t, a_y = norm, -(c1 / bn2) / norm  # theta_perp = a_t theta + a_y u_y
        # x_XY = X^T (I + p m S)^-1 Y = X^T (K - zeta)^-1 Y/(A t), X, Y in (v, theta_perp)
        x_vv = (c1**2 * g_tt + 2.0 * c1 * g_ty + g_yy) / bn2 / (big_a * self.t)
        x_tt = (a_t**2 * g_tt + 2.0 * a_t * a_y * g_ty + a_y**2 * g_yy) / (big_a * self.t)
        x_vt = c1 * a_t * g_tt + (c1 * a_y + a_t) * g_ty + a_y * g_yy
        x_vt = x_vt / np.sqrt(bn2) / (big_a * self.t)
        if "neuron_mu1" in self.terms:  # rows N(0, S + (mu1_sq/p) v v^T): Sherman-Morrison
            k = m * self.mu1_sq
            x_tt = x_tt - k * x_vt**2 / (1.0 + k * x_vv)
            x_vv = x_vv / (1.0 + k * x_vv)
        s_v, s_th = 1.0 - x_vv, 1.0 - x_tt
        if "projections" not in self.terms:  # int beta om/(om - z) d rho
            s_v = s_th = self.beta * (1.0 + z * m)
        return {"z": z, "m": m, "s_v": s_v, "s_th": s_th}

    def derivatives(self, e: Array) -> tuple[dict[str, Array], dict[str, Array]]:
        """Values at real `e` and their derivatives in `z` (complex step in `e`)."""
        e = np.asarray(e, float)
        return _split_step(self.at(e + 1j * _STEP * e), _STEP * e)

    def transforms(self, z: Array) -> tuple[dict[str, Array], dict[str, Array]]:
        """Values of `at` and their `z`-derivatives at real `z < 0`. One complex-step
        evaluation at the spline's `e` (`z(e)` within ~1e-10 of `z`), corrected to first
        order in the miss (values exact to ~1e-18, derivatives to ~1e-10); Newton otherwise."""
        z = np.asarray(z, float)
        e = np.exp(self._grid(np.log(-z)))
        val, der = _split_step(self.at(e + 1j * _STEP * e), _STEP * e)
        miss = z - val["z"]
        if np.all(np.abs(miss) <= _TAYLOR * np.abs(z)):
            return {k: v + der[k] * miss for k, v in val.items()}, der
        e, val = self._newton(z)
        return _split_step(val, _STEP * e) if val is not None else self.derivatives(e)

    def e_of_z(self, z: Array) -> Array:
        """The `e > 0` with `z(e) = z` for real `z < 0`."""
        return self._newton(np.asarray(z, float))[0]

    def _newton(self, z: Array) -> tuple[Array, dict[str, Array] | None]:
        """`z(e)` increases from `-inf` (`e -> 0`) and reaches 0 before `e_edge`: Newton's
        method in `log e` from the spline `_grid` (with the complex-step evaluation at the
        root, reused for the derivatives), bisection where it fails."""
        x = self._grid(np.log(-z))  # log e
        for _ in range(_NEWTON):
            e = np.exp(x)
            val = self.at(e + 1j * _STEP * e)
            miss = val["z"].real - z
            if np.all(np.abs(miss) <= 1e-13 * np.abs(z)):
                return e, val
            x = x - miss / (val["z"].imag / _STEP)
        e = np.exp(x)
        bad = ~(np.abs(self.at(e)["z"] - z) <= 1e-11 * np.abs(z))
        if np.any(bad):
            e[bad] = self._bisect(z[bad])
        return e, None

    def _bisect(self, z: Array) -> Array:
        lo, hi = np.full(z.shape, 1e-300), np.full(z.shape, self._e_edge())
        for _ in range(_BISECT):
            mid = 0.5 * (lo + hi)
            up = self.at(mid)["z"] < z
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        return 0.5 * (lo + hi)

    @cached_property
    def _grid(self) -> CubicSpline:
        """`log e` as a function of `log(-z)` on the branch `z < 0` (a spline)."""
        edge = self._e_edge()  # z -> 0 as e -> edge: grade the table towards it too
        e = np.union1d(np.geomspace(1e-12, edge, 1500), edge * (1 - np.geomspace(1e-12, 0.5, 1500)))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self.at(e)["z"]
        keep = (z < 0) & np.concatenate([[True], np.diff(z) > 0])  # the monotone branch
        return CubicSpline(np.log(-z[keep])[::-1], np.log(e[keep])[::-1], extrapolate=True)

    def _e_edge(self) -> float:
        """The `e` where `1 + t zeta(e) = 0` (`A -> inf`), by bisection in `log e`."""
        lo, hi = 1e-12, 1e12
        for _ in range(200):
            mid = np.sqrt(lo * hi)
            if 1.0 + self.t * self.zeta(mid) < 0:
                lo = mid
            else:
                hi = mid
        return lo


@dataclass(frozen=True)
class StructuredSpectrum(EmpiricalSpectrum):
    """The fixed point's spectral object (`spectrum.EmpiricalSpectrum`'s `kernels`, `prior`)
    with integrals from the resolvent transforms of `law` at `z = -c0/c1` instead of nodes
    (`om`, `nu`, `signal_*` are empty). `row_var` sets the row-norm measure
    `row_var beta rho` (over the structured trace measure)."""

    law: BulkLaw | None = None
    row_var: float = 0.0

    def integrals(self, c0: Array, c1: Array) -> dict:
        """`I(a, j)` of the trace measure and `("signal", a, j)` (shape `c0.shape + (3,)`)."""
        assert self.law is not None
        c0, c1 = np.broadcast_arrays(np.asarray(c0, float), np.asarray(c1, float))
        z = -c0 / c1
        val, der = self.law.transforms(z)
        m, dm = val["m"], der["m"]
        out: dict = {
            (1, 1): (1.0 + z * m) / c1,
            (1, 2): (m + z * dm) / c1**2,
            (2, 2): (1.0 + 2.0 * z * m + z * z * dm) / c1**2,
            (0, 1): m / c1,
            (0, 2): dm / c1**2,
        }
        rv = self.row_var * self.beta
        s = np.stack([val["s_v"], val["s_th"], rv * m], -1)
        ds = np.stack([der["s_v"], der["s_th"], rv * dm], -1)
        zc, cc = z[..., None], c1[..., None]
        out["signal", 0, 1] = s / cc
        out["signal", 1, 2] = (s + zc * ds) / cc**2
        out["signal", 0, 2] = ds / cc**2
        return out


def structured_gap(problem: Problem) -> str | None:
    """Why the structured-bulk theory does not cover `problem`, or None."""
    gap = theory_gap(problem)
    if gap is not None:
        return gap
    if problem.alpha0 is None:
        return "alpha0: the structured bulk needs the step batch ratio alpha0"
    if not problem.sigma.odd and problem.readout_init != "rademacher":
        return (
            f"readout_init={problem.readout_init!r}: for a non-odd sigma "
            f"(activation={problem.activation!r}) the structured bulk is derived and checked "
            "for the rademacher readout only (two readout signs, structured.sign_bulk)"
        )
    if problem.readout_init == "gaussian":
        return (
            "readout_init='gaussian': per-neuron bulk scales are not derived for the "
            "structured bulk"
        )
    if not (problem.sigma.odd or problem.sigma.homogeneous):
        return (
            f"activation={problem.activation!r}: for a non-odd sigma the structured bulk is "
            "derived for a homogeneous one (relu: every neuron's mean slope mu1_i is mu1)"
        )
    if not problem.sigma.odd and problem.w0_rows != "gaussian":
        return (
            f"w0_rows={problem.w0_rows!r}: for a non-odd sigma the structured bulk's row norms "
            "are derived for Gaussian W0 rows only"
        )
    if problem.steps != 1:
        return f"steps={problem.steps}: the structured bulk is that of one step"
    return None


@dataclass(frozen=True)
class SignRows:
    """The per-readout-sign row law of the step's bulk for any `sigma` (docs/theory.md
    section 14, verified on trained layers; the two-type fixed point on it is not derived).

    `sigma'(h) - mu1 = mu2 h + R(h)`, `mu2 = E[z sigma'(z)] = E sigma''`, `R` uncorrelated
    with `h`: the bulk row of a neuron with readout `a` is, given the step batch,
    `N(0, Sigma_a)`, `Sigma_a = [(I + eta a mu2 Kt)^2 + t K]/d`, `Kt = X0^T D_y X0/n0`,
    `K = X0^T D_y^2 X0/n0`, `t = eta^2 (s^2 - mu2^2)/alpha0` (`s^2 = E sigma'^2 - mu1^2`).
    `scale2` (2,) is `tr Sigma_a` for `a = +1, -1`:
    `c_W^2 + 2 a eta mu2 E y + (eta mu2 E y)^2` (odd `sigma`: `mu2 = 0`, `Sigma = (I + t K)/d`).
    """

    eta: float
    mu2: float
    t: float
    scale2: Array

    def covariance(self, x0: Array, y0: Array, sign: float) -> Array:
        """`d Sigma_a` (d, d) for the batch `x0` (n0, d), `y0` (n0,) and readout sign `a`."""
        n0, d = x0.shape
        plus = np.eye(d) + (self.eta * sign * self.mu2 / n0) * (x0.T @ (y0[:, None] * x0))
        return plus @ plus + (self.t / n0) * (x0.T @ (y0[:, None] ** 2 * x0))


def sign_rows(problem: Problem, eta: float) -> SignRows:
    """The `SignRows` law of one step of size `eta >= 0` on `problem` (needs `alpha0`)."""
    if problem.alpha0 is None:
        raise ValueError("alpha0: the step's row law needs the step batch ratio alpha0")
    if not (np.isfinite(eta) and eta >= 0):
        raise ValueError(f"eta: must be a finite number >= 0, got {eta}")
    sigma = problem.sigma
    if sigma.homogeneous:  # sigma' jumps at 0 only: E[z sigma'(z)] = jump * phi(0)
        mu2 = float(np.diff(sigma.deriv(np.array([-1.0, 1.0])))[0] / np.sqrt(2.0 * np.pi))
    else:
        z, zw = gaussian_quadrature()
        mu2 = float((z * sigma.deriv(z)) @ zw)
    ey = float(problem.target.gaussian_moments(0.0, 1.0)[0])
    t = float(eta**2 * max(sigma.deriv_variance - mu2**2, 0.0) / problem.alpha0)
    shift = eta * mu2 * ey * np.array([1.0, -1.0])
    scale2 = network_map(problem, eta).bulk_scale ** 2 + 2.0 * shift + shift**2
    return SignRows(float(eta), mu2, t, scale2)


def missing_terms(problem: Problem) -> list[str]:
    """Terms of the step's bulk known to exist for `problem` but not derived (docs section
    14): a non-odd target couples the second Hermite parts of `sigma'` and `y` (a term along
    `diag(a) W0 theta theta^T`, order `eta E[(z^2 - 1) sigma'] E[y He2(kappa)]`, not
    verified); cross terms between `B v`, `B theta_perp` and the row-norm direction are never
    included; for a non-odd sigma, the part of `K` that is not a function of `Kt` beyond its
    excess along `v` and `theta_perp` (`k_not_of_kt`, `sign_bulk`)."""
    missing = ["cross_terms"]
    if not problem.target.odd:
        missing.append("target_he2_coupling")
    if not problem.sigma.odd:
        missing.append("k_not_of_kt")
    return missing


def label_quadrature(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes `kappa`, labels `y = g(kappa) + sqrt(Delta) xi` and weights (Q,) of the joint
    law of `(kappa, y)` (`KAPPA_Y_NODES` x `XI_NODES` points; one xi node without noise)."""
    kz, kw = kappa_quadrature(problem.target, 1.0, 0.0, KAPPA_Y_NODES)
    xz, xw = gaussian_quadrature(XI_NODES) if problem.noise > 0 else (np.zeros(1), np.ones(1))
    kappa = np.repeat(kz, xz.size)
    y = problem.target(kappa) + np.sqrt(problem.noise) * np.tile(xz, kz.size)
    return kappa, y, np.outer(kw, xw).ravel()


def bulk_law(
    problem: Problem, eta: float, terms: Sequence[str] = BULK_TERMS, net: NetworkMap | None = None
) -> BulkLaw:
    """The `BulkLaw` of one step of size `eta > 0` on `problem` (odd sigma); `net` is
    `network_map(problem, eta)` if already computed."""
    gap = structured_gap(problem)
    if gap is not None:
        raise ValueError(gap)
    unknown = set(terms) - set(BULK_TERMS)
    if unknown:
        raise ValueError(f"terms: unknown {sorted(unknown)}; allowed: {BULK_TERMS}")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta: must be a finite number > 0, got {eta}")
    sigma = problem.sigma
    alpha0 = float(problem.alpha0)  # type: ignore[arg-type]
    kappa, y, pw = label_quadrature(problem)
    net = network_map(problem, eta) if net is None else net
    c1 = float((y * kappa) @ pw)
    if abs(c1) < 1e-12:
        raise ValueError("target: c1 = 0 (no spike); the structured bulk needs a linear part")
    z, zw = gaussian_quadrature()
    slope = float(((z * z - 1.0) * sigma.deriv(z)) @ zw)  # d/dc E sigma'(c z) at c = 1
    c2 = net.bulk_scale**2
    gaussian_rows = problem.w0_rows == "gaussian"
    mu1_sq = (
        problem.beta * eta**2 * net.beta_norm**2 * slope**2 / 2.0 / c2 if gaussian_rows else 0.0
    )
    return BulkLaw(
        beta=problem.beta,
        alpha0=alpha0,
        t=eta**2 * sigma.deriv_variance / alpha0,
        c2=c2,
        c1=c1,  # the node measure's own c1 and ||beta_vec||^2: v is a unit vector
        bn2=c1**2 + float((y * y) @ pw) / alpha0,
        kappa=kappa,
        w=y * y,
        f_y=y,
        pw=pw,
        mu1_sq=mu1_sq,
        terms=tuple(terms),
    )


def row_variance(problem: Problem, law: BulkLaw) -> float:
    """`d Var ||b_i||^2` of the normalised bulk rows: rows `N(0, Sigma)` given the batch
    (Gaussian `W0` rows), or a unit `W0` row plus an independent `N(0, t K/d)` one."""
    ew, ew2 = law._mean(law.w), law._mean(law.w * law.w)
    tk2 = law.t**2 * (ew**2 + ew2 / law.alpha0)  # d tr (t K/d)^2
    if problem.w0_rows == "gaussian":
        return 2.0 * (1.0 + 2.0 * law.t * ew + tk2) / law.c2**2
    return (4.0 * law.t * ew + 2.0 * tk2) / law.c2**2


def structured_spectrum(
    problem: Problem, eta: float, terms: Sequence[str] = BULK_TERMS, net: NetworkMap | None = None
) -> tuple[StructuredSpectrum, float]:
    """The spectral object and `row_var` for `fixed_point.solve` (module docstring)."""
    law = bulk_law(problem, eta, terms, net)
    row_var = row_variance(problem, law) if "rows" in terms else ROW_NORM_VARIANCE[problem.w0_rows]
    empty = np.zeros(0)
    spec = StructuredSpectrum(
        problem.beta, empty, empty, np.zeros((0, 2)), empty, np.zeros((3, 0)), law, row_var
    )
    return spec, row_var


def structured_equations(
    problem: Problem, eta: float, terms: Sequence[str] = BULK_TERMS, kappa_nodes: int = KAPPA_NODES
) -> Equations:
    """The fixed point of the one-step network with the structured bulk (`eta > 0`), as
    `curves.equations` returns it for an sRF: solver, kappa table (the map's `(r, gamma,
    c_W)`; per readout sign for a non-odd sigma) and the spectral object (e.g. for
    `optimize`). A non-odd sigma runs `groups.solve_groups` on `sign_bulk` (`terms` has no
    options there)."""
    if not problem.sigma.odd:
        return _sign_equations(problem, eta, terms, kappa_nodes)
    net = network_map(problem, eta)
    spec, row_var = structured_spectrum(problem, eta, terms, net)
    tab = kappa_table(
        problem.sigma, problem.target, net.r, net.gamma, n=kappa_nodes, bulk_scale=net.bulk_scale
    )
    return Equations(partial(solve, tab, spec, row_var=row_var), tab, spec)


def step_equations(
    problem: Problem, eta: float, *, bulk: str = "isotropic", dimension: float | None = None
) -> Equations:
    """The fixed point of the one-step network of size `eta` with the given `bulk`
    (`BULKS`): the map's sRF `(r, gamma, c_W)` on Marchenko-Pastur (`curves.equations`,
    `dimension` as there), or the structured bulk (`eta = 0`: both are the RF theory)."""
    if bulk == "structured" and eta > 0:
        return structured_equations(problem, eta)
    return equations(problem, network_map(problem, eta).srf, dimension=dimension)


def structured_curve(
    problem: Problem,
    eta: float,
    *,
    lam: Sequence[float],
    alpha: Sequence[float],
    terms: Sequence[str] = BULK_TERMS,
    kappa_nodes: int = KAPPA_NODES,
) -> xr.Dataset:
    """Asymptotic ridge errors of the one-step network of `problem` (step `eta`) with the
    structured bulk, dims ("alpha", "lam") and variables as `curves.learning_curve`.
    `eta = 0` is the random-features theory (`learning_curve` at `r = 0`). The attrs carry
    the sRF of the map (`r`, `gamma`, `bulk_scale`), `bulk_terms` (the structured terms
    used) and `bulk_missing` (terms known but not derived, `missing_terms`)."""
    lam_arr = positive_grid("lam", lam)
    alpha_arr = positive_grid("alpha", alpha)
    if eta == 0:
        ds = learning_curve(problem, network_map(problem, 0.0).srf, lam=lam_arr, alpha=alpha_arr)
        return ds.assign_attrs(bulk="structured", bulk_terms="", bulk_missing="", eta=0.0)
    eq = structured_equations(problem, eta, terms, kappa_nodes)
    data = solve_grid(problem, eq.solver, beta=eq.mp.beta, lam_arr=lam_arr, alpha_arr=alpha_arr)
    net = network_map(problem, eta)
    odd = problem.sigma.odd
    attrs = {
        "activation": problem.activation,
        "target": problem.target.describe(),
        "noise": float(problem.noise),
        "beta": eq.mp.beta,
        "alpha0": float(problem.alpha0),  # type: ignore[arg-type]
        "eta": float(eta),
        "r": net.r,
        "gamma": net.gamma,
        "bulk_scale": net.bulk_scale,
        "row_var": float(eq.solver.keywords["row_var"]),  # type: ignore[attr-defined]
        "readout_init": problem.readout_init,
        "w0_rows": problem.w0_rows,
        "bulk": "structured",
        "bulk_terms": ",".join(t for t in BULK_TERMS if t in terms) if odd else SIGN_TERMS,
        "bulk_missing": ",".join(missing_terms(problem)),
    }
    return xr.Dataset(data, coords={"alpha": alpha_arr, "lam": lam_arr}, attrs=attrs)


def _split_step(val: dict[str, Array], h: Array) -> tuple[dict[str, Array], dict[str, Array]]:
    """Real parts and `z`-derivatives of a complex-step evaluation at `e + i h`."""
    dz = val["z"].imag / h
    return {k: v.real for k, v in val.items()}, {k: v.imag / h / dz for k, v in val.items()}


SIGN_GRID, SIGN_NODES = 1500, 100
"""Points of the real grid on which the spectral densities of `Kt` are computed, and nodes of
the `NodeBulk` they are merged into (bins of equal trace mass)."""
_CONTINUATION = 12  # steps of Im zeta from 1 down to the real axis (1e-10)
_IM_ZETA = 1e-10


def _kt_resolvent(y: Array, pw: Array, alpha0: float, zeta: Array) -> Array:
    """`e = r/alpha0`, `r = (1/d) tr (Kt - zeta)^-1` for the signed-weight Wishart
    `Kt = X0^T D_y X0/n0` (`alpha0 e (-zeta + E[y/(1 + y e)]) = 1`), complex `zeta` (M,):
    Newton's method, continued from `Im zeta = 1` down to `Im zeta` of `zeta` (M,)."""
    target = zeta.imag
    e = -1.0 / (alpha0 * (zeta.real + 1j))
    for im in np.geomspace(np.ones_like(target), target, _CONTINUATION):
        z = zeta.real + 1j * im
        for _ in range(30):
            den = 1.0 + y * e[:, None]
            s1, s2 = (y / den) @ pw, (y * y / den**2) @ pw
            f = alpha0 * e * (s1 - z) - 1.0
            step = f / (alpha0 * (s1 - z) - alpha0 * e * s2)
            e = e - step
            if np.all(np.abs(step) <= 1e-13 * np.abs(e)):
                break
    return e


def sign_bulk(problem: Problem, eta: float) -> tuple[NodeBulk, Array, float]:
    """The two-type structured bulk of one step for a non-odd `sigma` with a `+-1` readout
    (docs/theory.md section 14): rows of sign `a` are `N(0, Sigma_a)` (`sign_rows`) with
    `K` replaced by its average `k(Kt)` over the eigenvectors of `Kt` at each eigenvalue, so
    both signs are functions of `Kt`. Returns the `NodeBulk` (`f_a` normalised to trace 1 per
    sign), the per-sign bulk scales `c_a` (2,) and the row-norm variance `d Var ||b_i||^2`.

    `Kt`'s spectral densities (trace, `k`, the measures of `v` and `theta_perp` with the
    batch's self-interaction, as in `BulkLaw.at` with the weight `y`) are `Im/pi` of its
    resolvent at `x + 1e-10 i` on a grid of `SIGN_GRID` points over `||Kt||`'s bound, merged
    into `SIGN_NODES` bins of equal trace mass."""
    rows = sign_rows(problem, eta)
    alpha0 = float(problem.alpha0)  # type: ignore[arg-type]
    kappa, y, pw = label_quadrature(problem)
    c1 = float((y * kappa) @ pw)
    bn2 = c1**2 + float((y * y) @ pw) / alpha0
    bound = np.max(np.abs(y)) * (1.0 + 1.0 / np.sqrt(alpha0)) ** 2  # ||Kt|| <= this
    x = np.linspace(-bound, bound, SIGN_GRID)
    zeta = x + 1j * _IM_ZETA
    e = _kt_resolvent(y, pw, alpha0, zeta)
    den = 1.0 + y * e[:, None]

    def q(f: Array, gg: Array) -> Array:  # u_f^T (Kt_perp - zeta)^-1 u_g
        return (f * gg / den) @ pw * e

    f_k = y * kappa
    schur = (f_k * kappa) @ pw - zeta - q(f_k, f_k)
    g_tt, g_ty = 1.0 / schur, -q(f_k, y) / schur
    g_yy = q(y, y) + q(f_k, y) ** 2 / schur
    norm = np.sqrt(1.0 - c1**2 / bn2)
    a_t, a_y = norm, -(c1 / bn2) / norm
    forms = [
        (c1**2 * g_tt + 2.0 * c1 * g_ty + g_yy) / bn2,
        a_t**2 * g_tt + 2.0 * a_t * a_y * g_ty + a_y**2 * g_yy,
    ]
    dens = np.stack([alpha0 * e, alpha0 * ((y * y / den) @ pw) * e, *forms]).imag / np.pi
    dens = np.maximum(dens, 0.0) * (x[1] - x[0])
    mass = np.cumsum(dens[0])
    bins = np.minimum((SIGN_NODES * mass / mass[-1]).astype(int), SIGN_NODES - 1)
    merged = np.stack([np.bincount(bins, w, SIGN_NODES) for w in (dens[0], dens[0] * x, *dens[1:])])
    keep = merged[0] > 0
    rho, xk, kk, mv, mth = merged[:, keep]
    xk, kk = xk / rho, kk / rho
    f = np.stack([(1.0 + a * rows.eta * rows.mu2 * xk) ** 2 + rows.t * kk for a in (1.0, -1.0)])
    rho = rho / rho.sum()
    scale2 = f @ rho
    f = f / scale2[:, None]
    row_var = float(np.mean(2.0 * (f**2 @ rho)))
    dirs = np.stack([mv / mv.sum(), mth / mth.sum()])
    # u^T K u beyond its average k(Kt) along u: a rank-one change of each sign's covariance
    w = y * y
    cross = [(w * kappa**2) @ pw, (w * kappa * y) @ pw / alpha0]
    uu = (w * w) @ pw / alpha0**2 + (w @ pw) ** 2 / alpha0  # u_y^T K u_y
    ku = np.array(
        [
            (c1**2 * cross[0] + 2.0 * c1 * cross[1] + uu) / bn2,
            a_t**2 * cross[0] + 2.0 * a_t * a_y * cross[1] + a_y**2 * uu,
        ]
    )
    excess = ku - dirs @ kk
    bulk = NodeBulk(f, rho, dirs, rows.t * excess[:, None] / scale2[None, :])
    return bulk, np.sqrt(scale2), row_var


SIGN_TERMS = "sign_rows,projections,self,rows"
"""The `bulk_terms` of the two-sign structured bulk (non-odd sigma): all structured terms."""


def _sign_equations(
    problem: Problem, eta: float, terms: Sequence[str], kappa_nodes: int
) -> Equations:
    """`structured_equations` for a non-odd sigma: `groups.solve_groups` on `sign_bulk`, the
    kappa table of the map's `(r, gamma)` with the per-sign bulk scales."""
    gap = structured_gap(problem)
    if gap is not None:
        raise ValueError(gap)
    if tuple(terms) != BULK_TERMS:
        raise ValueError("terms: the two-sign structured bulk (non-odd sigma) has no options")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta: must be a finite number > 0, got {eta}")
    net = network_map(problem, eta)
    bulk, scales, row_var = sign_bulk(problem, eta)
    types = NeuronTypes(np.full(2, 0.5), np.array([1.0, -1.0]), scales)
    tab = group_table(problem.sigma, problem.target, net.r, net.gamma, types, n=kappa_nodes)
    solver = partial(solve_groups, tab, problem.beta, row_var=row_var, bulk=bulk)
    return Equations(solver, tab, marchenko_pastur(problem.beta))
