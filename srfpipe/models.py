"""The registry of models: name -> first layer, label and plot style, and the theory that
predicts it. The readout stage, `srfpipe simulate`, the theory stage and the plots all
iterate over `MODELS` and `THEORIES`; a new model is one `register(Model(...))`.

A model's first layer is built from a source of first layers (`FirstLayers`): the step
artifact of one `(eta, seed)` in the workflow (`srfpipe.stages.take_step.StepLayers`), or one
seed's draw in a direct simulation (`srfpipe.simulation.SeedDraw`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from srfpipe.problem import SRF, Problem
from srfpipe.step import Spike
from srfpipe.theory.network_map import network_map


class FirstLayers(Protocol):
    """Where the models' first layers come from; attributes computed on demand. A source
    without a step, or without a prescribed sRF, raises ValueError on the attributes that need
    one."""

    @property
    def w0(self) -> np.ndarray:
        """`W0` (p, d), the first layer before the step."""

    @property
    def w1(self) -> np.ndarray:
        """`W1` (p, d), the first layer after the step."""

    @property
    def spike_map(self) -> Spike:
        """The theory map's spike of the first step's batch (`step.first_step_map`)."""

    @property
    def spike_extracted(self) -> Spike:
        """The top singular pair of `W1 - W0`."""

    @property
    def bulk_scales(self) -> float | np.ndarray:
        """The map's bulk scales, `network_map(...).srf.scales(a)`: a number or (p,)."""

    @property
    def spike(self) -> Spike:
        """The prescribed spike `(r, gamma)`: `u = r a`, `v.theta = gamma`."""

    @property
    def bulk_scale(self) -> float | np.ndarray:
        """The prescribed sRF's bulk scales (`SRF.scales`)."""


@dataclass(frozen=True)
class Layer:
    """The first layer `diag(scale) base + u v^T` (base (p, d)); `spike` None: no spike;
    `scale` a number or one per neuron (p,)."""

    base: np.ndarray
    spike: Spike | None = None
    scale: float | np.ndarray = 1.0


@dataclass(frozen=True)
class Theory:
    """An asymptotic curve: its sRF parameters for a problem and step size, its style, and
    its bulk (`theory.structured.BULKS`: the sRF's isotropic `c W0`, or the one-step
    network's structured bulk, which also draws the isotropic `srf` beside it)."""

    name: str
    label: str
    style: dict
    srf: Callable[[Problem, float], SRF]
    bulk: str = "isotropic"


NEEDS = ("w0", "map", "w1", "srf")
"""What a model's layer builder reads from its `FirstLayers` source besides `w0`: nothing
(`w0`: the layer is the rf layer `W0`, fitted once per seed by the workflow's `fit_rf`), the
theory map of a step (`map`: `spike_map`, `bulk_scales`), `W1` after a step (`w1`: `w1`,
`spike_extracted`), or a prescribed sRF (`srf`: `spike`, `bulk_scale`; not a workflow model)."""
FROM_STEP = ("map", "w1")
"""The `NEEDS` a step provides (in a simulation: given `eta`)."""
BASES = ("w0", "w1")
"""A layer's bulk `base`: `W0` or `W1` (layers sharing one share the products `X base^T`)."""


@dataclass(frozen=True)
class Model:
    """A readout model: how to build its first layer, how to draw it, which theory applies;
    what its builder reads (`needs`, one of `NEEDS`) and its layer's bulk (`base`, one of
    `BASES`), which `tests/test_house.py` checks against the builder."""

    name: str
    label: str
    style: dict
    layer: Callable[[FirstLayers], Layer]
    theory: str | None
    description: str
    needs: str
    base: str


def _map_srf(problem: Problem, eta: float) -> SRF:
    return network_map(problem, eta).srf


def _plain_srf(problem: Problem, eta: float) -> SRF:
    """The map's spike without the bulk scale (`c = 1`)."""
    m = network_map(problem, eta)
    return SRF(m.r, m.gamma)


def _rf_srf(problem: Problem, eta: float) -> SRF:
    """No spike (`r = 0`); `gamma` of the map only fixes the kappa axis of the quadrature."""
    return SRF(0.0, network_map(problem, eta).gamma)


