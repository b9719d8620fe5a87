"""Artifacts: atomic writes, provenance round trip, per-stage code versions."""

import json

import numpy as np
import pytest
import xarray as xr

from srfpipe import store, versions


def test_save_load_round_trip_with_params(tmp_path):
    params = {"d": 4, "flag": True, "target": {"name": "tanh"}, "seeds": [1, 2], "none": None}
    ds = xr.Dataset({"v": ("i", np.arange(3.0))})
    ds.attrs |= store.provenance("data", params)
    path = tmp_path / "sub" / "a.nc"
    store.save(ds, path)
    back = xr.open_dataset(path, engine="netcdf4")
    assert store.params_of(back) == params
    assert back.attrs["stage"] == "data" and back.attrs["flag"] == 1
    assert back.attrs["code_version"] == versions.code_version("data")
    xr.testing.assert_identical(back["v"], ds["v"])
    back.close()
    assert [p.name for p in path.parent.iterdir()] == ["a.nc"]


def test_failed_write_leaves_no_file_and_keeps_old(tmp_path):
    path = tmp_path / "a.nc"
    store.save(xr.Dataset({"v": ("i", [1.0])}), path)
    bad = xr.Dataset({"v": ("i", [2.0])}, attrs={"bad": {"nested": 1}})  # dict attr: fails
    with pytest.raises((TypeError, ValueError)):
        store.save(bad, path)
    assert [p.name for p in tmp_path.iterdir()] == ["a.nc"]
    assert store.load(path)["v"].item() == 1.0


def test_code_versions_differ_by_stage():
    by_stage = {s: versions.code_version(s) for s in versions.STAGE_MODULES}
    assert len(set(by_stage.values())) == len(by_stage)
    assert all(len(v) == 12 for v in by_stage.values())
    json.dumps(by_stage)
