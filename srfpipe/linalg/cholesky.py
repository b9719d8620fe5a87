"""Shifted solves `(M + lam I)^{-1} r` by one Cholesky factorisation (LAPACK potrf) per lambda.

potrf reads and overwrites only the lower triangle of a Fortran-ordered array; the strict
upper one keeps M, from which the lower one is restored before the next lambda (a blocked
transposed copy), so the factorisations need no k x k copy. potrf and potrs are called from
scipy's Cython LAPACK through `ctypes` (`band.c_function`), which releases the GIL.
"""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

from srfpipe.linalg.band import INT, PTR, c_function, workspace

TILE = 128
"""Rows and columns of a tile of the restoring copy (square tiles keep it in cache)."""


@cache
def _lapack(name: str) -> ctypes._CFuncPtr:
    """`dpotrf(uplo, n, a, lda, info)` or `dpotrs(uplo, n, nrhs, a, lda, b, ldb, info)`."""
    from scipy.linalg import cython_lapack

    char = ctypes.c_char_p
    potrs = (char, INT, INT, PTR, INT, PTR, INT, INT)
    return c_function(
        cython_lapack, name, *((char, INT, PTR, INT, INT) if name == "dpotrf" else potrs)
    )


def _restore(a: np.ndarray, diag: np.ndarray) -> None:
    """Lower triangle of a (k, k) from its strict upper one, diagonal `diag` (k,), in place."""
    k = a.shape[0]
    for j in range(0, k, TILE):
        e = min(j + TILE, k)
        for i in range(e, k, TILE):
            a[i : i + TILE, j:e] = a[j:e, i : i + TILE].T
        block = a[j:e, j:e]
        lower = np.tril_indices(e - j, -1)
        block[lower] = block.T[lower]
    np.fill_diagonal(a, diag)


def shifted_solves(
    m: np.ndarray, rhs: np.ndarray, lams: np.ndarray, overwrite: bool = False
) -> np.ndarray | None:
    """`(M + lam I)^{-1} rhs` for every lam (L,), shape (k, L), M (k, k) symmetric, rhs (k,);
    None if some `M + lam I` is not numerically positive definite (m, if it was the
    workspace, then equals M again). With `overwrite`, m is the workspace (`band.workspace`)."""
    a = workspace(m, overwrite)
    k = a.shape[0]
    diag = a.diagonal().copy()
    z = np.empty((k, lams.size), order="F")
    ref, n, one, info = ctypes.byref, ctypes.c_int(k), ctypes.c_int(1), ctypes.c_int(0)
    for j, lam in enumerate(lams):
        if j:
            _restore(a, diag)
        np.fill_diagonal(a, diag + lam)
        _lapack("dpotrf")(b"L", ref(n), a.ctypes.data, ref(n), ref(info))
        if info.value:  # a leading minor is not positive definite
            _restore(a, diag)
            return None
        z[:, j] = rhs
        solve = _lapack("dpotrs")
        solve(b"L", ref(n), ref(one), a.ctypes.data, ref(n), z[:, j].ctypes.data, ref(n), ref(info))
    return z
