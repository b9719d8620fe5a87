"""Learning curves over an (alpha, lam) grid, the dense alpha grid of smooth curves, and the
alpha -> inf plateau."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

import numpy as np
import xarray as xr

from srfpipe.problem import SRF, Problem
from srfpipe.theory.coverage import theory_gap
from srfpipe.theory.equivalence import (
    GAUSSIAN_TYPES,
    KAPPA_NODES,
    GroupTable,
    KappaTable,
    group_table,
    kappa_table,
    srf_types,
)
from srfpipe.theory.fixed_point import (
    CURVE_OUTPUTS,
    STATUS,
    TYPE_MEANS,
    Solution,
    TypeMeans,
    solve,
)
from srfpipe.theory.groups import solve_groups
from srfpipe.theory.spectrum import MP_NODES, MarchenkoPastur, marchenko_pastur

Solver = Callable[..., Solution]
"""`solver(psi, lam, noise=noise, start=None)`: the fixed point at the points `(psi, lam)` (B,)."""

ROW_NORM_VARIANCE = {"gaussian": 2.0, "unit": 0.0}
"""`d Var ||w_i||^2` for each `w0_rows` option: iid `N(0, 1/d)` rows or unit rows."""


def positive_grid(name: str, values: Sequence[float]) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name}: need a non-empty list of finite values > 0, got {arr.tolist()}")
    return arr


class Equations(NamedTuple):
    """The fixed point of one problem and sRF: its solver, tables and spectrum."""

    solver: Solver
    table: KappaTable | GroupTable
    mp: MarchenkoPastur

    @property
    def unknowns(self) -> int:
        """Length of the solver's state: `(V_w, V_z)`, or `(T_gh for g <= h, v_z)` of G types."""
        g = np.size(self.table.pi) if isinstance(self.table, GroupTable) else 1
        return 2 if g == 1 else g * (g + 1) // 2 + g


def equations(
    problem: Problem,
    srf: SRF,
    *,
    dimension: float | None = None,
    readout_nodes: int = GAUSSIAN_TYPES,
    kappa_nodes: int = KAPPA_NODES,
    mp_nodes: int = MP_NODES,
) -> Equations:
    """Check the sRF and `dimension`, tabulate the kappa and MP quadratures and pick the solver:
    `fixed_point.solve` for one neuron type (`equivalence.srf_types`), else
    `groups.solve_groups`, where a finite `dimension` d keeps the O(1/d) cost of the types'
    mean directions (docs/theory.md section 11; None is the d -> inf limit)."""
    r, gamma, beta = float(srf.r), float(srf.gamma), float(problem.beta)
    dim = 1.0 if dimension is None else dimension
    for name, value, ok, bound in [
        ("r", r, r >= 0, ">= 0"),
        ("gamma", gamma, 0 <= gamma <= 1, ">= 0 and <= 1"),
        ("bulk_slope", srf.bulk_slope, srf.bulk_slope >= 0, ">= 0"),
        ("bulk_scale", srf.bulk_scale, srf.bulk_scale > 0, "> 0"),
        ("dimension", dim, dim > 0, "> 0"),
    ]:  # the sRF's values (`Problem` checks its own)
        if not (ok and np.isfinite(value)):
            raise ValueError(f"{name}: must be a finite number {bound}, got {value}")
    gap = theory_gap(problem)
    if gap is not None:
        raise ValueError(gap)
    types = srf_types(problem, srf, readout_nodes)
    mp = marchenko_pastur(beta, mp_nodes)
    row_var = ROW_NORM_VARIANCE[problem.w0_rows]
    if types.pi.size == 1:
        shift, c = r * float(types.s[0]), float(types.c[0])
        tab = kappa_table(problem.sigma, problem.target, shift, gamma, n=kappa_nodes, bulk_scale=c)
        return Equations(partial(solve, tab, mp, row_var=row_var), tab, mp)
    gtab = group_table(problem.sigma, problem.target, r, gamma, types, n=kappa_nodes)
    width = np.inf if dimension is None else beta * dimension
    return Equations(partial(solve_groups, gtab, beta, row_var=row_var, width=width), gtab, mp)


