"""NetCDF artifacts: atomic save, load, provenance attributes and per-stage code versions.

Every artifact carries `attrs["params_json"]` (the full parameter dict as JSON, because
netCDF attributes cannot hold bools, None or dicts), flat scalar copies of the simple
parameters for humans, `stage`, `srfpipe_version`, `code_version`, `git_commit` (when the
package runs from a git checkout) and `slurm_job_id` (when run under SLURM).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import xarray as xr

import srfpipe
from srfpipe.versions import code_version, git_commit


def provenance(stage: str, params: dict[str, Any]) -> dict[str, Any]:
    """netCDF-safe attributes: params as JSON, flat scalars, versions, commit, SLURM job id."""
    attrs: dict[str, Any] = {
        "stage": stage,
        "params_json": json.dumps(params, sort_keys=True),
        "srfpipe_version": srfpipe.__version__,
        "code_version": code_version(stage),
        "git_commit": git_commit(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID", ""),
    }
    for key, value in params.items():
        if isinstance(value, bool):
            attrs[key] = int(value)
        elif isinstance(value, int | float | str):
            attrs[key] = value
    return attrs


def params_of(ds: xr.Dataset) -> dict[str, Any]:
    """The parameter dict an artifact was made with."""
    return json.loads(ds.attrs["params_json"])


def save(ds: xr.Dataset, path: str | os.PathLike[str]) -> None:
    """Write `ds` to `path` atomically (netcdf4, zlib level 4 + shuffle for float data).

    The file is written under a hidden temporary name in the same folder and renamed into
    place, so a crash at any moment leaves either the old file or none, never a partial one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    encoding = {
        name: {"zlib": True, "complevel": 4, "shuffle": True}
        for name, var in ds.data_vars.items()
        if var.dtype.kind in "fiu" and var.ndim > 0
    }
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read an artifact fully into memory and close the file."""
    return xr.load_dataset(path, engine="netcdf4")


def manifest(root: str | os.PathLike[str] = "results") -> list[dict[str, Any]]:
    """One record per artifact under `root`: path, stage, key (its folder) and parameters.

    Reads only the attributes, so it is quick on large result trees."""
    import netCDF4

    records = []
    for path in sorted(Path(root).rglob("*.nc")):
        with netCDF4.Dataset(path) as nc:
            attrs = {k: nc.getncattr(k) for k in nc.ncattrs()}
        records.append({
            "path": path.as_posix(),
            "stage": attrs.get("stage", ""),
            "key": path.parent.name,
            "params": json.loads(attrs["params_json"]) if "params_json" in attrs else {},
        })  # fmt: skip
    return records
