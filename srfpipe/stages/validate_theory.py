"""validate_theory: the theory against direct sRF simulations at one size d, every eta.

For each eta the network map's sRF `(r, gamma, c_W)` is simulated at dimension d with the
registry's model `srf` (the layer `srfpipe simulate --model srf` fits); the etas of a seed
share its teacher, data and `W0`. Writes `<error>_mean`, `<error>_sem` over
(eta, alpha, lam), `theory_test_error`, `theory_train_error` over (eta, alpha_theory, lam)
(`dense_alpha_grid`, holding the simulated alphas), and the theory's `SRF` (`r`, `gamma`,
`bulk_scale`, `bulk_slope` over (eta,)).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.models import MODELS, Layer
from srfpipe.problem import Problem
from srfpipe.simulation import ERRORS, SeedDraw, seed_errors
from srfpipe.stats import mean_sem
from srfpipe.store import provenance
from srfpipe.theory.curves import dense_alpha_grid, learning_curve
from srfpipe.theory.network_map import network_map

log = logging.getLogger(__name__)


def run(params: dict[str, Any], d: int) -> xr.Dataset:
    """Simulated `*_mean/_sem` and the theory over (eta, alpha, lam) at size d."""
    t0 = time.perf_counter()
    problem = Problem.from_config(params)
    etas, alphas, lams, seeds = params["eta"], params["alpha"], params["lam"], params["seeds"]
    srfs = [network_map(problem, eta).srf for eta in etas]

    def layers(draw: SeedDraw) -> list[Layer]:
        return [MODELS["srf"].layer(draw.prescribed(s)) for s in srfs]

    grid = {"alpha": alphas, "lam": lams, "test_size": params["test_size"]}
    errs = [seed_errors(problem, layers, d, seed, **grid) for seed in seeds]
    dims = ("seed", "eta", "alpha", "lam")
    sim = xr.Dataset(
        {name: (dims, np.stack([e[name] for e in errs])) for name in ERRORS},
        coords={"seed": seeds, "eta": etas, "alpha": alphas, "lam": lams},
    )
    res = mean_sem(sim)
    dense = dense_alpha_grid(alphas, problem.beta)
    theory = [learning_curve(problem, s, lam=lams, alpha=dense, dimension=d) for s in srfs]
    for name in ("test_error", "train_error"):
        th = xr.concat([t[name] for t in theory], dim="eta").assign_coords(eta=etas)
        res[f"theory_{name}"] = th.rename(alpha="alpha_theory")
    for field in ("r", "gamma", "bulk_scale", "bulk_slope"):
        res[field] = ("eta", [getattr(s, field) for s in srfs])
    res.attrs = provenance("validation", params | {"d": d})
    log.info("validation d=%d, %d etas in %.1fs", d, len(etas), time.perf_counter() - t0)
    return res
