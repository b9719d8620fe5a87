"""make_curves: mean and standard error over seeds of the readouts and step diagnostics,
joined with the theory curves where they exist. One dataset per experiment.

Writes `<var>_mean`, `<var>_sem` over (eta, model, alpha, lam) for the readout errors and
over (eta[, rank]) for the step diagnostics; `theory_<var>` over
(eta, theory, alpha_theory, lam) on the dense grid of `eval_theory`, which holds the simulated
alphas exactly (`.sel(alpha_theory=alpha)`) (`theory_optimal_test_error` over
(eta, theory, alpha_theory), `theory_plateau` over (eta, theory, lam)).
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from srfpipe.functions import target
from srfpipe.stats import mean_sem
from srfpipe.store import params_of, provenance

STEP_SCALARS = (
    "beta_norm",
    "gamma_map",
    "r_map",
    "gamma_extracted",
    "r_extracted",
    "beta_norm_theory",
    "gamma_theory",
    "r_theory",
    "bulk_scale_theory",
    "bulk_norm_sq",
    "bulk_norm_sq_spread",
)

THEORY_VARS = ("test_error", "train_error", "converged", "optimal_test_error", "plateau")


def _stack(datasets: Sequence[xr.Dataset], names: Sequence[str]) -> xr.Dataset:
    """Combine per-(eta, seed) datasets into one with dims (eta, seed, ...)."""
    parts = []
    for ds in datasets:
        p = params_of(ds)
        parts.append(ds[list(names)].expand_dims(eta=[p["eta"]], seed=[p["seed"]]))
    return xr.combine_by_coords(parts, combine_attrs="drop").sortby(["eta", "seed"])


def run(
    readouts: Sequence[xr.Dataset],
    steps: Sequence[xr.Dataset],
    theories: Sequence[xr.Dataset] = (),
) -> xr.Dataset:
    """The curves dataset of the module docstring (`theory_*` only when theories are given)."""
    errors = mean_sem(_stack(readouts, ["train_error", "test_error", "readout_sq_norm"]))
    spikes = mean_sem(_stack(steps, [*STEP_SCALARS, "sv_delta", "sv_w1"]))
    out = xr.merge([errors, spikes], combine_attrs="drop")
    if theories:
        th = xr.concat(
            [t[list(THEORY_VARS)].expand_dims(eta=[params_of(t)["eta"]]) for t in theories],
            dim="eta",
        ).sortby("eta")
        th = th.rename({k: f"theory_{k}" for k in th.data_vars})
        out = xr.merge([out, th], join="left")
    params = {k: v for k, v in params_of(readouts[0]).items() if k not in ("eta", "seed")}
    params |= {"eta": out["eta"].values.tolist(), "seeds": errors.attrs["seed_values"]}
    out.attrs = provenance("curves", params) | {
        "n_seeds": errors.attrs["n_seeds"],
        "target_label": target(**params["target"]).describe(),
        "has_theory": int(bool(theories)),
    }
    return out
