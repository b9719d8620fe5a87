"""The model registry: one entry runs a new model through readout, curves and plots; the
schema's enums are the package's registries."""

from __future__ import annotations

import numpy as np

from srfpipe import models, plots
from srfpipe.config import Experiment, schema
from srfpipe.functions import ACTIVATIONS, TARGET_NAMES
from srfpipe.keys import stage_params
from srfpipe.problem import INIT_OUTPUTS, LAM_SCALES, READOUT_INITS, W0_ROWS, Problem
from srfpipe.stages import eval_theory, fit_readout, generate_data, make_curves, take_step

TINY = {
    "d": 32, "beta": 2.0, "alpha0": 2.0, "eta": [0.0, 1.0], "alpha": [0.5, 2.0],
    "lam": [0.1], "seeds": [0, 1], "test_size": 200, "noise": 0.1,
}  # fmt: skip


def test_schema_enums_are_the_registries():
    props = schema()["properties"]
    assert props["activation"]["enum"] == list(ACTIVATIONS)
    assert props["target"]["properties"]["name"]["enum"] == list(TARGET_NAMES)
    assert props["readout_init"]["enum"] == list(READOUT_INITS)
    assert props["init_output"]["enum"] == list(INIT_OUTPUTS)
    assert props["models"]["items"]["enum"] == list(models.workflow_models())
    assert set(props["models"]["default"]) <= set(models.workflow_models())
    assert props["w0_rows"]["enum"] == list(W0_ROWS)
    assert props["lam_scale"]["enum"] == list(LAM_SCALES)


def test_problem_defaults_are_the_schema_defaults():
    props, default = schema()["properties"], Problem()
    for key in ("activation", "noise", "readout_init", "init_output", "w0_rows", "lam_scale"):
        assert getattr(default, key) == props[key]["default"], key


def test_a_new_model_is_one_registry_entry(monkeypatch, tmp_path):
    toy = models.Model(
        "toy", "toy (W0 / 2 + map spike)", dict(color="C5", marker="x"),
        lambda s: models.Layer(s.w0, s.spike_map, 0.5), None, "half the initial layer",
        needs="map", base="w0",
    )  # fmt: skip
    monkeypatch.setitem(models.MODELS, "toy", toy)
    exp = Experiment.from_config(TINY)  # the config schema knows only the shipped models
    readout_params = stage_params(exp, "readout") | {"models": ["rf", "toy"]}
    readouts, steps, theories = [], [], []
    for eta in exp.eta:
        theories.append(eval_theory.run(stage_params(exp, "theory"), eta))
        for seed in exp.seeds:
            data_ds = generate_data.run(stage_params(exp, "data"), seed)
            step_ds = take_step.run(stage_params(exp, "step"), seed, eta, data_ds)
            steps.append(step_ds)
            readouts.append(fit_readout.run(readout_params, seed, eta, data_ds, step_ds))
    curves = make_curves.run(readouts, steps, theories)
    err = curves["test_error_mean"].sel(model="toy").values
    assert np.all(np.isfinite(err)) and not np.array_equal(
        err, curves["test_error_mean"].sel(model="rf").values
    )
    paths = [tmp_path / "curves.png"]
    plots.learning_curves(curves, paths)
    assert paths[0].stat().st_size > 10_000
