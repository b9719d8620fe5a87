"""End-to-end Snakemake runs on the tiny config: outputs, caching, reruns, determinism."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from srfpipe.store import params_of

ROOT = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())

pytestmark = pytest.mark.workflow
FIGURE_TABLE = yaml.safe_load((ROOT / "workflow" / "figures.yaml").read_text())
FIGURES = tuple(FIGURE_TABLE)  # the tiny config draws every figure
PLOTS = {spec["rule"]: 1 for spec in FIGURE_TABLE.values()}  # one rule per figure


def snakemake(workdir: Path, *args: str, config: dict | None = None) -> subprocess.CompletedProcess:
    cfg = workdir / "config.yaml"
    cfg.write_text(yaml.safe_dump(config or TINY))
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(cfg),
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def planned_jobs(workdir: Path, config: dict) -> dict[str, int]:
    """Rule -> job count of a dry run (the 'Job stats' table)."""
    out = snakemake(workdir, "-n", "--cores", "2", config=config)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:")[1]
    return {
        m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M) if m[1] != "total"
    }


def data_vars(workdir: Path) -> dict[str, xr.Dataset]:
    files = sorted((workdir / "results").rglob("*.nc"))
    return {str(f.relative_to(workdir)): xr.load_dataset(f) for f in files}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    out = snakemake(workdir, "--cores", "2")
    assert out.returncode == 0, out.stderr[-3000:]
    return workdir


def test_outputs_exist_and_carry_parameters(tiny_run):
    for ext in ("png", "pdf"):
        for fig in FIGURES:
            assert (tiny_run / f"results/figures/tiny/{fig}.{ext}").stat().st_size > 1000
    artifacts = data_vars(tiny_run)
    stages = {ds.attrs.get("stage") for ds in artifacts.values()}
    assert {"data", "gradient", "step", "rf", "readout", "theory", "curves", "learned"} <= stages
    assert "optimal" in stages
    for name, ds in artifacts.items():
        if ds.attrs["stage"] in ("curves", "learned"):
            continue
        p = params_of(ds)
        assert ds.attrs["srfpipe_version"] and ds.attrs["code_version"], name
        if ds.attrs["stage"] in ("data", "gradient", "step", "rf", "readout"):
            assert p["d"] == TINY["d"] and p["seed"] in TINY["seeds"], name
        elif ds.attrs["stage"] == "validation":
            assert p["eta"] == TINY["eta"] and p["d"] in TINY["validation"]["d"], name
        elif ds.attrs["stage"] == "optimal":
            assert p["eta"] == TINY["eta"] and np.all(np.isfinite(ds["eta_opt"])), name
        else:
            assert p["eta"] in TINY["eta"] and p["noise"] == TINY["noise"], name
    curves = xr.load_dataset(tiny_run / "results/curves/tiny.nc")
    # dense theory: >= 60 alphas, the simulated ones held exactly
    for ds in artifacts.values():
        if ds.attrs["stage"] in ("theory", "validation"):
            assert ds.sizes["alpha_theory"] >= 60
    at_sim = curves["theory_test_error"].sel(alpha_theory=curves["alpha"].values)
    assert np.all(np.isfinite(at_sim))
    err = curves["test_error_mean"]
    assert err.dims == ("eta", "model", "alpha", "lam") and np.all(np.isfinite(err))
    # eta = 0: the network is the RF model, exactly
    at0 = curves.sel(eta=0.0)
    assert np.array_equal(
        at0["test_error_mean"].sel(model="network"), at0["test_error_mean"].sel(model="rf")
    )


def test_rerun_is_a_noop(tiny_run):
    assert planned_jobs(tiny_run, TINY) == {}


def test_adding_an_eta_runs_only_its_jobs(tiny_run):
    config = TINY | {"eta": [*TINY["eta"], 3.0]}
    jobs = planned_jobs(tiny_run, config)
    seeds, n_d = len(TINY["seeds"]), len(TINY["validation"]["d"])
    assert jobs == {
        **PLOTS,
        "take_step": seeds,
        "fit_readout": seeds,
        "eval_theory": 1,
        "eval_conditional": seeds,
        "validate_theory": n_d,
        "make_curves": 1,
        "learned_function": 1,
        "optimal_eta": 1,
        "record_config": 1,
        "all": 1,
    }, jobs


def test_changing_lambda_reruns_only_lambda_dependent_jobs(tiny_run):
    config = TINY | {"lam": [0.05, 1.0]}
    jobs = planned_jobs(tiny_run, config)
    n = len(TINY["seeds"]) * len(TINY["eta"])
    assert jobs == {
        **PLOTS,
        "fit_rf": len(TINY["seeds"]),
        "fit_readout": n,
        "eval_theory": len(TINY["eta"]),
        "eval_conditional": n,
        "validate_theory": len(TINY["validation"]["d"]),
        "make_curves": 1,
        "learned_function": 1,
        "optimal_eta": 1,
        "record_config": 1,
        "all": 1,
    }, jobs


@pytest.mark.parametrize(
    ("change", "reruns"), [({"eta": [0.0, 0.5]}, False), ({"alpha": [0.5, 1.5]}, True)]
)
def test_the_rf_readout_depends_on_the_grids_not_on_eta(tiny_run, change, reruns):
    """fit_rf's key has no eta (and no models): new step sizes rerun the readouts of the new
    etas only; a new alpha grid (like a new lambda grid above) reruns fit_rf."""
    jobs = planned_jobs(tiny_run, TINY | change)
    assert jobs.get("fit_rf", 0) == (len(TINY["seeds"]) if reruns else 0), jobs
    assert jobs["fit_readout"] == len(TINY["seeds"]) * (2 if reruns else 1), jobs


def test_same_numbers_whatever_cores(tiny_run, tmp_path):
    out = snakemake(tmp_path, "--cores", "1")
    assert out.returncode == 0, out.stderr[-3000:]
    a, b = data_vars(tiny_run), data_vars(tmp_path)
    assert a.keys() == b.keys()
    for name in a:
        xr.testing.assert_equal(a[name], b[name])


def test_html_report_holds_the_figures(tiny_run):
    out = snakemake(tiny_run, "--report", "report.html")
    assert out.returncode == 0, out.stderr[-2000:]
    html = (tiny_run / "report.html").read_text(errors="ignore")
    assert len(html) > 100_000
    for fig in FIGURES:
        assert f"{fig}.png" in html


@pytest.mark.parametrize("init_output", ["symmetric", "full"])
def test_theory_is_skipped_where_it_does_not_apply(tmp_path, init_output):
    jobs = planned_jobs(tmp_path, TINY | {"init_output": init_output})
    assert "eval_theory" not in jobs and "validate_theory" not in jobs
    assert jobs["fit_readout"] == len(TINY["seeds"]) * len(TINY["eta"])


def test_manifest_lists_every_artifact_with_its_parameters(tiny_run):
    from srfpipe.store import manifest

    records = manifest(tiny_run / "results")
    assert len(records) == len(data_vars(tiny_run))
    for rec in records:
        assert rec["stage"] and rec["params"], rec["path"]
    curves = next(r for r in records if r["stage"] == "curves")
    assert curves["params"]["eta"] == TINY["eta"] and curves["params"]["seeds"] == TINY["seeds"]


def test_command_line_overrides_and_partial_configfiles(tmp_path):
    """`--config` values reach the schema's types; a partial --configfile takes the schema's
    defaults, not config.yaml's (the effective configuration is printed first)."""
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(TINY))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(tmp_path), "-n", "--cores", "1"]
    overrides = ["dim=40", "eta=[0,1.5]", "theory=false", "validation={d: []}"]
    out = subprocess.run([*cmd, "--config", *overrides], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "\nd: 40\n" in out.stdout and "eta: [0, 1.5]" in out.stdout
    assert "theory: false" in out.stdout and "noise: 0.1" in out.stdout
    assert "eta~1.5_seed~1.nc" in out.stdout and "validate_theory" not in out.stdout
    partial = {k: TINY[k] for k in ("d", "beta", "alpha0", "eta", "alpha", "lam", "seeds")}
    (tmp_path / "partial.yaml").write_text(yaml.safe_dump(partial | {"target": {"name": "relu"}}))
    out = subprocess.run(
        [*cmd, "--configfile", str(tmp_path / "partial.yaml")], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "target:\n  name: relu\n  scale: 1.0\n" in out.stdout
    assert "noise: 0.0" in out.stdout and "name: default" in out.stdout


def test_figures_the_config_no_longer_draws_are_removed(tiny_run):
    """Runs last on tiny_run: dropping the validation removes its figure (issue #13)."""
    figures = tiny_run / "results/figures/tiny"
    assert (figures / "theory_validation.png").exists()
    out = snakemake(tiny_run, "--cores", "1", config=TINY | {"validation": {"d": []}})
    assert out.returncode == 0, out.stderr[-2000:]
    assert sorted(f.name for f in figures.iterdir()) == [
        "bulk_spectrum.pdf", "bulk_spectrum.png", "learned_function.pdf", "learned_function.png",
        "learning_curves.pdf", "learning_curves.png", "optimal_eta.pdf", "optimal_eta.png",
        "spike_diagnostics.pdf", "spike_diagnostics.png",
    ]  # fmt: skip
    saved = yaml.safe_load((tiny_run / "results/config/tiny.yaml").read_text())
    assert saved["validation"]["d"] == [] and saved["d"] == TINY["d"]


@pytest.mark.parametrize("models", [["rf"], ["rf", "srf_map"]])
def test_optimal_eta_figure_without_the_network(tiny_run, tmp_path, models):
    """`models: [rf]` (no markers) or without the network (markers of srf_map)."""
    from srfpipe import plots

    curves = xr.load_dataset(tiny_run / "results/curves/tiny.nc").sel(model=models)
    optimal = xr.load_dataset(next((tiny_run / "results/optimal").glob("*.nc")))
    plots.optimal_eta(optimal, curves, [tmp_path / "optimal_eta.png"])
    assert (tmp_path / "optimal_eta.png").stat().st_size > 1000


def test_a_copied_step_artifact_is_refused(tiny_run, tmp_path):
    """The issue's `cp results/step/K/eta~1_seed~0.nc .../eta~1_seed~1.nc`, then a rerun:
    the readout of seed 1 refuses seed 0's step instead of fitting it silently."""
    work = tmp_path / "work"
    shutil.copytree(tiny_run, work, symlinks=True)
    step = next((work / "results" / "step").glob("*/eta~1_seed~0.nc"))
    shutil.copy(step, step.with_name("eta~1_seed~1.nc"))
    out = snakemake(work, "--cores", "1")
    assert out.returncode != 0
    assert "seed 0 where the file name says 1" in out.stderr, out.stderr[-2000:]


def test_no_conditional_job_where_it_would_fail(tmp_path):
    """Constant readout, target -z: the spike has r < 0, which the conditional theory does
    not cover; the plan has no eval_conditional job (it used to fail mid-run)."""
    target = {"name": "hermite", "coefficients": [0, -1]}
    jobs = planned_jobs(tmp_path, TINY | {"readout_init": "constant", "target": target})
    assert "eval_conditional" not in jobs and jobs["fit_readout"] > 0


def test_adding_a_model_reruns_no_conditional_job(tiny_run):
    """eval_conditional has its own key (the step, the grids): a new model reruns the
    readouts and what joins them, not the conditional theories."""
    models = ["rf", "network", "srf_map", "srf_extracted", "srf_plain"]
    jobs = planned_jobs(tiny_run, TINY | {"models": models})
    assert "eval_conditional" not in jobs and "fit_rf" not in jobs
    assert jobs["fit_readout"] == len(TINY["seeds"]) * len(TINY["eta"])


@pytest.mark.parametrize(
    ("models", "eta", "fits_rf"),
    [
        (["network"], [1.0], False),
        (["network"], [0.0, 1.0], True),
        (["rf", "network"], [1.0], True),
    ],
)
def test_fit_rf_runs_only_where_a_layer_is_w0(tmp_path, models, eta, fits_rf):
    """fit_rf is requested only by readouts with a layer equal to `W0`: the rf model, or any
    model at eta = 0 (`Experiment.fits_rf`); `models: [network]` without eta = 0 fits none."""
    jobs = planned_jobs(tmp_path, TINY | {"models": models, "eta": eta})
    assert jobs.get("fit_rf", 0) == (len(TINY["seeds"]) if fits_rf else 0), jobs
    assert jobs["fit_readout"] == len(TINY["seeds"]) * len(eta), jobs


@pytest.mark.parametrize(
    ("precision", "init_output"), [("float64", "zero"), ("float32", "symmetric")]
)
def test_a_step_from_the_seeds_gradient_is_the_step_computed_in_place(precision, init_output):
    """One step reads its direction from the seed's `step_gradient` artifact: the same
    artifact, bit for bit, as a step computed in the job, at every eta; a gradient of another
    seed is refused."""
    from srfpipe.config import Experiment
    from srfpipe.keys import stage_params
    from srfpipe.stages import generate_data, step_gradient, take_step

    exp = Experiment.from_config(TINY | {"precision": precision, "init_output": init_output})
    params = stage_params(exp, "step")
    data_ds = generate_data.run(params, 0)
    grad = step_gradient.run(params, 0, data_ds)
    assert grad["direction"].dtype == np.dtype(precision)
    for eta in (0.0, 1.5):
        shared = take_step.run(params, 0, eta, data_ds, grad)
        xr.testing.assert_identical(shared, take_step.run(params, 0, eta, data_ds))
    with pytest.raises(ValueError, match="not this seed's first step"):
        take_step.run(params, 1, 1.5, generate_data.run(params, 1), grad)


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_a_readout_without_the_rf_artifact_fits_the_same_numbers(eta):
    """The readout fits the layers equal to `W0` itself when it is given no `fit_rf`
    artifact: the same numbers, bit for bit, as when it reads them from it."""
    from srfpipe.config import Experiment
    from srfpipe.keys import stage_params
    from srfpipe.stages import fit_readout, fit_rf, generate_data, take_step

    exp = Experiment.from_config(TINY | {"models": ["rf", "network", "srf_plain"]})
    params = stage_params(exp, "readout")
    data_ds = generate_data.run(params, 0)
    step_ds = take_step.run(params, 0, eta, data_ds)
    rf_ds = fit_rf.run(params, 0, data_ds)
    given = fit_readout.run(params, 0, eta, data_ds, step_ds, rf_ds)
    xr.testing.assert_identical(given, fit_readout.run(params, 0, eta, data_ds, step_ds))
