"""Figures, drawn from aggregated datasets only (`srfpipe.stages.make_curves`, validation).

Labels and styles of models and theories come from the registry (`srfpipe.models`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from srfpipe.models import MODELS, THEORIES  # noqa: E402

plt.rcParams.update({"font.size": 9, "axes.titlesize": 9, "legend.fontsize": 7.5})
CONDITIONAL_STYLE = dict(color="C0", ls="--", lw=1.2, label="network (conditional theory)")
"""The conditional theory of the network's own `W1` (mean over seeds)."""


def _grid_size(columns: int, rows: int) -> tuple[float, float]:
    """Figure size (inches) of a grid of panels, large enough for the legend on top."""
    return max(2.3 * columns + 0.6, 7.0), max(2.0 * rows + 0.6, 4.0)


def _save(fig: plt.Figure, paths: Sequence[str | Path]) -> None:
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=200, bbox_inches="tight")
    plt.close(fig)


def learning_curves(curves: xr.Dataset, paths: Sequence[str | Path]) -> None:
    """Test error against alpha: one column per eta, one row per lambda; simulated models
    as markers with standard-error bars, theory as smooth lines over its dense alpha grid
    where present (dotted: its alpha -> inf plateau)."""
    etas, lams = curves["eta"].values, curves["lam"].values
    fig, axes = plt.subplots(
        len(lams),
        len(etas),
        figsize=_grid_size(len(etas), len(lams)),
        sharex=True,
        sharey="row",
        squeeze=False,
    )
    has_theory = "theory_test_error" in curves
    if has_theory:  # the RF theory and the theories of the plotted models (one step's map)
        wanted = {"rf"} | {MODELS[str(m)].theory for m in curves["model"].values}
        if curves.attrs.get("steps", 1) > 1:
            wanted = {"rf"}
        drawn = [str(t) for t in curves["theory"].values if t in wanted]
    for i, lam in enumerate(lams):
        for j, eta in enumerate(etas):
            ax = axes[i, j]
            sel = curves.sel(eta=eta, lam=lam)
            if has_theory and np.isfinite(sel["theory_test_error"]).any():
                for name in drawn:
                    theory = THEORIES[name]
                    if name != "rf" and eta == 0:
                        continue  # r = 0: every spiked theory is the RF theory
                    th = sel.sel(theory=name)
                    ax.plot(
                        sel["alpha_theory"],
                        th["theory_test_error"],
                        label=theory.label,
                        **theory.style,
                    )
                    ax.axhline(
                        float(th["theory_plateau"]), color=theory.style["color"], ls=":", lw=0.8
                    )
            if "conditional_test_error_mean" in sel:
                ax.plot(sel["alpha"], sel["conditional_test_error_mean"], **CONDITIONAL_STYLE)
            for model in curves["model"].values:
                m = sel.sel(model=model)
                ax.errorbar(
                    m["alpha"],
                    m["test_error_mean"],
                    yerr=m["test_error_sem"],
                    ls="none",
                    ms=3.5,
                    capsize=1.5,
                    mfc="none",
                    label=MODELS[str(model)].label,
                    **MODELS[str(model)].style,
                )
            ax.set_title(rf"$\eta={eta:g}$, $\lambda={lam:g}$")
            if i == len(lams) - 1:
                ax.set_xlabel(r"$\alpha = n/d$")
            if j == 0:
                ax.set_ylabel(r"test error $\epsilon_g$")
    handles, labels = axes[0, -1].get_legend_handles_labels()
    for ax in axes.flat:  # collect every label once (eta = 0 panels lack some)
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(
        handles,
        labels,
        loc="upper center",
        ncol=min(len(labels), 6),
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
    )
    a = curves.attrs
    fig.suptitle(
        rf"{a.get('activation', '')} network, target {a.get('target_label', '')},"
        rf" $\Delta={a.get('noise', 0):g}$, $d={a.get('d', '?')}$, $p={a.get('p', '?')}$,"
        rf" {a.get('n_seeds', '?')} seeds",
        y=1.04,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    _save(fig, paths)


def spike_diagnostics(curves: xr.Dataset, paths: Sequence[str | Path]) -> None:
    """Against eta (mean +- s.e.m. over seeds): the overlap gamma, the spike strength r, the
    bulk's squared row norms against the map's `c_W^2`, and the top singular values."""
    eta = curves["eta"].values
    fig, axes = plt.subplots(1, 4, figsize=(12.6, 2.7))

    def band(ax: plt.Axes, name: str, **kw: object) -> None:
        ax.errorbar(eta, curves[f"{name}_mean"], yerr=curves[f"{name}_sem"], capsize=2, ms=4, **kw)

    for ax, q, sym in ((axes[0], "gamma", r"$\gamma = v\cdot\theta$"), (axes[1], "r", r"$r$")):
        band(ax, f"{q}_map", marker="^", color="C1", ls="none", label="map (empirical)")
        band(ax, f"{q}_extracted", marker="v", color="C2", ls="none", label="extracted (SVD)")
        ax.plot(eta, curves[f"{q}_theory_mean"], "k-", lw=1, label=r"theory map, $d\to\infty$")
        ax.set_xlabel(r"$\eta$")
        ax.set_ylabel(sym)
        ax.legend()
    ax = axes[2]
    band(ax, "bulk_norm_sq", marker="o", color="C0", ls="none", label="bulk rows (mean)")
    spread, mean = curves["bulk_norm_sq_spread_mean"], curves["bulk_norm_sq_mean"]
    ax.fill_between(
        eta, mean - spread, mean + spread,
        color="C0", alpha=0.15, lw=0, label="spread over neurons",
    )  # fmt: skip
    ax.plot(eta, curves["bulk_scale_theory_mean"] ** 2, "k-", lw=1, label=r"$c_W^2$ (map)")
    ax.set_xlabel(r"$\eta$")
    ax.set_ylabel(r"$\|w_{1,i} - u_i v\|^2$")
    ax.legend()
    ax = axes[3]
    sv_d = curves["sv_delta_mean"].where(curves["sv_delta_mean"] > 0)  # eta = 0: no update
    sv_w = curves["sv_w1_mean"]
    ax.semilogy(eta, sv_w.isel(rank=0), "s-", color="C0", ms=7, mfc="none", label=r"$s_1(W_1)$")
    ax.semilogy(eta, sv_w.isel(rank=1), "s--", color="C0", mfc="none", label=r"$s_2(W_1)$")
    ax.semilogy(eta, sv_d.isel(rank=0), "o-", color="C3", ms=3.5, label=r"$s_1(W_1-W_0)$")
    ax.semilogy(eta, sv_d.isel(rank=1), "o--", color="C3", mfc="none", label=r"$s_2(W_1-W_0)$")
    beta = curves.attrs["p"] / curves.attrs["d"]
    ax.axhline(1 + np.sqrt(beta), color="0.5", ls=":", lw=1, label=r"bulk edge $1+\sqrt{\beta}$")
    ax.set_xlabel(r"$\eta$")
    ax.set_ylabel("singular value")
    ax.legend(loc="center right", fontsize=6.5)
    fig.tight_layout()
    _save(fig, paths)


def bulk_spectrum(curves: xr.Dataset, paths: Sequence[str | Path]) -> None:
    """Eigenvalue density of the bulk `W_1 - r a v^T` (pooled over seeds; one panel per eta)
    against Marchenko-Pastur with the map's variance `c_W^2`."""
    etas = curves["eta"].values
    fig, axes = plt.subplots(1, len(etas), figsize=(2.3 * len(etas) + 0.6, 2.4), squeeze=False)
    beta = curves.attrs["p"] / curves.attrs["d"]
    x = curves["eigenvalue"].values
    for ax, eta in zip(axes[0], etas, strict=True):
        ax.plot(
            x, curves["bulk_density"].sel(eta=eta), color="C0", lw=1.2, label="bulk (empirical)"
        )
        c2 = float(curves["bulk_scale_theory_mean"].sel(eta=eta)) ** 2
        om = x / c2
        inside = np.clip((1 + np.sqrt(beta)) ** 2 - om, 0, None) * np.clip(
            om - (1 - np.sqrt(beta)) ** 2, 0, None
        )
        mp = np.sqrt(inside) / (2 * np.pi * beta * np.where(om > 0, om, 1) * c2)
        ax.plot(x, mp, "k--", lw=1, label=r"Marchenko-Pastur, $c_W^2$")
        ax.set_title(rf"$\eta={eta:g}$, $c_W^2={c2:.3f}$")
        ax.set_xlabel("eigenvalue")
    axes[0, 0].set_ylabel("density")
    axes[0, 0].legend()
    fig.tight_layout()
    _save(fig, paths)


def theory_validation(datasets: Sequence[xr.Dataset], paths: Sequence[str | Path]) -> None:
    """Theory (lines) vs sRF simulations at several d (markers): one column per eta, one
    row per lambda. `datasets` are validation artifacts, one per d, over (eta, alpha, lam)."""
    from srfpipe.store import params_of

    by_d = dict(sorted((params_of(ds)["d"], ds) for ds in datasets))
    first_ds = next(iter(by_d.values()))
    etas, lams = first_ds["eta"].values, first_ds["lam"].values
    fig, axes = plt.subplots(
        len(lams), len(etas), figsize=_grid_size(len(etas), len(lams)),
        sharex=True, sharey="row", squeeze=False,
    )  # fmt: skip
    markers = ["o", "s", "^", "D", "v"]
    for i, lam in enumerate(lams):
        for j, eta in enumerate(etas):
            ax = axes[i, j]
            first = first_ds.sel(eta=eta, lam=lam)
            ax.plot(first["alpha_theory"], first["theory_test_error"], "k-", lw=1.2, label="theory")
            for k, (d, ds) in enumerate(by_d.items()):
                sel = ds.sel(eta=eta, lam=lam)
                ax.errorbar(
                    sel["alpha"], sel["test_error_mean"], yerr=sel["test_error_sem"],
                    ls="none", marker=markers[k % len(markers)], ms=3.5, capsize=1.5,
                    mfc="none", color=f"C{k}", label=f"simulation, $d={d}$",
                )  # fmt: skip
            r, gamma = float(first["r"]), float(first["gamma"])
            ax.set_title(rf"$\eta={eta:g}$ ($r={r:.2f}, \gamma={gamma:.2f}$), $\lambda={lam:g}$")
            if i == len(lams) - 1:
                ax.set_xlabel(r"$\alpha = n/d$")
            if j == 0:
                ax.set_ylabel(r"test error $\epsilon_g$")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    _save(fig, paths)


def learned_function(learned: xr.Dataset, paths: Sequence[str | Path]) -> None:
    """`E[f_hat | kappa]` against `kappa`, one panel per eta, at the largest alpha and the
    middle lambda: binned simulations of the models the sRF theory predicts (markers,
    standard-error bars), the theory's `L(kappa)` (line) and the target's `E[y | kappa]`
    (dashed). `learned` is a `srfpipe.stages.learned_function` dataset."""
    etas = learned["eta"].values
    alpha = float(learned["alpha"].max())
    lam = float(np.sort(learned["lam"].values)[learned.sizes["lam"] // 2])
    fig, axes = plt.subplots(
        1, len(etas), figsize=(2.4 * len(etas) + 0.4, 2.6), sharey=True, squeeze=False
    )
    models = [m for m in learned["model"].values if MODELS[str(m)].theory == "srf"]
    for ax, eta in zip(axes[0], etas, strict=True):
        sel = learned.sel(eta=eta, alpha=alpha, lam=lam)
        ax.plot(
            learned["kappa"], learned["target_mean"], "k--", lw=1, label=r"target $E[y|\kappa]$"
        )
        ax.plot(sel["kappa"], sel["theory_mean"], "k-", lw=1.2, label=r"theory $L(\kappa)$")
        for model in models:
            m = sel.sel(model=model)
            ax.errorbar(
                m["kappa_bin"], m["prediction_mean"], yerr=m["prediction_sem"],
                ls="none", ms=3, capsize=1.5, mfc="none", label=MODELS[str(model)].label,
                **MODELS[str(model)].style,
            )  # fmt: skip
        ax.set_title(rf"$\eta={eta:g}$ ($r={float(sel['r']):.2f}$)")
        ax.set_xlabel(r"$\kappa = v\cdot x$")
    axes[0, 0].set_ylabel(r"$E[\hat f(x)\,|\,\kappa]$")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 1.0),
        frameon=False,
    )  # fmt: skip
    a = learned.attrs
    fig.suptitle(
        rf"target {a.get('target_label', '')}, $\alpha={alpha:g}$, $\lambda={lam:g}$,"
        rf" $d={a.get('d', '?')}$, {a.get('n_seeds', '?')} seeds",
        y=1.07,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    _save(fig, paths)


def optimal_eta(optimal: xr.Dataset, curves: xr.Dataset, paths: Sequence[str | Path]) -> None:
    """Theory error at the best lambda against eta, one line per alpha (circle: the refined
    optimum), with the simulated network (else a model the sRF theory predicts, else none)
    at its best lambda on the grid (markers).
    `optimal` is a `srfpipe.stages.optimal_eta` dataset, `curves` a `make_curves` one."""
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    alphas = optimal["alpha"].values
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, alphas.size))
    # markers: the network, else another model the sRF theory predicts, else none
    models = [str(m) for m in curves["model"].values if MODELS[str(m)].theory == "srf"]
    model = "network" if "network" in models else next(iter(models), None)
    if model is not None:
        best = curves["test_error_mean"].sel(model=model).fillna(np.inf).argmin("lam")
    for alpha, color in zip(alphas, colors, strict=True):
        th = optimal.sel(alpha=alpha)
        ax.plot(optimal["eta"], th["profile_test_error"], color=color, lw=1.2,
                label=rf"$\alpha={alpha:g}$")  # fmt: skip
        ax.plot(th["eta_opt"], th["test_error"], "o", color=color, mfc="none", ms=6)
        if model is not None and alpha in curves["alpha"].values:
            idx = best.sel(alpha=alpha)
            s = curves.sel(model=model, alpha=alpha).isel(lam=idx)
            ax.errorbar(s["eta"], s["test_error_mean"], yerr=s["test_error_sem"], ls="none",
                        marker="s", ms=3.5, color=color, capsize=1.5)  # fmt: skip
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(r"test error at the best $\lambda$")
    ax.legend(ncol=2, fontsize=6.5)
    squares = f"; squares: {model} (best $\\lambda$ on the grid)" if model else ""
    ax.set_title(r"lines: theory (best $\lambda$)" + squares)
    fig.tight_layout()
    _save(fig, paths)
