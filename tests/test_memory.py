"""The memory model (`srfpipe.resources.job_memory_mb`) covers what the jobs allocate."""

import tracemalloc

import numpy as np
import pytest
from test_config import DEFAULT, problems

from srfpipe.cli import conditional_problems
from srfpipe.config import Experiment
from srfpipe.keys import stage_params
from srfpipe.resources import (
    INTERPRETER_MB,
    job_memory_mb,
    job_resources,
    lambda_solver,
    memory_by_job,
)
from srfpipe.ridge import shifted_solves
from srfpipe.stages import generate_data, step_gradient, take_step


def _arrays_mb(fn, *args) -> float:
    """Peak MB that numpy allocates while `fn(*args)` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("n_lams", [4, 8])
def test_lambda_path_works_in_the_grams_memory(n_lams):
    """A fit with `overwrite` (as `ridge._fit_nested` calls it) allocates less than one k x k
    array beyond its scaled Gram: the Cholesky path (4 lambdas) its float32 factor (half of
    one) and O(k), the band path (8, its panels, O(64 k)) under 0.75; `fit_words` counts
    `(1 + 1.5 threads) k^2`, the Gram and one scaled copy and one factor per fit, with the 20%
    headroom of `job_memory_mb` above."""
    k = 600
    a = np.random.default_rng(0).standard_normal((k + 50, k))
    m, lams = a.T @ a / (k + 50), np.geomspace(1e-3, 1.0, n_lams)
    assert lambda_solver(k, n_lams)[0] == ("cholesky" if n_lams == 4 else "band")
    shifted_solves(m[:8, :8] + np.eye(8), np.ones(8), lams)  # LAPACK bindings loaded first
    mb = _arrays_mb(shifted_solves, m, np.ones(k), lams, True)
    print(f"{n_lams} lambdas: {mb:.2f} MB beyond the Gram's {k * k * 8 / 2**20:.2f} MB")
    assert mb < (0.55 if n_lams == 4 else 0.75) * k * k * 8 / 2**20


@pytest.mark.parametrize("steps", [1, 8])
def test_data_and_step_estimates_bound_the_measured_peak(steps):
    """`steps: K` regenerates K batches at once: the estimate grows with K and bounds the
    measured peak of the data and step jobs (tracemalloc, without the interpreter); one step
    reads its direction from the seed's `step_gradient` job, which is measured too."""
    cfg = DEFAULT | {"d": 100, "alpha0": 50.0, "steps": steps, "eta": [1.0], "seeds": [0]}
    exp = Experiment.from_config(cfg | {"validation": {"d": []}})
    params = stage_params(exp, "step")
    data_ds = generate_data.run(stage_params(exp, "data"), 0)
    grad = step_gradient.run(params, 0, data_ds) if steps == 1 else None
    measured = {
        "data": _arrays_mb(generate_data.run, stage_params(exp, "data"), 0),
        "step": _arrays_mb(take_step.run, params, 0, 1.0, data_ds, grad),
    }
    if steps == 1:
        measured["gradient"] = _arrays_mb(step_gradient.run, params, 0, data_ds)
    for stage, mb in measured.items():  # 2 MB: objects of any size (1.5 MB measured at d = 100)
        assert mb <= job_memory_mb(exp, stage) - INTERPRETER_MB + 2.0, stage
    if steps > 1:  # the K batches alone: K n0 d float64 words
        assert job_memory_mb(exp, "step") - INTERPRETER_MB > steps * exp.n0 * exp.d * 8 / 2**20


def test_steps_are_in_the_guard():
    """The issue's reproduction: 8 steps of n0 = 50 d at d = 200 under a 300 MB limit."""
    cfg = DEFAULT | {"d": 200, "alpha0": 50.0, "steps": 8, "eta": [1.0], "seeds": [0]}
    cfg |= {"alpha": [0.5, 1, 2], "lam": [0.1], "test_size": 500}  # the small.yaml
    cfg["validation"] = {"d": [100], "seeds": [0, 1], "test_size": 500}
    assert "mem_limit_mb: the largest job" in problems(cfg | {"mem_limit_mb": 300})
    # the step job peaks at 310 MB (RSS, measured); the estimate for one step was below 300
    assert job_memory_mb(Experiment.from_config(cfg), "step") > 310
    assert problems(cfg | {"mem_limit_mb": 300, "steps": 1}) == ""


def test_conditional_job_is_sized_on_the_small_side():
    """The conditional theory eigendecomposes min(p, d)^2, not d^2: p = 1000 at d = 1e5 is
    a few GB (accepted, sized so); p = d = 1e5 is refused naming the key and the limit."""
    cfg = DEFAULT | {"d": 100000, "beta": 0.01, "alpha0": 0.01, "alpha": [0.01]}
    cfg |= {"test_size": 10, "validation": {"d": []}}
    assert problems(cfg) == ""
    exp = Experiment.from_config(cfg)
    assert "conditional" in memory_by_job(exp, validation=False, conditional=True)
    words = 3 * exp.p * exp.d + 3 * exp.p**2
    assert job_memory_mb(exp, "conditional") == pytest.approx(
        1.2 * 8 * words / 2**20 + INTERPRETER_MB
    )
    assert 3000 < job_resources(exp, "conditional")["mem_mb"] < 5000
    refused = problems(cfg | {"beta": 1.0})
    assert "mem_limit_mb: the largest job" in refused and "> limit 16000 MB" in refused
    # the CLI's check: the same model, flags named
    pb = Experiment.from_config(DEFAULT).problem
    (msg,) = conditional_problems(pb, 200000, [1.0])
    assert msg.startswith("--d: 200000 needs about") and "limit 16000 MB" in msg
    assert conditional_problems(pb, 400, [1.0]) == []
