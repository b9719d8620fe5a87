"""The learned function along the spike: `E[f_hat(x) | kappa]` from the order parameters.

Given `kappa = v.x`, the prediction of a weight `b` independent of `x` is (docs/theory.md
section 3) `b.phi = L(kappa) + mu1 tau m_th + mu1 sqrt(q_w - m_v^2 - m_th^2) xi_1 +
mus sqrt(q_z) xi_2` with `tau, xi_1, xi_2` standard Gaussians independent of `kappa`, so
`E[f_hat | kappa] = L(kappa) = mu0(r k) m_s + mu1(r k) k m_v + (mu2(r k)/2) m_e`: the
`m_th` (teacher's orthogonal part) and noise terms average out. At `r = 0` the `mu_j` are
constants, so `L` is affine in `kappa` (linear for odd `sigma`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from srfpipe.functions import Activation
from srfpipe.problem import SRF, Problem
from srfpipe.theory.equivalence import merge_types, neuron_types, shifted_coefficients

BIN_NODES = 8
"""Gauss-Legendre nodes per bin of `bin_average`."""


def conditional_mean(
    act: Activation,
    srf: SRF,
    m_s: np.ndarray,
    m_v: np.ndarray,
    m_e: np.ndarray,
    kappa: np.ndarray,
) -> np.ndarray:
    """`L(kappa)`, shape (..., K), for order parameters of shape (...,) and `kappa` (K,); with
    a bulk scale `c` the coefficients are those of `sigma_c` at the shift `(r/c) kappa`."""
    kappa = np.asarray(kappa, float)
    c = srf.bulk_scale
    mu0, mu1, _, mu2 = shifted_coefficients(act, (srf.r / c) * kappa, c)
    m_s, m_v, m_e = (np.asarray(m, float)[..., None] for m in (m_s, m_v, m_e))
    return m_s * mu0 + m_v * mu1 * kappa + m_e * 0.5 * mu2


def single_type(problem: Problem, srf: SRF) -> bool:
    """Whether all neurons of the sRF are of one type (then `conditional_mean` applies)."""
    rule = srf.bulk_scale if srf.bulk_slope == 0.0 else (srf.bulk_scale**2, srf.bulk_slope)
    types = neuron_types(problem.readout_init, rule)
    return merge_types(types, srf.r, problem.sigma.odd).pi.size == 1


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
