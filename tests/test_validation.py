"""The validation stage simulates exactly the sRF its theory describes (issue 19, item 1)."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from srfpipe.config import Experiment
from srfpipe.keys import stage_params
from srfpipe.models import THEORIES
from srfpipe.problem import SRF, Problem
from srfpipe.simulation import simulate
from srfpipe.stages import validate_theory

TINY = yaml.safe_load((Path(__file__).parent / "configs" / "tiny.yaml").read_text())


@pytest.mark.parametrize("readout_init", ["rademacher", "gaussian"])
def test_validation_simulates_the_srf_of_its_theory(readout_init):
    """The stored `(r, gamma, c)` are the theory's sRF, and the simulated errors are those of
    `simulate(model="srf")` with them on the same seeds: same layer, same data, so equal up
    to the rounding of a different but equivalent evaluation order (1e-12 relative)."""
    cfg = TINY | {"eta": [0.0, 2.0], "alpha": [0.5, 2.0], "lam": [0.1]}
    cfg["readout_init"] = readout_init
    params = stage_params(Experiment.from_config(cfg), "validation")
    d = 24
    ds = validate_theory.run(params, d)
    problem = Problem.from_config(params)
    for eta in params["eta"]:
        theory = THEORIES["srf"].srf(problem, eta)
        stored = ds.sel(eta=eta)
        srf = SRF(*(float(stored[k]) for k in ("r", "gamma", "bulk_scale", "bulk_slope")))
        assert srf == theory
        assert eta == 0 or srf != SRF(srf.r, srf.gamma)  # the bulk is not the plain W0
        sim = simulate(
            problem, "srf", d=d, seeds=params["seeds"], alpha=params["alpha"],
            lam=params["lam"], test_size=params["test_size"], srf=srf,
        )  # fmt: skip
        for name in ("test_error", "train_error"):
            np.testing.assert_allclose(
                stored[f"{name}_mean"].values, sim[f"{name}_mean"].values, rtol=1e-12, atol=0
            )
