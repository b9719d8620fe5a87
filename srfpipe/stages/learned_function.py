"""learned_function: the predictor's mean along the spike, `E[f_hat(x) | kappa]`, simulated
and from the theory, beside the target's `E[y | kappa]`. One dataset per experiment.

`kappa = v.x` with `v` the theory-map spike direction `beta_vec/||beta_vec||` (the direction
the theory's sRF uses; the readout stage bins its test predictions along it). Writes, over
(eta, model, alpha, kappa_bin, lam), `prediction_mean`, `prediction_sem` (mean and standard
error over seeds of the binned test predictions); over (eta, kappa_bin) `label_mean`,
`label_sem` and `kappa_mean` (bin means of `y` and `kappa`); from the sRF theory (the
network map's `r, gamma` of each eta, at the simulated alphas): `theory_mean` over
(eta, alpha, lam, kappa) on a fine kappa grid and `theory_binned` over
(eta, alpha, lam, kappa_bin) (its Gaussian average over each bin; with several neuron
types from the artifact's per-type means); `target_mean` over
(kappa,) and `target_binned` over (kappa_bin,): `E[y | kappa]`; the map's `r` over (eta,)
and `gamma`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from srfpipe.models import THEORIES
from srfpipe.problem import Problem
from srfpipe.stats import mean_sem
from srfpipe.store import params_of, provenance
from srfpipe.theory.equivalence import srf_types, target_moments
from srfpipe.theory.learned import bin_average, conditional_mean, types_mean

KAPPA_POINTS = 101
"""Points of the fine kappa grid of the theory lines."""
SIMULATED = ("binned_prediction", "binned_label", "binned_kappa")
TYPE_MEANS = ("m_s", "m_v", "m_e")


def theory_curves(theory: xr.Dataset, alpha: Sequence[float], edges: np.ndarray) -> xr.Dataset:
    """`theory_mean` (alpha, lam, kappa) and `theory_binned` (alpha, lam, kappa_bin) of one
    eta's theory artifact (its `srf` theory at the simulated `alpha`)."""
    params = params_of(theory)
    problem = Problem.from_config(params)
    srf = THEORIES["srf"].srf(problem, params["eta"])
    th = theory.sel(theory="srf", alpha_theory=list(alpha)).rename(alpha_theory="alpha")
    kappa = np.linspace(edges[0], edges[-1], KAPPA_POINTS)
    types = srf_types(problem, srf)
    if types.pi.size == 1:
        m = [th[k].transpose("alpha", "lam").values for k in ("m_s", "m_v", "m_e")]

        def mean(k: np.ndarray) -> np.ndarray:
            return conditional_mean(problem.sigma, srf, m, k)

    else:  # neurons in types: the per-type means of eval_theory (section 11)
        if "m_s_type" not in th:
            raise ValueError("learned_function: the theory artifact has no per-type means")
        sel = th.isel(type=slice(0, types.pi.size))
        mt = [sel[f"{k}_type"].transpose("alpha", "lam", "type").values for k in TYPE_MEANS]

        def mean(k: np.ndarray) -> np.ndarray:
            return types_mean(problem.sigma, srf.r, types, mt, k)

    dims = ("alpha", "lam")
    return xr.Dataset(
        {
            "theory_mean": ((*dims, "kappa"), mean(kappa)),
            "theory_binned": ((*dims, "kappa_bin"), bin_average(mean, edges)),
            "r": ((), srf.r),
        },
        coords={"alpha": th["alpha"].values, "lam": th["lam"].values, "kappa": kappa},
    )


def run(readouts: Sequence[xr.Dataset], theories: Sequence[xr.Dataset]) -> xr.Dataset:
    """The learned-function dataset of the module docstring."""
    parts = []
    for ds in readouts:
        p = params_of(ds)
        parts.append(ds[list(SIMULATED)].expand_dims(eta=[p["eta"]], seed=[p["seed"]]))
    sim = mean_sem(xr.combine_by_coords(parts, combine_attrs="drop").sortby(["eta", "seed"]))
    out = sim.rename(
        binned_prediction_mean="prediction_mean",
        binned_prediction_sem="prediction_sem",
        binned_label_mean="label_mean",
        binned_label_sem="label_sem",
        binned_kappa_mean="kappa_mean",
    ).drop_vars("binned_kappa_sem")
    edges = readouts[0]["kappa_edges"].values
    alpha = out["alpha"].values
    th = xr.concat(
        [theory_curves(t, alpha, edges).expand_dims(eta=[params_of(t)["eta"]]) for t in theories],
        dim="eta",
    ).sortby("eta")
    out = xr.merge([out, th], join="left", combine_attrs="drop")
    params = params_of(theories[0])
    gamma = float(theories[0]["gamma"])
    problem = Problem.from_config(params)
    out["gamma"] = ((), gamma)
    out["target_mean"] = ("kappa", target_moments(problem.target, gamma, out["kappa"].values)[0])
    out["target_binned"] = (
        "kappa_bin",
        bin_average(lambda k: target_moments(problem.target, gamma, k)[0], edges),
    )
    run_params = {k: v for k, v in params_of(readouts[0]).items() if k not in ("eta", "seed")}
    out.attrs = provenance("learned", run_params | {
        "eta": out["eta"].values.tolist(), "seeds": sim.attrs["seed_values"]
    }) | {"n_seeds": sim.attrs["n_seeds"], "target_label": problem.target.describe()}  # fmt: skip
    return out
