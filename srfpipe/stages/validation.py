"""Validation stage: the theory against direct sRF simulations at several sizes d.

For one eta, the sRF with the theory-map `(r, gamma)` (exact overlap, `u = r a`) is simulated
at dimension d over the experiment's alpha x lambda grid and stored next to the asymptotic
prediction, so the figure shows simulation converging to theory as d grows.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import xarray as xr

from srfpipe.functions import activation, target
from srfpipe.simulate import simulate
from srfpipe.store import provenance
from srfpipe.theory import learning_curve, network_map

log = logging.getLogger(__name__)


def run(params: dict[str, Any], d: int, eta: float) -> xr.Dataset:
    """Simulated `*_mean/_sem` over (alpha, lam) at size d, with `theory_test_error`."""
    t0 = time.perf_counter()
    act, g = activation(params["activation"]), target(**params["target"])
    r, gamma = network_map(eta, params["alpha0"], act, g, params["noise"])
    sim = simulate(
        "srf", act, g, params["noise"], d, params["beta"], params["lam"], params["alpha"],
        params["seeds"], params["test_size"], params["readout_init"], spike=(r, gamma),
    )  # fmt: skip
    theory = learning_curve(
        act, g, params["noise"], params["beta"], params["lam"], params["alpha"], r, gamma,
        readout_init=params["readout_init"],
    )  # fmt: skip
    out = sim.drop_vars(["test_error", "train_error", "readout_sq_norm"])
    out["theory_test_error"] = theory["test_error"].transpose("alpha", "lam")
    out["theory_train_error"] = theory["train_error"].transpose("alpha", "lam")
    out["r"], out["gamma"] = ((), r), ((), gamma)
    out.attrs = provenance("validation", params | {"d": d, "eta": eta})
    log.info(
        "validation d=%d eta=%g (r=%.3f, gamma=%.3f) in %.1fs",
        d,
        eta,
        r,
        gamma,
        time.perf_counter() - t0,
    )
    return out
