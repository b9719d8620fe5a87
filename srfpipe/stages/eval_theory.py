"""eval_theory: asymptotic learning curves for one eta, over a dense alpha x the lambda grid.

`alpha_theory` is `dense_alpha_grid` (denser near `alpha = beta`, holding the simulated
alphas: `.sel(alpha_theory=alpha)`). Writes over (theory, alpha_theory, lam) the
`CURVE_OUTPUTS` of `learning_curve`; `optimal_test_error` (best on the lambda grid) over
(theory, alpha_theory); `plateau` (`alpha -> inf`) over (theory, lam); the map's `r`,
`gamma`; with several neuron types, `m_s_type`, `m_v_type`, `m_e_type` over (theory,
alpha_theory, lam, type) (one-type theories fill `type = 0`, absent types NaN). `theory`:
the registry's `THEORIES` (`structured` only where `structured_gap` allows).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import xarray as xr

from srfpipe.models import THEORIES
from srfpipe.problem import Problem
from srfpipe.store import provenance
from srfpipe.theory.curves import dense_alpha_grid, learning_curve, plateau
from srfpipe.theory.fixed_point import CURVE_OUTPUTS as CURVE_VARS
from srfpipe.theory.fixed_point import TYPE_MEANS as TYPE_VARS
from srfpipe.theory.network_map import network_map
from srfpipe.theory.structured import step_equations, structured_curve, structured_gap

log = logging.getLogger(__name__)


def run(params: dict[str, Any], eta: float) -> xr.Dataset:
    """Dataset over (theory, alpha_theory, lam) for one eta (see the module docstring)."""
    t0 = time.perf_counter()
    problem = Problem.from_config(params)
    alphas = dense_alpha_grid(params["alpha"], problem.beta)
    curves = []
    names = [n for n, t in THEORIES.items() if t.bulk == "isotropic" or not structured_gap(problem)]
    for name in names:
        theory = THEORIES[name]
        srf = theory.srf(problem, eta)
        kw: dict[str, Any] = {"dimension": params["dimension"]}
        if theory.bulk == "structured":  # the one-step network (docs/theory.md section 14)
            ds = structured_curve(problem, eta, lam=params["lam"], alpha=alphas)
            kw["eq"] = step_equations(problem, eta, bulk="structured")
        else:
            ds = learning_curve(problem, srf, lam=params["lam"], alpha=alphas, **kw)
        ds = ds[[*CURVE_VARS, *(v for v in TYPE_VARS if v in ds)]]
        ds["optimal_test_error"] = ds.test_error.min("lam")  # NaN where none converged
        ds = ds.rename(alpha="alpha_theory")
        ds["plateau"] = ("lam", plateau(problem, srf, params["lam"], **kw))
        curves.append(ds)
        elapsed = time.perf_counter() - t0
        log.info("theory %s (r=%.4f, gamma=%.4f) in %.2fs", name, srf.r, srf.gamma, elapsed)
    if any(TYPE_VARS[0] in ds for ds in curves):  # the type axis only when some G > 1
        for ds in curves:
            for v in TYPE_VARS:
                if v not in ds:
                    ds[v] = ds[v.removesuffix("_type")].expand_dims(type=[0], axis=-1)
    curves = [ds.expand_dims(theory=[name]) for ds, name in zip(curves, names, strict=True)]
    out = xr.concat(curves, dim="theory", join="outer", combine_attrs="drop")
    srf = network_map(problem, eta).srf
    out["r"] = ((), srf.r)
    out["gamma"] = ((), srf.gamma)
    out.attrs |= provenance("theory", params | {"eta": eta})
    return out
