"""Conditional theory: the ridge fixed point of docs/theory.md for one given first layer `W`.

`W` (p, d) is split (docs/theory.md section 13) into its spike and a bulk: `v` the top right
singular vector of `W` (sign with `v.theta >= 0`) if its singular value is an outlier (above
`OUTLIER_FACTOR` times the bulk's edge), else `v = theta` and no spike; `W v = r s + h` with
`s` the spike's profile (`+-1` per neuron, the signs of `W v`, for a Rademacher readout; ones
for a constant one), `r = (W v).s/p` and `h` orthogonal to `s`. The bulk is
`B = (W - r s v^T)/c` with `c^2` the mean over neurons of `||P_v w_i||^2` (the variance of
each neuron's Gaussian part), so `B v = h/c` is the weak `W v` direction of the theory, and
`e_i = s_i eps_i`, `eps_i = ||P_v b_i||^2 - 1`, its row-norm direction. The fixed point then
runs on the sRF `(r, gamma = v.theta, c)` with the empirical measures of `B` in place of
Marchenko-Pastur (`spectrum.EmpiricalSpectrum`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import xarray as xr
from scipy import linalg

from srfpipe.linalg.parallel import gram, one_blas_thread, top_singular
from srfpipe.problem import Problem
from srfpipe.stats import mean_sem
from srfpipe.theory.coverage import conditional_gap, theory_gap
from srfpipe.theory.curves import ROW_NORM_VARIANCE, positive_grid, solve_grid
from srfpipe.theory.equivalence import KAPPA_NODES, kappa_table
from srfpipe.theory.fixed_point import solve
from srfpipe.theory.spectrum import MP_NODES, EmpiricalSpectrum, marchenko_pastur

Array = np.ndarray

OUTLIER_FACTOR = 2.0
"""A singular value of `W` is a spike if it exceeds this multiple of the bulk edge
`c (1 + sqrt(p/d))` (a spike of strength `r` has singular value `~ r sqrt p`)."""
INGREDIENTS = ("spectrum", "projections", "rows")
"""Empirical ingredients: the trace measure of `B B^T`, the measures of `B v` and
`B theta_perp`, and the row-norm direction `e`; the others take their Marchenko-Pastur forms."""


@dataclass(frozen=True)
class Split:
    """`W = c B + r s v^T`: spike direction `v` (d,), profile `s` (p,), strength `r`,
    overlap `gamma = v.theta`, bulk scale `c`, bulk `B` (p, d); `outliers` counts the
    singular values of `W` above the outlier threshold (1 = one spike)."""

    v: Array
    s: Array
    r: float
    gamma: float
    scale: float
    bulk: Array
    outliers: int


def split(w: Array, theta: Array, readout_init: str, s: Array | None = None) -> Split:
    """Split `w` (p, d) into spike and bulk (module docstring); `s` (p,) overrides the
    profile derived from `readout_init`."""
    p, d = w.shape
    _, sv, vecs = top_singular(w, 8)
    rest = (np.sum(w * w) - sv[0] ** 2) / p
    threshold = OUTLIER_FACTOR * np.sqrt(rest) * (1.0 + np.sqrt(p / d))
    outliers = int(np.sum(sv > threshold))
    spiked = outliers > 0
    v = vecs[:, 0] if spiked else theta / np.linalg.norm(theta)
    if v @ theta < 0:
        v = -v
    t = w @ v
    if s is None:
        if readout_init == "rademacher":
            s = np.where(t >= 0, 1.0, -1.0)
        elif readout_init == "constant" or not spiked:
            s = np.ones(p)
        else:
            raise ValueError(f"conditional theory: no spike profile for readout {readout_init!r}")
    r = float(t @ s / (s @ s)) if spiked else 0.0
    if r < 0:
        raise ValueError("conditional theory: the spike points against theta (r < 0)")
    tilde = w - r * np.outer(s, v)
    h = t - r * s
    scale = float(np.sqrt((np.sum(tilde * tilde) - h @ h) / p))
    gamma = float(np.clip(v @ theta, 0.0, 1.0))
    return Split(v, s, r, gamma, scale, tilde / scale, outliers)


def conditional_spectrum(
    sp: Split, theta: Array, problem: Problem, ingredients: Collection[str] = INGREDIENTS
) -> tuple[EmpiricalSpectrum, float]:
    """The spectral object of the bulk and the `row_var` to pass to `fixed_point.solve`.

    Ingredients not in `ingredients` take their Marchenko-Pastur forms: `rho_beta` (256
    nodes), `beta om rho` for the `v`, `theta_perp` directions, `row_var beta rho` for `e`
    with `row_var` of `problem.w0_rows` (each over the trace measure in use).
    """
    unknown = set(ingredients) - set(INGREDIENTS)
    if unknown:
        raise ValueError(f"ingredients: unknown {sorted(unknown)}; allowed: {INGREDIENTS}")
    bulk = sp.bulk
    p, d = bulk.shape
    beta = p / d
    wide = p < d  # eigendecompose the smaller side: B B^T (p, p) or B^T B (d, d)
    with one_blas_thread():
        om, vecs = linalg.eigh(gram(bulk.T if wide else bulk), overwrite_a=True, check_finite=False)
    keep = om > 1e-12 * om[-1]  # the non-zero eigenvalues of B B^T (those of B^T B)
    om, vecs = om[keep], vecs[:, keep]
    sing = np.sqrt(om)

    def comps(x: Array) -> Array:
        """Components of x (p,) on the left singular vectors of B (non-zero ones): the
        eigenvectors of B B^T, or `B r / s` for those `r` of B^T B."""
        return vecs.T @ x if wide else (vecs.T @ (bulk.T @ x)) / sing

    if "spectrum" in ingredients:
        trace_om, trace_nu = om, om / p
    else:
        mp = marchenko_pastur(beta, MP_NODES)
        trace_om, trace_nu = mp.om, mp.nu
    density = trace_nu / trace_om  # rho on the nodes, and the atom 1 - sum at 0
    nodes = np.append(trace_om, 0.0)
    rho = np.append(density, max(1.0 - density.sum(), 0.0))
    x_v = comps(bulk @ sp.v)
    perp = theta - sp.gamma * sp.v
    norm = np.linalg.norm(perp)
    x_th = comps(bulk @ (perp / norm)) if norm > 1e-12 else np.zeros_like(om)
    row_sq = np.einsum("ij,ij->i", bulk, bulk) - np.square(bulk @ sp.v)
    e = sp.s * (row_sq - 1.0)
    if "projections" in ingredients:
        proj = [(om, x_v**2), (om, x_th**2)]
    else:
        proj = [(nodes, beta * nodes * rho)] * 2
    if "rows" in ingredients:
        x_e = comps(e)
        row_var = float(d * np.mean(e * e))
        proj.append((np.append(om, 0.0), np.append(x_e**2, max(e @ e - x_e @ x_e, 0.0))))
    else:
        row_var = ROW_NORM_VARIANCE[problem.w0_rows]
        proj.append((nodes, row_var * beta * rho))
    signal_om = np.concatenate([o for o, _ in proj])
    weight = linalg.block_diag(*[wk[None] for _, wk in proj])  # (3, M): X's on its nodes
    spec = EmpiricalSpectrum(
        beta, trace_om, trace_nu, np.stack([trace_nu, trace_nu * trace_om], 1), signal_om, weight
    )
    return spec, row_var


def conditional_curve(
    problem: Problem,
    w: Array,
    theta: Array,
    *,
    lam: Sequence[float],
    alpha: Sequence[float],
    s: Array | None = None,
    ingredients: Collection[str] = INGREDIENTS,
    kappa_nodes: int = KAPPA_NODES,
) -> xr.Dataset:
    """Asymptotic ridge errors of the features `sigma(W x)` for the given `w` (p, d) and
    teacher `theta` (d,), dims ("alpha", "lam") as `curves.learning_curve`; `problem` gives
    the activation, target, noise, readout init and ridge convention (its `beta` is
    replaced by `p/d`). `s` (p,) overrides the spike profile; `ingredients` as
    `conditional_spectrum`. With the empirical spectrum, `bulk_eigenvalues` (mode,) are the
    non-zero eigenvalues of `c^2 B B^T`, i.e. of the bulk `W - r s v^T`."""
    lam_arr = positive_grid("lam", lam)
    alpha_arr = positive_grid("alpha", alpha)
    sp = split(w, theta, problem.readout_init, s)
    gap = conditional_gap(problem) if sp.r > 0 else theory_gap(problem)
    if gap is not None:
        raise ValueError(gap)
    spec, row_var = conditional_spectrum(sp, theta, problem, ingredients)
    tab = kappa_table(
        problem.sigma, problem.target, sp.r, sp.gamma, n=kappa_nodes, bulk_scale=sp.scale
    )
    solver = partial(solve, tab, spec, row_var=row_var)
    data = solve_grid(problem, solver, beta=spec.beta, lam_arr=lam_arr, alpha_arr=alpha_arr)
    if "spectrum" in ingredients:
        data["bulk_eigenvalues"] = ("mode", sp.scale**2 * spec.om)
    attrs = {
        "activation": problem.activation,
        "target": problem.target.describe(),
        "noise": float(problem.noise),
        "beta": spec.beta,
        "r": sp.r,
        "gamma": sp.gamma,
        "bulk_scale": sp.scale,
        "outliers": sp.outliers,
        "row_var": row_var,
        "readout_init": problem.readout_init,
        "ingredients": ",".join(i for i in INGREDIENTS if i in ingredients),
    }
    return xr.Dataset(data, coords={"alpha": alpha_arr, "lam": lam_arr}, attrs=attrs)


def conditional_seeds(
    problem: Problem, draws: Iterable, *, lam: Sequence[float], alpha: Sequence[float]
) -> xr.Dataset:
    """The conditional theory of one-step networks over (seed, alpha, lam), with
    `*_mean`/`*_sem` over seeds of `test_error`, `train_error`, `readout_sq_norm`. `draws`
    yields objects with `seed`, `w1` (p, d), `theta` (d,) and `net.a` (p,): the networks of
    `srfpipe simulate --model network` (`simulation.SeedDraw`), drawn by the caller (one at
    a time if `draws` is a generator)."""
    per_seed, seeds = [], []
    for draw in draws:
        ds = conditional_curve(problem, draw.w1, draw.theta, lam=lam, alpha=alpha, s=draw.net.a)
        per_seed.append(ds[["test_error", "train_error", "readout_sq_norm"]])
        seeds.append(draw.seed)
    ds = xr.concat(per_seed, dim="seed").assign_coords(seed=seeds)
    return ds.merge(mean_sem(ds))
