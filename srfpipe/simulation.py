"""The one simulation path: features, ridge path and errors of first layers on one seed's data.

`fit_layers` is called by the readout stages (rf per seed, the other models per
`(eta, seed)`), the validation stage (prescribed sRFs of every `eta` on one seed) and
`srfpipe simulate` (`simulate`, one model over seeds). Layers sharing a base matrix (the rf
and sRF models all use `W0`) share the pre-activations `X base^T`; an sRF adds the rank-one
`(X v) u^T`.
Training sets are nested prefixes of one pool (`srfpipe.ridge.ridge_learning_curve`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import xarray as xr

from srfpipe import data, step
from srfpipe.functions import Activation
from srfpipe.linalg.parallel import by_rows, matmul
from srfpipe.models import FROM_STEP, MODELS, Layer
from srfpipe.problem import SRF, Problem, sample_sizes
from srfpipe.ridge import ridge_learning_curve
from srfpipe.stats import mean_sem
from srfpipe.theory.network_map import network_map

log = logging.getLogger(__name__)

ERRORS = ("train_error", "test_error", "readout_sq_norm")
"""Outputs of a ridge fit; `test_error` includes the label noise."""


@dataclass(frozen=True)
class Samples:
    """One seed's data: the training pool x (n_train, d), y (n_train,) and the test set
    x_test (n_test, d), y_test (n_test,)."""

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def features(
    act: Activation,
    x: np.ndarray,
    pre: np.ndarray,
    spike: step.Spike | None,
    scale: float | np.ndarray = 1.0,
) -> np.ndarray:
    """`sigma(pre diag(scale) + (x v) u^T)` (n, p), float64, from the pre-activations
    `pre = x base^T` (n, p); the sum and sigma are evaluated in the dtype of `pre`."""
    if not np.isscalar(scale) or scale != 1.0:
        z = np.multiply(pre, scale, dtype=pre.dtype)
        if spike is not None:
            z += np.outer(x @ spike.v, spike.u).astype(pre.dtype, copy=False)
    elif spike is None:
        return by_rows(lambda r: act(pre[r]), pre.shape)
    else:
        z = np.outer(x @ spike.v, spike.u).astype(pre.dtype, copy=False)
        z += pre
    return by_rows(lambda r: act(z[r]), z.shape)


def canonical(layers: Sequence[Layer]) -> list[Layer]:
    """Layers with equal base matrices made one object (so `X base^T` is shared), zero
    spikes dropped (`W0 + 0 v^T` is `W0`) and unit scales made the number 1."""
    bases: list[np.ndarray] = []
    out = []
    for layer in layers:
        base = next((b for b in bases if b is layer.base), None)
        if base is None:
            base = next(
                (b for b in bases if b.shape == layer.base.shape and np.array_equal(b, layer.base)),
                layer.base,
            )
            if base is layer.base:
                bases.append(base)
        spike = layer.spike if layer.spike is not None and np.any(layer.spike.u) else None
        scale = 1.0 if np.all(np.asarray(layer.scale) == 1.0) else layer.scale
        out.append(Layer(base, spike, scale))
    return out


def same_layer(a: Layer, b: Layer) -> bool:
    """Whether two canonical layers are the same matrix entry for entry."""
    if a.base is not b.base or (a.spike is None) != (b.spike is None):
        return False
    if not np.array_equal(np.asarray(a.scale), np.asarray(b.scale)):
        return False
    return a.spike is None or (
        np.array_equal(a.spike.u, b.spike.u) and np.array_equal(a.spike.v, b.spike.v)
    )


def fit_layers(
    act: Activation,
    layers: Sequence[Layer],
    samples: Samples,
    *,
    ns: Sequence[int],
    lams: Sequence[float] | np.ndarray,
    dtype: np.dtype | type = np.float64,
    predictions: bool = False,
) -> dict[str, np.ndarray]:
    """Ridge errors of each first layer, `{name: (M, A, L)}` for `ERRORS`, M = len(layers).

    The training pool of `samples` is fitted on its prefixes `ns` (A,); `lams` (L,) or one
    grid per n (A, L). The products `X W^T` and the activations are computed in `dtype`;
    the ridge fits in float64. Identical layers are fitted once. With `predictions`, also
    `test_prediction` (M, A, n_test, L): `f_hat` on the test inputs.
    """
    t0 = time.perf_counter()
    x, y, x_test, y_test = samples.x, samples.y, samples.x_test, samples.y_test
    layers = canonical(layers)
    inputs = {"train": x.astype(dtype, copy=False), "test": x_test.astype(dtype, copy=False)}
    counts: dict[int, int] = {}
    for layer in layers:
        counts[id(layer.base)] = counts.get(id(layer.base), 0) + 1
    cast: dict[int, np.ndarray] = {}
    shared: dict[tuple, np.ndarray] = {}  # pre-activations of bases used by several layers

    def pre(split: str, base: np.ndarray, rows: slice = slice(None)) -> np.ndarray:
        """`X[rows] base^T` of `split`, in `dtype`."""
        if id(base) not in cast:
            cast[id(base)] = base.astype(dtype, copy=False)
        if counts[id(base)] < 2:
            return matmul(inputs[split][rows], cast[id(base)].T)
        key = (split, id(base), rows.start, rows.stop)
        if key not in shared:
            shared[key] = matmul(inputs[split][rows], cast[id(base)].T)
        return shared[key]

    out = {name: np.empty((len(layers), len(ns), np.shape(lams)[-1])) for name in ERRORS}
    names = (*ERRORS, "test_prediction") if predictions else ERRORS
    if predictions:
        out["test_prediction"] = np.empty((len(layers), len(ns), *y_test.shape, np.shape(lams)[-1]))
    for i, layer in enumerate(layers):
        same = next((j for j in range(i) if same_layer(layers[j], layer)), None)
        if same is not None:
            for name in names:
                out[name][i] = out[name][same]
            continue
        phi = features(act, x, pre("train", layer.base), layer.spike, layer.scale)

        def test_rows(rows: slice, layer: Layer = layer) -> np.ndarray:
            pre_test = pre("test", layer.base, rows)
            return features(act, x_test[rows], pre_test, layer.spike, layer.scale)

        # the test features are computed, by row blocks, alongside the fits
        curve = ridge_learning_curve(phi, y, ns, lams, test_rows, y_test)
        del phi
        for k, errs in enumerate(curve):
            for name in names:
                out[name][i, k] = getattr(errs, name)
        log.info("layer %d of %d fitted, %.2fs", i + 1, len(layers), time.perf_counter() - t0)
    return out


class SeedDraw:
    """One seed's draw of a problem at size d (teacher, `W0`, `a`, step batch), with the
    first layers of the registry's models computed on demand (the source `srfpipe.models` names).

    `eta` is the step size (models built from a step); `srf` the prescribed spike."""

    def __init__(
        self, problem: Problem, d: int, seed: int, eta: float | None = None, srf: SRF | None = None
    ) -> None:
        self.problem, self.d, self.seed, self.eta, self.srf = problem, d, seed, eta, srf

    def prescribed(self, srf: SRF) -> SeedDraw:
        """The same draw (teacher, `W0`, `a`, step batch) with the prescribed sRF `srf`."""
        other = SeedDraw(self.problem, self.d, self.seed, self.eta, srf)
        other.__dict__.update(theta=self.theta, net=self.net)  # share the cached draws
        return other

    @cached_property
    def theta(self) -> np.ndarray:
        return data.teacher(self.seed, self.d)

    @cached_property
    def net(self) -> step.Network:
        pb = self.problem
        return step.init_network(
            self.seed, self.d, pb.p(self.d), pb.readout_init, pb.init_output, pb.w0_rows
        )

    @property
    def w0(self) -> np.ndarray:
        return self.net.w

    @cached_property
    def _batch(self) -> tuple[np.ndarray, np.ndarray]:
        if self.eta is None:
            raise ValueError("this model needs a step: give eta (and alpha0)")
        pb = self.problem
        n = pb.n0(self.d) * pb.steps
        return data.sample(self.seed, "step", n, self.theta, pb.target, pb.noise)

    @cached_property
    def w1(self) -> np.ndarray:
        x0, y0 = self._batch
        pb = self.problem
        return step.take_steps(self.net, x0, y0, self.eta, pb.sigma, pb.init_output, steps=pb.steps)

    @cached_property
    def spike_map(self) -> step.Spike:
        x0, y0 = self._batch
        pb, n0 = self.problem, self.problem.n0(self.d)
        beta_vec = step.linear_response(x0[:n0], y0[:n0])
        return step.first_step_map(
            self.net.a, beta_vec, eta=self.eta, mu1=pb.sigma.mu1, theta=self.theta
        )[0]

    @cached_property
    def bulk_scales(self) -> float | np.ndarray:
        return network_map(self.problem, self.eta).srf.scales(self.net.a)

    @cached_property
    def spike_extracted(self) -> step.Spike:
        return step.spike_from_step(self.w1 - self.w0, self.theta)

    @property
    def _prescribed(self) -> SRF:
        if self.srf is None:
            raise ValueError("this model needs a prescribed sRF: give r and gamma")
        return self.srf

    @property
    def bulk_scale(self) -> float | np.ndarray:
        return self._prescribed.scales(self.net.a)

    @cached_property
    def spike(self) -> step.Spike:
        srf = self._prescribed
        return step.spike_with_overlap(self.net.a, srf.r, srf.gamma, self.theta, self.seed)


def seed_errors(
    problem: Problem,
    layers: Callable[[SeedDraw], Sequence[Layer]],
    d: int,
    seed: int,
    *,
    alpha: Sequence[float],
    lam: Sequence[float],
    test_size: int,
    eta: float | None = None,
    srf: SRF | None = None,
) -> dict[str, np.ndarray]:
    """`fit_layers` on one seed's data for the layers `layers(draw)`: `{name: (M, A, L)}`."""
    draw = SeedDraw(problem, d, seed, eta, srf)
    ns = sample_sizes(alpha, d)
    train = data.sample(seed, "train", max(ns), draw.theta, problem.target, problem.noise)
    test = data.sample(seed, "test", test_size, draw.theta, problem.target, problem.noise)
    lams = problem.ridge(np.asarray(lam)[None, :], np.asarray(alpha)[:, None])
    return fit_layers(problem.sigma, layers(draw), Samples(*train, *test), ns=ns, lams=lams)


