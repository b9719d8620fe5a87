"""Floor benchmark: one full simulation job against the unavoidable dense work.

The job is what the workflow runs for one model: the step stage (giant step plus spike
diagnostics) and the readout stage (features, Gram, band reduction and banded solves over
the lambda grid, train and test errors), inputs regenerated from the seed as in the rules.
The floor is timed in the same process on the same sizes: the two GEMMs of the step, the
feature GEMMs of the train and test sets, and one full symmetric eigendecomposition of the
Gram matrix (LAPACK evd, the fastest driver here), run back to back at 1 and at `--threads`
BLAS threads; the floor is the best
such run, the job the best of its runs (the two take turns).

    python benchmarks/bench_floor.py                      # d=1000, beta=2, alpha0=alpha=4
    python benchmarks/bench_floor.py --d 500 --repeats 5
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import experiment, interleaved, lambda_grid, params, table
from scipy import linalg
from threadpoolctl import threadpool_limits

from srfpipe import data, step
from srfpipe.linalg.parallel import job_threads
from srfpipe.stages import fit_readout as readout_stage
from srfpipe.stages import generate_data as data_stage
from srfpipe.stages import take_step as step_stage


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--beta", type=float, default=2.0)
    ap.add_argument("--alpha0", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=4.0)
    ap.add_argument("--eta", type=float, default=1.0)
    ap.add_argument("--lams", type=int, default=20, help="size of the lambda grid")
    ap.add_argument("--test-size", type=int, default=4000)
    ap.add_argument("--model", default="network", help="the one model the job fits")
    ap.add_argument("--threads", type=int, default=2, help="threads of the job")
    ap.add_argument(
        "--precision", default="float64", choices=["float64", "float32"],
        help="config `precision` of the job; the floor's GEMMs use the same dtype",
    )  # fmt: skip
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    seed = 0
    exp = experiment(
        d=args.d,
        beta=args.beta,
        alpha0=args.alpha0,
        eta=[args.eta],
        alpha=[args.alpha],
        lam=lambda_grid(args.lams),
        test_size=args.test_size,
        models=[args.model],
        precision=args.precision,
    )
    data_ds = data_stage.run(params(exp, "data", seed), seed)
    errors: list[float] = []

    def job() -> None:
        with job_threads(args.threads):  # as `srfpipe.jobs` runs a rule
            step_ds = step_stage.run(params(exp, "step", seed), seed, args.eta, data_ds)
            out = readout_stage.run(params(exp, "readout", seed), seed, args.eta, data_ds, step_ds)
        errors.append(float(out.test_error.min()))

    # operands of the floor, the same shapes as in the job
    theta = data_ds["theta"].values
    x0, _ = data.sample(seed, "step", exp.n0, theta, exp.problem.target, exp.problem.noise)
    x, _ = data.sample(seed, "train", exp.n_train, theta, exp.problem.target, exp.problem.noise)
    x_test, _ = data.sample(
        seed, "test", exp.test_size, theta, exp.problem.target, exp.problem.noise
    )
    w = step.init_network(seed, exp.d, exp.p, exp.problem.readout_init, exp.problem.init_output).w
    phi = np.tanh(x @ w.T)
    gram = phi.T @ phi / phi.shape[0] if phi.shape[0] >= exp.p else phi @ phi.T / phi.shape[0]
    x0, x, x_test, w = (a.astype(args.precision) for a in (x0, x, x_test, w))
    g = np.tanh(x0 @ w.T)
    floor_ops = {
        "step GEMM X0 W0^T": lambda: x0 @ w.T,
        "step GEMM G^T X0": lambda: g.T @ x0,
        "features GEMM X W^T": lambda: x @ w.T,
        "features GEMM X_test W^T": lambda: x_test @ w.T,
        f"eigendecomposition {gram.shape[0]}x{gram.shape[0]} (evd)": lambda: linalg.eigh(
            gram, driver="evd", check_finite=False
        ),
    }
    # per round: the job, then the floor in one go at each thread count (a long run like the
    # job, so both see the machine's load alike); floor = best round and thread count
    best_op: dict[str, float] = dict.fromkeys(floor_ops, float("inf"))
    floor = job_time = float("inf")
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        job()
        job_time = min(job_time, time.perf_counter() - t0)
        for threads in sorted({1, args.threads}):
            with threadpool_limits(limits=threads):
                times = interleaved(floor_ops, 1)
            floor = min(floor, sum(times.values()))
            best_op = {k: min(v, times[k]) for k, v in best_op.items()}
    print(
        f"floor benchmark: d={exp.d} p={exp.p} n0={exp.n0} n={exp.n_train} "
        f"n_test={exp.test_size} lambdas={args.lams} model={args.model} threads={args.threads} "
        f"precision={args.precision}"
    )
    rows: list[tuple[str, float]] = list(best_op.items())
    rows += [("floor (best round)", floor), ("job: step + readout stages", job_time)]
    print(table(["part", "seconds"], rows))
    print(f"job / floor = {job_time / floor:.2f}   (target <= 1.3)")
    print(f"min test error over lambda: {errors[-1]:.5f}")


if __name__ == "__main__":
    main()
