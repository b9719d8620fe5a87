"""Shifted solves `(M + lam I)^{-1} r`: a float32 Cholesky factorisation per lambda, refined
in float64.

Mixed-precision iterative refinement (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., ch. 12; LAPACK's dsposv): `M + lam I` is rounded to float32 and
factorised (spotrf, twice dpotrf's rate), then `x += (L L^T)^{-1} (r - (M + lam I) x)` with the
residual in float64, until it no longer halves. The residual then sits at float64's
round-off, as a float64 factorisation's would, when `cond(M + lam I)` times float32's
round-off is well below 1; otherwise (spotrf fails, or the residual stalls above
`sqrt(k) eps ||M + lam I||_F ||x||`) the caller takes the float64 band path. M is only read.
LAPACK is called from scipy's Cython LAPACK through `ctypes` (`band.c_function`), which
releases the GIL.
"""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

from srfpipe.linalg.band import INT, PTR, c_function

MAX_STEPS = 30
"""Refinement steps at most (LAPACK's dsposv: 30); they stop as soon as one fails to halve
the residual."""


@cache
def _lapack(name: str) -> ctypes._CFuncPtr:
    """`spotrf(uplo, n, a, lda, info)` or `spotrs(uplo, n, nrhs, a, lda, b, ldb, info)`."""
    from scipy.linalg import cython_lapack

    char = ctypes.c_char_p
    potrs = (char, INT, INT, PTR, INT, PTR, INT, INT)
    return c_function(
        cython_lapack, name, *((char, INT, PTR, INT, INT) if name == "spotrf" else potrs)
    )


def _refined(
    m: np.ndarray, factor: np.ndarray, rhs: np.ndarray, lam: float, norm_m: float
) -> np.ndarray | None:
    """`(M + lam I)^{-1} rhs` (k,) from the float32 Cholesky factor (lower triangle of
    `factor`, Fortran-ordered) by refinement in float64; None if the residual stalls high.
    `norm_m` is `||M||_F`."""
    k = m.shape[0]
    ref, n, one, info = ctypes.byref, ctypes.c_int(k), ctypes.c_int(1), ctypes.c_int(0)

    def solve32(r: np.ndarray) -> np.ndarray:
        z = r.astype(np.float32)
        solve = _lapack("spotrs")
        solve(b"L", ref(n), ref(one), factor.ctypes.data, ref(n), z.ctypes.data, ref(n), ref(info))
        return z

    x = solve32(rhs).astype(float)
    norm = norm_m + lam * np.sqrt(k)  # ||M + lam I||_F bound
    last = np.inf
    for _ in range(MAX_STEPS):
        r = rhs - m @ x - lam * x
        size = np.sqrt(r @ r)
        if size > last / 2:
            break
        x += solve32(r)
        last = size
    if size > np.sqrt(k) * np.finfo(float).eps * norm * np.sqrt(x @ x):
        return None
    return x


def shifted_solves(m: np.ndarray, rhs: np.ndarray, lams: np.ndarray) -> np.ndarray | None:
    """`(M + lam I)^{-1} rhs` for every lam (L,), shape (k, L), M (k, k) symmetric float64
    (C- or Fortran-ordered, only read), rhs (k,); None if some lambda's float32 factorisation
    or refinement fails (`M + lam I` too ill-conditioned for float32, or not positive
    definite). One k x k float32 workspace."""
    k = m.shape[0]
    m = m.T if m.flags.c_contiguous else np.asfortranarray(m)  # M^T = M, Fortran-ordered
    factor = np.empty((k, k), dtype=np.float32, order="F")
    diag, norm_m = m.diagonal().copy(), float(np.linalg.norm(m))
    z = np.empty((k, lams.size))
    ref, n, info = ctypes.byref, ctypes.c_int(k), ctypes.c_int(0)
    for j, lam in enumerate(lams):
        factor[...] = m
        np.fill_diagonal(factor, diag + lam)
        _lapack("spotrf")(b"L", ref(n), factor.ctypes.data, ref(n), ref(info))
        x = None if info.value else _refined(m, factor, rhs, float(lam), norm_m)
        if x is None:
            return None
        z[:, j] = x
    return z