DENSE_POINTS = 60
"""Log-spaced points of a dense alpha grid over the simulated range."""
PEAK_POINTS = 16
"""Extra points of a dense alpha grid within a factor `PEAK_WIDTH` of the peak alpha = beta."""
PEAK_WIDTH = 1.3


def dense_alpha_grid(alpha: Sequence[float], beta: float) -> np.ndarray:
    """Sorted grid (N,) for smooth theory curves over `[min alpha, max alpha]`: the given
    `alpha` exactly, `DENSE_POINTS` log-spaced points, and `PEAK_POINTS` more near the
    interpolation peak `alpha = beta` (where the curve is sharpest at small lambda)."""
    arr = np.asarray(alpha, dtype=float)
    lo, hi = float(arr.min()), float(arr.max())
    if lo == hi:
        return np.unique(arr)
    peak = np.geomspace(beta / PEAK_WIDTH, beta * PEAK_WIDTH, PEAK_POINTS)
    peak = peak[(peak > lo) & (peak < hi)]
    return np.unique(np.concatenate([arr, np.geomspace(lo, hi, DENSE_POINTS), peak]))


def learning_curve(
    problem: Problem,
    srf: SRF,
    *,
    lam: Sequence[float],
    alpha: Sequence[float],
    dimension: float | None = None,
    readout_nodes: int = GAUSSIAN_TYPES,
    kappa_nodes: int = KAPPA_NODES,
    mp_nodes: int = MP_NODES,
) -> xr.Dataset:
    """Asymptotic errors of ridge on the sRF `F = diag(c) W0 + r a v^T` of `problem` (`a` the
    readout init), dims ("alpha", "lam"); `lam` as `Problem.ridge`, keywords as `equations`.

    `test_error` includes the noise; `readout_sq_norm = ||b||^2 = q_z`; with several types
    the order parameters are sums over types and `m_s_type, m_v_type, m_e_type` (dims
    ("alpha", "lam", "type"), types as `equivalence.srf_types`) their per-type means.
    Unconverged points are NaN with `converged = 0` (and a warning).
    """
    lam_arr = positive_grid("lam", lam)
    alpha_arr = positive_grid("alpha", alpha)
    nodes = {"readout_nodes": readout_nodes, "kappa_nodes": kappa_nodes, "mp_nodes": mp_nodes}
    eq = equations(problem, srf, dimension=dimension, **nodes)
    data = solve_grid(problem, eq.solver, beta=eq.mp.beta, lam_arr=lam_arr, alpha_arr=alpha_arr)
    tab, mp = eq.table, eq.mp
    g = problem.target
    attrs = {
        "activation": problem.activation,
        "target": g.describe(),
        "target_name": g.name,
        "target_scale": float(g.scale),
        "target_coefficients": ",".join(f"{c:g}" for c in g.coefficients),
        "noise": float(problem.noise),
        "beta": mp.beta,
        "r": float(srf.r),
        "gamma": float(srf.gamma),
        "bulk_scale": float(srf.bulk_scale),
        "bulk_slope": float(srf.bulk_slope),
        "neuron_types": int(np.size(tab.pi)) if isinstance(tab, GroupTable) else 1,
        "readout_init": problem.readout_init,
        "w0_rows": problem.w0_rows,
        "kappa_nodes": int(tab.kappa.size),  # nodes actually used (Hermite or panels)
        "mp_nodes": int(mp_nodes),
    }
    coords = {"alpha": alpha_arr, "lam": lam_arr}
    if "m_s_type" in data:
        coords["type"] = np.arange(np.size(tab.pi))
    return xr.Dataset(data, coords=coords, attrs=attrs)


