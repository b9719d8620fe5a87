"""`srfpipe plan`: jobs from Snakemake's DAG, cost scaling with d, schedule bounds, bad input."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from srfpipe import cli, plan
from srfpipe.config import Experiment
from srfpipe.resources import (
    RUNTIME_FLOOR,
    RUNTIME_SAFETY,
    STAGE_COSTS,
    job_resources,
    lambda_solver,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "configs" / "tiny.yaml"
PAPER = ROOT / "config" / "paper.yaml"


def job_stats(configfile: Path, config: list[str]) -> Counter:
    """Snakemake's own 'Job stats' table of a dry run from scratch (rule -> count)."""
    exe = Path(sys.executable).parent / "snakemake"
    cmd = [str(exe), "-n", "--forceall", "--nolock", "--cores", "2"]
    cmd += ["--snakefile", str(ROOT / "Snakefile"), "--configfile", str(configfile)]
    cmd += ["--config", *config] if config else []
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    text = out.stdout + out.stderr
    table = text[text.index("Job stats") :]
    return Counter(
        {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}
    )


@pytest.mark.parametrize(
    ("configfile", "config"),
    [(TINY, []), (PAPER, []), (PAPER, ["seeds=[0]", "validation={d: []}"])],
)
def test_jobs_are_the_dag(configfile: Path, config: list[str]) -> None:
    p = plan.make_plan(configfile, config, cores=2, rates=plan.DEFAULT_RATES)
    counts = Counter(e.job.rule for e in p.estimates)
    assert counts == job_stats(configfile, config)
    exp = Experiment.from_config(plan._effective_config(configfile, config))
    per_seed = len(exp.eta) * len(exp.seeds)
    assert counts["fit_readout"] == counts["take_step"] == per_seed
    assert counts["generate_data"] == counts["fit_rf"] == len(exp.seeds)
    assert counts["validate_theory"] == (len(exp.validation["d"]) if not config else 0)
    ids = {e.job.jobid for e in p.estimates}
    assert all(set(e.job.deps) <= ids for e in p.estimates)
    readout = next(e for e in p.estimates if e.job.rule == "fit_readout")
    assert len(readout.job.deps) == 3  # its data, its step and its seed's rf readout
    print(p.text())


def test_estimates_scale_with_d() -> None:
    """Doubling d (p, n, n0 with it) multiplies a job's counted products by 8 and its
    estimated CPU time (start-up aside) by 4 to 8 (random draws and activations are ~d^2);
    the data job's normals grow by (n0 + n + n_test) d with n_test fixed: 2 to 4."""
    rates = plan.DEFAULT_RATES
    config = ["seeds=[0]", "validation={d: []}"]
    small, large = (
        plan.make_plan(PAPER, [*config, f"dim={d}"], cores=2, rates=rates) for d in (500, 1000)
    )
    for rule in ("take_step", "fit_readout", "eval_conditional", "generate_data"):
        a = max(e.cpu for e in small.by_rule()[rule]) - rates["startup"]
        b = max(e.cpu for e in large.by_rule()[rule]) - rates["startup"]
        low, high = (2.0, 4.0) if rule == "generate_data" else (4.0, 8.1)
        print(f"{rule}: {a:.3f} s -> {b:.3f} s, ratio {b / a:.2f}")
        assert low <= b / a <= high
    step = next(e.job for e in small.estimates if e.job.rule == "take_step")
    exp = {
        d: Experiment.from_config(plan._effective_config(PAPER, [*config, f"dim={d}"]))
        for d in (500, 1000)
    }
    work = {d: STAGE_COSTS["step"](e, step.wildcards).work for d, e in exp.items()}
    ratio = work[1000]["gemm64"] / work[500]["gemm64"]
    assert ratio == pytest.approx(8.0, rel=0.02)
    assert large.cpu > small.cpu and large.wall > small.wall


def test_float32_halves_the_products() -> None:
    exp = Experiment.from_config(plan._effective_config(PAPER, []))
    exp32 = Experiment.from_config(plan._effective_config(PAPER, ["precision=float32"]))
    wildcards = {"eta": "1", "seed": "0"}
    w64, w32 = (STAGE_COSTS["readout"](e, wildcards).work for e in (exp, exp32))
    assert "gemm32" not in w64 and w32["gemm32"] == pytest.approx(
        w64["gemm64"] - w32["gemm64"], rel=1e-12
    )


@pytest.mark.parametrize("lam", ["[0.001,0.01,0.1,1.0]", "[0.001,0.003,0.01,0.03,0.1,0.3,1,3]"])
def test_readout_counts_the_lambda_path_ridge_runs(lam: str) -> None:
    """Per alpha the readout counts the solver `srfpipe.ridge` picks (`lambda_solver`) and
    its flops: Cholesky factorisations for the paper's 4 lambdas, band reductions for 8."""
    exp = Experiment.from_config(plan._effective_config(PAPER, [f"lam={lam}"]))
    work = STAGE_COSTS["readout"](exp, {"eta": "1", "seed": "0"}).work
    layers = len(exp.models) - 1  # rf comes from fit_rf
    expected: Counter = Counter()
    for a in exp.alpha:
        solver, flops = lambda_solver(min(round(a * exp.d), exp.p), len(exp.lam))
        expected[solver] += layers * flops
    assert set(expected) == ({"cholesky"} if len(exp.lam) == 4 else {"band"})
    for solver, flops in expected.items():
        assert work[solver] == pytest.approx(flops, rel=1e-12)
    assert not {"band", "cholesky"} - set(expected) & set(work)


