"""Theory stage: asymptotic learning curves for one eta (MODEL.md theory map), and for the
RF model at initialisation (r = 0), over the alpha x lambda grid."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.functions import activation, target
from srfpipe.store import provenance
from srfpipe.theory import learning_curve, network_map, optimal_ridge, plateau

log = logging.getLogger(__name__)

CURVE_VARS = ("test_error", "train_error", "readout_sq_norm", "converged")


def run(params: dict[str, Any], eta: float) -> xr.Dataset:
    """Dataset over (model, lam, alpha), model in {`rf` (r = 0), `srf` (mapped sRF)}, with
    the best error over the lambda grid (`optimal_test_error`, per alpha) and the
    `alpha -> inf` limit at each lambda (`plateau`)."""
    t0 = time.perf_counter()
    act, g = activation(params["activation"]), target(**params["target"])
    r, gamma = network_map(eta, params["alpha0"], act, g, params["noise"])
    curves = []
    for model, r_model in (("rf", 0.0), ("srf", r)):
        ds = learning_curve(
            act,
            g,
            params["noise"],
            params["beta"],
            params["lam"],
            params["alpha"],
            r_model,
            gamma,
            readout_init=params["readout_init"],
        )
        ds = ds[list(CURVE_VARS)]
        best = optimal_ridge(ds)
        ds["optimal_test_error"] = best["test_error"]
        ds["plateau"] = ("lam", np.array([
            plateau(act, g, params["noise"], params["beta"], r_model, gamma,
                    params["readout_init"], lam) for lam in params["lam"]
        ]))  # fmt: skip
        curves.append(ds.expand_dims(model=[model]))
        log.info(
            "theory %s (r=%.4f, gamma=%.4f) in %.2fs",
            model,
            r_model,
            gamma,
            time.perf_counter() - t0,
        )
    out = xr.concat(curves, dim="model", combine_attrs="drop")
    out["r"] = ((), r)
    out["gamma"] = ((), gamma)
    out.attrs |= provenance("theory", params | {"eta": eta})
    return out
