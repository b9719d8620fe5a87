"""Artifacts: atomic writes, provenance round trip, per-stage code versions."""

import json
import os
import shutil
import stat
from pathlib import Path

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


def test_only_small_arrays_are_compressed(tmp_path):
    """zlib for arrays under `COMPRESS_MAX` entries; a layer-sized array is stored raw (it
    compresses by about 12% at 2 s of CPU per 64 MB) and both read back exactly."""
    rng = np.random.default_rng(0)
    big = rng.standard_normal(store.COMPRESS_MAX)
    ds = xr.Dataset({"small": ("i", big[:1000]), "big": ("j", big)})
    store.save(ds, tmp_path / "a.nc")
    with xr.open_dataset(tmp_path / "a.nc", engine="netcdf4") as back:
        assert back["small"].encoding["zlib"] and not back["big"].encoding["zlib"]
        xr.testing.assert_identical(back.load(), ds)


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


def test_artifacts_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        store.save(xr.Dataset({"v": ("i", [1.0])}), tmp_path / "a.nc")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.nc").stat().st_mode) == 0o644


def test_corrupt_artifact_names_the_file_and_the_remedy(tmp_path):
    good = tmp_path / "good.nc"
    store.save(
        xr.Dataset({"v": ("i", np.arange(500.0))}, attrs={"stage": "data", "params_json": "{}"}),
        good,
    )
    blob = good.read_bytes()
    (tmp_path / "trunc.nc").write_bytes(blob[: len(blob) // 2])
    (tmp_path / "junk.nc").write_text("not netcdf")
    for name in ("trunc.nc", "junk.nc"):
        with pytest.raises(store.CorruptArtifact, match=f"{name}: .*delete it and rerun"):
            store.load(tmp_path / name)
    xr.Dataset({"t": ("i", [1.0])}).to_netcdf(tmp_path / "other.nc")  # someone else's
    records = store.manifest(tmp_path)
    names = ["good.nc", "junk.nc", "other.nc", "trunc.nc"]
    assert [r["path"].rsplit("/", 1)[1] for r in records] == names
    assert "error" not in records[0] and records[0]["stage"] == "data"
    assert all("delete it and rerun" in records[i]["error"] for i in (1, 3))
    other = records[2]["error"]
    assert "not an srfpipe artifact" in other and "leaves it alone" in other
    assert "delete it" not in other and "or corrupt" not in other
    with pytest.raises(FileNotFoundError, match="no such results folder"):
        store.manifest(tmp_path / "missing")


def test_full_disk_is_explained(tmp_path, monkeypatch):
    def full(self, path, **kw):
        Path(path).write_bytes(b"partial")
        raise OSError(-101, "NetCDF: HDF error")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", full)
    with pytest.raises(OSError, match=r"MB free on its disk.*the disk is full"):
        store.save(xr.Dataset({"v": ("i", [1.0])}), tmp_path / "a.nc")
    assert list(tmp_path.iterdir()) == []


def test_prune_removes_only_figures_srfpipe_made_and_no_longer_draws(tmp_path):
    made = ["a.png", "a.pdf", "old.png", "old.pdf"]
    figures = tmp_path / "figures"
    figures.mkdir()
    for name in (*made, "my_notes.pdf", "plot.png", "notes.txt"):
        (figures / name).write_text("x")
    removed = store.prune(figures, ["a.png", "a.pdf"], made)
    assert [p.name for p in removed] == ["old.pdf", "old.png"]
    left = sorted(p.name for p in figures.iterdir())
    assert left == ["a.pdf", "a.png", "my_notes.pdf", "notes.txt", "plot.png"]


def test_prune_never_follows_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "old.png").write_text("user's")
    (outside / "target.pdf").write_text("user's")
    linked = tmp_path / "linked"
    linked.symlink_to(outside)  # a symlinked figures folder
    assert store.prune(linked, [], ["old.png"]) == []
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "old.pdf").symlink_to(outside / "target.pdf")  # a link named like a figure
    assert store.prune(figures, [], ["old.png", "old.pdf"]) == []
    assert sorted(p.name for p in outside.iterdir()) == ["old.png", "target.pdf"]
    assert (figures / "old.pdf").is_symlink()


def test_a_misplaced_artifact_is_refused(tmp_path):
    """The issue's `cp eta~1_seed~0.nc eta~1_seed~1.nc`: the recorded seed contradicts the
    name; also a wrong stage, and parameters that disagree with the consumer's."""
    params = {"d": 8, "alpha": [0.5, 1.0], "seed": 0, "eta": 1.0}
    ds = xr.Dataset({"v": ("i", np.arange(3.0))})
    ds.attrs |= store.provenance("step", params)
    good = tmp_path / "eta~1_seed~0.nc"
    store.save(ds, good)
    expect = {"d": 8, "alpha": (0.5, 1.0), "lam": [0.1], "seed": 0, "eta": 1.0}
    store.load(good, "step", expect)  # right stage, name and parameters
    copied = tmp_path / "eta~1_seed~1.nc"
    shutil.copy(good, copied)
    with pytest.raises(store.MisplacedArtifact, match=r"seed 0 where the file name says 1"):
        store.load(copied, "step")
    with pytest.raises(store.MisplacedArtifact, match=r"stage 'step', expected 'data'"):
        store.load(good, "data")
    with pytest.raises(store.MisplacedArtifact, match=r"d 8, expected 16.*delete it and rerun"):
        store.load(good, "step", expect | {"d": 16})
    assert store.load(copied).attrs["stage"] == "step"  # without a stage: no check
