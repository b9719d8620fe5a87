"""Compare two result trees variable by variable (the refactoring check: same numbers).

    python benchmarks/compare_results.py OLD/results NEW/results [--rename old=new ...]

Artifacts are matched by stage and by the parameters that vary per file (seed, eta, d), not
by path (stage keys change when parameters are renamed). A new artifact may hold several old
ones along a dimension (e.g. validation over eta): the old one is compared with its slice.
Dimension orders may differ. Prints, per stage and variable, `identical` or the largest
relative difference, and exits 1 if any variable is missing or differs by more than --rtol.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import xarray as xr

WILDCARDS = ("seed", "eta", "d")


def index(root: Path) -> dict[tuple, Path]:
    out = {}
    for path in sorted(root.rglob("*.nc")):
        ds = xr.open_dataset(path, engine="netcdf4")
        params = json.loads(ds.attrs.get("params_json", "{}"))
        stage = ds.attrs.get("stage", path.parts[len(root.parts)])
        ds.close()
        key = tuple(
            (k, params[k])
            for k in WILDCARDS
            if not isinstance(params.get(k), list | type(None)) and k in params
        )
        out[(stage, key)] = path
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--rename", nargs="*", default=["theory_model=theory"], help="old=new names")
    ap.add_argument("--rtol", type=float, default=0.0)
    args = ap.parse_args()
    rename = dict(r.split("=") for r in args.rename)
    old, new = index(args.old), index(args.new)
    worst: dict[tuple[str, str], float] = defaultdict(float)
    missing = []
    for (stage, key), path in old.items():
        wanted = dict(key)
        match = next(
            (
                p
                for (s, k), p in new.items()
                if s == stage and all(wanted.get(a) == b for a, b in k)
            ),
            None,
        )
        if match is None:
            missing.append(f"{stage} {key}: no new artifact")
            continue
        a = xr.load_dataset(path, engine="netcdf4")
        b = xr.load_dataset(match, engine="netcdf4")
        local = dict(rename)
        if stage == "theory" and "model" in a.dims:
            local["model"] = "theory"
        a = a.rename({k: v for k, v in local.items() if k in a.variables or k in a.dims})
        for k, v in wanted.items():
            if k in b.dims and k not in a.dims:
                b = b.sel({k: v})
        for name, var in a.data_vars.items():
            if name not in b:
                missing.append(f"{stage} {key}: variable {name}")
                continue
            other = b[name]
            x, y = xr.align(var, other, join="inner")
            y = y.transpose(*x.dims)
            xv, yv = np.asarray(x.values, float), np.asarray(y.values, float)
            if xv.shape != np.asarray(var.values).shape:
                missing.append(f"{stage} {key}: {name} coordinates differ")
                continue
            same = np.array_equal(xv, yv, equal_nan=True)
            if not same:
                scale = np.maximum(np.abs(xv), np.abs(yv))
                with np.errstate(invalid="ignore", divide="ignore"):
                    rel = np.nanmax(np.where(scale > 0, np.abs(xv - yv) / scale, 0.0))
                worst[(stage, name)] = max(worst[(stage, name)], float(rel) or 1e-300)
            else:
                worst.setdefault((stage, name), 0.0)
    bad = False
    for (stage, name), rel in sorted(worst.items()):
        status = "identical" if rel == 0 else f"max rel diff {rel:.2e}"
        bad |= rel > args.rtol
        print(f"{stage:<11} {name:<28} {status}")
    for m in missing:
        print("MISSING", m)
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main())
