"""Workflow benchmark: the default `snakemake --cores 2` from scratch, then a no-op rerun.

Copies `Snakefile`, `config.yaml` and `workflow/` into a temporary folder, runs the default
target there from scratch and again (nothing to do), and aggregates Snakemake's per-rule
`benchmark:` files (`benchmarks/rules/<rule>/<key>/<wildcards>.tsv` in that folder) into one
table: jobs, summed and largest wall time, largest peak RSS against the rule's `mem_mb`.
With `--theory`, also prints the theory benchmark (`benchmarks/bench_theory.py`) if present.

    python benchmarks/bench_workflow.py
    python benchmarks/bench_workflow.py --cores 2 --keep   # keep the folder to look at it
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import REPO, experiment, table

from srfpipe.config import job_resources

STAGE_OF_RULE = {"generate_data": "data", "take_step": "step", "fit_readout": "readout"}


def rule_table(folder: Path) -> list[tuple[object, ...]]:
    """One row per rule from the `benchmark:` TSV files under `folder/benchmarks/rules`."""
    runs: dict[str, list[dict[str, float]]] = defaultdict(list)
    for path in sorted(folder.glob("benchmarks/rules/*/*/*.tsv")):
        rule = path.parts[-3]
        with path.open() as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                runs[rule].append({"s": float(rec["s"]), "rss": float(rec["max_rss"])})
    total = sum(r["s"] for recs in runs.values() for r in recs)
    exp = experiment()
    rows = []
    for rule, recs in sorted(runs.items(), key=lambda kv: -sum(r["s"] for r in kv[1])):
        wall = sum(r["s"] for r in recs)
        stage = STAGE_OF_RULE.get(rule, "other")
        rows.append(
            (
                rule,
                len(recs),
                wall,
                max(r["s"] for r in recs),
                f"{100 * wall / total:.0f}%",
                max(r["rss"] for r in recs),
                job_resources(exp, stage)["mem_mb"],
            )
        )
    return rows


def snakemake(folder: Path, cores: int, log: Path) -> float:
    """Wall time (s) of `snakemake --cores N` in `folder`; its output goes to `log`."""
    exe = Path(sys.executable).parent / "snakemake"
    t0 = time.perf_counter()
    with log.open("w") as fh:
        subprocess.run(
            [str(exe), "--cores", str(cores)],
            cwd=folder,
            check=True,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--theory", action="store_true", help="run benchmarks/bench_theory.py too")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="srfpipe-workflow-"))
    try:
        shutil.copy2(REPO / "Snakefile", folder)
        shutil.copy2(REPO / "config.yaml", folder)
        shutil.copytree(REPO / "workflow", folder / "workflow")
        full = snakemake(folder, args.cores, folder / "run1.log")
        noop = snakemake(folder, args.cores, folder / "run2.log")
        rows = rule_table(folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"workflow benchmark: default config, snakemake --cores {args.cores}")
    print(table(["run", "wall s", "target s"], [("from scratch", full, 600), ("no-op", noop, 5)]))
    print()
    print("per-rule benchmark files (rules without benchmark: are not listed)")
    header = ["rule", "jobs", "sum s", "max s", "share", "max RSS MB", "mem_mb"]
    print(table(header, rows))
    theory = REPO / "benchmarks" / "bench_theory.py"
    if args.theory and theory.exists():
        print()
        subprocess.run([sys.executable, str(theory)], check=True)


if __name__ == "__main__":
    main()
