"""Statistics over seeds."""

from __future__ import annotations

import numpy as np
import xarray as xr


def mean_sem(ds: xr.Dataset) -> xr.Dataset:
    """`<var>_mean` and `<var>_sem` (standard error, NaN for one seed) over dim `seed`."""
    n = ds.sizes["seed"]
    out = {}
    for name, var in ds.data_vars.items():
        out[f"{name}_mean"] = var.mean("seed")
        out[f"{name}_sem"] = (
            var.std("seed", ddof=1) / np.sqrt(n) if n > 1 else np.nan * var.mean("seed")
        )
    res = xr.Dataset(out)
    res.attrs["n_seeds"] = n
    res.attrs["seed_values"] = ds["seed"].values.tolist()
    return res


def bin_weights(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Averaging weights (B, n) of the points `x` (n,) over the B bins `edges` (B + 1,):
    row b is `1/count_b` on the points of bin b (`[e_b, e_b+1)`), NaN for an empty bin."""
    idx = np.searchsorted(edges, x, side="right") - 1
    inside = (idx >= 0) & (idx < edges.size - 1)
    w = np.zeros((edges.size - 1, x.size))
    w[idx[inside], np.flatnonzero(inside)] = 1.0
    count = w.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return w / count
