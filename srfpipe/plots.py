"""Figures from aggregated datasets only (`srfpipe.stages.make_curves`, validation,
`srfpipe.load_run`). Each function returns its Figure, draws on the caller's axes (`axes=`,
`ax=`; else a new figure, closed once saved) and saves only to the `paths` given. Every line,
marker and band has a legend entry; labels and styles come from the registry
(`srfpipe.models`: Okabe-Ito colours, distinct markers and line styles for greyscale).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from srfpipe.models import MODELS, PALETTE, THEORIES
from srfpipe.store import params_of

RC = {"font.size": 9, "axes.titlesize": 9, "legend.fontsize": 7.5}
"""Font sizes of srfpipe's figures (applied while drawing; the caller's rcParams are kept)."""
CONDITIONAL_STYLE = dict(
    color=PALETTE["sky"], ls=(0, (3, 1, 1, 1, 1, 1)), lw=1.4, label="network (conditional theory)"
)
"""The conditional theory of the network's own `W1` (mean over seeds)."""
SERIES = [
    (PALETTE["blue"], "o"), (PALETTE["vermillion"], "s"), (PALETTE["green"], "^"),
    (PALETTE["orange"], "D"), (PALETTE["purple"], "v"),
]  # fmt: skip
"""Colour and marker of the k-th series of a figure (e.g. the sizes d of a validation)."""
SPIKED = ("srf", "structured")
"""Theories of a step's spike with the map's `(r, gamma, c_W)`: their models follow the map."""
OPTIMUM = dict(ls="none", marker="o", mfc="none", ms=6, label="optimum (theory)")
SIMULATED_OPTIMUM = dict(ls="none", marker="s", ms=3.5)
"""Markers of `optimal_eta`: the theory's optimum, a simulated model at its best lambda."""
ALPHA, TEST_ERROR, ETA = r"$\alpha = n/d$", r"test error $\epsilon_g$", r"$\eta$"
"""Axis labels."""
Paths = Sequence[str | Path] | str | Path


def _grid(
    axes: Axes | np.ndarray | Sequence[Axes] | None,
    rows: int,
    columns: int,
    figsize: tuple[float, float],
    **kw: Any,
) -> tuple[Figure, np.ndarray, bool]:
    """`(figure, axes (rows, columns), created)`: the caller's axes, or a new figure."""
    if axes is None:
        fig, grid = plt.subplots(rows, columns, figsize=figsize, squeeze=False, **kw)
        return fig, grid, True
    grid = np.asarray(axes, dtype=object)
    if grid.size != rows * columns:
        raise ValueError(
            f"axes: need {rows * columns} axes ({rows} x {columns}) for this dataset, "
            f"got {grid.size}"
        )
    grid = grid.reshape(rows, columns)
    return grid.flat[0].figure, grid, False


def _eta_lam_grid(
    axes: np.ndarray | Sequence[Axes] | None, etas: np.ndarray, lams: np.ndarray
) -> tuple[Figure, np.ndarray, bool]:
    """`_grid` of test error against alpha: one row per lambda, one column per eta, sized
    for the legend on top; axis labels on the outer panels."""
    rows, columns = len(lams), len(etas)
    size = (max(2.3 * columns + 0.6, 7.0), max(2.0 * rows + 0.6, 4.0))
    fig, grid, created = _grid(axes, rows, columns, size, sharex=True, sharey="row")
    for ax in grid[-1]:
        ax.set_xlabel(ALPHA)
    for ax in grid[:, 0]:
        ax.set_ylabel(TEST_ERROR)
    return fig, grid, created


def _model_points(ax: Axes, name: str, ds: xr.Dataset, x: str, y: str, ms: float) -> None:
    """Registry model `name`'s `{y}_mean` against `x` with `{y}_sem` bars, in its style."""
    model = MODELS[str(name)]
    ax.errorbar(
        ds[x], ds[f"{y}_mean"], yerr=ds[f"{y}_sem"], ls="none", ms=ms, capsize=1.5, mfc="none",
        label=model.label, **model.style,
    )  # fmt: skip


def _dotted(theory: str) -> tuple[int, tuple[float, float]]:
    """A dotted line style, sparser for each later theory of the registry (greyscale)."""
    return 0, (1.0, 1.0 + 1.5 * list(THEORIES).index(theory))


