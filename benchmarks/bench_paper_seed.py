"""Issue 22's metric: one seed of `config/paper.yaml` (validation off), its job CPU time in
units of one reference product, and `srfpipe plan`'s estimate of the same run beside it.

Runs `snakemake --cores N --configfile config/paper.yaml --config seeds=[0]
'validation={d: []}'` (plus `--dim`, `--precision`) from scratch in a snapshot of the
workflow (`workflow_runs.snapshot`) and prints:

- the summed `cpu_time` of Snakemake's benchmark files (every rule with `benchmark:`) and the
  CPU time of the whole run (Snakemake and all its jobs, from the OS), each divided by the CPU
  time of the reference product `X W^T` (X 8000 x 2000, W 4000 x 2000, float64, one thread;
  minimum of 3 before and 3 after the run, in this process). Snakemake samples a job's CPU
  time every 0.5 s for its first 15 s, then every 30 s, so a long job's benchmark CPU time
  can miss up to 30 s: the OS total is the exact one;
- the exact CPU time of every job's process, which `srfpipe.jobs` writes at the end of the
  job's log (rules run through `snakemake_job`);
- per rule, the measured (job logs; benchmark files beside them) against the plan's CPU
  time, and the run's wall time against the plan's (`srfpipe.plan.make_plan`, calibrated
  in this process).

    python benchmarks/bench_paper_seed.py                  # d = 2000: about 5 min on 2 cores
    python benchmarks/bench_paper_seed.py --dim 1000 --precision float32
    python benchmarks/bench_paper_seed.py --configfile config.yaml --config   # default config
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from common import REPO, table
from workflow_runs import job_cpu_from_logs, job_times, reference_product_cpu, run, snapshot

from srfpipe.plan import make_plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dim", type=int, help="d (the paper config's is 2000)")
    ap.add_argument("--precision", choices=("float64", "float32"))
    ap.add_argument(
        "--configfile", default="config/paper.yaml", help="another config (relative to the repo)"
    )
    ap.add_argument(
        "--config",
        nargs="*",
        default=["seeds=[0]", "validation={d: []}"],
        help="KEY=VALUE overrides (default: one seed, validation off)",
    )
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    config = list(args.config)
    config += [f"dim={args.dim}"] if args.dim else []
    config += [f"precision={args.precision}"] if args.precision else []
    planned = make_plan(REPO / args.configfile, config, args.cores)
    ref_before = reference_product_cpu()
    folder = snapshot(Path(tempfile.mkdtemp(prefix="srfpipe-paper-seed-")) / "run")
    try:
        cmd = ["--cores", str(args.cores), "--configfile", args.configfile]
        cmd += ["--config", *config] if config else []
        wall, cpu_all = run(folder, cmd, folder / "run.log")
        jobs = job_times(folder)
        exact = job_cpu_from_logs(folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder.parent, ignore_errors=True)
    ref = min(ref_before, reference_product_cpu())
    bench_cpu = sum(j["cpu"] for js in jobs.values() for j in js)
    log_cpu = sum(sum(v) for v in exact.values())
    print(f"{args.configfile}, {' '.join(config)}, snakemake --cores {args.cores}")
    print(f"reference product X W^T (8000x2000 by 4000x2000, one thread): {ref:.3f} s CPU")
    rows = [
        ("benchmark files, summed job CPU", bench_cpu, bench_cpu / ref),
        ("job logs, summed job process CPU (exact)", log_cpu, log_cpu / ref),
        ("whole run (Snakemake and its jobs)", cpu_all, cpu_all / ref),
        ("srfpipe plan", planned.cpu, planned.cpu / ref),
    ]
    print(table(["CPU time", "s", "reference products"], rows))
    print()
    per_rule = []
    for rule, es in planned.by_rule().items():
        sampled = sum(j["cpu"] for j in jobs.get(rule, []))
        measured = sum(exact.get(rule, []))
        est = sum(e.cpu for e in es)
        rss = max((j["rss"] for j in jobs.get(rule, [])), default=float("nan"))
        mem = max(e.mem or 0.0 for e in es)
        ratio = est / measured if measured else float("nan")
        row = (rule, len(es), len(exact.get(rule, [])), sampled, measured, est, ratio, rss, mem)
        per_rule.append(row)
    head = ["rule", "jobs", "logged", "benchmark CPU s", "log CPU s", "plan CPU s", "plan/log"]
    print(table([*head, "max RSS MB", "plan MB"], per_rule))
    print()
    print(f"wall time: {wall:.1f} s measured, {planned.wall:.1f} s planned on {args.cores} cores")


if __name__ == "__main__":
    main()
