"""Ridge readouts over a whole lambda grid from one tridiagonalisation.

MODEL.md normalisation: for features Phi (n, p) and labels y (n,),
`b(lam) = (Phi^T Phi / n + lam I)^{-1} Phi^T y / n` and `f_hat(x) = b . phi(x)`
(`b = a_hat / sqrt(p)`). With `n >= p` the Gram matrix `Phi^T Phi / n` (p, p) is used,
otherwise the kernel `Phi Phi^T / n` (n, n). That symmetric matrix `M` (k, k) is reduced
once to tridiagonal form `M = Q T Q^T` (LAPACK sytrd, 4k^3/3 flops, no eigenvectors);
every lambda then costs one O(k) tridiagonal solve, plus one (n + n_test) x p x L product
for the predictions. Nested training sets (prefixes `Phi[:n]`) reuse the accumulated Gram.

Determinism: the reduction runs with one BLAS thread, whatever the caller's limit (threaded
LAPACK gives results that depend on the thread count); the products around it are GEMM/SYRK,
whose results do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.linalg import lapack
from threadpoolctl import threadpool_limits

BLOCK_REFLECTORS = 64


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


def shifted_solves(m: np.ndarray, rhs: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`(M + lam I)^{-1} rhs` for every lam, shape (k, L); M (k, k) symmetric PSD, rhs (k,).

    All with one BLAS thread (deterministic). `M = Q T Q^T` with Householder reflectors
    (sytrd), then `T + lam I` is solved by LDL^T (ptsv) per lambda. Eigenvalues that
    round-off pushed below zero count as zero, as in an eigendecomposition: if some
    `T + lam I` is not positive definite, T is diagonalised instead and its negative
    eigenvalues are clamped.
    """
    k = m.shape[0]
    if k == 1:  # LAPACK's tridiagonal routines want k >= 2
        return np.asarray(rhs, dtype=float)[:, None] / (max(m[0, 0], 0.0) + lams[None, :])
    with threadpool_limits(limits=1, user_api="blas"):
        return _tridiagonal_solves(m, rhs, lams)


def _tridiagonal_solves(m: np.ndarray, rhs: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """Body of `shifted_solves` (k >= 2), under the caller's thread limit."""
    k = m.shape[0]
    lwork = int(lapack.dsytrd_lwork(k, lower=1)[0])
    # m.T is m (symmetric) in Fortran order: sytrd copies it without transposing
    refl, diag, off, tau, info = lapack.dsytrd(m.T, lower=1, lwork=max(lwork, 1))
    if info != 0:
        raise RuntimeError(f"LAPACK dsytrd failed with info={info}")
    # reflector i is v = (1, refl[i+2:, i]) acting on rows i+1..k-1; store its leading 1
    idx = np.arange(k - 1)
    refl[idx + 1, idx] = 1.0
    c = np.array(rhs, dtype=float)[:, None]
    _apply_q(refl, tau, c, transpose=True)
    c = c[:, 0]
    z = np.empty((k, lams.size))
    for j, lam in enumerate(lams):
        *_, z[:, j], info = lapack.dptsv(diag + lam, off, c)
        if info != 0:
            z = _clamped_tridiagonal_solves(diag, off, c, lams)
            break
    _apply_q(refl, tau, z, transpose=False)
    return z


def _wy_block(refl: np.ndarray, tau: np.ndarray, j0: int, j1: int) -> tuple[np.ndarray, np.ndarray]:
    """Compact WY form `H(j0) ... H(j1-1) = I - V T V^T` of sytrd's reflectors j0..j1-1,
    acting on rows j0+1..k-1: V (k-j0-1, j1-j0) unit lower trapezoidal, T upper triangular."""
    v = np.tril(refl[j0 + 1 :, j0:j1])
    vtv = v.T @ v
    t = np.zeros((j1 - j0, j1 - j0))
    for j in range(j1 - j0):
        t[:j, j] = -tau[j0 + j] * (t[:j, :j] @ vtv[:j, j])
        t[j, j] = tau[j0 + j]
    return v, t


def _apply_q(refl: np.ndarray, tau: np.ndarray, z: np.ndarray, transpose: bool) -> None:
    """`z <- Q z` (or `Q^T z`) in place, z (k, m), `Q = H(0) ... H(k-2)` from sytrd (lower),
    in blocks of `BLOCK_REFLECTORS` reflectors (BLAS-3, as LAPACK's ormtr)."""
    k = refl.shape[0]
    starts = list(range(0, k - 1, BLOCK_REFLECTORS))
    for j0 in starts if transpose else reversed(starts):
        v, t = _wy_block(refl, tau, j0, min(j0 + BLOCK_REFLECTORS, k - 1))
        sub = z[j0 + 1 :]
        sub -= v @ ((t.T if transpose else t) @ (v.T @ sub))


def _clamped_tridiagonal_solves(
    diag: np.ndarray, off: np.ndarray, c: np.ndarray, lams: np.ndarray
) -> np.ndarray:
    """`(T + lam I)^{-1} c` (k, L) from T's eigendecomposition, eigenvalues clamped at 0."""
    s, u = linalg.eigh_tridiagonal(diag, off, check_finite=False)
    s = np.maximum(s, 0.0)
    return u @ ((u.T @ c)[:, None] / (s[:, None] + lams[None, :]))


def coefficients_from_gram(gram: np.ndarray, phi_y: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`b(lam)` for all lams, shape (p, L); `gram = Phi^T Phi/n` (p, p), `phi_y = Phi^T y/n`."""
    return shifted_solves(gram, phi_y, lams)


def coefficients_from_kernel(phi: np.ndarray, y: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`b(lam) = Phi^T (Phi Phi^T/n + lam I)^{-1} y / n` for all lams, shape (p, L)."""
    n = phi.shape[0]
    dual = shifted_solves(phi @ phi.T / n, y, lams) / n  # (n, L)
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
