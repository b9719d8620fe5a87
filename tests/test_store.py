"""Artifacts: atomic writes, provenance round trip, per-stage code versions."""

import ast
import json
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


UPSTREAM = {"step": ["data"], "readout": ["data", "step"], "curves": ["readout", "theory"]}
"""Stages whose artifacts a stage reads: their code changes rerun it through them."""
BOOKKEEPING = {"__init__.py", "store.py", "config.py", "versions.py"}
"""Provenance and I/O: no numbers come from them."""


def _package_imports(path: Path, package: Path) -> set[Path]:
    """Package files `path` imports, transitively."""
    seen: set[Path] = set()
    todo = [path]
    while todo:
        tree = ast.parse(todo.pop().read_text())
        for node in ast.walk(tree):
            names = []
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("srfpipe")
            ):
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("srfpipe")]
            for name in (n for n in names if n != "srfpipe"):
                rel = Path(*name.split(".")[1:])
                for cand in (package / rel.with_suffix(".py"), package / rel / "__init__.py"):
                    if cand.exists() and cand not in seen:
                        seen.add(cand)
                        todo.append(cand)
    return seen


@pytest.mark.parametrize("stage", sorted(versions.STAGE_MODULES))
def test_code_version_covers_every_imported_module(stage):
    """An edit to any module a stage computes with changes that stage's code version (or an
    upstream stage's, whose artifacts it reads)."""
    package = versions.PACKAGE_DIR
    entry = package / ("plots.py" if stage == "plots" else f"stages/{stage}.py")
    covered = {
        f
        for s in [stage, *UPSTREAM.get(stage, [])]
        for name in versions.STAGE_MODULES[s]
        for f in ([package / name] if name.endswith(".py") else (package / name).rglob("*.py"))
    }
    missing = {
        f.relative_to(package).as_posix()
        for f in _package_imports(entry, package)
        if f not in covered and f.name not in BOOKKEEPING
    }
    assert not missing, f"{stage}: add {sorted(missing)} to versions.STAGE_MODULES"
