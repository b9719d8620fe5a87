"""float32 against float64 over the paper config's grid at reduced d: test errors and CPU time.

For each `--dims` value, runs `config/paper.yaml` (seeds `--seeds`, validation off,
`threads: 1`) from scratch twice in snapshots of the workflow (`workflow_runs.snapshot`),
with `precision: float64` and `float32`, and compares every test error: the simulated ones of
each model (`fit_readout`: model x alpha x lambda per (eta, seed)), the conditional theory
(`eval_conditional`, which reads the trained layer) and the asymptotic theory
(`eval_theory`). Prints the largest and median relative change per stage, and the summed
job CPU time of each precision (Snakemake's benchmark files) with their ratio.

    python benchmarks/precision_grid.py                 # d = 500 and 1000, 2 seeds: ~10 min
    python benchmarks/precision_grid.py --dims 500 --seeds 0
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr
from common import table
from workflow_runs import job_times, run, snapshot

STAGES = {"readout": "test_error", "conditional": "test_error", "theory": "test_error"}


def errors(folder: Path) -> dict[tuple[str, str], np.ndarray]:
    """`(stage, file name) -> test errors` of every artifact of the compared stages."""
    out = {}
    for stage, var in STAGES.items():
        for path in sorted((folder / "results" / stage).glob("*/*.nc")):
            with xr.open_dataset(path) as ds:
                out[(stage, path.name)] = ds[var].values.astype(float)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[500, 1000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="srfpipe-precision-"))
    rows, cpu_rows = [], []
    try:
        for d in args.dims:
            found, cpu = {}, {}
            for precision in ("float64", "float32"):
                folder = snapshot(root / f"{precision}_{d}")
                seeds = "[" + ",".join(map(str, args.seeds)) + "]"
                cfg = [f"dim={d}", f"seeds={seeds}", "validation={d: []}", "threads=1"]
                cfg.append(f"precision={precision}")
                cmd = ["--cores", str(args.cores), "--configfile", "config/paper.yaml"]
                run(folder, [*cmd, "--config", *cfg], folder / "run.log")
                found[precision] = errors(folder)
                times = job_times(folder)
                cpu[precision] = {r: sum(j["cpu"] for j in js) for r, js in times.items()}
            for stage in STAGES:
                rel = np.concatenate(
                    [
                        np.abs(found["float32"][key] / ref - 1.0).ravel()
                        for key, ref in found["float64"].items()
                        if key[0] == stage
                    ]
                )
                rel = rel[np.isfinite(rel)]
                rows.append((d, stage, rel.size, f"{rel.max():.2e}", f"{np.median(rel):.2e}"))
            for rule in sorted(cpu["float64"]):
                c64, c32 = cpu["float64"][rule], cpu["float32"].get(rule, float("nan"))
                cpu_rows.append((d, rule, c64, c32, c32 / c64))
            c64, c32 = (sum(cpu[p].values()) for p in ("float64", "float32"))
            cpu_rows.append((d, "all jobs", c64, c32, c32 / c64))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"config/paper.yaml, seeds {args.seeds}, validation off: float32 against float64")
    print(table(["d", "stage", "points", "max rel change", "median rel change"], rows))
    print()
    print(table(["d", "rule", "float64 CPU s", "float32 CPU s", "ratio"], cpu_rows))


if __name__ == "__main__":
    main()