def simulate(
    problem: Problem,
    model: str | Sequence[str],
    *,
    d: int,
    seeds: Sequence[int],
    alpha: Sequence[float],
    lam: Sequence[float],
    test_size: int,
    eta: float | None = None,
    srf: SRF | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Registry models' errors over (model, seed, alpha, lam), fitted on the same draw per
    seed, and their `*_mean`/`*_sem` over seeds; one model name (a str) drops the "model"
    dim. `progress(done, total)` is called after each seed."""
    names = [model] if isinstance(model, str) else list(model)
    for name in names:
        if name not in MODELS:
            raise ValueError(f"model: unknown value {name!r}; allowed: {list(MODELS)}")
        if MODELS[name].needs == "srf" and srf is None:
            raise ValueError(f"model {name!r}: needs a prescribed sRF (srf=SRF(r, gamma))")
        if MODELS[name].needs in FROM_STEP and eta is None:
            raise ValueError(f"model {name!r}: needs a step size eta (and problem.alpha0)")
    if not names:
        raise ValueError("model: give at least one model name")
    out = {name: np.empty((len(names), len(seeds), len(alpha), len(lam))) for name in ERRORS}
    for i, seed in enumerate(seeds):
        errs = seed_errors(
            problem, lambda s: [MODELS[m].layer(s) for m in names], d, seed,
            alpha=alpha, lam=lam, test_size=test_size, eta=eta, srf=srf,
        )  # fmt: skip
        for name in ERRORS:
            out[name][:, i] = errs[name]
        if progress is not None:
            progress(i + 1, len(seeds))
    ds = xr.Dataset(
        {name: (("model", "seed", "alpha", "lam"), v) for name, v in out.items()},
        coords={"model": names, "seed": list(seeds), "alpha": list(alpha), "lam": list(lam)},
    )
    ds = ds.merge(mean_sem(ds))
    ds.attrs.update(
        d=d,
        p=problem.p(d),
        noise=problem.noise,
        activation=problem.activation,
        target=problem.target.describe(),
        readout_init=problem.readout_init,
        test_size=test_size,
        n_seeds=len(seeds),
    )
    if isinstance(model, str):
        ds = ds.squeeze("model", drop=True).assign_attrs(model=model)
    return ds
