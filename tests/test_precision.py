"""float32 products (config `precision`) against float64: the issue's 1e-4 criterion at d = 1000."""

import numpy as np
import pytest

from srfpipe.config import Experiment
from srfpipe.keys import stage_params
from srfpipe.stages import fit_readout, generate_data, take_step

CONFIG = dict(
    d=1000, beta=2.0, alpha0=4.0, eta=[1.0], alpha=[0.5, 2.0, 4.0],
    lam=np.logspace(-4, 1, 12).tolist(), activation="tanh",
    target={"name": "tanh", "scale": 2.0}, noise=0.1, readout_init="rademacher",
    init_output="zero", seeds=[0], test_size=4000, models=["network", "srf_extracted"],
    validation={"d": []},
)  # fmt: skip


def _run(precision: str, data_ds=None):
    exp = Experiment.from_config(CONFIG | {"precision": precision})
    data_ds = generate_data.run(stage_params(exp, "data"), 0) if data_ds is None else data_ds
    step_ds = take_step.run(stage_params(exp, "step"), 0, 1.0, data_ds)
    return data_ds, step_ds, fit_readout.run(stage_params(exp, "readout"), 0, 1.0, data_ds, step_ds)


@pytest.fixture(scope="module")
def runs():
    data_ds, step64, out64 = _run("float64")
    _, step32, out32 = _run("float32", data_ds)
    return step64, out64, step32, out32


def test_float32_changes_test_errors_by_less_than_1e4(runs):
    """At d = 1000 over lambda in [1e-4, 10] and alpha in {0.5, 2 (n = p), 4}, for the
    network and the extracted sRF (whose spike comes from the float32 step)."""
    _, out64, _, out32 = runs
    rel = np.abs(out32.test_error / out64.test_error - 1.0)
    worst = rel.max(dim=["lam"])
    print("max relative change of the test error over lambda:")
    print(worst.to_pandas())
    assert float(rel.max()) < 1e-4
    assert float(rel.max()) > 0.0  # float32 was really used


def test_float32_step_is_close_to_float64(runs):
    step64, _, step32, _ = runs
    w_rel = float(np.abs(step32.w1 - step64.w1).max() / np.abs(step64.w1).max())
    print(f"max |W1_32 - W1_64| / max |W1_64| = {w_rel:.1e}")
    assert step32.w1.dtype == np.float64 and 0 < w_rel < 1e-5
    np.testing.assert_allclose(step32.gamma_extracted, step64.gamma_extracted, rtol=1e-5)
