"""optimal_eta: the theory's test error at the best lambda against the step size eta.

For every simulated alpha, `srfpipe.theory.optimize.optimal_eta` on `ETA_POINTS` step sizes
over `[0, ETA_SPAN max(eta)]`: writes `profile_test_error`, `profile_lam_opt` over
(eta, alpha) (the best-lambda error of the one-step network's theory at each eta: the
structured bulk where `structured.structured_gap` allows, else the map's isotropic sRF; attr
`bulk`) and `eta_opt`, `lam_opt`, `test_error`, `at_bound` over (alpha,) (the best eta,
refined by a bounded search). The simulations' best-on-the-grid points are read from the
curves by the plot.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.problem import Problem
from srfpipe.store import provenance
from srfpipe.theory.optimize import optimal_eta
from srfpipe.theory.structured import structured_gap

log = logging.getLogger(__name__)

ETA_POINTS = 25
ETA_SPAN = 1.5


def run(params: dict[str, Any]) -> xr.Dataset:
    """The dataset of the module docstring."""
    t0 = time.perf_counter()
    top = ETA_SPAN * max(max(params["eta"]), 1.0)
    grid = np.linspace(0.0, top, ETA_POINTS)
    problem = Problem.from_config(params)
    bulk = "isotropic" if structured_gap(problem) else "structured"
    out = optimal_eta(problem, params["alpha"], grid, dimension=params["dimension"], bulk=bulk)
    out.attrs = provenance("optimal", params) | {"bulk": bulk}
    log.info("optimal eta at %d alphas in %.1fs", out.sizes["alpha"], time.perf_counter() - t0)
    return out
