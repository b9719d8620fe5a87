"""The learned function along the spike: `E[f_hat(x) | kappa]` from the order parameters.

Given `kappa = v.x`, the prediction of a weight `b` independent of `x` is (docs/theory.md
section 3) `b.phi = L(kappa) + mu1 tau m_th + mu1 sqrt(q_w - m_v^2 - m_th^2) xi_1 +
mus sqrt(q_z) xi_2` with `tau, xi_1, xi_2` standard Gaussians independent of `kappa`, so
`E[f_hat | kappa] = L(kappa) = mu0(r k) m_s + mu1(r k) k m_v + (mu2(r k)/2) m_e`: the
`m_th` (teacher's orthogonal part) and noise terms average out. At `r = 0` the `mu_j` are
constants, so `L` is affine in `kappa` (linear for odd `sigma`).

With neurons of G types (docs/theory.md section 11; type g: fraction `pi_g`, spike
`r s_g`, bulk scale `c_g`) `b.phi` splits over the types and `L(kappa) = sum_g [mu0_g m_s,g
+ mu1_g kappa m_v,g + (mu2_g/2) m_e,g]`, the coefficients of `sigma_{c_g}` at the shift
`(r s_g/c_g) kappa` and the per-type means of `groups.solve_groups` (`types_mean`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from srfpipe.functions import Activation
from srfpipe.problem import SRF
from srfpipe.theory.equivalence import NeuronTypes, shifted_coefficients

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
