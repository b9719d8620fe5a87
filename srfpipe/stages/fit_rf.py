"""fit_rf: the rf readout (first layer `W0`) of one seed over the alpha x lambda grid, fitted
once for every eta (its key has neither eta nor the models).

Writes `train_error`, `test_error`, `readout_sq_norm` over (alpha, lam), with the coordinate
`n` (alpha,): the training-set sizes; and `test_prediction` over (alpha, sample_test, lam):
`f_hat` on the test inputs, which `fit_readout` bins along each eta's spike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from srfpipe.models import MODELS, Layer
from srfpipe.problem import Problem, sample_sizes
from srfpipe.simulation import ERRORS, Samples, SeedDraw, fit_layers
from srfpipe.stages import generate_data
from srfpipe.store import provenance


def fit(
    params: dict[str, Any], data_ds: xr.Dataset, layers: Sequence[Layer]
) -> tuple[Samples, dict[str, np.ndarray]]:
    """The seed's samples and `fit_layers` of `layers` on them with the test predictions
    (nested training sets of the alphas, the config's precision); no layers: no fit, `{}`."""
    ns = sample_sizes(params["alpha"], params["d"])
    samples = Samples(
        *generate_data.inputs(data_ds, "train", max(ns)), *generate_data.inputs(data_ds, "test")
    )
    if not layers:
        return samples, {}
    problem = Problem.from_config(params)
    lams = problem.ridge(np.asarray(params["lam"])[None, :], np.asarray(params["alpha"])[:, None])
    dtype = np.dtype(params["precision"])
    out = fit_layers(
        problem.sigma, layers, samples, ns=ns, lams=lams, dtype=dtype, predictions=True
    )
    return samples, out


def run(params: dict[str, Any], seed: int, data_ds: xr.Dataset) -> xr.Dataset:
    """The dataset of the module docstring."""
    draw = SeedDraw(Problem.from_config(params), params["d"], seed)
    _, out = fit(params, data_ds, [MODELS["rf"].layer(draw)])
    dims = {name: ("alpha", "lam") for name in ERRORS} | {
        "test_prediction": ("alpha", "sample_test", "lam")
    }
    ds = xr.Dataset(
        {name: (dim, out[name][0]) for name, dim in dims.items()},
        coords={
            "alpha": params["alpha"],
            "lam": params["lam"],
            "n": ("alpha", sample_sizes(params["alpha"], params["d"])),
        },
    )
    ds.attrs |= provenance("rf", params | {"seed": seed})
    return ds
