"""eval_theory: asymptotic learning curves for one eta, over the alpha x lambda grid.

Writes, over (theory, alpha, lam), `test_error`, `train_error`, `readout_sq_norm`,
`converged`; over (theory, alpha) the best error on the lambda grid (`optimal_test_error`);
over (theory, lam) the `alpha -> inf` limit (`plateau`); and the map's `r`, `gamma`. The
theories are those of the registry (`srfpipe.models.THEORIES`): `rf` (r = 0) and `srf`
(the network map's sRF).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.models import THEORIES
from srfpipe.problem import Problem
from srfpipe.step import network_map
from srfpipe.store import provenance
from srfpipe.theory import learning_curve, optimal_ridge, plateau

log = logging.getLogger(__name__)

CURVE_VARS = ("test_error", "train_error", "readout_sq_norm", "converged")


def run(params: dict[str, Any], eta: float) -> xr.Dataset:
    """Dataset over (theory, alpha, lam) for one eta (see the module docstring)."""
    t0 = time.perf_counter()
    problem = Problem.from_config(params)
    curves = []
    for name, theory in THEORIES.items():
        srf = theory.srf(problem, eta)
        ds = learning_curve(problem, srf, lam=params["lam"], alpha=params["alpha"])[
            list(CURVE_VARS)
        ]
        ds["optimal_test_error"] = optimal_ridge(ds)["test_error"]
        ds["plateau"] = ("lam", np.array([plateau(problem, srf, lam) for lam in params["lam"]]))
        curves.append(ds.expand_dims(theory=[name]))
        log.info(
            "theory %s (r=%.4f, gamma=%.4f) in %.2fs",
            name,
            srf.r,
            srf.gamma,
            time.perf_counter() - t0,
        )
    out = xr.concat(curves, dim="theory", combine_attrs="drop")
    srf = network_map(problem, eta).srf
    out["r"] = ((), srf.r)
    out["gamma"] = ((), srf.gamma)
    out.attrs |= provenance("theory", params | {"eta": eta})
    return out
