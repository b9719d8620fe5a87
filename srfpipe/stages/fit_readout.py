"""fit_readout: ridge readouts of every model over the alpha x lambda grid for one (eta, seed).

Writes `train_error`, `test_error`, `readout_sq_norm` over (model, alpha, lam), with the
coordinate `n` (alpha,): the training-set sizes; and, for the learned function, the test
predictions binned along the theory-map spike `kappa = v_map . x` (`KAPPA_EDGES`):
`binned_prediction` over (model, alpha, kappa_bin, lam) (bin means of `f_hat(x)`),
`binned_label`, `binned_kappa` (bin means of `y` and `kappa`) and `bin_count` over
(kappa_bin,), `kappa_edges` over (kappa_edge,). Models come from the registry
(`srfpipe.models`), their first layers from the step artifact. Every model whose layer is
the rf layer `W0` (the rf model; every model at eta = 0) takes the seed's `fit_rf` artifact;
the others are fitted here (`fit_rf.fit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from srfpipe.models import MODELS
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
    """Dataset over (model, alpha, lam) with `train_error`, `test_error`, `readout_sq_norm`;
    `rf_ds` is the seed's `fit_rf` artifact (computed here when not given)."""
    rf_ds = fit_rf.run(params, seed, data_ds) if rf_ds is None else rf_ds
    alphas, lams, models = params["alpha"], params["lam"], params["models"]
    source = StepLayers(step_ds)
    rf, *layers = canonical([MODELS[m].layer(source) for m in ("rf", *models)])
    fitted = [i for i, layer in enumerate(layers) if not same_layer(rf, layer)]
    samples, out = fit_rf.fit(params, data_ds, [layers[i] for i in fitted])
    names = (*ERRORS, "test_prediction")
    rows = {name: np.repeat(rf_ds[name].values[None], len(models), axis=0) for name in names}
    for j, i in enumerate(fitted):
        for name in names:
            rows[name][i] = out[name][j]
    kappa = samples.x_test @ source.spike_map.v
    weights = bin_weights(kappa, KAPPA_EDGES)
    ds = xr.Dataset(
        {name: (("model", "alpha", "lam"), rows[name]) for name in ERRORS},
        coords={
            "model": list(models),
            "alpha": alphas,
            "lam": lams,
            "n": ("alpha", rf_ds["n"].values),
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
