"""step_gradient: the direction of one giant step, shared by every eta of a seed.

Writes `direction` (neuron, input): `G = sum_mu res_mu sigma'(W0 x_mu) x_mu^T` on the step's
batch, `res` its residual (`y` for `init_output: zero`), in the config's precision
(`srfpipe.step.gradient_direction`), and the batch's `beta_vec` (input,
`step.linear_response`). The step size enters neither, so each one-step `take_step` job of
the seed builds its `W1` and map spike from them instead of regenerating the batch and
recomputing the two products (`take_step.run`). `W0`'s sha256 is kept in the attrs and
checked there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from srfpipe import step
from srfpipe.problem import Problem
from srfpipe.stages import generate_data, take_step
from srfpipe.store import provenance


def run(params: dict[str, Any], seed: int, data_ds: xr.Dataset) -> xr.Dataset:
    """The first step's direction `G` (neuron, input) for one seed."""
    problem = Problem.from_config(params)
    x0, y0 = generate_data.inputs(data_ds, "step")
    net = take_step.initial_network(params, seed)
    res = step.residual(net, x0, y0, problem.sigma, params["init_output"])
    direction = step.gradient_direction(
        net, x0, res, problem.sigma, dtype=np.dtype(params["precision"])
    )
    ds = xr.Dataset(
        {
            "direction": (("neuron", "input"), direction),
            "beta_vec": ("input", step.linear_response(x0, y0)),
        }
    )
    ds.attrs |= provenance("gradient", params | {"seed": seed})
    ds.attrs["w0_sha256"] = take_step.digest(net.w)
    return ds
