"""scipy's LAPACK and BLAS called without the GIL; Householder tridiagonalisation.

scipy's f2py wrappers hold the GIL for the whole call, so a second Python thread cannot
run anything meanwhile. scipy also publishes its LAPACK and BLAS as C APIs for Cython
(`scipy.linalg.cython_lapack`, `cython_blas`: the same library); `c_function` calls them
through `ctypes`, which releases the GIL around foreign calls. `sytrd` (same routine and
numbers as `scipy.linalg.lapack.dsytrd`) then lets two partial eigensolves run on two
threads (`top_eigenpairs`, the spike diagnostics); `srfpipe.band` uses `c_function` and
`block_factor` for its updates.
"""

from __future__ import annotations

import ctypes
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
from scipy import linalg
from scipy.linalg import cython_lapack, lapack

BLOCK_REFLECTORS = 64

INT = ctypes.POINTER(ctypes.c_int)
PTR = ctypes.c_void_p


def c_function(module: ModuleType, name: str, *argtypes: Any) -> ctypes._CFuncPtr:
    """`name` of scipy's Cython BLAS/LAPACK `module` as a ctypes function returning void
    (ctypes releases the GIL while it runs)."""
    capsule = module.__pyx_capi__[name]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = PTR, [ctypes.py_object, ctypes.c_char_p]
    address = get_pointer(capsule, get_name(capsule))
    return ctypes.CFUNCTYPE(None, *argtypes)(address)


@cache
def _dsytrd() -> ctypes._CFuncPtr:
    """`dsytrd(uplo, n, a, lda, d, e, tau, work, lwork, info)`."""
    return c_function(cython_lapack, "dsytrd", ctypes.c_char_p, INT, PTR, INT, *[PTR] * 4, INT, INT)


def sytrd(
    m: np.ndarray, overwrite: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`M = Q T Q^T` for M (k, k) symmetric, k >= 2, reading its upper triangle.

    Returns `(refl, diag, off, tau)`: T's diagonal (k,) and off-diagonal (k-1,), and Q as
    LAPACK stores it (`Q = H(0) ... H(k-2)`, `H(i) = I - tau_i v_i v_i^T`, `v_i` in
    `refl[i+1:, i]` with its leading 1 written in; `refl` is not zero above). With
    `overwrite`, a C-contiguous float64 `m` becomes `refl` (no copy). Uses the calling
    thread's BLAS; the GIL is released during the reduction.
    """
    k = m.shape[0]
    # M's upper triangle is the lower one of M^T, which is Fortran-ordered
    in_place = overwrite and m.flags.c_contiguous and m.flags.writeable and m.dtype == float
    a = m.T if in_place else np.array(m.T, order="F", dtype=float)
    diag, off, tau = np.empty(k), np.empty(k - 1), np.empty(k - 1)
    lwork = max(int(lapack.dsytrd_lwork(k, lower=1)[0]), 1)
    work = np.empty(lwork)
    info = ctypes.c_int(0)
    n, lda, lw = ctypes.c_int(k), ctypes.c_int(k), ctypes.c_int(lwork)
    _dsytrd()(
        b"L",
        ctypes.byref(n),
        a.ctypes.data,
        ctypes.byref(lda),
        diag.ctypes.data,
        off.ctypes.data,
        tau.ctypes.data,
        work.ctypes.data,
        ctypes.byref(lw),
        ctypes.byref(info),
    )
    if info.value != 0:
        raise RuntimeError(f"LAPACK dsytrd failed with info={info.value}")
    idx = np.arange(k - 1)
    a[idx + 1, idx] = 1.0
    return a, diag, off, tau


def block_factor(v: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """T (nb, nb) upper triangular with `H(0) ... H(nb-1) = I - V T V^T` (LAPACK larft,
    forward, columnwise), `H(i) = I - tau_i v_i v_i^T`, V (m, nb) unit lower trapezoidal."""
    nb = tau.size
    vtv = v.T @ v
    t = np.zeros((nb, nb))
    for j in range(nb):
        t[:j, j] = -tau[j] * (t[:j, :j] @ vtv[:j, j])
        t[j, j] = tau[j]
    return t


def unit_lower(panel: np.ndarray, nb: int) -> np.ndarray:
    """V (m, nb) unit lower trapezoidal from the first `nb` columns of `panel` (m, >= nb) as
    LAPACK stores reflectors (below the diagonal; the diagonal and above are ignored)."""
    v = np.tril(panel[:, :nb], -1)
    v[np.arange(nb), np.arange(nb)] = 1.0
    return v


def apply_block(z: np.ndarray, v: np.ndarray, t: np.ndarray, transpose: bool) -> None:
    """`z <- (I - V T V^T) z` (or with `T^T`) in place, z (m, q), V (m, nb)."""
    z -= v @ ((t.T if transpose else t) @ (v.T @ z))


def apply_q(refl: np.ndarray, tau: np.ndarray, z: np.ndarray, transpose: bool) -> None:
    """`z <- Q z` (or `Q^T z`) in place, z (k, m), Q from `sytrd`, in blocks of
    `BLOCK_REFLECTORS` reflectors (BLAS-3, as LAPACK's ormtr)."""
    k = refl.shape[0]
    starts = list(range(0, k - 1, BLOCK_REFLECTORS))
    for j0 in starts if transpose else reversed(starts):
        j1 = min(j0 + BLOCK_REFLECTORS, k - 1)
        v = np.tril(refl[j0 + 1 :, j0:j1])
        apply_block(z[j0 + 1 :], v, block_factor(v, tau[j0:j1]), transpose)


def top_eigenpairs(m: np.ndarray, k: int, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The `k` largest eigenvalues (k,), descending, and their eigenvectors (n, k) of M
    (n, n) symmetric, 1 <= k < n: `sytrd`, then bisection and inverse iteration on T
    (`scipy.linalg.eigh_tridiagonal`), then `apply_q`. As `sytrd`, uses the calling
    thread's BLAS and releases the GIL for the reduction."""
    n = m.shape[0]
    refl, diag, off, tau = sytrd(m, overwrite)
    vals, vecs = linalg.eigh_tridiagonal(
        diag, off, select="i", select_range=(n - k, n - 1), check_finite=False
    )
    vecs = np.ascontiguousarray(vecs[:, ::-1])
    apply_q(refl, tau, vecs, transpose=False)
    return vals[::-1], vecs
