"""eval_conditional: the conditional theory of one step artifact's first layer `W1`.

Writes, over (alpha, lam), `test_error`, `train_error`, `readout_sq_norm`, `converged`
of `srfpipe.theory.conditional.conditional_curve` (spike profile: the readout `a`), the
non-zero eigenvalues of the bulk `W1 - r a v^T` (`bulk_eigenvalues`, (mode,)) and the
split's `r`, `gamma`, `bulk_scale`, `outliers`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import xarray as xr

from srfpipe.problem import Problem
from srfpipe.store import provenance
from srfpipe.theory.conditional import conditional_curve
from srfpipe.theory.fixed_point import ERRORS

log = logging.getLogger(__name__)

CURVE_VARS = (*ERRORS, "converged", "bulk_eigenvalues")


def run(
    params: dict[str, Any], seed: int, eta: float, data_ds: xr.Dataset, step_ds: xr.Dataset
) -> xr.Dataset:
    """Dataset over (alpha, lam) and (mode,) of the module docstring for one (eta, seed)."""
    t0 = time.perf_counter()
    problem = Problem.from_config(params)
    ds = conditional_curve(
        problem,
        step_ds["w1"].values,
        data_ds["theta"].values,
        lam=params["lam"],
        alpha=params["alpha"],
        s=step_ds["a"].values,
    )
    out = ds[list(CURVE_VARS)]
    for name in ("r", "gamma", "bulk_scale", "outliers"):
        out[name] = ((), ds.attrs[name])
    out.attrs = provenance("conditional", params | {"seed": seed, "eta": eta})
    log.info(
        "conditional theory (r=%.4f, gamma=%.4f, c=%.4f, %d outliers) in %.2fs",
        ds.attrs["r"],
        ds.attrs["gamma"],
        ds.attrs["bulk_scale"],
        ds.attrs["outliers"],
        time.perf_counter() - t0,
    )
    return out
