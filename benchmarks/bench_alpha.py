"""Alpha-sweep benchmark: one learning curve of 10 alphas for one (eta, seed) against 10 jobs.

Nested: the workflow's way, one step stage and one readout stage over all alphas, whose
training sets are prefixes of one pool (features computed once, Gram accumulated block by
block, one band reduction per alpha). Independent: 10 jobs of one alpha each, each with
its own step and readout stage. Both read the same seeded data (the first n = alpha d rows of
the seed's train split), so each alpha's fit sees the same n samples either way; the table
shows the largest relative difference of the test errors (round-off only).

    python benchmarks/bench_alpha.py                  # d=500, alphas 0.4, 0.8, ..., 4
    python benchmarks/bench_alpha.py --d 1000 --models rf network srf_map srf_extracted
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import xarray as xr
from common import experiment, lambda_grid, params, table

from srfpipe.linalg.parallel import job_threads
from srfpipe.stages import fit_readout as readout_stage
from srfpipe.stages import generate_data as data_stage
from srfpipe.stages import take_step as step_stage


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=500)
    ap.add_argument("--alphas", type=int, default=10, help="alphas 0.4, 0.8, ... (step 0.4)")
    ap.add_argument("--eta", type=float, default=1.0)
    ap.add_argument("--lams", type=int, default=20)
    ap.add_argument("--models", nargs="+", default=["network"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()

    seed, eta = 0, args.eta
    alphas = [round(0.4 * (k + 1), 6) for k in range(args.alphas)]
    common: dict[str, Any] = {
        "d": args.d,
        "eta": [eta],
        "lam": lambda_grid(args.lams),
        "models": args.models,
    }
    curve_exp = experiment(alpha=alphas, **common)
    single_exps = [experiment(alpha=[a], **common) for a in alphas]
    curve_data = data_stage.run(params(curve_exp, "data", seed), seed)
    single_data = [data_stage.run(params(e, "data", seed), seed) for e in single_exps]

    def job(exp: Any, data_ds: xr.Dataset) -> tuple[xr.Dataset, float, float]:
        t0 = time.perf_counter()
        step_ds = step_stage.run(params(exp, "step", seed), seed, eta, data_ds)
        t1 = time.perf_counter()
        out = readout_stage.run(params(exp, "readout", seed), seed, eta, data_ds, step_ds)
        return out, t1 - t0, time.perf_counter() - t1

    best = {"nested": [np.inf, np.inf], "independent": [np.inf, np.inf]}
    with job_threads(args.threads):  # as `srfpipe.jobs` runs a rule
        for _ in range(args.repeats):
            curve, t_step, t_read = job(curve_exp, curve_data)
            best["nested"] = [min(best["nested"][0], t_step), min(best["nested"][1], t_read)]
            singles = [job(e, ds) for e, ds in zip(single_exps, single_data, strict=True)]
            t_step = sum(s[1] for s in singles)
            t_read = sum(s[2] for s in singles)
            best["independent"] = [
                min(best["independent"][0], t_step),
                min(best["independent"][1], t_read),
            ]
    single_err = np.stack([s[0].test_error.values[:, 0] for s in singles], axis=1)
    diff = np.max(np.abs(curve.test_error.values / single_err - 1))
    print(
        f"alpha-sweep benchmark: d={args.d} p={curve_exp.p} alphas={alphas[0]}..{alphas[-1]} "
        f"({len(alphas)}) lambdas={args.lams} models={','.join(args.models)} "
        f"threads={args.threads}"
    )
    rows = [(k, v[0], v[1], v[0] + v[1]) for k, v in best.items()]
    print(table(["learning curve", "step s", "readout s", "total s"], rows))
    nested, indep = (sum(best[k]) for k in ("nested", "independent"))
    print(
        f"nested / independent = {nested / indep:.2f} (readout only: "
        f"{best['nested'][1] / best['independent'][1]:.2f})"
    )
    print(f"max relative difference of the test errors, nested vs independent: {diff:.1e}")


if __name__ == "__main__":
    main()
