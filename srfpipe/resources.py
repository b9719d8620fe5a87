"""Cost of the jobs: one function per stage gives a job's arrays and its counted work.

`STAGE_COSTS` is the one table: a job's float64 words (its memory) and its work by kernel
(the kinds of `DEFAULT_RATES`), from the sizes and the job's wildcards. `job_memory_mb` turns
the words into MB (20% headroom and the interpreter); `job_seconds` the work into CPU and wall
seconds at measured rates; `job_resources` both into the `mem_mb` and `runtime` the rules
request; `srfpipe plan` sums the same table over the DAG. Stages not in the table (theory,
curves, plots) are small jobs: start-up only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from srfpipe.models import MODELS
from srfpipe.problem import Problem, sample_sizes

if TYPE_CHECKING:
    from srfpipe.config import Experiment

SMALL_JOB_MB = 1000
"""Estimate for the jobs without large arrays (theory, curves, plots)."""
INTERPRETER_MB = 150
"""Python, numpy, scipy, xarray and netCDF4 loaded in a job (115 MB measured), added to the
arrays of every estimate."""
DEFAULT_RATES = {
    "gemm64": 4.49e10,
    "gemm32": 9.08e10,
    "band": 2.45e10,
    "cholesky": 4.3e10,
    "eigh": 4.42e9,
    "eigh_top": 1.19e10,
    "act64": 7.07e7,
    "act32": 3.84e8,
    "normal": 8.67e7,
    "startup": 1.0,
}
"""Rates of the work kinds (flops of products, Gram matrices, the ridge path's band reduction
or Cholesky factorisations, eigensolves as k^3; entries of activations in float64/32 and
random normals) per CPU second, measured by `srfpipe.plan.calibrate` on the project's machine
(2026-12-05, AMD EPYC, OpenBLAS Haswell kernels, one thread); `startup` is the CPU seconds of
one job's interpreter and imports; `cholesky` (2026-12-05, Intel Xeon with AVX-512, the same
Haswell kernels: `band` 2.4-2.9e10 and `gemm64` 4.9e10 there) counts the k^3/3 flops of each
float32 factorisation with its float64 refinement (`srfpipe.linalg.cholesky`): 4.0, 5.3 and
6.6e10 at k = 1000, 2000 and 4000; the value stored puts the crossover with `band` at 7
lambdas, where it was measured at k = 1000-2000 (9 at k = 4000; docs/performance.md 16)."""
RUNTIME_SAFETY = 4.0
"""The `runtime` a rule requests is this factor times the job's estimated wall time: the
estimates of the large jobs came within 0.75-1.2 of measured ones, the small jobs' (start-up
only here) within 0.1-0.5 (docs/performance.md sections 10, 13), and a cluster core may be
slower than the one the rates were measured on."""
RUNTIME_FLOOR = 10
"""Minutes: the least `runtime` requested (many clusters ask for at least this)."""


@dataclass(frozen=True)
class Cost:
    """One job's float64 words alive at its peak and its counted work by kernel."""

    words: int
    work: dict[str, float]


def fit_words(d: int, p: int, n_train: int, test_size: int, threads: int) -> int:
    """float64 words of a fitting job (readout, validation): training and test inputs
    (n_train + n_test) x d; for those rows the shared pre-activations `X W0^T`, one model's
    pre-activations and its features (3 arrays of width p); the largest ridge matrix
    (k = min(p, n_train)), one scaled copy and one float32 factor per fit in flight (`threads`
    of them; `srfpipe.ridge`): (1 + 1.5 threads) k^2; `W0` and `W1` (2 p d)."""
    rows, k = n_train + test_size, min(p, n_train)
    return rows * (d + 3 * p) + (2 + 3 * threads) * k**2 // 2 + 2 * p * d


def step_words(d: int, p: int, n0: int, steps: int, gradient: bool = True) -> int:
    """float64 words of a step job: with `gradient` (computed in the job, not read from
    `step_gradient`) the `steps` batches (steps n0 x d, regenerated at once), one batch's
    pre-activations and two temporaries of the gradient (3 n0 x p); `W0`, `W1`, the gradient
    and a temporary (4 p d); the Gram of the singular values (2 r^2)."""
    batches = steps * n0 * d + 3 * n0 * p
    return batches * gradient + 4 * p * d + 2 * min(p, d) ** 2


def conditional_words(d: int, p: int) -> int:
    """float64 words of the conditional theory of one first layer (p, d): the layer, its
    bulk and a temporary (3 p d); the Gram of the smaller side, its eigenvectors and the
    eigensolver's workspace (3 k^2, k = min(p, d); `theory.conditional`)."""
    return 3 * p * d + 3 * min(p, d) ** 2


