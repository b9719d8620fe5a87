"""The notebook API (`srfpipe.api`, exported from `srfpipe`): one code path with the CLI,
simulations of several models on one draw, progress callbacks, figures on the caller's axes."""

import io
import json
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import srfpipe  # noqa: E402
from srfpipe import api  # noqa: E402
from srfpipe.theory.curves import learning_curve  # noqa: E402

PROBLEM = srfpipe.Problem(target=srfpipe.target("tanh", 2.0), noise=0.1, alpha0=2.0)
SMALL = dict(d=40, seeds=2, alpha=[0.5, 1.0, 2.0], lam=[0.1, 1.0], test_size=300)


def test_import_is_cheap_and_names_resolve():
    """`import srfpipe` (every workflow job does it) loads neither xarray nor matplotlib;
    the API names resolve to `srfpipe.api` on first use."""
    code = "import srfpipe, sys; print([m for m in ('xarray', 'matplotlib') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for name in srfpipe.__all__:
        assert getattr(srfpipe, name) is not None, name
    assert srfpipe.simulate is api.simulate and srfpipe.plots.learning_curves
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        srfpipe.nope  # noqa: B018


def test_theory_curve_is_the_theory_of_the_map():
    """The API's curve is `learning_curve` on the network map's sRF; RF two ways agree:
    `eta = 0` (no spike, c_W = 1) and the registry's `rf` line at eta = 1."""
    kw = dict(lam=[0.1, 1.0], alpha=[0.5, 2.0])
    ds = srfpipe.theory_curve(PROBLEM, eta=1.0, **kw)
    ref = learning_curve(PROBLEM, srfpipe.network_map(PROBLEM, 1.0).srf, **kw)
    np.testing.assert_array_equal(ds["test_error"].values, ref["test_error"].values)
    rf0 = srfpipe.theory_curve(PROBLEM, eta=0.0, **kw)["test_error"].values
    rf1 = srfpipe.theory_curve(PROBLEM, eta=1.0, theory="rf", **kw)["test_error"].values
    np.testing.assert_allclose(rf0, rf1, rtol=1e-8)
    assert np.all(ds["test_error"].values < rf0)  # the step helps this target
    with pytest.raises(ValueError, match="eta/srf"):
        srfpipe.theory_curve(PROBLEM, **kw)
    with pytest.raises(ValueError, match="theory: unknown"):
        srfpipe.theory_curve(PROBLEM, eta=1.0, theory="nope", **kw)


def test_simulate_fits_models_together_as_alone():
    """Models fitted on one draw (shared pre-activations) give the numbers of each fitted
    alone, to rounding; the default is every model `eta` allows; a str drops the dim."""
    both = srfpipe.simulate(PROBLEM, eta=1.0, **SMALL)
    assert list(both["model"].values) == list(srfpipe.runnable_models(1.0, None))
    assert "srf" not in both["model"].values  # the prescribed sRF needs `srf`
    for model in ("rf", "network", "srf_map"):
        alone = srfpipe.simulate(PROBLEM, model, eta=1.0, **SMALL)
        assert "model" not in alone.dims
        np.testing.assert_allclose(
            alone["test_error"].values, both["test_error"].sel(model=model).values, rtol=1e-10
        )
    mean = both["test_error"].mean("seed")
    np.testing.assert_allclose(both["test_error_mean"].values, mean.values)
    assert both.attrs["n_seeds"] == 2 and both.attrs["d"] == 40


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(models=["network"]), "needs a step size eta"),
        (dict(models=["srf"], eta=1.0), "needs a prescribed sRF"),
        (dict(models=["nope"], eta=1.0), "model: unknown value 'nope'"),
        (dict(models=["rf"], seeds=0), "seeds: need at least 1"),
        (dict(models=["rf"], alpha=[0.001]), "alpha: 0.001 gives n = round"),
        (dict(models=["rf"], d=0), r"d: need an integer in \[8, "),
        (dict(models=["rf"], d=40.5), "d: need an integer"),
        (dict(models=["rf"], threads=0), "threads: need an integer"),
    ],
)
def test_simulate_refuses_bad_input_before_work(kw, match):
    calls = []
    with pytest.raises(ValueError, match=match):
        srfpipe.simulate(PROBLEM, **(SMALL | {"progress": lambda *a: calls.append(a)} | kw))
    assert calls == []


def test_progress_reports_each_seed_and_point():
    """The loops call `progress(done, total)` once per seed or point, ending at total; the
    printer writes one plain line per call (no carriage returns)."""
    stream = io.StringIO()
    printer = srfpipe.progress_printer("seed", stream)
    calls = []

    def both(done, total):
        calls.append((done, total))
        printer(done, total)

    srfpipe.simulate(PROBLEM, "rf", **(SMALL | {"seeds": 3}), progress=both)
    assert calls == [(1, 3), (2, 3), (3, 3)]
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["seed 1/3", "seed 2/3", "seed 3/3"]
    assert "\r" not in stream.getvalue()
    calls.clear()
    srfpipe.conditional_curve(
        PROBLEM, eta=1.0, d=40, seeds=[0, 1], lam=[0.1], alpha=[1.0], progress=both
    )
    assert calls == [(1, 2), (2, 2)]
    calls.clear()
    opt = srfpipe.optimal_eta(PROBLEM, alpha=[1.0, 2.0], eta_max=2.0, points=4, progress=both)
    assert calls == [(k, 6) for k in range(1, 7)]  # 4 profile points, then 2 alphas
    assert set(opt.data_vars) >= {"eta_opt", "lam_opt", "test_error", "profile_test_error"}
    assert np.all((opt["eta_opt"] >= 0) & (opt["eta_opt"] <= 2.0))


