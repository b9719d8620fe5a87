"""Artifacts: atomic writes, provenance round trip, per-stage code versions."""

import json
import shutil

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


def test_stage_files_follow_the_imports():
    names = {
        stage: {f.relative_to(versions.PACKAGE_DIR).as_posix() for f in versions.stage_files(stage)}
        for stage in versions.STAGE_MODULES
    }
    assert {"linalg/band.py", "ridge.py", "simulation.py", "models.py"} <= names["readout"]
    assert {"theory/fixed_point.py", "theory/__init__.py", "step.py"} <= names["theory"]
    assert "store.py" not in names["readout"] and "theory/curves.py" not in names["data"]


def test_a_new_import_changes_the_code_version(tmp_path):
    """Copy the package, add an import of a new module to one stage: its version changes,
    and an edit of that new module changes it again; other stages are unaffected."""
    root = tmp_path / "srfpipe"
    shutil.copytree(versions.PACKAGE_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    before = {s: versions.code_version(s, root) for s in versions.STAGE_MODULES}
    (root / "extra.py").write_text("X = 1\n")
    assert versions.code_version("readout", root) == before["readout"]  # not imported yet
    stage = root / "stages" / "fit_readout.py"
    stage.write_text(stage.read_text() + "\nfrom srfpipe.extra import X  # noqa\n")
    after = versions.code_version("readout", root)
    assert after != before["readout"]
    (root / "extra.py").write_text("X = 2\n")
    assert versions.code_version("readout", root) != after
    assert versions.code_version("theory", root) == before["theory"]
