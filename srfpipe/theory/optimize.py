"""Optimal ridge `lambda` and step size `eta` from the asymptotic theory.

Both are 1-D searches of the theory's test error: a coarse grid brackets the minimum (so
a non-convex profile does not trap the search), then a bounded Brent search
(`scipy.optimize.minimize_scalar`, method 'bounded') refines it inside the bracket;
`lambda` is searched in `log lambda`. The step size acts through the network map
(`srfpipe.theory.network_map`): `r = eta mu1 ||beta_vec||` at fixed `gamma`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import xarray as xr
from scipy.optimize import minimize_scalar

from srfpipe.problem import SRF, Problem
from srfpipe.theory.curves import Equations, equations, positive_grid
from srfpipe.theory.structured import step_equations

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
    *,
    bounds: tuple[float, float] = LAM_BOUNDS,
    dimension: float | None = None,
    eq: Equations | None = None,
) -> xr.Dataset:
    """Best ridge per alpha in `bounds`, dims ("alpha",): `lam_opt`, its `test_error` (noise
    included; NaN where nothing converged) and `at_bound` (1 within 1e-3 relative of a
    bound); `dimension` as `curves.equations`, `eq` replaces the sRF's equations (e.g.
    `structured.step_equations`)."""
    alpha_arr = positive_grid("alpha", alpha)
    eq = equations(problem, srf, dimension=dimension) if eq is None else eq
    lam_opt, err, _ = _optimal_lam(problem, eq, alpha_arr, bounds=bounds)
    edge = np.isclose(lam_opt, bounds[0], rtol=1e-3) | np.isclose(lam_opt, bounds[1], rtol=1e-3)
    return xr.Dataset(
        {
            "lam_opt": ("alpha", lam_opt),
            "test_error": ("alpha", err),
            "at_bound": ("alpha", edge.astype(np.int8)),
        },
        coords={"alpha": alpha_arr},
    )


def _optimal_lam(
    problem: Problem,
    eq: Equations,
    alpha_arr: np.ndarray,
    *,
    bounds: tuple[float, float] = LAM_BOUNDS,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(lam_opt, test_error, states)` of `optimal_lam` at `alpha_arr` (A,) for the fixed
    point `eq`; `states` (A * COARSE_POINTS, n) are the fixed points on the coarse grid, and
    a `start` of that shape (those of a nearby sRF) warm-starts them."""
    mp = eq.mp
    logs = np.linspace(np.log(bounds[0]), np.log(bounds[1]), COARSE_POINTS)

    def errors(psi: np.ndarray, lam: np.ndarray, start: np.ndarray | None = None):
        ridge = problem.ridge(lam, mp.beta / psi)  # the user's lam at alpha = beta/psi
        sol = eq.solver(psi, ridge, noise=problem.noise, start=start)
        return np.where(sol.converged, sol.test_error, np.nan), sol.state

    # the coarse grids of every alpha in one batch, (A, G); refinements warm-started from it
    psi = np.repeat(mp.beta / alpha_arr, logs.size)
    if start is not None and start.shape[-1] != eq.unknowns:
        start = None  # another number of neuron types
    coarse, states = errors(psi, np.tile(np.exp(logs), alpha_arr.size), start)
    coarse = coarse.reshape(alpha_arr.size, -1)
    grid_states = states.reshape(alpha_arr.size, -1, *states.shape[1:])
    lam_opt, err = np.empty(alpha_arr.size), np.empty(alpha_arr.size)
    for j, a in enumerate(alpha_arr):
        x0 = grid_states[j, np.argmin(np.nan_to_num(coarse[j], nan=np.inf))][None]

        def at(t: float, psi: float = mp.beta / a, x0: np.ndarray = x0) -> float:
            err = errors(np.array([psi]), np.exp([t]), x0 if np.all(np.isfinite(x0)) else None)[0]
            return float(np.nan_to_num(err[0], nan=np.inf))

        log_lam, err[j] = _refine(at, logs, coarse[j])
        lam_opt[j] = np.exp(log_lam)
    return lam_opt, err, states


def eta_profile(
    problem: Problem,
    eta: Sequence[float],
    alpha: Sequence[float],
    *,
    dimension: float | None = None,
    bulk: str = "isotropic",
    states: list[np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Test error at the best lambda of the one-step network's theory with the given `bulk`
    (`structured.step_equations`), dims ("eta", "alpha"):
    `test_error` and `lam_opt` (`optimal_lam` at each eta of the list, each warm-started
    from the previous eta's fixed points); `states` (a list) receives those per eta;
    `progress(done, total)` is called after each eta."""
    alpha_arr, eta = positive_grid("alpha", alpha), np.asarray(eta, float)
    out, start = np.empty((2, eta.size, alpha_arr.size)), None
    for i, e in enumerate(eta):
        eq = step_equations(problem, e, bulk=bulk, dimension=dimension)
        *out[:, i], start = _optimal_lam(problem, eq, alpha_arr, start=start)
        if states is not None:
            states.append(start)
        if progress is not None:
            progress(i + 1, eta.size)
    dims = ("eta", "alpha")
    return xr.Dataset(
        {"test_error": (dims, out[1]), "lam_opt": (dims, out[0])},
        coords={"eta": eta, "alpha": alpha_arr},
    )


def optimal_eta(
    problem: Problem,
    alpha: Sequence[float],
    eta_grid: Sequence[float],
    *,
    dimension: float | None = None,
    bulk: str = "isotropic",
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Best step size per alpha at the best lambda (theory of `bulk`, as `eta_profile`),
    dims ("alpha",): `eta_opt`, `lam_opt`, `test_error`, `at_bound` (1 where `eta_opt` is an
    end of `eta_grid`), and the bracketing profile `profile_test_error`, `profile_lam_opt`
    over ("eta", "alpha") (`eta_profile` on the increasing `eta_grid`, which bounds the
    search); `dimension` as `curves.equations`.
    Each search point is warm-started from the profile's fixed points at the nearest eta;
    `progress(done, total)` after each profile point and each refined alpha."""
    grid = np.asarray(eta_grid, float)
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0) or grid[0] < 0:
        raise ValueError(f"eta_grid: need >= 2 increasing values >= 0, got {grid.tolist()}")
    states: list[np.ndarray] = []
    total = grid.size + len(alpha)
    report = None if progress is None else lambda done, _: progress(done, total)
    profile = eta_profile(
        problem, grid, alpha, dimension=dimension, bulk=bulk, states=states, progress=report
    )
    alpha_arr, err_grid = profile["alpha"].values, profile["test_error"].values
    eta_opt, err, lam = (np.empty(alpha_arr.size) for _ in range(3))
    for j, a in enumerate(alpha_arr):

        @cache  # the search's last point is its optimum: its lambda is reused below
        def best(e: float, a: float = a, j: int = j) -> tuple[float, float]:
            near = states[int(np.argmin(np.abs(grid - e)))]
            near = near.reshape(alpha_arr.size, COARSE_POINTS, -1)[j]
            eq = step_equations(problem, e, bulk=bulk, dimension=dimension)
            lam, err, _ = _optimal_lam(problem, eq, np.array([a]), start=near)
            return lam[0], err[0] if np.isfinite(err[0]) else np.inf

        eta_opt[j], err[j] = _refine(lambda e: best(e)[1], grid, err_grid[:, j])
        lam[j] = best(eta_opt[j])[0]
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
