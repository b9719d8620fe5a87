"""The learned function along the spike: `E[f_hat(x) | kappa]` from the order parameters.

Given `kappa = v.x`, the teacher's orthogonal part (`m_th`) and the noise terms of `b.phi`
(docs/theory.md section 3) average out: `E[f_hat | kappa] = L(kappa) = mu0(r k) m_s +
mu1(r k) k m_v + (mu2(r k)/2) m_e` (affine in `kappa` at `r = 0`). With G neuron types
(section 11) `L` is the sum over types, type g with the coefficients of `sigma_{c_g}` at the
shift `(r s_g/c_g) kappa` and its per-type means (`groups.solve_groups`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from srfpipe.functions import Activation
from srfpipe.problem import SRF, Problem
from srfpipe.theory.equivalence import NeuronTypes, shifted_coefficients, srf_types

BIN_NODES = 8
"""Gauss-Legendre nodes per bin of `bin_average`."""


def conditional_mean(
    act: Activation, srf: SRF, means: Sequence[np.ndarray], kappa: np.ndarray
) -> np.ndarray:
    """`L(kappa)`, shape (..., K), for the order parameters `means = (m_s, m_v, m_e)`, each of
    shape (...,), and `kappa` (K,); with a bulk scale `c` the coefficients are those of
    `sigma_c` at the shift `(r/c) kappa`."""
    kappa = np.asarray(kappa, float)
    c = srf.bulk_scale
    mu0, mu1, _, mu2 = shifted_coefficients(act, (srf.r / c) * kappa, c)
    m_s, m_v, m_e = (np.asarray(m, float)[..., None] for m in means)
    return m_s * mu0 + m_v * mu1 * kappa + m_e * 0.5 * mu2


def types_mean(
    act: Activation, r: float, types: NeuronTypes, means: Sequence[np.ndarray], kappa: np.ndarray
) -> np.ndarray:
    """`L(kappa)`, shape (..., K), for neurons of the (merged) `types` (G,) with per-type
    order parameters `means = (m_s, m_v, m_e)`, each (..., G), and `kappa` (K,): the sum of
    `conditional_mean`'s terms, type g with the coefficients of `equivalence.group_table`."""
    kappa = np.asarray(kappa, float)
    shifts = r * types.s / types.c
    coefs = [shifted_coefficients(act, t * kappa, c) for t, c in zip(shifts, types.c, strict=True)]
    mu0, mu1, _, mu2 = (np.stack(x) for x in zip(*coefs, strict=True))  # (G, K) each
    m_s, m_v, m_e = (np.asarray(m, float) for m in means)
    return m_s @ mu0 + m_v @ (mu1 * kappa) + m_e @ (0.5 * mu2)


def mean_function(
    problem: Problem, srf: SRF, curve: xr.Dataset
) -> Callable[[np.ndarray], np.ndarray]:
    """`kappa (K,) -> L(kappa)` (A, L, K) of the sRF `srf` from its learning curve `curve`
    over ("alpha", "lam"): `conditional_mean` of its `m_s, m_v, m_e` (one neuron type), or
    `types_mean` of its per-type `m_s_type, m_v_type, m_e_type` (several)."""
    types = srf_types(problem, srf)
    if types.pi.size == 1:  # the type's spike `r s` and bulk scale `c` (`SRF.scales`)
        one = SRF(srf.r * float(types.s[0]), srf.gamma, float(types.c[0]))
        m = [curve[k].transpose("alpha", "lam").values for k in ("m_s", "m_v", "m_e")]
        return lambda kappa: conditional_mean(problem.sigma, one, m, kappa)
    if "m_s_type" not in curve:
        raise ValueError("learned function: the theory has no per-type means (m_s_type)")
    per_type = curve.isel(type=slice(0, types.pi.size))
    mt = [
        per_type[f"{k}_type"].transpose("alpha", "lam", "type").values
        for k in ("m_s", "m_v", "m_e")
    ]
    return lambda kappa: types_mean(problem.sigma, srf.r, types, mt, kappa)


def bin_average(f: Callable[[np.ndarray], np.ndarray], edges: np.ndarray) -> np.ndarray:
    """`E[f(kappa) | e_b <= kappa < e_b+1]` for `kappa ~ N(0, 1)`, shape (..., B), for
    `f` mapping nodes (K,) to (..., K) and bin `edges` (B + 1,): Gauss-Legendre in each bin
    weighted by the Gaussian density."""
    x, w = np.polynomial.legendre.leggauss(BIN_NODES)
    lo, hi = edges[:-1, None], edges[1:, None]
    nodes = 0.5 * (hi - lo) * x + 0.5 * (hi + lo)  # (B, N)
    weights = 0.5 * (hi - lo) * w * np.exp(-0.5 * nodes**2)
    weights /= weights.sum(1, keepdims=True)
    values = f(nodes.ravel())
    return np.sum(values.reshape(*values.shape[:-1], *nodes.shape) * weights, -1)