def test_optimal_lam_beats_the_grid():
    """The refined best lambda is no worse than any lambda of a grid (same theory)."""
    opt = srfpipe.optimal_lam(PROBLEM, eta=1.0, alpha=[1.0])
    grid = srfpipe.theory_curve(PROBLEM, eta=1.0, lam=np.geomspace(1e-3, 10, 9), alpha=[1.0])
    assert float(opt["test_error"].item()) <= float(grid["test_error"].min()) + 1e-9


def test_figures_draw_on_the_callers_axes_and_label_everything(tmp_path):
    """A figure function draws on the axes it is given, returns their figure, writes no
    file unless asked; every line and marker it draws has a legend label."""
    opt = srfpipe.optimal_eta(PROBLEM, alpha=[1.0, 2.0], eta_max=2.0, points=4)
    fig, ax = plt.subplots()
    out = srfpipe.plots.optimal_eta(opt, ax=ax)
    assert out is fig and list(tmp_path.iterdir()) == []
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels and not [lab for lab in labels if lab.startswith("_")], labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "optimum (theory)" in legend
    srfpipe.plots.optimal_eta(opt, paths=[tmp_path / "a.png"])
    assert (tmp_path / "a.png").stat().st_size > 5_000
    sim = srfpipe.simulate(PROBLEM, ["rf", "network"], eta=1.0, **SMALL)
    curve = srfpipe.theory_curve(PROBLEM, eta=1.0, lam=[0.1], alpha=[0.5, 1, 2])
    fig, ax = plt.subplots()
    srfpipe.plots.test_errors(sim, {"srf": curve, "mine": curve}, ax=ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["theory, sRF ($c_W$)", "mine", "RF ($W_0$)", "network ($W_1$)"]
    one = srfpipe.simulate(PROBLEM, "network", eta=1.0, **SMALL)  # no "model" dim
    fig = srfpipe.plots.test_errors(one, lam=1.0)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["network ($W_1$)"]
    with pytest.raises(ValueError, match="axes: need 1 axes"):
        srfpipe.plots.optimal_eta(opt, ax=np.array([ax, ax]))
    plt.close("all")


SIM_FLAGS = [
    "simulate", "--model", "network", "--d", "40", "--seeds", "3", "--eta", "1", "--alpha0", "2",
    "--target-scale", "2", "--noise", "0.1", "--alpha", "0.5,1", "--lam", "0.1",
    "--test-size", "300", "--threads", "1", "--json",
]  # fmt: skip


def test_cli_simulate_is_the_api_with_progress_unless_quiet(capsys):
    """`srfpipe simulate` prints the API's numbers and one progress line per seed on stderr
    (not a terminal here: lines, no carriage returns); `--quiet` prints none."""
    from srfpipe.cli import main

    assert main(SIM_FLAGS) == 0
    out, err = capsys.readouterr()
    lines = [line.split(" (")[0] for line in err.splitlines()]
    assert lines == [f"srfpipe simulate: seed {k}/3" for k in (1, 2, 3)] and "\r" not in err
    records = json.loads(out)["records"]
    ds = srfpipe.simulate(
        PROBLEM, "network", d=40, seeds=3, alpha=[0.5, 1.0], lam=[0.1], test_size=300, eta=1.0
    )
    got = [r["test_error"] for r in records]  # the record of the mean over seeds
    np.testing.assert_array_equal(got, ds["test_error_mean"].values.ravel())
    assert main([*SIM_FLAGS, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_cli_long_theory_runs_report_progress(capsys):
    """`theory --conditional` reports each seed, `theory --optimize eta` each point."""
    from srfpipe.cli import main

    common = ["--target-scale", "2", "--noise", "0.1", "--alpha0", "2", "--alpha", "1"]
    assert main(["theory", "--conditional", "--eta", "1", "--d", "40", "--seeds", "2",
                 "--lam", "0.1", *common]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert [line.split(" (")[0] for line in err.splitlines()] == [
        "srfpipe theory --conditional: seed 1/2",
        "srfpipe theory --conditional: seed 2/2",
    ]
    assert main(["theory", "--optimize", "eta", "--eta-max", "2", *common]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 26 and err[-1].startswith("srfpipe theory --optimize eta: point 26/26")
    assert main(["theory", "--optimize", "eta", "--eta-max", "2", "--quiet", *common]) == 0
    assert capsys.readouterr().err == ""