@pytest.fixture(scope="module")
def tiny() -> plan.Plan:
    return plan.make_plan(TINY, [], cores=2, rates=plan.DEFAULT_RATES)


def test_schedule_bounds(tiny: plan.Plan) -> None:
    walls = {c: plan.schedule(tiny.estimates, c) for c in (1, 2, 3, 8, 1000)}
    assert walls[1][0] == pytest.approx(sum(e.wall for e in tiny.estimates), rel=1e-9)
    for cores, (wall, critical) in walls.items():
        assert critical == pytest.approx(tiny.critical, rel=1e-12)
        assert critical <= wall + 1e-9 <= walls[1][0] + 2e-9
        assert wall >= sum(e.wall for e in tiny.estimates) / cores - 1e-9
    assert walls[1000][0] == pytest.approx(tiny.critical, rel=1e-9)  # unlimited: the path
    assert walls[2][0] == pytest.approx(tiny.wall, rel=1e-12)


def test_calibration_is_positive_and_finite() -> None:
    rates = plan.calibrate(startup=False)
    assert set(rates) == set(plan.DEFAULT_RATES)
    for kernel, rate in rates.items():
        assert 0 < rate < float("inf"), kernel
    # measured rates stay within a factor 10 of the stored ones on any current CPU
    for kernel in set(plan.DEFAULT_RATES) - {"startup"}:
        assert 0.1 < rates[kernel] / plan.DEFAULT_RATES[kernel] < 10, kernel


def test_every_rule_has_a_cost_model(tiny: plan.Plan) -> None:
    assert not [n for n in tiny.notes if "no cost model" in n]


def test_float32_note_follows_the_saving() -> None:
    """The paper config in float64 gets the float32 note (its products are a large share);
    the same config in float32 does not."""
    config = ["seeds=[0]", "validation={d: []}"]
    rates = plan.DEFAULT_RATES
    f64 = plan.make_plan(PAPER, config, cores=2, rates=rates)
    f32 = plan.make_plan(PAPER, [*config, "precision=float32"], cores=2, rates=rates)
    saved = 1.0 - f32.cpu / f64.cpu
    print(f"float32 saves {saved:.3f} of the CPU time")
    assert saved >= plan.FLOAT32_NOTE
    assert any("precision: float32 would save" in n for n in f64.notes)
    assert not any("float32" in n for n in f32.notes)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", str(TINY), "--cores", "0"], "--cores: must be an integer >= 1, got 0"),
        (["plan", str(TINY), "--cores", "two"], "--cores: must be an integer >= 1"),
        (["plan", "missing.yaml"], "--configfile: no such file: missing.yaml"),
        (["plan", str(TINY), "--config", "dim=3"], "d: 3 is less than the minimum"),
        (["plan", str(TINY), "--config", "dim"], "--config: expected KEY=VALUE"),
        (["plan", str(TINY), "--configfile", str(TINY)], "give the config file once"),
    ],
)
def test_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert cli.main([*argv, "--no-calibrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("srfpipe: error: ") and message in err


def test_cli_prints_the_plan(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["plan", str(TINY), "--cores", "2", "--no-calibrate"]) == 0
    out = capsys.readouterr().out
    assert "fit_readout" in out and "wall time on 2 cores" in out
    with pytest.raises(plan.PlanError, match="--cores"):
        plan.make_plan(TINY, [], cores=0)


def test_runtime_follows_the_plan() -> None:
    """The cluster time limit the rules request: at least the floor, `RUNTIME_SAFETY` times
    the plan's estimated wall time of the job on the config's threads."""
    big = ["mem_limit_mb=1000000", "validation={d: []}"]
    exp = {
        d: Experiment.from_config(plan._effective_config(PAPER, [f"dim={d}", *big]))
        for d in (500, 8000)
    }
    assert job_resources(exp[500], "readout")["runtime"] == RUNTIME_FLOOR
    job = plan.Job(0, "fit_readout", {"eta": "1", "seed": "0"}, exp[8000].threads, None, (), ())
    (est,) = plan.estimate(exp[8000], [job], plan.DEFAULT_RATES)
    runtime = job_resources(exp[8000], "readout")["runtime"]
    print(f"d = 8000 readout: plan {est.wall / 60:.1f} min ({job.threads} threads), asks {runtime}")
    assert runtime == math.ceil(RUNTIME_SAFETY * est.wall / 60.0) > RUNTIME_FLOOR
