"""Direct simulation of one model's ridge learning curve (the `srfpipe simulate` command).

Same conventions and random streams as the workflow (MODEL.md, `srfpipe.seeding`): for
each seed, teacher and data from `srfpipe.data`, `(W0, a)` from `srfpipe.step.init_network`,
nested training sets, one band reduction per alpha for the whole lambda grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import xarray as xr

from srfpipe import data, step
from srfpipe.functions import Activation, Target
from srfpipe.parallel import by_rows, matmul
from srfpipe.ridge import ridge_learning_curve
from srfpipe.stages.curves import mean_sem

SIM_MODELS = ("rf", "network", "srf")
ERRORS = ("train_error", "test_error", "readout_sq_norm")


def first_layer(
    model: str,
    seed: int,
    act: Activation,
    g: Target,
    noise: float,
    d: int,
    p: int,
    theta: np.ndarray,
    readout_init: str,
    spike: tuple[float, float] | None,
    step_size: tuple[float, float] | None,
) -> np.ndarray:
    """First-layer matrix (p, d) of `model` for one seed.

    `rf`: W0. `network`: W1 after the step `step_size = (eta, alpha0)`. `srf`: `W0 + u v^T`
    with `spike = (r, gamma)` given exactly (`u = r a`, `v.theta = gamma`), or, when only
    `step_size` is given, the theory map built from that seed's step batch."""
    net = step.init_network(seed, d, p, readout_init, "zero")
    if model == "rf":
        return net.w
    if model == "srf" and spike is not None:
        s = step.spike_with_overlap(net.a, spike[0], spike[1], theta, seed)
        return net.w + np.outer(s.u, s.v)
    if step_size is None:
        raise ValueError(f"model {model!r} needs eta and alpha0 (or, for srf, r and gamma)")
    eta, alpha0 = step_size
    x0, y0 = data.sample(seed, "step", round(alpha0 * d), theta, g, noise)
    if model == "network":
        return step.gradient_step(net, x0, y0, eta, act, "zero")
    s = step.spike_from_map(net.a, step.linear_response(x0, y0), eta, act.mu1, theta)
    return net.w + np.outer(s.u, s.v)


def _features(
    act: Activation, x: np.ndarray, w: np.ndarray, rows: slice = slice(None)
) -> np.ndarray:
    """`sigma(X[rows] W^T)` (n, p) for inputs X (n, d) and first layer W (p, d)."""
    pre = matmul(x[rows], w.T)
    return by_rows(lambda r: act(pre[r]), pre.shape)


def simulate(
    model: str,
    act: Activation,
    g: Target,
    noise: float,
    d: int,
    beta: float,
    lams: Sequence[float],
    alphas: Sequence[float],
    seeds: Sequence[int],
    test_size: int,
    readout_init: str = "rademacher",
    spike: tuple[float, float] | None = None,
    step_size: tuple[float, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Errors over (seed, alpha, lam) and their mean/sem over seeds (`*_mean`, `*_sem`).

    `test_error` includes the label noise. `progress(done, total)` is called per seed."""
    if model not in SIM_MODELS:
        raise ValueError(f"model: unknown value {model!r}; allowed: {SIM_MODELS}")
    p, ns = round(beta * d), [round(a * d) for a in alphas]
    out = {name: np.empty((len(seeds), len(alphas), len(lams))) for name in ERRORS}
    for i, seed in enumerate(seeds):
        theta = data.teacher(seed, d)
        w = first_layer(model, seed, act, g, noise, d, p, theta, readout_init, spike, step_size)
        x, y = data.sample(seed, "train", max(ns), theta, g, noise)
        x_test, y_test = data.sample(seed, "test", test_size, theta, g, noise)
        test_features = partial(_features, act, x_test, w)  # computed alongside the fits
        curve = ridge_learning_curve(_features(act, x, w), y, ns, lams, test_features, y_test)
        for k, errs in enumerate(curve):
            for name in ERRORS:
                out[name][i, k] = getattr(errs, name)
        if progress is not None:
            progress(i + 1, len(seeds))
    ds = xr.Dataset(
        {name: (("seed", "alpha", "lam"), v) for name, v in out.items()},
        coords={"seed": list(seeds), "alpha": list(alphas), "lam": list(lams)},
    )
    ds = ds.merge(mean_sem(ds))
    ds.attrs.update(
        model=model,
        d=d,
        p=p,
        noise=noise,
        activation=act.name,
        target=g.describe(),
        readout_init=readout_init,
        test_size=test_size,
    )
    return ds
