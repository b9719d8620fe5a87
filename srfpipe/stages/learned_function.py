"""learned_function: the predictor's mean along the spike, `E[f_hat(x) | kappa]`, simulated
and from the theory, beside the target's `E[y | kappa]`. One dataset per experiment.

`kappa = v.x`, `v` the theory-map spike direction (the readout stage bins its test
predictions along it). Writes `prediction_mean`, `prediction_sem` over
(eta, model, alpha, kappa_bin, lam); `label_mean`, `label_sem`, `kappa_mean` over
(eta, kappa_bin); from the sRF theory (the map's `r, gamma` of each eta) `theory_mean` over
(eta, alpha, lam, kappa) and its bin averages `theory_binned` over (eta, alpha, lam,
kappa_bin); the target's `target_mean` (kappa,) and `target_binned` (kappa_bin,); `r` (eta,)
and `gamma`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from srfpipe.models import THEORIES
from srfpipe.problem import Problem
from srfpipe.stages.make_curves import seed_attrs, seed_means
from srfpipe.store import params_of
from srfpipe.theory.equivalence import target_moments
from srfpipe.theory.learned import bin_average, mean_function

KAPPA_POINTS = 101
"""Points of the fine kappa grid of the theory lines."""
SIMULATED = ("binned_prediction", "binned_label", "binned_kappa")


def theory_curves(theory: xr.Dataset, alpha: Sequence[float], edges: np.ndarray) -> xr.Dataset:
    """`theory_mean` (alpha, lam, kappa) and `theory_binned` (alpha, lam, kappa_bin) of one
    eta's theory artifact (its `srf` theory at the simulated `alpha`)."""
    params = params_of(theory)
    problem = Problem.from_config(params)
    srf = THEORIES["srf"].srf(problem, params["eta"])
    th = theory.sel(theory="srf", alpha_theory=list(alpha)).rename(alpha_theory="alpha")
    kappa = np.linspace(edges[0], edges[-1], KAPPA_POINTS)
    mean = mean_function(problem, srf, th)
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
    sim = seed_means(readouts, SIMULATED)
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
    out.attrs = seed_attrs("learned", readouts, sim)
    return out