def solve_grid(
    problem: Problem, solver: Solver, *, beta: float, lam_arr: np.ndarray, alpha_arr: np.ndarray
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """`solver` on the grid `alpha_arr` (A,) x `lam_arr` (L,), warm-started along increasing
    alpha: the variables `CURVE_OUTPUTS` (and `TYPE_MEANS`, several types) of dims ("alpha",
    "lam") (and "type"); unconverged points NaN (a warning)."""
    names = [f for f in CURVE_OUTPUTS if f != "readout_sq_norm"]
    sols = []
    start = None
    for j in np.argsort(alpha_arr):  # warm start along increasing alpha
        psi = np.full(lam_arr.size, beta / alpha_arr[j])
        sol = solver(psi, problem.ridge(lam_arr, alpha_arr[j]), noise=problem.noise, start=start)
        start = _warm_start(sol, start)
        sols.append((j, sol))
    sols = [sol for _, sol in sorted(sols, key=lambda js: js[0])]  # (A,) in grid order
    out = {f: np.stack([getattr(sol, f) for sol in sols]) for f in names}  # (A, L)
    if sols[0].per_type is not None:
        for f, m in zip(TYPE_MEANS, TypeMeans._fields, strict=True):
            out[f] = np.stack([getattr(sol.per_type, m) for sol in sols])  # (A, L, G)
    bad = out["converged"] == 0
    if np.any(bad):
        warnings.warn(
            f"theory: {int(bad.sum())} of {bad.size} points did not converge; reported as NaN",
            RuntimeWarning,
            stacklevel=3,
        )
        for f, v in out.items():
            if f not in STATUS:
                v[bad] = np.nan
    out["readout_sq_norm"] = out["q_z"].copy()
    out["converged"] = out["converged"].astype(np.int8)
    out["iterations"] = out["iterations"].astype(np.int32)
    dims = ("alpha", "lam", "type")
    return {f: (dims[: out[f].ndim], out[f]) for f in (*CURVE_OUTPUTS, *TYPE_MEANS) if f in out}


def _warm_start(sol: Solution, previous: np.ndarray | None) -> np.ndarray | None:
    """The variance unknowns of the converged points; unconverged ones keep the previous."""
    x = sol.state
    good = sol.converged[:, None]
    if previous is None:
        return x if np.all(good) else None
    return np.where(good, x, previous)


def plateau(
    problem: Problem,
    srf: SRF,
    lam: float | Sequence[float] = 0.0,
    *,
    dimension: float | None = None,
    readout_nodes: int = GAUSSIAN_TYPES,
    kappa_nodes: int = KAPPA_NODES,
    mp_nodes: int = MP_NODES,
    eq: Equations | None = None,
) -> float | np.ndarray:
    """The `alpha -> inf` limit of the test error (noise included) at ridge `lam >= 0` (a
    number, or a list: an array (L,)); NaN where unconverged; keywords as `learning_curve`,
    `eq` replaces the sRF's equations (e.g. `structured.step_equations`). At `lam = 0`: the
    error of the best predictor in the span of the `p = beta d` features. With `lam_scale =
    "features"` the penalty `lam beta/alpha` vanishes in this limit.
    """
    lams = np.atleast_1d(np.asarray(lam, dtype=float))
    if lams.ndim != 1 or not np.all(np.isfinite(lams) & (lams >= 0)):
        raise ValueError(f"lam: must be finite numbers >= 0, got {lams.tolist()}")
    ridge = problem.ridge(lams, np.inf)
    nodes = {"readout_nodes": readout_nodes, "kappa_nodes": kappa_nodes, "mp_nodes": mp_nodes}
    if eq is None:
        eq = equations(problem, srf, dimension=dimension, **nodes)
    if np.any(ridge == 0.0) and np.min(eq.table.mus2 @ eq.table.weight) < 1e-12:
        raise ValueError("plateau: lam = 0 needs a non-linear activation (mustar > 0)")
    sol = eq.solver(np.zeros(lams.size), ridge, noise=problem.noise)
    out = np.where(sol.converged, sol.test_error, np.nan)
    return float(out[0]) if np.ndim(lam) == 0 else out
