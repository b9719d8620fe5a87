"""Shared by the workflow-level benchmark scripts: a snapshot of the workflow in a temporary
folder, one `snakemake` run there, and the per-job CPU times of its `benchmark:` files.

The snapshot holds `Snakefile`, `config.yaml`, `pyproject.toml`, `config/`, `workflow/` and
the `srfpipe` package (first on `PYTHONPATH`), so edits made in the checkout meanwhile cannot
trigger reruns or change the code timed.
"""

from __future__ import annotations

import csv
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import REPO
from threadpoolctl import threadpool_limits


def snapshot(folder: Path) -> Path:
    """Copy the workflow and the package into `folder` (created); returns `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "Snakefile", folder)
    shutil.copy2(REPO / "config.yaml", folder)
    shutil.copy2(REPO / "pyproject.toml", folder)
    shutil.copytree(REPO / "config", folder / "config")
    shutil.copytree(REPO / "workflow", folder / "workflow")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "srfpipe", folder / "srfpipe", ignore=ignore)
    return folder


def run(folder: Path, args: list[str], log: Path) -> tuple[float, float]:
    """Wall and CPU time (s, user + system of Snakemake and its jobs) of `snakemake ARGS`
    in `folder`; its output goes to `log`."""
    exe = Path(sys.executable).parent / "snakemake"
    env = os.environ | {"PYTHONPATH": str(folder)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with log.open("w") as fh:
        subprocess.run(
            [str(exe), *args], cwd=folder, env=env, check=True, stdout=fh, stderr=subprocess.STDOUT
        )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def job_times(folder: Path) -> dict[str, list[dict[str, float]]]:
    """Per rule, one record per job from `benchmarks/rules/<rule>/**/*.tsv`: wall `s`,
    `cpu` (CPU s) and `rss` (peak RSS, MB)."""
    out: dict[str, list[dict[str, float]]] = {}
    for path in sorted((folder / "benchmarks" / "rules").glob("*/**/*.tsv")):
        rule = path.relative_to(folder / "benchmarks" / "rules").parts[0]
        with path.open() as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                out.setdefault(rule, []).append(
                    {
                        "s": float(rec["s"]),
                        "cpu": float(rec["cpu_time"]),
                        "rss": float(rec["max_rss"]),
                    }
                )
    return out


def job_cpu_from_logs(folder: Path) -> dict[str, list[float]]:
    """Per rule, the exact CPU seconds of each job's process (start-up included) that
    `srfpipe.jobs` writes at the end of its log (`logs/<rule>/**/*.log`)."""
    out: dict[str, list[float]] = {}
    for path in sorted((folder / "logs").glob("*/**/*.log")):
        found = re.findall(r"job finished in [\d.]+s, ([\d.]+)s CPU", path.read_text())
        if found:
            rule = path.relative_to(folder / "logs").parts[0]
            out.setdefault(rule, []).append(float(found[-1]))
    return out


def reference_product_cpu(repeats: int = 3) -> float:
    """CPU time (s) of the issue's reference product `X W^T`, X 8000 x 2000, W 4000 x 2000,
    float64, one BLAS thread: the minimum over `repeats`."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((8000, 2000)), rng.standard_normal((4000, 2000))
    best = float("inf")
    with threadpool_limits(1):
        for _ in range(repeats):
            t0 = time.process_time()
            x @ w.T
            best = min(best, time.process_time() - t0)
    return best
