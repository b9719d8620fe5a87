"""Learning curves over an (lam, alpha) grid, optimal ridge, and the alpha -> inf plateau."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import xarray as xr

from srfpipe.functions import Activation, Target
from srfpipe.theory.equivalence import (
    GAUSSIAN_TYPES,
    KAPPA_NODES,
    BulkScale,
    GroupTable,
    KappaTable,
    group_table,
    kappa_table,
    merge_types,
    neuron_types,
)
from srfpipe.theory.fixed_point import ORDER_PARAMETERS, Solution, solve
from srfpipe.theory.groups import solve_groups
from srfpipe.theory.spectrum import MP_NODES, MarchenkoPastur, marchenko_pastur

READOUT_INITS = ("rademacher", "constant", "gaussian")
ROW_NORM_VARIANCE = {"gaussian": 2.0, "unit": 0.0}
"""`d Var ||w_i||^2` for each `rows` option of `W0`: iid `N(0, 1/d)` rows or unit rows."""


def _finite(name: str, value: float, low: float, strict: bool, high: float = np.inf) -> float:
    value = float(value)
    ok = np.isfinite(value) and (value > low if strict else value >= low) and value <= high
    if not ok:
        bound = f"{'>' if strict else '>='} {low:g}" + (
            f" and <= {high:g}" if high < np.inf else ""
        )
        raise ValueError(f"{name}: must be a finite number {bound}, got {value}")
    return value


def _positive_grid(name: str, values: Sequence[float]) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name}: need a non-empty list of finite values > 0, got {arr.tolist()}")
    return arr


def _setup(
    activation: Activation,
    target: Target,
    r: float,
    gamma: float,
    beta: float,
    readout_init: str,
    kappa_nodes: int,
    mp_nodes: int,
    bulk_scale: BulkScale = 1.0,
    rows: str = "gaussian",
    readout_nodes: int = GAUSSIAN_TYPES,
    dimension: float | None = None,
) -> tuple[Callable[..., Solution], KappaTable | GroupTable, MarchenkoPastur]:
    """Check the inputs, tabulate the kappa and MP quadratures and pick the solver.

    One neuron type (constant readout, Rademacher with odd `sigma`, or `r = 0` with one bulk
    scale) runs `fixed_point.solve` exactly as before; several types run `solve_groups`.
    Returns `solver(psi, lam, noise, start)`, the table and the MP quadrature.
    """
    r = _finite("r", r, 0.0, strict=False)
    gamma = _finite("gamma", gamma, 0.0, strict=False, high=1.0)
    beta = _finite("beta", beta, 0.0, strict=True)
    if not (callable(bulk_scale) or isinstance(bulk_scale, tuple)):
        bulk_scale = _finite("bulk_scale", bulk_scale, 0.0, strict=True)
    if rows not in ROW_NORM_VARIANCE:
        raise ValueError(f"rows: unknown value {rows!r}; allowed: {tuple(ROW_NORM_VARIANCE)}")
    if readout_init not in READOUT_INITS:
        raise ValueError(f"readout_init: unknown value {readout_init!r}; allowed: {READOUT_INITS}")
    types = merge_types(neuron_types(readout_init, bulk_scale, readout_nodes), r, activation.odd)
    mp = marchenko_pastur(beta, mp_nodes)
    row_var = ROW_NORM_VARIANCE[rows]
    if types.pi.size == 1:
        shift, c = r * float(types.s[0]), float(types.c[0])
        tab = kappa_table(activation, target, shift, gamma, kappa_nodes, c)
        return partial(solve, tab, mp, row_var=row_var), tab, mp
    gtab = group_table(activation, target, r, gamma, types, kappa_nodes)
    width = np.inf if dimension is None else beta * _finite("dimension", dimension, 0.0, True)
    return partial(solve_groups, gtab, mp.beta, row_var=row_var, width=width), gtab, mp


def learning_curve(
    activation: Activation,
    target: Target,
    noise: float,
    beta: float,
    lams: Sequence[float],
    alphas: Sequence[float],
    r: float,
    gamma: float,
    readout_init: str = "rademacher",
    *,
    bulk_scale: BulkScale = 1.0,
    rows: str = "gaussian",
    readout_nodes: int = GAUSSIAN_TYPES,
    dimension: float | None = None,
    kappa_nodes: int = KAPPA_NODES,
    mp_nodes: int = MP_NODES,
) -> xr.Dataset:
    """Asymptotic sRF ridge errors on the grid `lams` (L,) x `alphas` (A,), dims ("lam", "alpha").

    The sRF is `F = diag(c) W0 + r a v^T` with `a` the readout init ("rademacher",
    "constant" or "gaussian", every activation) and `c_i = c(a_i)` from `bulk_scale`: a
    number, `(c0_sq, slope)` for `c^2 = c0_sq + slope a^2`, or a function of `a`. The Gaussian
    readout uses `readout_nodes` neuron types (Gauss-Hermite); with several types, a finite
    `dimension` d keeps the O(1/d) cost of their mean directions (docs/theory.md section 11;
    `None` is the d -> inf limit, which a Gaussian readout approaches only logarithmically
    in d). `rows` is "gaussian" (iid `W0`) or "unit" (rows of `W0` of unit norm: no row-norm
    term). `test_error` includes the noise `Delta`; `readout_sq_norm = ||b||^2 = q_z` with
    `f(x) = b . phi(x)`; with several types the order parameters are sums over types.
    Unconverged points are NaN with `converged = 0` (and a warning). `r = 0` (no spike) with
    one bulk scale is the random-features model for every readout init.
    """
    noise = _finite("noise", noise, 0.0, strict=False)
    lam_arr = _positive_grid("lam", lams)
    alpha_arr = _positive_grid("alpha", alphas)
    solver, tab, mp = _setup(
        activation, target, r, gamma, beta, readout_init, kappa_nodes, mp_nodes, bulk_scale,
        rows, readout_nodes, dimension,
    )  # fmt: skip

    fields = (*ORDER_PARAMETERS, "test_error", "train_error", "residual")
    out = {f: np.full((lam_arr.size, alpha_arr.size), np.nan) for f in fields}
    converged = np.zeros((lam_arr.size, alpha_arr.size), dtype=np.int8)
    iterations = np.zeros((lam_arr.size, alpha_arr.size), dtype=np.int32)
    start = None
    for j in np.argsort(alpha_arr):  # warm start along increasing alpha
        psi = np.full(lam_arr.size, mp.beta / alpha_arr[j])
        sol = solver(psi, lam_arr, noise, start=start)
        start = _warm_start(sol, start)
        _store(out, sol, j)
        converged[:, j] = sol.converged
        iterations[:, j] = sol.iterations
    bad = converged == 0
    if np.any(bad):
        warnings.warn(
            f"theory: {int(bad.sum())} of {bad.size} points did not converge; reported as NaN",
            RuntimeWarning,
            stacklevel=2,
        )
        for f in fields:
            if f != "residual":
                out[f][bad] = np.nan
    coords = {"lam": lam_arr, "alpha": alpha_arr}
    data = {f: (("lam", "alpha"), v) for f, v in out.items()}
    data["readout_sq_norm"] = (("lam", "alpha"), out["q_z"].copy())
    data["converged"] = (("lam", "alpha"), converged)
    data["iterations"] = (("lam", "alpha"), iterations)
    attrs = {
        "activation": activation.name,
        "target": target.describe(),
        "target_name": target.name,
        "target_scale": float(target.scale),
        "target_coefficients": ",".join(f"{c:g}" for c in target.coefficients),
        "noise": noise,
        "beta": mp.beta,
        "r": float(r),
        "gamma": float(gamma),
        "readout_init": readout_init,
        "bulk_scale": _describe(bulk_scale),
        "rows": rows,
        "neuron_types": int(np.size(tab.pi)) if isinstance(tab, GroupTable) else 1,
        "kappa_nodes": int(tab.kappa.size),  # nodes actually used (Hermite or panels)
        "mp_nodes": int(mp_nodes),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _describe(bulk_scale: BulkScale) -> float | str:
    """The bulk scale as a NetCDF attribute: the number, or the rule's description."""
    if isinstance(bulk_scale, tuple):
        return f"c^2 = {bulk_scale[0]:g} + {bulk_scale[1]:g} a^2"
    return "function of a" if callable(bulk_scale) else float(bulk_scale)