def lambda_solver(k: int, n_lams: int) -> tuple[str, float]:
    """How `srfpipe.ridge` solves `(M + lam I) b = r`, M (k, k), for `n_lams` lambdas: the
    kernel of fewer seconds at `DEFAULT_RATES`, `"band"` (one band reduction, 4 k^3/3 flops)
    or `"cholesky"` (one refined float32 factorisation per lambda, k^3/3 each), and its
    flops. The rates are fixed, not measured, so the choice (hence every number) is the same
    on any machine; at the stored ones Cholesky is chosen up to 7 lambdas."""
    band, cholesky = 4.0 * k**3 / 3.0, n_lams * k**3 / 3.0
    if cholesky / DEFAULT_RATES["cholesky"] < band / DEFAULT_RATES["band"]:
        return "cholesky", cholesky
    return "band", band


def _kinds(exp: Experiment) -> tuple[str, str]:
    """The kernels of the products and activations at the config's precision."""
    return ("gemm32", "act32") if exp.precision == "float32" else ("gemm64", "act64")


def _fit(exp: Experiment, d: int, n_test: int, layers: int, bases: int, seeds: int = 1) -> Cost:
    """`fit_words` (with the test predictions kept) and the work of fitting `layers` distinct
    first layers (sharing `bases` products `X B^T`) on one seed's nested training sets at size
    d, times `seeds`: regenerated inputs and `W0`, the products, activations, Gram or kernel
    matrices, the lambda path of each alpha (`lambda_solver`) and the test predictions per
    lambda (`srfpipe.simulation.fit_layers`, `srfpipe.ridge`)."""
    p, ns, n_lam = exp.problem.p(d), sample_sizes(exp.alpha, d), len(exp.lam)
    rows = max(ns) + n_test
    small = [n for n in ns if n < p]
    gram = sum(n * n * p for n in small) + (max(ns) * p * p if len(small) < len(ns) else 0)
    prod, act = _kinds(exp)
    work = {
        "normal": float(seeds * (rows * d + p * d)),
        prod: seeds * bases * 2.0 * rows * d * p,
        act: float(seeds * layers * rows * p),
    }
    for n in ns:
        solver, flops = lambda_solver(min(n, p), n_lam)
        work[solver] = work.get(solver, 0.0) + seeds * layers * flops
    work["gemm64"] = work.get("gemm64", 0.0) + seeds * layers * (
        gram + 2.0 * n_test * p * len(ns) * n_lam
    )
    words = fit_words(d, p, max(ns), n_test, exp.threads) + layers * len(ns) * n_test * n_lam
    return Cost(words, work)


