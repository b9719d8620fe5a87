"""`srfpipe.simulate` and the `srfpipe simulate` command."""

import json

import numpy as np

from srfpipe.cli import main
from srfpipe.functions import activation, target
from srfpipe.simulate import simulate

ACT, G = activation("tanh"), target("tanh", 2.0)
COMMON = dict(
    act=ACT,
    g=G,
    noise=0.1,
    d=40,
    beta=1.5,
    lams=[0.1, 1.0],
    alphas=[0.5, 2.0],
    seeds=[0, 1],
    test_size=300,
)


def test_zero_spike_and_zero_step_are_the_rf_model():
    rf = simulate("rf", **COMMON)
    srf0 = simulate("srf", spike=(0.0, 0.5), **COMMON)
    net0 = simulate("network", step_size=(0.0, 2.0), **COMMON)
    for other in (srf0, net0):
        assert np.array_equal(rf["test_error"], other["test_error"])


def test_mean_and_sem_over_seeds():
    ds = simulate("srf", spike=(1.0, 0.9), **COMMON)
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
    base = COMMON | {"noise": 0.0, "lams": [1e-10, 0.1], "alphas": [1.5]}  # n = p = 60
    for kw in [dict(spike=(1.0, 0.0)), dict(spike=(2.0, 1.0)), dict(step_size=(50.0, 2.0))]:
        model = "network" if "step_size" in kw else "srf"
        ds = simulate(model, **base, **kw)
        print(model, kw, ds["test_error_mean"].values.ravel())
        assert np.all(np.isfinite(ds["test_error"])) and np.all(ds["train_error"] >= 0)
    aligned = simulate("srf", **COMMON, spike=(2.0, 1.0))
    orthogonal = simulate("srf", **COMMON, spike=(2.0, 0.0))
    assert np.all(aligned["test_error_mean"] < orthogonal["test_error_mean"])