def _warm_start(sol: Solution, previous: np.ndarray | None) -> np.ndarray | None:
    """The variance unknowns of the converged points; unconverged ones keep the previous."""
    x = sol.state
    good = sol.converged[:, None]
    if previous is None:
        return x if np.all(good) else None
    return np.where(good, x, previous)


def _store(out: dict[str, np.ndarray], sol: Solution, j: int) -> None:
    for f in out:
        out[f][:, j] = getattr(sol, f)


def optimal_ridge(ds: xr.Dataset) -> xr.Dataset:
    """Best `test_error` over `lam` at each alpha, with the minimising `lam` (dims ("alpha",)).

    Alphas where no lambda converged get NaN.
    """
    err = ds.test_error
    valid = err.notnull().any("lam")
    idx = err.fillna(np.inf).argmin("lam")
    best = ds.isel(lam=idx)
    out = xr.Dataset(
        {
            "test_error": best.test_error.where(valid),
            "train_error": best.train_error.where(valid),
            "lam_opt": xr.DataArray(ds.lam.values[idx.values], dims="alpha").where(valid),
        },
        coords={"alpha": ds.alpha.values},
        attrs=dict(ds.attrs),
    )
    return out


def plateau(
    activation: Activation,
    target: Target,
    noise: float,
    beta: float,
    r: float,
    gamma: float,
    readout_init: str = "rademacher",
    lam: float = 0.0,
    *,
    bulk_scale: BulkScale = 1.0,
    rows: str = "gaussian",
    readout_nodes: int = GAUSSIAN_TYPES,
    dimension: float | None = None,
    kappa_nodes: int = KAPPA_NODES,
    mp_nodes: int = MP_NODES,
) -> float:
    """The `alpha -> inf` limit of the test error (noise included) at ridge `lam >= 0`.

    At `lam = 0` this is the error of the best predictor in the span of the `p = beta d`
    features: what the sRF can express at all. Keywords as `learning_curve`.
    """
    noise = _finite("noise", noise, 0.0, strict=False)
    lam = _finite("lam", lam, 0.0, strict=False)
    solver, tab, _ = _setup(
        activation, target, r, gamma, beta, readout_init, kappa_nodes, mp_nodes, bulk_scale,
        rows, readout_nodes, dimension,
    )  # fmt: skip
    if lam == 0.0 and np.min(tab.mus2 @ tab.weight) < 1e-12:
        raise ValueError("plateau: lam = 0 needs a non-linear activation (mustar > 0)")
    sol = solver(np.zeros(1), np.array([lam]), noise)
    return float(sol.test_error[0]) if sol.converged[0] else float("nan")
