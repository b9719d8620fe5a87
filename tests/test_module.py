"""The workflow as a good Snakemake citizen: `snakemake --lint` is clean, and another
workflow can use it as a `module` (docs/cluster.md); what that run made loads by name
(`srfpipe.load_run`) and draws on the caller's axes (`srfpipe.plots`)."""

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import run_snakemake  # noqa: E402

import srfpipe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow


def test_lint_is_clean():
    """Every rule has a log, a conda environment, ...: `snakemake --lint` prints no lint."""
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Lints for" not in out.stdout + out.stderr


def test_module_runs_from_another_workflow(module_run):
    """The module's rules (renamed `srfpipe_*`) make every figure under the outer working
    folder; a second dry run has nothing to do."""
    figures = sorted(p.stem for p in (module_run / "results" / "figures" / "default").glob("*.png"))
    assert figures == [
        "bulk_spectrum", "learned_function", "learning_curves", "optimal_eta",
        "spike_diagnostics", "theory_validation",
    ]  # fmt: skip
    out = run_snakemake(module_run, "-n", "--cores", "2")
    assert out.returncode == 0 and "Nothing to be done" in out.stdout + out.stderr


def test_load_run_and_draw_on_own_axes(module_run):
    """`load_run` finds the run's datasets by name; the figure functions draw them on
    axes the caller made, and label every line they draw."""
    run = srfpipe.load_run("default", results=module_run / "results")
    assert run.config["name"] == "default" and sorted(run.validation) == [24]
    assert {"test_error_mean", "theory_test_error"} <= set(run.curves.data_vars)
    assert {"prediction_mean", "theory_mean"} <= set(run.learned.data_vars)
    assert {"eta_opt", "profile_test_error"} <= set(run.optimal.data_vars)
    etas, lams = run.curves.sizes["eta"], run.curves.sizes["lam"]
    fig, axes = plt.subplots(lams, etas)
    assert srfpipe.plots.learning_curves(run.curves, axes=axes) is fig
    for ax in axes.flat:
        unlabelled = [ln for ln in ax.get_lines() if ln.get_label().startswith("_child")]
        assert unlabelled == [], [ln.get_linestyle() for ln in unlabelled]
    lines = axes[0, -1].get_lines()
    flat = [ln for ln in lines if list(ln.get_xdata()) == [0, 1]]  # axhline: the plateaus
    assert flat and all(r"\alpha\to\infty" in ln.get_label() for ln in flat)
    fig, axes = plt.subplots(1, etas)
    srfpipe.plots.learned_function(run.learned, axes=axes)
    fig, ax = plt.subplots()
    srfpipe.plots.optimal_eta(run.optimal, run.curves, ax=ax)
    fig, axes = plt.subplots(lams, etas)
    srfpipe.plots.theory_validation(list(run.validation.values()), axes=axes)
    srfpipe.plots.spike_diagnostics(run.curves, axes=plt.subplots(1, 4)[1])
    srfpipe.plots.bulk_spectrum(run.curves, axes=plt.subplots(1, etas)[1])
    assert np.isfinite(run.curves["test_error_mean"]).all()
    plt.close("all")
    with pytest.raises(FileNotFoundError, match="runs there: \\['default'\\]"):
        srfpipe.load_run("nope", results=module_run / "results")
