"""Same parameters and seed give bit-identical artifacts whatever the BLAS thread count."""

import pytest
import xarray as xr

from srfpipe.config import Experiment
from srfpipe.keys import stage_params
from srfpipe.linalg.parallel import job_threads
from srfpipe.stages import fit_readout, generate_data, take_step

CONFIG = dict(
    d=256, beta=2.0, alpha0=2.0, eta=[1.0], alpha=[0.5, 3.0], lam=[0.01, 1.0],
    activation="tanh", target={"name": "tanh", "scale": 2.0}, noise=0.1,
    readout_init="rademacher", init_output="zero", seeds=[5], test_size=1000,
    models=["rf", "network", "srf_map", "srf_extracted"],
)  # fmt: skip


def _artifacts(threads: int, precision: str, d: int) -> list[xr.Dataset]:
    exp = Experiment.from_config(CONFIG | {"validation": {"d": []}, "precision": precision, "d": d})
    with job_threads(threads):
        d = generate_data.run(stage_params(exp, "data"), 5)
        s = take_step.run(stage_params(exp, "step"), 5, 1.0, d)
        r = fit_readout.run(stage_params(exp, "readout"), 5, 1.0, d, s)
    return [d, s, r]


@pytest.mark.parametrize(
    "precision,d", [("float64", 256), ("float64", 301), ("float32", 256), ("float32", 301)]
)
def test_one_and_two_threads_agree_bitwise(precision, d):
    """d = 301 gives shapes (n, p = 602, ...) where OpenBLAS's own threading would not."""
    one, two = _artifacts(1, precision, d), _artifacts(2, precision, d)
    for a, b in zip(one, two, strict=True):
        xr.testing.assert_equal(a, b)


def test_init_output_variants_run_and_differ_only_after_the_step():
    base = Experiment.from_config(CONFIG | {"d": 64, "validation": {"d": []}})
    d = generate_data.run(stage_params(base, "data"), 5)
    w1 = {}
    for init_output in ("zero", "symmetric", "full"):
        exp = Experiment.from_config(
            CONFIG | {"d": 64, "init_output": init_output, "validation": {"d": []}}
        )
        s = take_step.run(stage_params(exp, "step"), 5, 1.0, d)
        r = fit_readout.run(stage_params(exp, "readout"), 5, 1.0, d, s)
        assert bool(r["test_error"].notnull().all()), init_output
        w1[init_output] = s["w1"].values
    # the full residual y - f0 moves W1 away from the zero-output step
    assert not (w1["zero"] == w1["full"]).all()