PALETTE = {
    "black": "#000000", "grey": "#737373", "orange": "#E69F00", "sky": "#56B4E9",
    "green": "#009E73", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}  # fmt: skip
"""Okabe-Ito colours (and a grey): distinct for colour-blind readers; styles pair them with
distinct markers and line styles, so figures also read in greyscale."""

THEORIES: dict[str, Theory] = {
    t.name: t
    for t in (
        Theory("rf", "theory, RF", dict(color=PALETTE["grey"], ls="--", lw=1.2), _rf_srf),
        Theory(
            "srf", r"theory, sRF ($c_W$)", dict(color=PALETTE["black"], ls="-", lw=1.2), _map_srf
        ),
        Theory(
            "srf_plain", "theory, sRF ($c=1$)",
            dict(color=PALETTE["purple"], ls="-.", lw=1.0), _plain_srf,
        ),
        Theory(
            "structured", "theory, structured bulk",
            dict(color=PALETTE["blue"], ls=(0, (6, 2)), lw=1.4), _map_srf, bulk="structured",
        ),
    )
}  # fmt: skip

MODELS: dict[str, Model] = {}


def register(model: Model) -> Model:
    """Add `model` to the registry (its theory must be in `THEORIES` or None)."""
    if model.theory is not None and model.theory not in THEORIES:
        raise ValueError(f"model {model.name!r}: unknown theory {model.theory!r}")
    if model.needs not in NEEDS or model.base not in BASES:
        raise ValueError(f"model {model.name!r}: needs in {NEEDS}, base in {BASES}")
    MODELS[model.name] = model
    return model


for _model in (
    Model(
        "rf", r"RF ($W_0$)", dict(color=PALETTE["grey"], marker="s"),
        lambda s: Layer(s.w0), "rf",
        "`W0` (random features at initialisation)",
        needs="w0", base="w0",
    ),
    Model(
        "network", r"network ($W_1$)", dict(color=PALETTE["blue"], marker="o"),
        lambda s: Layer(s.w1), "structured",
        "`W1` (after the giant step)",
        needs="w1", base="w1",
    ),
    Model(
        "srf_map", "sRF (theory map)", dict(color=PALETTE["orange"], marker="^"),
        lambda s: Layer(s.w0, s.spike_map, s.bulk_scales), "srf",
        "the paper's sRF `c_W W0 + u v^T` with the theory map: `v = beta_vec/||beta_vec||`, "
        "`u = eta mu1 ||beta_vec|| a`, `beta_vec = (1/n0) sum y x`, "
        "`c_W^2 = 1 + eta^2 E[y^2] E[(sigma' - mu1)^2]/alpha0`",
        needs="map", base="w0",
    ),
    Model(
        "srf_plain", "sRF (map, $c=1$)", dict(color=PALETTE["purple"], marker="<"),
        lambda s: Layer(s.w0, s.spike_map), "srf_plain",
        "`W0 + u v^T` with the theory map's `u, v` and no bulk scale (`c = 1`)",
        needs="map", base="w0",
    ),
    Model(
        "srf_extracted", "sRF (extracted)", dict(color=PALETTE["green"], marker="v"),
        lambda s: Layer(s.w0, s.spike_extracted), None,
        "`W0 + u v^T` with `v` the top right singular vector of `W1 - W0`, `u = (W1 - W0) v`",
        needs="w1", base="w0",
    ),
    Model(
        "srf", "sRF (prescribed)", dict(color=PALETTE["vermillion"], marker="D"),
        lambda s: Layer(s.w0, s.spike, s.bulk_scale), "srf",
        "`c W0 + u v^T` with prescribed `(r, gamma, c)`: `u = r a`, `v.theta = gamma` exactly",
        needs="srf", base="w0",
    ),
):  # fmt: skip
    register(_model)


def models_needing(*needs: str) -> tuple[str, ...]:
    """The registry's models whose builder reads one of `needs` (`NEEDS`), in its order."""
    return tuple(name for name, m in MODELS.items() if m.needs in needs)


def workflow_models() -> tuple[str, ...]:
    """Models a workflow readout can fit (built from a step, not a prescribed spike)."""
    return models_needing("w0", *FROM_STEP)
