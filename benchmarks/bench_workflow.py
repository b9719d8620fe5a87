"""Workflow benchmark: the default `snakemake --cores 2` from scratch, then a no-op rerun.

Copies the workflow and a snapshot of the `srfpipe` package (`workflow_runs.snapshot`; put
first on `PYTHONPATH`, so edits made meanwhile cannot trigger reruns) into a temporary
folder, runs the default target there from scratch and twice more (nothing to do; the
faster counts), and aggregates Snakemake's per-rule
`benchmark:` files (`benchmarks/rules/<rule>/<key>/<wildcards>.tsv` in that folder) into one
table: jobs, threads, summed wall and CPU time, largest wall time and peak RSS against the
`mem_mb` the rule requested (read from Snakemake's log).
With `--theory`, also prints the theory benchmark (`benchmarks/bench_theory.py`) if present.

    python benchmarks/bench_workflow.py
    python benchmarks/bench_workflow.py --cores 2 --keep   # keep the folder to look at it
    python benchmarks/bench_workflow.py --config threads=1 # 1-thread jobs, 2 at a time
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import REPO, table
from workflow_runs import snapshot


def requested(log: Path) -> dict[str, tuple[int, int]]:
    """Per rule, the `threads` and `mem_mb` Snakemake printed for its jobs (largest seen)."""
    out: dict[str, tuple[int, int]] = {}
    rule = ""
    for line in log.read_text().splitlines():
        if m := re.match(r"(?:local)?rule (\w+):", line):
            rule = m.group(1)
        elif m := re.match(r"\s+threads: (\d+)", line):
            out[rule] = (int(m.group(1)), out.get(rule, (0, 0))[1])
        elif m := re.search(r"\bmem_mb=(\d+)", line):
            out[rule] = (out.get(rule, (1, 0))[0], max(int(m.group(1)), out.get(rule, (1, 0))[1]))
    return out


def rule_table(folder: Path, log: Path) -> list[tuple[object, ...]]:
    """One row per rule from the `benchmark:` TSV files under `folder/benchmarks/rules`."""
    runs: dict[str, list[dict[str, float]]] = defaultdict(list)
    for path in sorted(folder.glob("benchmarks/rules/*/*/*.tsv")):
        rule = path.parts[-3]
        with path.open() as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                runs[rule].append(
                    {
                        "s": float(rec["s"]),
                        "cpu": float(rec["cpu_time"]),
                        "rss": float(rec["max_rss"]),
                    }
                )
    total = sum(r["s"] for recs in runs.values() for r in recs)
    asked = requested(log)
    rows = []
    for rule, recs in sorted(runs.items(), key=lambda kv: -sum(r["s"] for r in kv[1])):
        wall = sum(r["s"] for r in recs)
        threads, mem_mb = asked.get(rule, (1, 0))
        rows.append(
            (
                rule,
                len(recs),
                threads,
                wall,
                sum(r["cpu"] for r in recs),
                max(r["s"] for r in recs),
                f"{100 * wall / total:.0f}%",
                max(r["rss"] for r in recs),
                mem_mb,
            )
        )
    return rows


def snakemake(folder: Path, cores: int, log: Path, extra: list[str]) -> tuple[float, float]:
    """Wall and CPU time (s) of `snakemake --cores N` in `folder`; its output goes to `log`.
    CPU time (user + system of Snakemake and its jobs) does not grow with others' load."""
    exe = Path(sys.executable).parent / "snakemake"
    env = os.environ | {"PYTHONPATH": str(folder)}  # the package snapshot in `folder`
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with log.open("w") as fh:
        cmd = [str(exe), "--cores", str(cores), *extra]
        subprocess.run(cmd, cwd=folder, env=env, check=True, stdout=fh, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--config", nargs="+", help="KEY=VALUE overrides passed to snakemake")
    ap.add_argument("--theory", action="store_true", help="run benchmarks/bench_theory.py too")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="srfpipe-workflow-"))
    try:
        snapshot(folder)
        extra = ["--config", *args.config] if args.config else []
        full = snakemake(folder, args.cores, folder / "run1.log", extra)
        noop = min(snakemake(folder, args.cores, folder / f"run{k}.log", extra) for k in (2, 3))
        rows = rule_table(folder, folder / "run1.log")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    overrides = " ".join(args.config or []) or "none"
    print(f"workflow benchmark: default config, snakemake --cores {args.cores}, {overrides=}")
    runs = [("from scratch", *full, 600.0), ("no-op rerun", *noop, 5.0)]
    print(table(["run", "wall s", "CPU s", "target wall s"], runs))
    print()
    print("per-rule benchmark files (rules without benchmark: are not listed)")
    header = ["rule", "jobs", "threads", "sum s", "CPU s", "max s", "share", "max RSS MB", "mem_mb"]
    print(table(header, rows))
    theory = REPO / "benchmarks" / "bench_theory.py"
    if args.theory and theory.exists():
        print()
        subprocess.run([sys.executable, str(theory)], check=True)


if __name__ == "__main__":
    main()