def _legend(fig: Figure, grid: np.ndarray, created: bool, ncol: int = 6) -> None:
    """One legend for every label of the panels (each once): above a figure of ours, or
    on the caller's first panel."""
    handles, labels = [], []
    for ax in grid.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if not created:
        grid.flat[0].legend(handles, labels)
        return
    fig.legend(
        handles, labels, loc="upper center", ncol=min(len(labels), ncol),
        bbox_to_anchor=(0.5, 1.0), frameon=False,
    )  # fmt: skip


def _finish(
    fig: Figure, paths: Paths, created: bool, top: float = 1.0, title: str = "", y: float = 1.0
) -> Figure:
    """Lay out a figure we created (panels below height `top`, `title` at height `y`),
    save it to each of `paths` (none: no file), close it if we created and saved it."""
    if created:
        if title:
            fig.suptitle(title, y=y)
        fig.tight_layout(rect=(0, 0, 1, top))
    if isinstance(paths, str | Path):
        paths = [paths]
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=200, bbox_inches="tight")
    if created and paths:
        plt.close(fig)
    return fig


@plt.rc_context(RC)
def learning_curves(
    curves: xr.Dataset, paths: Paths = (), *, axes: np.ndarray | Sequence[Axes] | None = None
) -> Figure:
    """Test error against alpha: one column per eta, one row per lambda (`axes`: that
    many); simulated models as markers with standard-error bars, theory as smooth lines
    over its dense alpha grid where present, dotted: its alpha -> inf limit."""
    etas, lams = curves["eta"].values, curves["lam"].values
    fig, grid, created = _eta_lam_grid(axes, etas, lams)
    has_theory = "theory_test_error" in curves
    if has_theory:  # the RF theory and the theories of the plotted models (one step's map)
        wanted = {"rf"} | {MODELS[str(m)].theory for m in curves["model"].values}
        if "structured" in wanted:  # the paper's sRF (c_W) beside it, as the second line
            wanted.add("srf")
        if curves.attrs.get("steps", 1) > 1:
            wanted = {"rf"}
        drawn = [str(t) for t in curves["theory"].values if t in wanted]
    for i, lam in enumerate(lams):
        for j, eta in enumerate(etas):
            ax = grid[i, j]
            sel = curves.sel(eta=eta, lam=lam)
            if has_theory and np.isfinite(sel["theory_test_error"]).any():
                for name in drawn:
                    theory = THEORIES[name]
                    if name != "rf" and eta == 0:
                        continue  # r = 0: every spiked theory is the RF theory
                    th = sel.sel(theory=name)
                    ax.plot(
                        sel["alpha_theory"], th["theory_test_error"], label=theory.label,
                        **theory.style,
                    )  # fmt: skip
                    if np.isfinite(th["theory_plateau"]):
                        ax.axhline(
                            float(th["theory_plateau"]), color=theory.style["color"], lw=0.8,
                            ls=_dotted(name), label=rf"{theory.label}, $\alpha\to\infty$",
                        )  # fmt: skip
            if "conditional_test_error_mean" in sel:
                ax.plot(sel["alpha"], sel["conditional_test_error_mean"], **CONDITIONAL_STYLE)
            for model in curves["model"].values:
                _model_points(ax, model, sel.sel(model=model), "alpha", "test_error", 3.5)
            ax.set_title(rf"$\eta={eta:g}$, $\lambda={lam:g}$")
    _legend(fig, grid, created, ncol=4)
    a = curves.attrs
    title = (
        rf"{a.get('activation', '')} network, target {a.get('target_label', '')},"
        rf" $\Delta={a.get('noise', 0):g}$, $d={a.get('d', '?')}$, $p={a.get('p', '?')}$,"
        rf" {a.get('n_seeds', '?')} seeds"
    )
    return _finish(fig, paths, created, 0.92, title, 1.06)


