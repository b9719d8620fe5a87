"""Memory benchmark: peak RSS of the step and readout jobs against the largest job's estimate.

Each job runs in a fresh interpreter (its inputs prepared and saved beforehand, as the
workflow does), reporting its peak RSS; a third interpreter that only imports and loads the
same inputs gives the baseline. The job's own arrays are `peak RSS - baseline`, to be within
2x of the array-set formula of the largest of the data, step and readout jobs
(`srfpipe.resources.memory_by_job`, once called `peak_memory_mb`); `mem_mb` (what the rules
request, formula + 500 MB for the interpreter) must cover the whole peak.

    python benchmarks/bench_memory.py                      # default config and the d=1000 job
    python benchmarks/bench_memory.py --case default
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import experiment, params, table

from srfpipe.config import Experiment
from srfpipe.resources import job_resources, memory_by_job

CASES: dict[str, dict[str, Any]] = {
    "default": {},  # config.yaml as shipped
    "d1000": {"d": 1000, "alpha": [1.0, 2.0, 4.0], "eta": [1.0]},
}
ETA, SEED = 1.0, 0


def child(case: str, job: str, folder: Path) -> None:
    """Run one job (or, for job 'baseline', only the imports and loads); print peak RSS."""
    from srfpipe.linalg.parallel import job_threads
    from srfpipe.stages import fit_readout as readout_stage
    from srfpipe.stages import generate_data as data_stage
    from srfpipe.stages import take_step as step_stage
    from srfpipe.store import load, save

    exp = experiment(**CASES[case])
    with job_threads(2):
        if job == "prepare":
            data_ds = data_stage.run(params(exp, "data", SEED), SEED)
            save(data_ds, folder / "data.nc")
            save(step_stage.run(params(exp, "step", SEED), SEED, ETA, data_ds), folder / "step.nc")
            return
        data_ds, step_ds = load(folder / "data.nc"), load(folder / "step.nc")
        if job == "step":
            step_stage.run(params(exp, "step", SEED), SEED, ETA, data_ds)
        elif job == "readout":
            readout_stage.run(params(exp, "readout", SEED), SEED, ETA, data_ds, step_ds)
    print(json.dumps({"max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(case: str, job: str, folder: Path) -> float:
    cmd = [sys.executable, __file__, "--child", case, job, str(folder)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["max_rss_mb"] if job != "prepare" else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=list(CASES), nargs="+", default=list(CASES))
    ap.add_argument("--child", nargs=3, metavar=("CASE", "JOB", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return
    rows = []
    for case in args.case:
        exp: Experiment = experiment(**CASES[case])
        with tempfile.TemporaryDirectory(prefix="srfpipe-mem-") as tmp:
            run_child(case, "prepare", Path(tmp))
            base = run_child(case, "baseline", Path(tmp))
            for job in ("step", "readout"):
                peak = run_child(case, job, Path(tmp))
                formula = max(memory_by_job(exp, validation=False, conditional=False).values())
                mem_mb = job_resources(exp, job)["mem_mb"]
                rows.append(
                    (
                        f"{case} {job} (d={exp.d}, p={exp.p}, n_train={exp.n_train})",
                        peak,
                        base,
                        peak - base,
                        formula,
                        (peak - base) / formula,
                        mem_mb,
                    )
                )
    header = ["job", "peak RSS MB", "baseline MB", "arrays MB", "formula MB", "ratio", "mem_mb"]
    print(table(header, rows))
    print("ratio = (peak - baseline) / formula: target <= 2 for the largest job")


if __name__ == "__main__":
    main()
