"""fit_readout: ridge readouts of every model over the alpha x lambda grid for one (eta, seed).

Writes `train_error`, `test_error`, `readout_sq_norm` over (model, alpha, lam), with the
coordinate `n` (alpha,): the training-set sizes; and, for the learned function, the test
predictions binned along the theory-map spike `kappa = v_map . x` (`KAPPA_EDGES`):
`binned_prediction` over (model, alpha, kappa_bin, lam) (bin means of `f_hat(x)`),
`binned_label`, `binned_kappa` (bin means of `y` and `kappa`) and `bin_count` over
(kappa_bin,), `kappa_edges` over (kappa_edge,). Models come from the registry
(`srfpipe.models`), their first layers from the step artifact; the fits are
`srfpipe.simulation.fit_layers` on the seed's data (nested training sets).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.models import MODELS
from srfpipe.problem import Problem
from srfpipe.simulation import ERRORS, Samples, fit_layers
from srfpipe.stages import generate_data
from srfpipe.stages.take_step import StepLayers
from srfpipe.stats import bin_weights
from srfpipe.store import provenance

log = logging.getLogger(__name__)

KAPPA_EDGES = np.linspace(-2.5, 2.5, 21)
"""Bins of the spike coordinate `kappa = v_map . x` for the binned test predictions."""


def run(
    params: dict[str, Any], seed: int, eta: float, data_ds: xr.Dataset, step_ds: xr.Dataset
) -> xr.Dataset:
    """Dataset over (model, alpha, lam) with `train_error`, `test_error`, `readout_sq_norm`."""
    alphas, lams, models = params["alpha"], params["lam"], params["models"]
    ns = [round(a * params["d"]) for a in alphas]
    x, y = generate_data.inputs(data_ds, "train", max(ns))
    x_test, y_test = generate_data.inputs(data_ds, "test")
    source = StepLayers(step_ds)
    layers = [MODELS[m].layer(source) for m in models]
    problem = Problem.from_config(params)
    ridge = problem.ridge(np.asarray(lams)[None, :], np.asarray(alphas)[:, None])
    dtype = np.dtype(params["precision"])
    kappa = x_test @ source.spike_map.v
    weights = bin_weights(kappa, KAPPA_EDGES)
    samples = Samples(x, y, x_test, y_test)
    out = fit_layers(
        problem.sigma, layers, samples, ns=ns, lams=ridge, dtype=dtype, test_weights=weights
    )
    ds = xr.Dataset(
        {name: (("model", "alpha", "lam"), out[name]) for name in ERRORS},
        coords={
            "model": list(models),
            "alpha": alphas,
            "lam": lams,
            "n": ("alpha", ns),
            "kappa_bin": 0.5 * (KAPPA_EDGES[1:] + KAPPA_EDGES[:-1]),
        },
    )
    ds["binned_prediction"] = (("model", "alpha", "kappa_bin", "lam"), out["test_projection"])
    ds["binned_label"] = ("kappa_bin", weights @ y_test)
    ds["binned_kappa"] = ("kappa_bin", weights @ kappa)
    ds["bin_count"] = ("kappa_bin", np.count_nonzero(weights, axis=1))
    ds["kappa_edges"] = ("kappa_edge", KAPPA_EDGES)
    ds.attrs |= provenance("readout", params | {"seed": seed, "eta": eta})
    return ds