@plt.rc_context(RC)
def test_errors(
    sim: xr.Dataset | None = None,
    theories: dict[str, xr.Dataset] | None = None,
    paths: Paths = (),
    *,
    lam: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Test error against alpha at one `lam` (default: the first) on one panel: a
    `srfpipe.simulate` dataset (each model: markers with standard-error bars) and
    `srfpipe.theory_curve` datasets (lines), keyed by their registry theory (`"srf"`,
    `"rf"`, `"srf_plain"`) or by a label of your own."""
    fig, grid, created = _grid(ax, 1, 1, (4.6, 3.4))
    ax = grid[0, 0]
    for name, curve in (theories or {}).items():
        first = float(curve["lam"][0]) if lam is None else lam
        theory = THEORIES.get(name)
        style = theory.style if theory else {"color": PALETTE["black"], "ls": ":"}
        label = theory.label if theory else name
        ax.plot(curve["alpha"], curve["test_error"].sel(lam=first), label=label, **style)
    if sim is not None:
        sel = sim.sel(lam=float(sim["lam"][0]) if lam is None else lam)
        models = sel["model"].values if "model" in sel.dims else [sim.attrs["model"]]
        for name in models:
            m = sel.sel(model=name) if "model" in sel.dims else sel
            _model_points(ax, name, m, "alpha", "test_error", 4)
        a = sim.attrs
        ax.set_title(rf"$d={a.get('d', '?')}$, {a.get('n_seeds', '?')} seeds", fontsize=8)
    ax.set_xlabel(ALPHA)
    ax.set_ylabel(TEST_ERROR)
    ax.legend(fontsize=7)
    return _finish(fig, paths, created)


@plt.rc_context(RC)
def spike_diagnostics(
    curves: xr.Dataset, paths: Paths = (), *, axes: Sequence[Axes] | None = None
) -> Figure:
    """Against eta (mean +- s.e.m. over seeds), on 4 `axes`: the overlap gamma, the spike
    strength r, the bulk's squared row norms against the map's `c_W^2`, and the top
    singular values."""
    eta = curves["eta"].values
    fig, grid, created = _grid(axes, 1, 4, (12.6, 2.7))
    axs = grid[0]

    def band(ax: Axes, name: str, **kw: Any) -> None:
        ax.errorbar(eta, curves[f"{name}_mean"], yerr=curves[f"{name}_sem"], capsize=2, ms=4, **kw)

    for ax, q, sym in ((axs[0], "gamma", r"$\gamma = v\cdot\theta$"), (axs[1], "r", r"$r$")):
        band(ax, f"{q}_map", marker="^", color=PALETTE["orange"], ls="none",
             label="map (empirical)")  # fmt: skip
        band(ax, f"{q}_extracted", marker="v", color=PALETTE["green"], ls="none",
             label="extracted (SVD)")  # fmt: skip
        ax.plot(eta, curves[f"{q}_theory_mean"], "k-", lw=1, label=r"theory map, $d\to\infty$")
        ax.set_ylabel(sym)
        ax.legend()
    ax = axs[2]
    band(ax, "bulk_norm_sq", marker="o", color=PALETTE["blue"], ls="none",
         label="bulk rows (mean)")  # fmt: skip
    spread, mean = curves["bulk_norm_sq_spread_mean"], curves["bulk_norm_sq_mean"]
    ax.fill_between(
        eta, mean - spread, mean + spread, color=PALETTE["blue"], alpha=0.15, lw=0,
        label="spread over neurons",
    )  # fmt: skip
    ax.plot(eta, curves["bulk_scale_theory_mean"] ** 2, "k-", lw=1, label=r"$c_W^2$ (map)")
    ax.set_ylabel(r"$\|w_{1,i} - u_i v\|^2$")
    ax.legend()
    ax = axs[3]
    sv_d = curves["sv_delta_mean"].where(curves["sv_delta_mean"] > 0)  # eta = 0: no update
    sv_w = curves["sv_w1_mean"]
    w1, delta = PALETTE["blue"], PALETTE["vermillion"]
    ax.semilogy(eta, sv_w.isel(rank=0), "s-", color=w1, ms=7, mfc="none", label=r"$s_1(W_1)$")
    ax.semilogy(eta, sv_w.isel(rank=1), "s--", color=w1, mfc="none", label=r"$s_2(W_1)$")
    ax.semilogy(eta, sv_d.isel(rank=0), "o-", color=delta, ms=3.5, label=r"$s_1(W_1-W_0)$")
    ax.semilogy(eta, sv_d.isel(rank=1), "o--", color=delta, mfc="none",
                label=r"$s_2(W_1-W_0)$")  # fmt: skip
    beta = curves.attrs["p"] / curves.attrs["d"]
    ax.axhline(1 + np.sqrt(beta), color=PALETTE["grey"], ls=":", lw=1,
               label=r"bulk edge $1+\sqrt{\beta}$")  # fmt: skip
    ax.set_ylabel("singular value")
    ax.legend(loc="center right", fontsize=6.5)
    for ax in axs:
        ax.set_xlabel(ETA)
    return _finish(fig, paths, created)


@plt.rc_context(RC)
def bulk_spectrum(
    curves: xr.Dataset, paths: Paths = (), *, axes: Sequence[Axes] | None = None
) -> Figure:
    """Eigenvalue density of the bulk `W_1 - r a v^T` (pooled over seeds; one panel per
    eta) against Marchenko-Pastur with the map's variance `c_W^2`."""
    etas = curves["eta"].values
    fig, grid, created = _grid(axes, 1, len(etas), (2.3 * len(etas) + 0.6, 2.4))
    beta = curves.attrs["p"] / curves.attrs["d"]
    x = curves["eigenvalue"].values
    for ax, eta in zip(grid[0], etas, strict=True):
        ax.plot(x, curves["bulk_density"].sel(eta=eta), color=PALETTE["blue"], lw=1.2,
                label="bulk (empirical)")  # fmt: skip
        c2 = float(curves["bulk_scale_theory_mean"].sel(eta=eta)) ** 2
        om = x / c2
        inside = np.clip((1 + np.sqrt(beta)) ** 2 - om, 0, None) * np.clip(
            om - (1 - np.sqrt(beta)) ** 2, 0, None
        )
        mp = np.sqrt(inside) / (2 * np.pi * beta * np.where(om > 0, om, 1) * c2)
        ax.plot(x, mp, "k--", lw=1, label=r"Marchenko-Pastur, $c_W^2$")
        ax.set_title(rf"$\eta={eta:g}$, $c_W^2={c2:.3f}$")
        ax.set_xlabel("eigenvalue")
    grid[0, 0].set_ylabel("density")
    grid[0, 0].legend()
    return _finish(fig, paths, created)


@plt.rc_context(RC)
def theory_validation(
    datasets: Sequence[xr.Dataset],
    paths: Paths = (),
    *,
    axes: np.ndarray | Sequence[Axes] | None = None,
) -> Figure:
    """Theory (lines) vs sRF simulations at several d (markers): one column per eta, one
    row per lambda. `datasets` are validation artifacts, one per d, over (eta, alpha, lam)
    (`Run.validation.values()`)."""
    by_d = dict(sorted((params_of(ds)["d"], ds) for ds in datasets))
    first_ds = next(iter(by_d.values()))
    etas, lams = first_ds["eta"].values, first_ds["lam"].values
    fig, grid, created = _eta_lam_grid(axes, etas, lams)
    for i, lam in enumerate(lams):
        for j, eta in enumerate(etas):
            ax = grid[i, j]
            first = first_ds.sel(eta=eta, lam=lam)
            ax.plot(first["alpha_theory"], first["theory_test_error"], "k-", lw=1.2,
                    label="theory")  # fmt: skip
            for k, (d, ds) in enumerate(by_d.items()):
                sel = ds.sel(eta=eta, lam=lam)
                color, marker = SERIES[k % len(SERIES)]
                ax.errorbar(
                    sel["alpha"], sel["test_error_mean"], yerr=sel["test_error_sem"],
                    ls="none", marker=marker, ms=3.5, capsize=1.5, mfc="none", color=color,
                    label=f"simulation, $d={d}$",
                )  # fmt: skip
            r, gamma = float(first["r"]), float(first["gamma"])
            ax.set_title(rf"$\eta={eta:g}$ ($r={r:.2f}, \gamma={gamma:.2f}$), $\lambda={lam:g}$")
    _legend(fig, grid, created)
    return _finish(fig, paths, created, 0.95)


@plt.rc_context(RC)
def learned_function(
    learned: xr.Dataset, paths: Paths = (), *, axes: Sequence[Axes] | None = None
) -> Figure:
    """`E[f_hat | kappa]` against `kappa`, one panel per eta, at the largest alpha and the
    middle lambda: binned simulations of the models the sRF theory predicts (markers,
    standard-error bars), the theory's `L(kappa)` (line) and the target's `E[y | kappa]`
    (dashed). `learned` is a `srfpipe.stages.learned_function` dataset."""
    etas = learned["eta"].values
    alpha = float(learned["alpha"].max())
    lam = float(np.sort(learned["lam"].values)[learned.sizes["lam"] // 2])
    fig, grid, created = _grid(axes, 1, len(etas), (2.4 * len(etas) + 0.4, 2.6), sharey=True)
    models = [m for m in learned["model"].values if MODELS[str(m)].theory in SPIKED]
    for ax, eta in zip(grid[0], etas, strict=True):
        sel = learned.sel(eta=eta, alpha=alpha, lam=lam)
        ax.plot(learned["kappa"], learned["target_mean"], "--", color=PALETTE["grey"], lw=1,
                label=r"target $E[y|\kappa]$")  # fmt: skip
        ax.plot(sel["kappa"], sel["theory_mean"], "k-", lw=1.2, label=r"theory $L(\kappa)$")
        for model in models:
            _model_points(ax, model, sel.sel(model=model), "kappa_bin", "prediction", 3)
        ax.set_title(rf"$\eta={eta:g}$ ($r={float(sel['r']):.2f}$)")
        ax.set_xlabel(r"$\kappa = v\cdot x$")
    grid[0, 0].set_ylabel(r"$E[\hat f(x)\,|\,\kappa]$")
    _legend(fig, grid, created)
    a = learned.attrs
    title = (
        rf"target {a.get('target_label', '')}, $\alpha={alpha:g}$, $\lambda={lam:g}$,"
        rf" $d={a.get('d', '?')}$, {a.get('n_seeds', '?')} seeds"
    )
    return _finish(fig, paths, created, 0.9, title, 1.07)


@plt.rc_context(RC)
def optimal_eta(
    optimal: xr.Dataset,
    curves: xr.Dataset | None = None,
    paths: Paths = (),
    *,
    ax: Axes | None = None,
) -> Figure:
    """Theory error at the best lambda against eta, one line per alpha (open circle: the
    refined optimum), with a simulated model at its best lambda on the grid (squares) when
    `curves` (a `make_curves` dataset) has one: the network, else a model the sRF theory
    predicts. `optimal` is a `srfpipe.stages.optimal_eta` dataset (or `srfpipe.optimal_eta`'s)."""
    fig, grid, created = _grid(ax, 1, 1, (4.6, 3.4))
    ax = grid[0, 0]
    alphas = optimal["alpha"].values
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, alphas.size))
    styles = ["-", "--", "-.", ":"]
    # markers: the network, else another model the sRF theory predicts, else none
    models = [] if curves is None else [
        str(m) for m in curves["model"].values if MODELS[str(m)].theory in SPIKED
    ]  # fmt: skip
    model = "network" if "network" in models else next(iter(models), None)
    if model is not None:
        best = curves["test_error_mean"].sel(model=model).fillna(np.inf).argmin("lam")
        label = rf"{MODELS[model].label}, best $\lambda$ on the grid"
        squares = SIMULATED_OPTIMUM | {"label": label}
    for k, (alpha, color) in enumerate(zip(alphas, colors, strict=True)):
        th = optimal.sel(alpha=alpha)
        ax.plot(optimal["eta"], th["profile_test_error"], color=color, lw=1.2,
                ls=styles[k % len(styles)], label=rf"theory, $\alpha={alpha:g}$")  # fmt: skip
        ax.plot(th["eta_opt"], th["test_error"], color=color, **OPTIMUM)
        if model is not None and alpha in curves["alpha"].values:
            s = curves.sel(model=model, alpha=alpha).isel(lam=best.sel(alpha=alpha))
            ax.errorbar(
                s["eta"], s["test_error_mean"], yerr=s["test_error_sem"], color=color,
                capsize=1.5, **squares,
            )  # fmt: skip
    # one legend entry per marker kind, in black (each marker has the colour of its alpha)
    lines = [h for h in ax.get_lines() if h.get_label().startswith("theory")]
    proxies = [Line2D([], [], color="k", **OPTIMUM)]
    if model is not None:
        proxies.append(Line2D([], [], color="k", **squares))
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(r"test error at the best $\lambda$")
    ax.legend(handles=[*lines, *proxies], ncol=2, fontsize=6.5)
    return _finish(fig, paths, created)
