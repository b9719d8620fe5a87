"""`srfpipe.simulation.simulate` and the `srfpipe simulate` command."""

import json

import numpy as np

from srfpipe.cli import main
from srfpipe.functions import target
from srfpipe.problem import SRF, Problem
from srfpipe.simulation import simulate

PROBLEM = Problem("tanh", target("tanh", 2.0), noise=0.1, beta=1.5, alpha0=2.0)
COMMON = dict(d=40, lam=[0.1, 1.0], alpha=[0.5, 2.0], seeds=[0, 1], test_size=300)


def test_zero_spike_and_zero_step_are_the_rf_model():
    rf = simulate(PROBLEM, "rf", **COMMON)
    srf0 = simulate(PROBLEM, "srf", srf=SRF(0.0, 0.5), **COMMON)
    net0 = simulate(PROBLEM, "network", eta=0.0, **COMMON)
    map0 = simulate(PROBLEM, "srf_map", eta=0.0, **COMMON)
    for other in (srf0, net0, map0):
        assert np.array_equal(rf["test_error"], other["test_error"])


def test_network_model_is_the_readout_stage(tmp_path):
    """`srfpipe simulate --model network` and the workflow's readout agree to the bit."""
    from srfpipe.config import Experiment
    from srfpipe.keys import stage_params
    from srfpipe.stages import fit_readout, generate_data, take_step

    cfg = {
        "d": 40, "beta": 1.5, "alpha0": 2.0, "eta": [1.0], "alpha": [0.5, 2.0],
        "lam": [0.1, 1.0], "seeds": [3], "test_size": 300, "noise": 0.1,
        "target": {"name": "tanh", "scale": 2.0}, "models": ["network", "srf_map"],
    }  # fmt: skip
    exp = Experiment.from_config(cfg)
    data_ds = generate_data.run(stage_params(exp, "data"), 3)
    step_ds = take_step.run(stage_params(exp, "step"), 3, 1.0, data_ds)
    readout = fit_readout.run(stage_params(exp, "readout"), 3, 1.0, data_ds, step_ds)
    for model in ("network", "srf_map"):
        sim = simulate(PROBLEM, model, **(COMMON | {"seeds": [3]}), eta=1.0)
        ref = readout["test_error"].sel(model=model).values
        np.testing.assert_array_equal(sim["test_error"].values[0], ref)


def test_mean_and_sem_over_seeds():
    ds = simulate(PROBLEM, "srf", srf=SRF(1.0, 0.9), **COMMON)
    vals = ds["test_error"].values
    np.testing.assert_allclose(ds["test_error_mean"], vals.mean(0))
    np.testing.assert_allclose(ds["test_error_sem"], vals.std(0, ddof=1) / np.sqrt(2))


def test_cli_json_shape(capsys):
    code = main(
        [
            "simulate",
            "--model",
            "srf",
            "--d",
            "40",
            "--seeds",
            "2",
            "--test-size",
            "200",
            "--spike",
            "1",
            "--gamma",
            "0.8",
            "--alpha",
            "0.5,1",
            "--lam",
            "0.1",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"]["model"] == "srf" and len(out["records"]) == 2
    rec = out["records"][0]
    assert {"alpha", "lam", "test_error", "test_error_sem", "train_error"} <= rec.keys()


def test_cli_bad_flag_exits_2_naming_it(capsys):
    assert main(["simulate", "--model", "mlp", "--spike", "1", "--gamma", "0.5"]) == 2
    assert "--model" in capsys.readouterr().err
    assert main(["simulate", "--model", "network", "--d", "40"]) == 2
    assert "--eta" in capsys.readouterr().err


def test_edge_parameters_give_finite_numbers():
    """gamma = 0 and 1, a large step, no label noise, lambda near 0 at n = p."""
    base = COMMON | {"lam": [1e-10, 0.1], "alpha": [1.5]}  # n = p = 60
    quiet = Problem("tanh", target("tanh", 2.0), noise=0.0, beta=1.5, alpha0=2.0)
    for kw in [dict(srf=SRF(1.0, 0.0)), dict(srf=SRF(2.0, 1.0)), dict(eta=50.0)]:
        model = "network" if "eta" in kw else "srf"
        ds = simulate(quiet, model, **base, **kw)
        print(model, kw, ds["test_error_mean"].values.ravel())
        assert np.all(np.isfinite(ds["test_error"])) and np.all(ds["train_error"] >= 0)
    aligned = simulate(PROBLEM, "srf", **COMMON, srf=SRF(2.0, 1.0))
    orthogonal = simulate(PROBLEM, "srf", **COMMON, srf=SRF(2.0, 0.0))
    assert np.all(aligned["test_error_mean"] < orthogonal["test_error_mean"])
