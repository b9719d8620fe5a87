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
