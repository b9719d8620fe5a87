"""take_step: `W0`, `a`, one giant gradient step to `W1`, and the spike diagnostics.

One step is built from the seed's direction `G` (`srfpipe.stages.step_gradient`) when given:
`W1 = W0 + (eta / n0) diag(a) G` (`step.apply_step`, the operations of a step computed here,
hence the same bits). Writes `w1` (neuron, input), `a`, the map's and the extracted spikes
`u_*` (neuron), `v_*` (input), their `r_*`, `gamma_*`, top singular values `sv_delta`, `sv_w1`
(rank), the map's limits `*_theory`, its per-neuron bulk scales `bulk_scale_map` (neuron) and
`c_W` (`bulk_scale_theory`), and the squared row norms of the bulk `W1 - u_map v_map^T`
(`row_norm_sq` (neuron), their mean `bulk_norm_sq` and spread `bulk_norm_sq_spread` (standard
deviation over neurons)).
`W0` is not stored: it is regenerated from the seed (its sha256 is kept in the attrs and
checked).
"""

from __future__ import annotations

import hashlib
import logging
import time
from functools import cached_property
from typing import Any

import numpy as np
import xarray as xr

from srfpipe import step
from srfpipe.linalg.parallel import top_singular
from srfpipe.problem import Problem
from srfpipe.stages import generate_data
from srfpipe.store import params_of, provenance
from srfpipe.theory.network_map import network_map

log = logging.getLogger(__name__)

N_SINGULAR = 8


def initial_network(params: dict[str, Any], seed: int) -> step.Network:
    """`(W0, a)` for the step parameters and seed."""
    return step.init_network(
        seed, params["d"], params["p"], params["readout_init"], params["init_output"],
        params["w0_rows"],
    )  # fmt: skip


def digest(w: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(w)).hexdigest()


def run(
    params: dict[str, Any],
    seed: int,
    eta: float,
    data_ds: xr.Dataset,
    gradient_ds: xr.Dataset | None = None,
) -> xr.Dataset:
    """The trained first layer and its diagnostics for one (eta, seed); a one-step layer
    from the seed's `gradient` when given, else the steps computed here."""
    t0 = time.perf_counter()
    problem = Problem.from_config(params)
    act = problem.sigma
    theta = data_ds["theta"].values
    net = initial_network(params, seed)
    n0 = params["n0"] // problem.steps  # one step's batch
    if gradient_ds is None:
        x0, y0 = generate_data.inputs(data_ds, "step")
        dtype = np.dtype(params["precision"])
        w1 = step.take_steps(
            net, x0, y0, eta, act, params["init_output"], steps=problem.steps, dtype=dtype
        )
        beta_vec = step.linear_response(x0[:n0], y0[:n0])
    else:  # the batch is not regenerated: its direction and linear response are stored
        if problem.steps != 1 or gradient_ds.attrs["w0_sha256"] != digest(net.w):
            raise ValueError("the gradient artifact is not this seed's first step: rerun it")
        w1 = step.apply_step(net, gradient_ds["direction"].values, eta, n0)
        beta_vec = gradient_ds["beta_vec"].values
    log.info(
        "step: p=%d d=%d n0=%d eta=%g in %.2fs",
        *w1.shape,
        n0,
        eta,
        time.perf_counter() - t0,
    )
    delta = w1 - net.w
    spike_map, beta_norm = step.first_step_map(net.a, beta_vec, eta=eta, mu1=act.mu1, theta=theta)
    # one partial eigensolve of W1 - W0 gives the spike and its top singular values
    if np.any(delta):
        _, sv_delta, vecs = top_singular(delta, N_SINGULAR)
        spike_ext = step.spike_along(delta, vecs[:, 0], theta)
    else:
        sv_delta = np.zeros(N_SINGULAR)
        spike_ext = step.spike_from_step(delta, theta)
    sv_w1 = top_singular(w1, N_SINGULAR)[1]
    k = min(N_SINGULAR, sv_w1.size)
    limit = network_map(problem, eta)
    # the bulk: W1 minus the map's spike is W0 plus the gradient's bulk part exactly
    # (init_output zero); its squared row norms against c_i^2 = 1 + slope a_i^2
    bulk_rows = np.einsum("ij,ij->i", w1, w1) - 2.0 * spike_map.u * (w1 @ spike_map.v)
    bulk_rows += np.square(spike_map.u) * (spike_map.v @ spike_map.v)
    ds = xr.Dataset(
        {
            "w1": (("neuron", "input"), w1),
            "a": ("neuron", net.a),
            "u_map": ("neuron", spike_map.u),
            "v_map": ("input", spike_map.v),
            "u_extracted": ("neuron", spike_ext.u),
            "v_extracted": ("input", spike_ext.v),
            "sv_delta": ("rank", sv_delta[:k]),
            "sv_w1": ("rank", sv_w1[:k]),
            "beta_norm": ((), beta_norm),
            "gamma_map": ((), spike_map.overlap(theta)),
            "r_map": ((), spike_map.strength()),
            "gamma_extracted": ((), spike_ext.overlap(theta) if eta != 0 else np.nan),
            "r_extracted": ((), spike_ext.strength()),
            "beta_norm_theory": ((), limit.beta_norm),
            "gamma_theory": ((), limit.gamma),
            "r_theory": ((), limit.r),
            "bulk_scale_map": ("neuron", np.broadcast_to(limit.srf.scales(net.a), net.a.shape)),
            "bulk_scale_theory": ((), limit.bulk_scale),
            "row_norm_sq": ("neuron", bulk_rows),
            "bulk_norm_sq": ((), float(np.mean(bulk_rows))),
            "bulk_norm_sq_spread": ((), float(np.std(bulk_rows))),
        },
        coords={"rank": np.arange(1, k + 1)},
    )
    ds.attrs |= provenance("step", params | {"seed": seed, "eta": eta})
    ds.attrs["w0_sha256"] = digest(net.w)
    log.info(
        "step diagnostics done in %.2fs: gamma_extracted=%.4f r_extracted=%.4f",
        time.perf_counter() - t0,
        float(ds.gamma_extracted),
        float(ds.r_extracted),
    )
    return ds


class StepLayers:
    """The first layers of one step artifact (the source `srfpipe.models` names): `W1`, the
    spikes, and `W0` regenerated from the seed and checked against the stored digest."""

    def __init__(self, step_ds: xr.Dataset) -> None:
        self.ds = step_ds

    @cached_property
    def w0(self) -> np.ndarray:
        params = params_of(self.ds)
        w0 = initial_network(params, params["seed"]).w
        if digest(w0) != self.ds.attrs["w0_sha256"]:
            raise RuntimeError("regenerated W0 differs from the step artifact: rerun take_step")
        return w0

    @property
    def w1(self) -> np.ndarray:
        return self.ds["w1"].values

    @property
    def spike_map(self) -> step.Spike:
        return step.Spike(self.ds["u_map"].values, self.ds["v_map"].values)

    @property
    def spike_extracted(self) -> step.Spike:
        return step.Spike(self.ds["u_extracted"].values, self.ds["v_extracted"].values)

    @property
    def bulk_scales(self) -> np.ndarray:
        return self.ds["bulk_scale_map"].values

    @property
    def spike(self) -> step.Spike:
        raise ValueError("a step artifact has no prescribed spike (model 'srf')")

    @property
    def bulk_scale(self) -> float:
        raise ValueError("a step artifact has no prescribed bulk scale (model 'srf')")
