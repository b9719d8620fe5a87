"""Optimal ridge `lambda` and step size `eta` from the asymptotic theory.

Both are 1-D searches of the theory's test error: a coarse grid brackets the minimum (so
a non-convex profile does not trap the search), then a bounded Brent search
(`scipy.optimize.minimize_scalar`, method 'bounded') refines it inside the bracket;
`lambda` is searched in `log lambda`. The step size acts through the network map
(`srfpipe.step.network_map`): `r = eta mu1 ||beta_vec||` at fixed `gamma`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr
from scipy.optimize import minimize_scalar

from srfpipe.problem import SRF, Problem
from srfpipe.step import network_map
from srfpipe.theory.curves import equations, positive_grid

LAM_BOUNDS = (1e-5, 1e3)
"""Search range of `lambda`."""
COARSE_POINTS = 25
"""Points of the bracketing grid of each search."""
XATOL = 1e-5
"""Absolute tolerance of the refinement (in `log lambda`, or in `eta`)."""


def _refine(
    f: Callable[[float], float], grid: np.ndarray, values: np.ndarray
) -> tuple[float, float]:
    """Minimum `(x, f(x))` of `f` given its `values` (G,) on the increasing `grid` (G,):
    bounded Brent between the neighbours of the grid's best point (NaN values count as
    +inf; all NaN gives `(nan, nan)`)."""
    vals = np.where(np.isfinite(values), values, np.inf)
    i = int(np.argmin(vals))
    if not np.isfinite(vals[i]):
        return np.nan, np.nan
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": XATOL})
    if np.isfinite(res.fun) and res.fun <= vals[i]:
        return float(res.x), float(res.fun)
    return float(grid[i]), float(vals[i])


def optimal_lam(
    problem: Problem,
    srf: SRF,
    alpha: Sequence[float],
    bounds: tuple[float, float] = LAM_BOUNDS,
    dimension: float | None = None,
) -> xr.Dataset:
    """Best ridge per alpha, dims ("alpha",): `lam_opt`, its `test_error` (noise included),
    and `at_bound` (1 where the optimum is within 1e-3 relative of a bound of `bounds`);
    `dimension` as `curves.equations`.

    The error is minimised over `log lambda` in `bounds`; NaN where nothing converged.
    """
    alpha_arr = positive_grid("alpha", alpha)
    eq = equations(problem, srf, dimension=dimension)
    mp = eq.mp
    logs = np.linspace(np.log(bounds[0]), np.log(bounds[1]), COARSE_POINTS)

    def errors(psi: np.ndarray, lam: np.ndarray, start: np.ndarray | None = None):
        ridge = problem.ridge(lam, mp.beta / psi)  # the user's lam at alpha = beta/psi
        sol = eq.solver(psi, ridge, problem.noise, start=start)
        return np.where(sol.converged, sol.test_error, np.nan), sol.state

    # the coarse grids of every alpha in one batch, (A, G); refinements warm-started from it
    psi = np.repeat(mp.beta / alpha_arr, logs.size)
    coarse, start = errors(psi, np.tile(np.exp(logs), alpha_arr.size))
    coarse = coarse.reshape(alpha_arr.size, -1)
    start = start.reshape(alpha_arr.size, -1, *start.shape[1:])
    lam_opt, err = np.empty(alpha_arr.size), np.empty(alpha_arr.size)
    for j, a in enumerate(alpha_arr):
        x0 = start[j, np.argmin(np.nan_to_num(coarse[j], nan=np.inf))][None]

        def at(t: float, psi: float = mp.beta / a, x0: np.ndarray = x0) -> float:
            err = errors(np.array([psi]), np.exp([t]), x0 if np.all(np.isfinite(x0)) else None)[0]
            return float(np.nan_to_num(err[0], nan=np.inf))

        log_lam, err[j] = _refine(at, logs, coarse[j])
        lam_opt[j] = np.exp(log_lam)
    edge = np.isclose(lam_opt, bounds[0], rtol=1e-3) | np.isclose(lam_opt, bounds[1], rtol=1e-3)
    return xr.Dataset(
        {
            "lam_opt": ("alpha", lam_opt),
            "test_error": ("alpha", err),
            "at_bound": ("alpha", edge.astype(np.int8)),
        },
        coords={"alpha": alpha_arr},
    )


def eta_profile(
    problem: Problem,
    eta: Sequence[float],
    alpha: Sequence[float],
    dimension: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Test error at the best lambda of the network map's sRF, dims ("eta", "alpha"):
    `test_error` and `lam_opt` (`optimal_lam` at each eta of the list; `progress(done,
    total)` after each)."""
    parts = []
    for i, e in enumerate(eta):
        parts.append(optimal_lam(problem, network_map(problem, e).srf, alpha, dimension=dimension))
        if progress is not None:
            progress(i + 1, len(eta))
    out = xr.concat(parts, dim="eta").assign_coords(eta=np.asarray(eta, float))
    return out[["test_error", "lam_opt"]]


def optimal_eta(
    problem: Problem,
    alpha: Sequence[float],
    eta_grid: Sequence[float],
    dimension: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Best step size per alpha at the best lambda, dims ("alpha",): `eta_opt`, `lam_opt`,
    `test_error`, `at_bound` (1 where `eta_opt` is an end of `eta_grid`), and the bracketing
    profile `profile_test_error`, `profile_lam_opt` over ("eta", "alpha") (`eta_profile` on
    the increasing `eta_grid`, which bounds the search); `dimension` as `curves.equations`;
    `progress(done, total)` after each profile point and each refined alpha."""
    grid = np.asarray(eta_grid, float)
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0) or grid[0] < 0:
        raise ValueError(f"eta_grid: need >= 2 increasing values >= 0, got {grid.tolist()}")
    total = grid.size + len(alpha)
    report = None if progress is None else lambda done, _: progress(done, total)
    profile = eta_profile(problem, grid, alpha, dimension, report)
    alpha_arr = profile["alpha"].values
    eta_opt, err, lam = (np.empty(alpha_arr.size) for _ in range(3))
    for j, a in enumerate(alpha_arr):

        def at(e: float, a: float = a) -> float:
            srf = network_map(problem, e).srf
            best = optimal_lam(problem, srf, [a], dimension=dimension)["test_error"].item()
            return best if np.isfinite(best) else np.inf

        eta_opt[j], err[j] = _refine(at, grid, profile["test_error"].values[:, j])
        srf = network_map(problem, eta_opt[j]).srf
        lam[j] = optimal_lam(problem, srf, [a], dimension=dimension)["lam_opt"].item()
        if report is not None:
            report(grid.size + j + 1, total)
    edge = np.isclose(eta_opt, grid[0], atol=1e-3) | np.isclose(eta_opt, grid[-1], atol=1e-3)
    return xr.Dataset(
        {
            "eta_opt": ("alpha", eta_opt),
            "lam_opt": ("alpha", lam),
            "test_error": ("alpha", err),
            "at_bound": ("alpha", edge.astype(np.int8)),
            "profile_test_error": profile["test_error"],
            "profile_lam_opt": profile["lam_opt"],
        },
        coords={"alpha": alpha_arr, "eta": grid},
    )
