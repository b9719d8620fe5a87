"""Readout stage: ridge readouts of every model over the alpha x lambda grid for one (eta, seed).

Training sets are nested prefixes of one pool of `n_train = max(alpha) * d` samples, so the
Gram matrix is accumulated once along the learning curve (see `srfpipe.ridge`). The rf and
sRF models share the pre-activations `X W0^T` (an sRF only adds the rank-one `(X v) u^T`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from srfpipe import step
from srfpipe.functions import Activation, activation
from srfpipe.parallel import by_rows, matmul
from srfpipe.ridge import ridge_learning_curve
from srfpipe.stages import data as data_stage
from srfpipe.stages import step as step_stage
from srfpipe.store import provenance

log = logging.getLogger(__name__)

ERRORS = ("train_error", "test_error", "readout_sq_norm")


def _features(
    act: Activation, x: np.ndarray, pre: np.ndarray, spike: step.Spike | None
) -> np.ndarray:
    """`sigma(pre + (x v) u^T)` (n, p), float64, from the pre-activations `pre = x base^T`
    (n, p); the sum and sigma are evaluated in the dtype of `pre`."""
    if spike is None:
        return by_rows(lambda r: act(pre[r]), pre.shape)
    z = np.outer(x @ spike.v, spike.u).astype(pre.dtype, copy=False)
    z += pre
    return by_rows(lambda r: act(z[r]), z.shape)


def run(
    params: dict[str, Any], seed: int, eta: float, data_ds: xr.Dataset, step_ds: xr.Dataset
) -> xr.Dataset:
    """Dataset over (model, alpha, lam) with `train_error`, `test_error`, `readout_sq_norm`.

    Models sharing `W0` (rf and the sRFs, whose features are `sigma(X W0^T + (X v) u^T)`)
    share the GEMM `X W0^T`; models with identical first layers (all of them at eta = 0)
    are fitted once.
    """
    t0 = time.perf_counter()
    act = activation(params["activation"])
    alphas, lams = params["alpha"], params["lam"]
    ns = [round(a * params["d"]) for a in alphas]
    x, y = data_stage.inputs(data_ds, "train", max(ns))
    x_test, y_test = data_stage.inputs(data_ds, "test")
    dtype = np.dtype(params["precision"])  # of the products X W^T and the activations
    inputs = {"train": x.astype(dtype, copy=False), "test": x_test.astype(dtype, copy=False)}
    layers = step_stage.model_layers(step_ds)
    w0 = layers["rf"][0]
    w0_cast = w0.astype(dtype, copy=False)
    pre_w0: dict[tuple, np.ndarray] = {}  # rows of X W0^T, X_test W0^T: rf and sRFs share them

    def pre(split: str, layer: np.ndarray, rows: slice = slice(None)) -> np.ndarray:
        """Pre-activations `X[rows] layer^T` of `split`, `layer` a first layer in `dtype`."""
        if layer is not w0_cast:
            return matmul(inputs[split][rows], layer.T)
        key = (split, rows.start, rows.stop)
        if key not in pre_w0:
            pre_w0[key] = matmul(inputs[split][rows], w0_cast.T)
        return pre_w0[key]

    out = {name: np.empty((len(params["models"]), len(alphas), len(lams))) for name in ERRORS}
    done: list[tuple[np.ndarray, step.Spike | None, int]] = []
    for i, model in enumerate(params["models"]):
        base, spike = layers[model]
        if base is not w0 and np.array_equal(base, w0):  # network at eta = 0
            base = w0
        if spike is not None and not np.any(spike.u):  # W0 + 0 v^T is W0
            spike = None
        same = next((j for b, s, j in done if b is base and _same(s, spike)), None)
        if same is not None:
            for name in ERRORS:
                out[name][i] = out[name][same]
            continue
        layer = w0_cast if base is w0 else base.astype(dtype, copy=False)
        phi = _features(act, x, pre("train", layer), spike)

        def test_rows(
            rows: slice, layer: np.ndarray = layer, spike: step.Spike | None = spike
        ) -> np.ndarray:
            return _features(act, x_test[rows], pre("test", layer, rows), spike)

        # the test features are computed, by row blocks, alongside the fits
        curve = ridge_learning_curve(phi, y, ns, lams, test_rows, y_test)
        del phi
        for k, errs in enumerate(curve):
            for name in ERRORS:
                out[name][i, k] = getattr(errs, name)
        done.append((base, spike, i))
        log.info(
            "readout %s: %d alphas x %d lambdas, %.2fs",
            model,
            len(ns),
            len(lams),
            time.perf_counter() - t0,
        )
    ds = xr.Dataset(
        {name: (("model", "alpha", "lam"), out[name]) for name in ERRORS},
        coords={"model": list(params["models"]), "alpha": alphas, "lam": lams, "n": ("alpha", ns)},
    )
    ds.attrs |= provenance("readout", params | {"seed": seed, "eta": eta})
    return ds


def _same(a: step.Spike | None, b: step.Spike | None) -> bool:
    """Whether two optional spikes are the same rank-one matrix entry for entry."""
    if a is None or b is None:
        return a is b
    return np.array_equal(a.u, b.u) and np.array_equal(a.v, b.v)
