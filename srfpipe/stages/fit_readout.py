"""fit_readout: ridge readouts of every model over the alpha x lambda grid for one (eta, seed).

Writes `train_error`, `test_error`, `readout_sq_norm` over (model, alpha, lam), with the
coordinate `n` (alpha,): the training-set sizes; and, for the learned function, the test
predictions binned along the theory-map spike `kappa = v_map . x` (`KAPPA_EDGES`):
`binned_prediction` over (model, alpha, kappa_bin, lam) (bin means of `f_hat(x)`),
`binned_label`, `binned_kappa` (bin means of `y` and `kappa`) and `bin_count` over
(kappa_bin,), `kappa_edges` over (kappa_edge,). Models come from the registry
(`srfpipe.models`), their first layers from the step artifact. Given the seed's `fit_rf`
artifact, every model whose layer is the rf layer `W0` (the rf model; every model at eta = 0)
takes its numbers from it; the other layers are fitted here (`fit_rf.fit`). The workflow
gives it where a model's layer is `W0` (`srfpipe.config.Experiment.fits_rf`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from srfpipe.models import MODELS
from srfpipe.problem import sample_sizes
from srfpipe.simulation import ERRORS, canonical, same_layer
from srfpipe.stages import fit_rf
from srfpipe.stages.take_step import StepLayers
from srfpipe.stats import bin_weights
from srfpipe.store import provenance

KAPPA_EDGES = np.linspace(-2.5, 2.5, 21)
"""Bins of the spike coordinate `kappa = v_map . x` for the binned test predictions."""


def run(
    params: dict[str, Any],
    seed: int,
    eta: float,
    data_ds: xr.Dataset,
    step_ds: xr.Dataset,
    rf_ds: xr.Dataset | None = None,
) -> xr.Dataset:
    """The dataset of the module docstring; `rf_ds` is the seed's `fit_rf` artifact (None:
    every layer is fitted here)."""
    alphas, lams, models = params["alpha"], params["lam"], params["models"]
    source = StepLayers(step_ds)
    rf, *layers = canonical([MODELS[m].layer(source) for m in ("rf", *models)])
    names = (*ERRORS, "test_prediction")
    fitted = [i for i, layer in enumerate(layers) if rf_ds is None or not same_layer(rf, layer)]
    samples, out = fit_rf.fit(params, data_ds, [layers[i] for i in fitted])
    fits = {i: j for j, i in enumerate(fitted)}  # model -> its row of `out`

    def row(name: str, i: int) -> np.ndarray:
        return out[name][fits[i]] if i in fits else rf_ds[name].values

    rows = {name: np.stack([row(name, i) for i in range(len(models))]) for name in names}
    kappa = samples.x_test @ source.spike_map.v
    weights = bin_weights(kappa, KAPPA_EDGES)
    ds = xr.Dataset(
        {name: (("model", "alpha", "lam"), rows[name]) for name in ERRORS},
        coords={
            "model": list(models),
            "alpha": alphas,
            "lam": lams,
            "n": ("alpha", sample_sizes(alphas, params["d"])),
            "kappa_bin": 0.5 * (KAPPA_EDGES[1:] + KAPPA_EDGES[:-1]),
        },
    )
    binned = weights @ rows["test_prediction"]  # (model, alpha, kappa_bin, lam)
    ds["binned_prediction"] = (("model", "alpha", "kappa_bin", "lam"), binned)
    ds["binned_label"] = ("kappa_bin", weights @ samples.y_test)
    ds["binned_kappa"] = ("kappa_bin", weights @ kappa)
    ds["bin_count"] = ("kappa_bin", np.count_nonzero(weights, axis=1))
    ds["kappa_edges"] = ("kappa_edge", KAPPA_EDGES)
    ds.attrs |= provenance("readout", params | {"seed": seed, "eta": eta})
    return ds
