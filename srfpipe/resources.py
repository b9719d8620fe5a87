"""Resources of the jobs: each stage declares its arrays (float64 words) and its flops.

`STAGE_COSTS` is the declared table; `job_memory_mb` turns a stage's words into MB (20%
headroom and the interpreter), `job_resources` into the `mem_mb` and `runtime` the rules
request. Stages not in the table (theory, curves, plots) are small jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from srfpipe.problem import Problem

if TYPE_CHECKING:
    from srfpipe.config import Experiment

SMALL_JOB_MB = 1000
"""Estimate for the jobs without large arrays (theory, curves, plots)."""
INTERPRETER_MB = 150
"""Python, numpy, scipy, xarray and netCDF4 loaded in a job (115 MB measured), added to the
arrays of every estimate."""


def fit_words(d: int, p: int, n_train: int, test_size: int, threads: int) -> int:
    """float64 words of a fitting job (readout, validation): training and test inputs
    (n_train + n_test) x d; for those rows the shared pre-activations `X W0^T`, one model's
    pre-activations and its features (3 arrays of width p); the largest ridge matrix
    (k = min(p, n_train)) and one scaled copy per factorisation in flight (`threads` of them;
    `srfpipe.ridge`): (1 + threads) k^2; `W0` and `W1` (2 p d)."""
    rows, k = n_train + test_size, min(p, n_train)
    return rows * (d + 3 * p) + (1 + threads) * k**2 + 2 * p * d


def step_words(d: int, p: int, n0: int, steps: int) -> int:
    """float64 words of a step job: the `steps` batches (steps n0 x d, regenerated at once),
    one batch's pre-activations and two temporaries of the gradient (3 n0 x p); `W0`, `W1`,
    the gradient and a temporary (4 p d); the Gram of the singular values (2 r^2)."""
    return steps * n0 * d + 3 * n0 * p + 4 * p * d + 2 * min(p, d) ** 2


def conditional_words(d: int, p: int) -> int:
    """float64 words of the conditional theory of one first layer (p, d): the layer, its
    bulk and a temporary (3 p d); the Gram of the smaller side, its eigenvectors and the
    eigensolver's workspace (3 k^2, k = min(p, d); `theory.conditional`)."""
    return 3 * p * d + 3 * min(p, d) ** 2


def conditional_flops(d: int, p: int) -> float:
    """Flops of the conditional theory of one first layer (p, d): two Gram matrices of the
    smaller side (4 p d k) and a full symmetric eigensolve (about 12 k^3), k = min(p, d)."""
    k = min(p, d)
    return 4.0 * p * d * k + 12.0 * k**3


def _fit_flops(exp: Experiment, d: int, test_size: int, n_models: int) -> float:
    """Flops of fitting `n_models` models at size d on every alpha and lambda."""
    p, n_train = exp.problem.p(d), round(max(exp.alpha) * d)
    rows, k = n_train + test_size, min(p, n_train)
    per_model = n_train * p * p + len(exp.alpha) * (2 * k**3 + 2 * rows * p * len(exp.lam))
    return 4 * rows * d * p + n_models * per_model


def _data(exp: Experiment, d: int) -> tuple[int, float]:
    """The largest split's inputs (n x d; the step split holds `steps` batches)."""
    return 2 * max(exp.n0 * exp.problem.steps, exp.n_train, exp.test_size) * exp.d, 0.0


def _step(exp: Experiment, d: int) -> tuple[int, float]:
    """`step_words`; the gradient and the singular values of the step."""
    r = min(exp.p, exp.d)
    flops = 4 * exp.n0 * exp.problem.steps * exp.d * exp.p + 4 * exp.p * exp.d * r + 10 * r**3
    return step_words(exp.d, exp.p, exp.n0, exp.problem.steps), flops


def _conditional(exp: Experiment, d: int) -> tuple[int, float]:
    """`conditional_words` and `conditional_flops` of one first layer."""
    return conditional_words(exp.d, exp.p), conditional_flops(exp.d, exp.p)


def _readout(exp: Experiment, d: int) -> tuple[int, float]:
    """One fit of every model."""
    words = fit_words(exp.d, exp.p, exp.n_train, exp.test_size, exp.threads)
    return words, _fit_flops(exp, exp.d, exp.test_size, len(exp.models))


def _validation(exp: Experiment, d: int) -> tuple[int, float]:
    """Every eta on each validation seed at size d."""
    p, n_train, test_size = exp.problem.p(d), round(max(exp.alpha) * d), exp.validation["test_size"]
    words = fit_words(d, p, n_train, test_size, exp.threads)
    return words, len(exp.validation["seeds"]) * _fit_flops(exp, d, test_size, len(exp.eta))


STAGE_COSTS: dict[str, Callable[[Experiment, int], tuple[int, float]]] = {
    "data": _data,
    "step": _step,
    "conditional": _conditional,
    "readout": _readout,
    "validation": _validation,
}
"""`(float64 words, flops)` of one job of each stage with large arrays, at size d (the
validation job's wildcard; the other stages run at `exp.d`)."""


def _mb(words: int) -> float:
    """MB of `words` float64 numbers plus 20% headroom, and `INTERPRETER_MB`."""
    return 1.2 * 8 * words / 2**20 + INTERPRETER_MB


def job_memory_mb(exp: Experiment, stage: str, d: int | None = None) -> float:
    """Estimate (MB) of one job of `stage`: its arrays (`STAGE_COSTS`, float64, plus 20%
    headroom) and `INTERPRETER_MB`; `d` is the size of a validation job."""
    if stage not in STAGE_COSTS:
        return SMALL_JOB_MB
    return _mb(STAGE_COSTS[stage](exp, exp.d if d is None else d)[0])


def job_resources(exp: Experiment, stage: str, d: int | None = None) -> dict[str, int]:
    """`mem_mb` and `runtime` (minutes) to request for one job of `stage` (cluster sizing);
    `d` is the size of a validation job.

    Memory: `job_memory_mb` plus 1 GB for the interpreters (a SLURM job runs two Snakemake
    processes besides the script). Runtime: flop count at a pessimistic 1 GFLOP/s, at least
    10 min."""
    flops = STAGE_COSTS[stage](exp, exp.d if d is None else d)[1] if stage in STAGE_COSTS else 0
    mem = job_memory_mb(exp, stage, d)
    return {"mem_mb": int(mem) + 1000, "runtime": max(10, int(flops / 1e9 / 60) + 1)}


def memory_by_job(
    exp: Experiment, validation: bool = True, conditional: bool = False
) -> dict[str, float]:
    """`job_memory_mb` of every job kind: `data`, `step`, `readout`, with `conditional`
    `conditional` and, with `validation`, `validation d=D` for each validation size."""
    kinds = ("data", "step", "readout") + (("conditional",) if conditional else ())
    jobs = {s: job_memory_mb(exp, s) for s in kinds}
    if validation:
        for d in exp.validation["d"]:
            jobs[f"validation d={d}"] = job_memory_mb(exp, "validation", d)
    return jobs


def peak_memory_mb(exp: Experiment, validation: bool = True) -> float:
    """Estimate (MB) of the largest job (`memory_by_job`)."""
    return max(memory_by_job(exp, validation).values())


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
    flops = 4.0 * problem.n0(d) * problem.steps * d * p + conditional_flops(d, p)
    return _mb(words), flops
