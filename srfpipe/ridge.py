"""Ridge readouts over a whole lambda grid from one eigendecomposition.

MODEL.md normalisation: for features Phi (n, p) and labels y (n,),
`b(lam) = (Phi^T Phi / n + lam I)^{-1} Phi^T y / n` and `f_hat(x) = b . phi(x)`
(`b = a_hat / sqrt(p)`). With `n >= p` the Gram matrix `Phi^T Phi / n` (p, p) is
diagonalised, otherwise the kernel `Phi Phi^T / n` (n, n); either way every lambda then
costs O(p L) plus one (n + n_test) x p x L product for the predictions.
Nested training sets (prefixes `Phi[:n]`) reuse the accumulated Gram matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg


@dataclass(frozen=True)
class RidgeErrors:
    """Errors over the lambda grid, each of shape (L,)."""

    train_error: np.ndarray
    test_error: np.ndarray
    readout_sq_norm: np.ndarray  # ||b||^2 = ||a_hat||^2 / p


def _check_lams(lams: Sequence[float]) -> np.ndarray:
    lams = np.asarray(lams, dtype=float)
    if lams.ndim != 1 or lams.size == 0 or not np.all(np.isfinite(lams)) or np.any(lams <= 0):
        raise ValueError(f"lam: need a non-empty list of finite values > 0, got {lams.tolist()}")
    return lams


def coefficients_from_gram(gram: np.ndarray, phi_y: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`b(lam)` for all lams, shape (p, L); `gram = Phi^T Phi/n` (p, p), `phi_y = Phi^T y/n`."""
    s, u = linalg.eigh(gram, overwrite_a=False, check_finite=False)
    s = np.maximum(s, 0.0)  # round-off can leave tiny negative eigenvalues
    c = u.T @ phi_y
    return u @ (c[:, None] / (s[:, None] + lams[None, :]))


def coefficients_from_kernel(phi: np.ndarray, y: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`b(lam) = Phi^T (Phi Phi^T/n + lam I)^{-1} y / n` for all lams, shape (p, L)."""
    n = phi.shape[0]
    t, v = linalg.eigh(phi @ phi.T / n, check_finite=False)
    t = np.maximum(t, 0.0)
    e = v.T @ y
    dual = v @ (e[:, None] / (t[:, None] + lams[None, :])) / n  # (n, L)
    return phi.T @ dual


def _errors(
    b: np.ndarray, phi: np.ndarray, y: np.ndarray, phi_test: np.ndarray, y_test: np.ndarray
) -> RidgeErrors:
    train = np.mean(np.square(y[:, None] - phi @ b), axis=0)
    test = np.mean(np.square(y_test[:, None] - phi_test @ b), axis=0)
    return RidgeErrors(train, test, np.sum(np.square(b), axis=0))


def ridge_path(
    phi: np.ndarray,
    y: np.ndarray,
    lams: Sequence[float],
    phi_test: np.ndarray,
    y_test: np.ndarray,
) -> RidgeErrors:
    """Train/test errors and `||b||^2` for every lambda, one factorisation in all."""
    lams = _check_lams(lams)
    n, p = phi.shape
    if n >= p:
        b = coefficients_from_gram(phi.T @ phi / n, phi.T @ y / n, lams)
    else:
        b = coefficients_from_kernel(phi, y, lams)
    return _errors(b, phi, y, phi_test, y_test)


def ridge_learning_curve(
    phi: np.ndarray,
    y: np.ndarray,
    ns: Sequence[int],
    lams: Sequence[float],
    phi_test: np.ndarray,
    y_test: np.ndarray,
) -> list[RidgeErrors]:
    """`ridge_path` on each prefix `phi[:n], y[:n]` for n in `ns` (in the order given).

    The unnormalised Gram matrix is accumulated block by block over increasing n, so the
    cost of the (n >= p) fits is one pass over the rows plus one eigendecomposition per n.
    """
    lams = _check_lams(lams)
    ns = [int(n) for n in ns]
    if any(n < 1 or n > phi.shape[0] for n in ns):
        raise ValueError(f"sample sizes must lie in [1, {phi.shape[0]}], got {ns}")
    p = phi.shape[1]
    gram = np.zeros((p, p))
    phi_y = np.zeros(p)
    done = 0
    results: dict[int, RidgeErrors] = {}
    for n in sorted(set(ns)):
        if n >= p:
            block = phi[done:n]
            gram += block.T @ block
            phi_y += block.T @ y[done:n]
            done = n
            b = coefficients_from_gram(gram / n, phi_y / n, lams)
        else:
            b = coefficients_from_kernel(phi[:n], y[:n], lams)
        results[n] = _errors(b, phi[:n], y[:n], phi_test, y_test)
    return [results[n] for n in ns]
