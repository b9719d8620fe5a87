"""Sampled references shared by the theory tests: one typed random matrix, and the network
simulated over seeds."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from srfpipe.models import MODELS
from srfpipe.problem import Problem
from srfpipe.simulation import seed_errors


class Blocks(NamedTuple):
    """Per-type traces of one sampled `A = diag(dd_t) + [m_(t_i t_j) K_ij]`, `K = W W^T`."""

    q: list[float]  # (G,): mean of diag(A^-1) over type g
    r: list[list[float]]  # (G, G): `r_blocks(A^-1, K)`
    forms: list[list[float]]  # (G, G): (W u)_g^T (A^-1)_gh (W u)_h / beta
    a_inv: np.ndarray  # (p, p)
    k: np.ndarray  # (p, p)


def r_blocks(x: np.ndarray, k: np.ndarray, types: np.ndarray) -> list[list[float]]:
    """(G, G): sum over i of type h, j of type g of `x_ij K_ji / p`, `x`, `k` (p, p)."""
    blocks = [types == g for g in range(types.max() + 1)]
    return [
        [np.sum(x[np.ix_(bh, bg)] * k[np.ix_(bh, bg)]) / len(x) for bh in blocks] for bg in blocks
    ]


def sampled_blocks(
    w: np.ndarray, types: np.ndarray, m: np.ndarray, dd: np.ndarray, u: np.ndarray, beta: float
) -> Blocks:
    """The `Blocks` of `w` (p, d) with neuron types `types` (p,) in 0..G-1, `m` (G, G),
    `dd` (G,) and the direction `u` (d,) of the quadratic forms."""
    k = w @ w.T
    a_inv = np.linalg.inv(m[types][:, types] * k + np.diag(dd[types]))
    blocks = [types == g for g in range(len(dd))]
    wu = w @ u
    forms = [[wu[bg] @ a_inv[np.ix_(bg, bh)] @ wu[bh] / beta for bh in blocks] for bg in blocks]
    q = [a_inv.diagonal()[b].mean() for b in blocks]
    return Blocks(q, r_blocks(a_inv, k, types), forms, a_inv, k)


def network_errors(
    problem: Problem, eta: float, *, alpha: list[float], lam: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error (A, L) of the network's test error after a step `eta`, over
    8 seeds at d = 1000 with 4000 test samples."""
    errs = np.array(
        [
            seed_errors(
                problem,
                lambda s: [MODELS["network"].layer(s)],
                1000,
                seed,
                alpha=alpha,
                lam=lam,
                test_size=4000,
                eta=eta,
            )["test_error"][0]
            for seed in range(8)
        ]
    )
    return errs.mean(0), errs.std(0, ddof=1) / np.sqrt(len(errs))
