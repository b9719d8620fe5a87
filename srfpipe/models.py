"""The registry of models: name -> first layer, label and plot style, and the theory that
predicts it. The readout stage, `srfpipe simulate`, the theory stage and the plots all
iterate over `MODELS` and `THEORIES`; a new model is one `register(Model(...))`.

A model's first layer is built from a source of first layers: the step artifact of one
`(eta, seed)` in the workflow (`srfpipe.stages.take_step.StepLayers`), or one seed's draw
in a direct simulation (`srfpipe.simulation.SeedDraw`). Its attributes, computed on demand:
`w0`, `w1` (p, d) before and after the step; `spike_map` (the theory map's spike of the step
batch), `spike_extracted` (top singular pair of `W1 - W0`), `bulk_scales` (p,) (the map's
`c_i = sqrt(1 + slope a_i^2)`); `spike` (prescribed `(r, gamma)`: `u = r a`,
`v.theta = gamma`) and `bulk_scale` (prescribed `c`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from srfpipe.problem import SRF, Problem
from srfpipe.step import Spike
from srfpipe.theory.network_map import network_map


@dataclass(frozen=True)
class Layer:
    """The first layer `diag(scale) base + u v^T` (base (p, d)); `spike` None: no spike;
    `scale` a number or one per neuron (p,)."""

    base: np.ndarray
    spike: Spike | None = None
    scale: float | np.ndarray = 1.0


@dataclass(frozen=True)
class Theory:
    """An asymptotic curve: its sRF parameters for a problem and step size, and its style."""

    name: str
    label: str
    style: dict
    srf: Callable[[Problem, float], SRF]


@dataclass(frozen=True)
class Model:
    """A readout model: how to build its first layer, how to draw it, which theory applies."""

    name: str
    label: str
    style: dict
    layer: Callable[[Any], Layer]  # from a source of first layers (module docstring)
    theory: str | None
    description: str
    prescribed: bool = False  # needs a prescribed spike (not a step): not a workflow model


def _map_srf(problem: Problem, eta: float) -> SRF:
    return network_map(problem, eta).srf


def _plain_srf(problem: Problem, eta: float) -> SRF:
    """The map's spike without the bulk scale (`c = 1`)."""
    m = network_map(problem, eta)
    return SRF(m.r, m.gamma)


def _rf_srf(problem: Problem, eta: float) -> SRF:
    """No spike (`r = 0`); `gamma` of the map only fixes the kappa axis of the quadrature."""
    return SRF(0.0, network_map(problem, eta).gamma)


THEORIES: dict[str, Theory] = {
    t.name: t
    for t in (
        Theory("rf", "theory, RF", dict(color="0.45", ls="--", lw=1.2), _rf_srf),
        Theory("srf", r"theory, sRF ($c_W$)", dict(color="k", ls="-", lw=1.2), _map_srf),
        Theory("srf_plain", "theory, sRF ($c=1$)", dict(color="C4", ls="-.", lw=1.0), _plain_srf),
    )
}

MODELS: dict[str, Model] = {}


def register(model: Model) -> Model:
    """Add `model` to the registry (its theory must be in `THEORIES` or None)."""
    if model.theory is not None and model.theory not in THEORIES:
        raise ValueError(f"model {model.name!r}: unknown theory {model.theory!r}")
    MODELS[model.name] = model
    return model


for _model in (
    Model(
        "rf", r"RF ($W_0$)", dict(color="0.45", marker="s"),
        lambda s: Layer(s.w0), "rf",
        "`W0` (random features at initialisation)",
    ),
    Model(
        "network", r"network ($W_1$)", dict(color="C0", marker="o"),
        lambda s: Layer(s.w1), "srf",
        "`W1` (after the giant step)",
    ),
    Model(
        "srf_map", "sRF (theory map)", dict(color="C1", marker="^"),
        lambda s: Layer(s.w0, s.spike_map, s.bulk_scales), "srf",
        "the paper's sRF `c_W W0 + u v^T` with the theory map: `v = beta_vec/||beta_vec||`, "
        "`u = eta mu1 ||beta_vec|| a`, `beta_vec = (1/n0) sum y x`, "
        "`c_W^2 = 1 + eta^2 E[y^2] E[(sigma' - mu1)^2]/alpha0`",
    ),
    Model(
        "srf_plain", "sRF (map, $c=1$)", dict(color="C4", marker="<"),
        lambda s: Layer(s.w0, s.spike_map), "srf_plain",
        "`W0 + u v^T` with the theory map's `u, v` and no bulk scale (`c = 1`)",
    ),
    Model(
        "srf_extracted", "sRF (extracted)", dict(color="C2", marker="v"),
        lambda s: Layer(s.w0, s.spike_extracted), None,
        "`W0 + u v^T` with `v` the top right singular vector of `W1 - W0`, `u = (W1 - W0) v`",
    ),
    Model(
        "srf", "sRF (prescribed)", dict(color="C3", marker="D"),
        lambda s: Layer(s.w0, s.spike, s.bulk_scale), "srf",
        "`c W0 + u v^T` with prescribed `(r, gamma, c)`: `u = r a`, `v.theta = gamma` exactly",
        prescribed=True,
    ),
):  # fmt: skip
    register(_model)


def workflow_models() -> tuple[str, ...]:
    """Models a workflow readout can fit (built from a step, not a prescribed spike)."""
    return tuple(name for name, m in MODELS.items() if not m.prescribed)