def _data(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """The splits' random normals; the largest split held twice (inputs and a temporary)."""
    n = exp.n0 * exp.problem.steps + exp.n_train + exp.test_size
    words = 2 * max(exp.n0 * exp.problem.steps, exp.n_train, exp.test_size) * exp.d
    return Cost(words, {"normal": float(n * exp.d)})


def _gradient(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """The one-step direction (`step_gradient`, once per seed): the batch and `W0`, their
    two products and the activations; words: the batch, 3 n0 x p, `W0` and the direction."""
    d, p, n0 = exp.d, exp.p, exp.n0
    prod, act = _kinds(exp)
    work = {"normal": float(n0 * d + p * d), act: 2.0 * n0 * p, prod: 4.0 * n0 * d * p}
    return Cost(n0 * d + 3 * n0 * p + 2 * p * d, work)


def _step(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """`step_words`; `W0`, the partial eigensolves of `W1 - W0` and `W1` (one when eta = 0);
    for several steps (no `step_gradient` job) also each step's batch, products and
    activations (`_gradient`)."""
    d, p, n0, steps = exp.d, exp.p, exp.n0, exp.problem.steps
    solves, k = 2 if float(wc.get("eta", 1.0)) else 1, min(p, d)
    work = {
        "normal": float(p * d),
        "gemm64": solves * (p * d * k + 16.0 * p * d),
        "eigh_top": float(solves * k**3),
    }
    if steps > 1:
        prod, act = _kinds(exp)
        work["normal"] += steps * n0 * d
        work[act] = 2.0 * steps * n0 * p
        work[prod] = work.get(prod, 0.0) + 4.0 * steps * n0 * d * p  # float64: both products
    return Cost(step_words(d, p, n0, steps, steps > 1), work)


def _conditional(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """`conditional_words`; two Gram matrices and a full eigensolve of the smaller side."""
    k = min(exp.p, exp.d)
    work = {"gemm64": 4.0 * exp.p * exp.d * k, "eigh": float(k**3)}
    return Cost(conditional_words(exp.d, exp.p), work)


def _rf(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """The rf layer `W0`, once per seed."""
    return _fit(exp, exp.d, exp.test_size, 1, 1)


def _readout(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """Every model but those of `W0` alone (`Model.needs`; read from `fit_rf`), sharing the
    products of their bases (`Model.base`: `W1`, or `W0` for the sRFs); at eta = 0 every
    model's layer is `W0`: nothing to fit."""
    eta = float(wc.get("eta", 1.0))
    fitted = [MODELS[m] for m in exp.models if MODELS[m].needs != "w0"] if eta else []
    return _fit(exp, exp.d, exp.test_size, len(fitted), len({m.base for m in fitted}))


def _validation(exp: Experiment, wc: Mapping[str, str]) -> Cost:
    """Every eta on each validation seed at the job's size d."""
    seeds, test_size = len(exp.validation["seeds"]), exp.validation["test_size"]
    return _fit(exp, int(wc["d"]), test_size, len(exp.eta), 1, seeds)


STAGE_COSTS: dict[str, Callable[[Experiment, Mapping[str, str]], Cost]] = {
    "data": _data,
    "step": _step,
    "gradient": _gradient,
    "conditional": _conditional,
    "rf": _rf,
    "readout": _readout,
    "validation": _validation,
}
"""`Cost` of one job of each stage with large arrays or work, from its wildcards (`eta`;
`d` of a validation job; the other stages run at `exp.d`)."""


def _mb(words: int) -> float:
    """MB of `words` float64 numbers plus 20% headroom, and `INTERPRETER_MB`."""
    return 1.2 * 8 * words / 2**20 + INTERPRETER_MB


def job_memory_mb(exp: Experiment, stage: str, d: int | None = None) -> float:
    """Estimate (MB) of one job of `stage`: its words (`STAGE_COSTS`, plus 20% headroom) and
    `INTERPRETER_MB`; `d` is the size of a validation job."""
    if stage not in STAGE_COSTS:
        return SMALL_JOB_MB
    return _mb(STAGE_COSTS[stage](exp, {} if d is None else {"d": str(d)}).words)


def job_seconds(
    exp: Experiment,
    stage: str,
    wildcards: Mapping[str, str],
    threads: int,
    rates: Mapping[str, float] = DEFAULT_RATES,
) -> tuple[float, float]:
    """`(CPU, wall)` seconds of one job: start-up plus its work at `rates`, the work spread
    over its `threads` for the wall time."""
    cost = STAGE_COSTS[stage](exp, wildcards) if stage in STAGE_COSTS else Cost(0, {})
    work = sum(v / rates[k] for k, v in cost.work.items())
    return rates["startup"] + work, rates["startup"] + work / max(threads, 1)


def job_resources(exp: Experiment, stage: str, d: int | None = None) -> dict[str, int]:
    """`mem_mb` and `runtime` (minutes) to request for one job of `stage` (cluster sizing);
    `d` is the size of a validation job.

    Memory: `job_memory_mb` plus 1 GB for the interpreters (a SLURM job runs two Snakemake
    processes besides the script). Runtime: `RUNTIME_SAFETY` times the estimated wall time on
    the config's threads (`job_seconds`, eta != 0), at least `RUNTIME_FLOOR` minutes."""
    wall = job_seconds(exp, stage, {} if d is None else {"d": str(d)}, exp.threads)[1]
    runtime = max(RUNTIME_FLOOR, math.ceil(RUNTIME_SAFETY * wall / 60.0))
    return {"mem_mb": int(job_memory_mb(exp, stage, d)) + 1000, "runtime": runtime}


def memory_by_job(
    exp: Experiment, *, validation: bool | None = None, conditional: bool | None = None
) -> dict[str, float]:
    """`job_memory_mb` of every job kind the config runs: `data`, `step`, `readout`,
    `gradient` (one step), `conditional` (`Experiment.with_conditional`) and
    `validation d=D` for each validation size (`Experiment.validation_d`); `validation`,
    `conditional` override the config."""
    kinds = ["data", "step", "readout"] + (["gradient"] if exp.problem.steps == 1 else [])
    if exp.with_conditional if conditional is None else conditional:
        kinds.append("conditional")
    jobs = {s: job_memory_mb(exp, s) for s in kinds}
    if exp.one_step if validation is None else validation:
        for d in exp.validation["d"]:
            jobs[f"validation d={d}"] = job_memory_mb(exp, "validation", d)
    return jobs


def simulate_memory_mb(
    problem: Problem, d: int, alpha: Sequence[float], test_size: int, threads: int
) -> float:
    """Estimate (MB) of `srfpipe simulate` at size d: one fit, or the step when larger (for
    a problem with a step)."""
    p = problem.p(d)
    words = fit_words(d, p, round(max(alpha) * d), test_size, threads)
    if problem.alpha0 is not None:
        words = max(words, step_words(d, p, problem.n0(d), problem.steps))
    return _mb(words)


def conditional_cost(problem: Problem, d: int) -> tuple[float, float]:
    """`(MB, flops)` of `srfpipe theory --conditional` at size d, per seed: the step (its
    arrays kept) and the conditional theory of `W1`."""
    p = problem.p(d)
    words = step_words(d, p, problem.n0(d), problem.steps) + conditional_words(d, p)
    k = min(p, d)
    # the step's two products; two Gram matrices of the smaller side and a full eigensolve
    flops = 4.0 * problem.n0(d) * problem.steps * d * p + 4.0 * p * d * k + 12.0 * k**3
    return _mb(words), flops
