"""make_curves: mean and standard error over seeds of the readouts and step diagnostics,
joined with the theory curves where they exist. One dataset per experiment.

Writes `<var>_mean`, `<var>_sem` over (eta, model, alpha, lam) for the readout errors and
over (eta[, rank]) for the step's scalars and singular values; `theory_<var>` over
(eta, theory, alpha_theory, lam) (`optimal_test_error` without lam, `plateau` without
alpha_theory); with conditional theories, `conditional_<var>_mean`/`_sem` over
(eta, alpha, lam) and `bulk_density` over (eta, eigenvalue) (the bulk's eigenvalues pooled
over seeds, normalised over the `p` eigenvalues of `W_b W_b^T`, zeros left out).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from srfpipe.functions import target
from srfpipe.stats import mean_sem
from srfpipe.store import params_of, provenance
from srfpipe.theory.fixed_point import ERRORS

THEORY_VARS = (*ERRORS, "converged", "optimal_test_error", "plateau")
CONDITIONAL_VARS = ERRORS
DENSITY_BINS = 80


def seed_means(datasets: Sequence[xr.Dataset], names: Sequence[str]) -> xr.Dataset:
    """`mean_sem` over seeds of the variables `names` of per-(eta, seed) artifacts: dims
    (eta, ...)."""
    parts = []
    for ds in datasets:
        p = params_of(ds)
        parts.append(ds[list(names)].expand_dims(eta=[p["eta"]], seed=[p["seed"]]))
    return mean_sem(xr.combine_by_coords(parts, combine_attrs="drop").sortby(["eta", "seed"]))


def seed_attrs(stage: str, readouts: Sequence[xr.Dataset], means: xr.Dataset) -> dict:
    """Provenance of an aggregate of `readouts` (`means`: their `seed_means`): the run's
    parameters with every eta and seed, `n_seeds` and `target_label`."""
    params = {k: v for k, v in params_of(readouts[0]).items() if k not in ("eta", "seed")}
    params |= {"eta": means["eta"].values.tolist(), "seeds": means.attrs["seed_values"]}
    label = target(**params["target"]).describe()
    return provenance(stage, params) | {"n_seeds": means.attrs["n_seeds"], "target_label": label}


def run(
    readouts: Sequence[xr.Dataset],
    steps: Sequence[xr.Dataset],
    theories: Sequence[xr.Dataset] = (),
    conditionals: Sequence[xr.Dataset] = (),
) -> xr.Dataset:
    """The curves dataset of the module docstring (`theory_*` only when theories are given,
    `conditional_*` and `bulk_density` only with conditional theories)."""
    errors = seed_means(readouts, ["train_error", "test_error", "readout_sq_norm"])
    scalars = [name for name, var in steps[0].data_vars.items() if var.ndim == 0]
    spikes = seed_means(steps, [*scalars, "sv_delta", "sv_w1"])
    out = xr.merge([errors, spikes], combine_attrs="drop")
    if theories:
        th = xr.concat(
            [t[list(THEORY_VARS)].expand_dims(eta=[params_of(t)["eta"]]) for t in theories],
            dim="eta",
        ).sortby("eta")
        th = th.rename({k: f"theory_{k}" for k in th.data_vars})
        out = xr.merge([out, th], join="left")
    if conditionals:
        cond = seed_means(conditionals, CONDITIONAL_VARS)
        out = xr.merge([out, cond.rename({k: f"conditional_{k}" for k in cond.data_vars})])
        out = xr.merge([out, _bulk_density(conditionals)], join="left")
    out.attrs = seed_attrs("curves", readouts, errors) | {"has_theory": int(bool(theories))}
    return out


def _bulk_density(conditionals: Sequence[xr.Dataset]) -> xr.Dataset:
    """Histogram density of the bulk eigenvalues per eta, pooled over seeds (one bin grid)."""
    by_eta: dict[float, list[np.ndarray]] = {}
    for ds in conditionals:
        by_eta.setdefault(params_of(ds)["eta"], []).append(ds["bulk_eigenvalues"].values)
    top = max(float(np.max(v)) for vals in by_eta.values() for v in vals)
    edges = np.linspace(0.0, 1.02 * top, DENSITY_BINS + 1)
    p = params_of(conditionals[0])["p"]
    etas = sorted(by_eta)
    density = [
        np.histogram(np.concatenate(by_eta[e]), edges)[0] / (p * len(by_eta[e]) * np.diff(edges))
        for e in etas
    ]
    centres = 0.5 * (edges[1:] + edges[:-1])
    return xr.Dataset(
        {"bulk_density": (("eta", "eigenvalue"), np.array(density))},
        coords={"eta": etas, "eigenvalue": centres},
    )
