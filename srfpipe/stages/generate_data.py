"""Data stage: teacher `theta` and the labels of the step, train and test splits of a seed.

Inputs are not stored: they are regenerated from the recorded seed by `inputs` (block-wise,
see `srfpipe.data`), which also checks that the regenerated labels equal the stored ones.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import xarray as xr

from srfpipe import data
from srfpipe.functions import target
from srfpipe.store import params_of, provenance

log = logging.getLogger(__name__)

SPLIT_SIZES = {"step": "n0", "train": "n_train", "test": "n_test"}


def run(params: dict[str, Any], seed: int) -> xr.Dataset:
    """Dataset with `theta` (input,) and `y_<split>` (sample_<split>,) for the three splits."""
    g = target(**params["target"])
    theta = data.teacher(seed, params["d"])
    ds = xr.Dataset({"theta": ("input", theta)})
    for split, size in SPLIT_SIZES.items():
        x, y = data.sample(seed, split, params[size], theta, g, params["noise"])
        ds[f"y_{split}"] = (f"sample_{split}", y)
        ds.attrs[f"label_second_moment_{split}"] = float(np.mean(y**2))
        ds.attrs[f"linear_coefficient_{split}"] = float(np.mean(y * (x @ theta)))
        log.info("split %s: %d x %d", split, *x.shape)
    ds.attrs |= provenance("data", params | {"seed": seed})
    ds.attrs["target_label"] = g.describe()
    return ds


def inputs(ds: xr.Dataset, split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Regenerate X (n, d) and y (n,) of `split` (first n rows; all by default).

    Raises RuntimeError if the labels differ from the stored ones (e.g. another numpy RNG).
    """
    params = params_of(ds)
    stored = ds[f"y_{split}"].values
    n = stored.shape[0] if n is None else n
    x, y = data.sample(
        params["seed"], split, n, ds["theta"].values, target(**params["target"]), params["noise"]
    )
    if not np.array_equal(y, stored[:n]):
        raise RuntimeError(
            f"regenerated {split} labels differ from the data artifact (seed {params['seed']}); "
            "the random number generator changed: rerun the data stage"
        )
    return x, y
