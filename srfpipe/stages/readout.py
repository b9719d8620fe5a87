"""Readout stage: ridge readouts of every model over the alpha x lambda grid for one (eta, seed).

Training sets are nested prefixes of one pool of `n_train = max(alpha) * d` samples, so the
Gram matrix is accumulated once along the learning curve (see `srfpipe.ridge`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.functions import activation
from srfpipe.ridge import ridge_learning_curve
from srfpipe.stages import data as data_stage
from srfpipe.stages import step as step_stage
from srfpipe.store import provenance

log = logging.getLogger(__name__)

ERRORS = ("train_error", "test_error", "readout_sq_norm")


def run(
    params: dict[str, Any], seed: int, eta: float, data_ds: xr.Dataset, step_ds: xr.Dataset
) -> xr.Dataset:
    """Dataset over (model, alpha, lam) with `train_error`, `test_error`, `readout_sq_norm`."""
    t0 = time.perf_counter()
    act = activation(params["activation"])
    alphas, lams = params["alpha"], params["lam"]
    ns = [round(a * params["d"]) for a in alphas]
    x, y = data_stage.inputs(data_ds, "train", max(ns))
    x_test, y_test = data_stage.inputs(data_ds, "test")
    layers = step_stage.first_layers(step_ds)
    out = {name: np.empty((len(params["models"]), len(alphas), len(lams))) for name in ERRORS}
    done: list[tuple[np.ndarray, int]] = []
    for i, model in enumerate(params["models"]):
        w = layers[model]
        same = next((j for w_j, j in done if np.array_equal(w, w_j)), None)
        if same is not None:  # e.g. eta = 0, where every model is the RF model
            for name in ERRORS:
                out[name][i] = out[name][same]
            continue
        curve = ridge_learning_curve(act(x @ w.T), y, ns, lams, act(x_test @ w.T), y_test)
        for k, errs in enumerate(curve):
            for name in ERRORS:
                out[name][i, k] = getattr(errs, name)
        done.append((w, i))
        log.info(
            "readout %s: %d alphas x %d lambdas, %.2fs",
            model,
            len(ns),
            len(lams),
            time.perf_counter() - t0,
        )
    ds = xr.Dataset(
        {name: (("model", "alpha", "lam"), out[name]) for name in ERRORS},
        coords={"model": list(params["models"]), "alpha": alphas, "lam": lams, "n": ("alpha", ns)},
    )
    ds.attrs |= provenance("readout", params | {"seed": seed, "eta": eta})
    return ds
