"""Symmetric band reduction `M = Q B Q^T` with matrix-matrix (BLAS-3) updates.

LAPACK's tridiagonalisation (sytrd) spends half its flops in memory-bound matrix-vector
products; reducing to a band of width `b` (the first stage of LAPACK's two-stage eigensolvers)
takes thin panel QRs and BLAS-3 updates (`symm`, `syr2k`): the same `4 k^3 / 3` flops at
matrix-multiply speed. The ridge path needs no tridiagonal: `(M + lam I)^{-1} r =
Q (B + lam I)^{-1} Q^T r` is one banded Cholesky solve, `O(k b^2)`, per lambda.

`symm` and `syr2k` work in place on sub-blocks, which numpy cannot do: they are called from
scipy's C BLAS (`scipy.linalg.cython_blas`) through `ctypes` (`c_function`), which releases
the GIL (scipy's f2py wrappers hold it). Block reflectors as LAPACK's larft/larfb.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
from scipy import linalg

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


BAND = 64
"""Band width `b`: panel QRs and solves cost O(k b^2), the updates run at GEMM speed."""


@cache
def _blas(name: str) -> ctypes._CFuncPtr:
    """`name(c1, c2, m, n, alpha, a, lda, b, ldb, beta, c, ldc)` (dsymm, dsyr2k)."""
    from scipy.linalg import cython_blas

    dbl = ctypes.POINTER(ctypes.c_double)
    char = ctypes.c_char_p
    args = (char, char, INT, INT, dbl, PTR, INT, PTR, INT, dbl, PTR, INT)
    return c_function(cython_blas, name, *args)


def _call(
    name: str,
    c1: bytes,
    c2: bytes,
    m: int,
    n: int,
    *,
    alpha: float,
    a: np.ndarray,
    b: np.ndarray,
    beta: float,
    c: np.ndarray,
) -> None:
    """BLAS `name` on Fortran-strided float64 operands (column stride = leading dimension)."""

    def ld(x: np.ndarray) -> Any:
        if x.dtype != np.float64 or x.strides[0] != 8:
            raise ValueError("BLAS operands must be Fortran-strided float64 arrays")
        return ctypes.byref(ctypes.c_int(max(x.strides[1] // 8, x.shape[0], 1)))

    def ref(v: float | int, kind: Any) -> Any:
        return ctypes.byref(kind(v))

    _blas(name)(
        c1, c2, ref(m, ctypes.c_int), ref(n, ctypes.c_int), ref(alpha, ctypes.c_double),
        a.ctypes.data, ld(a), b.ctypes.data, ld(b), ref(beta, ctypes.c_double),
        c.ctypes.data, ld(c),
    )  # fmt: skip


@dataclass(frozen=True)
class BandForm:
    """`M = Q B Q^T`: B (k, k) symmetric with lower bandwidth `b`, stored as `band` (b+1, k)
    (`band[i, j] = B[j+i, j]`, LAPACK's lower band storage). Q is the product of block
    reflectors `I - V_j T_j V_j^T` acting on rows `r0 = j + b ..`, for the panels
    j = 0, b, 2b, ...: V_j (unit lower trapezoidal) is stored below the band in columns
    j.. of `work` (k, k) as LAPACK geqrf leaves it, T_j (upper triangular) in `factors`."""

    band: np.ndarray
    work: np.ndarray
    factors: list[np.ndarray]

    def apply_q(self, z: np.ndarray, transpose: bool) -> None:
        """`z <- Q z` (or `Q^T z`) in place, z (k, m)."""
        b = self.band.shape[0] - 1
        panels = range(len(self.factors))
        for i in panels if transpose else reversed(panels):
            j, t = i * b, self.factors[i]
            v = unit_lower(self.work[j + b :, j:], t.shape[0])
            apply_block(z[j + b :], v, t, transpose)


def workspace(m: np.ndarray, overwrite: bool) -> np.ndarray:
    """A Fortran-ordered float64 array equal to M (k, k) symmetric: with `overwrite`, a C- or
    Fortran-contiguous writeable float64 `m` itself (M^T = M: no k x k copy), else a copy."""
    own = overwrite and m.dtype == np.float64 and m.flags.writeable
    if own and (m.flags.c_contiguous or m.flags.f_contiguous):
        return m.T if m.flags.c_contiguous else m
    return np.array(m, dtype=float, order="F")


def reduce(m: np.ndarray, overwrite: bool = False, width: int = BAND) -> BandForm:
    """Band form of M (k, k) symmetric (the lower triangle of `workspace(m)` is read); with
    `overwrite` it works in m's memory (`workspace`; its content is lost)."""
    k = m.shape[0]
    b = max(1, min(width, k - 1))
    a = workspace(m, overwrite)
    factors: list[np.ndarray] = []
    for j in range(0, k - b - 1, b):
        r0 = j + b  # reflect rows r0.. to zero the panel a[r0:, j:j+b] below its top b x b
        (qr, tau), _ = linalg.qr(a[r0:, j : j + b], mode="raw", check_finite=False)
        nb = tau.size
        a[r0:, j : j + b] = qr  # R on and above its diagonal (in the band), V below
        v = np.asfortranarray(unit_lower(qr, nb))
        t = block_factor(v, tau)
        # A22 <- H^T A22 H, H = I - V T V^T, on the lower triangle: X = A22 V T,
        # W = X - V (T^T V^T X) / 2, A22 <- A22 - V W^T - W V^T
        a22 = a[r0:, r0:]
        x = np.empty((k - r0, nb), order="F")
        _call("dsymm", b"L", b"L", k - r0, nb, alpha=1.0, a=a22, b=v, beta=0.0, c=x)
        x = x @ t
        w = np.asfortranarray(x - 0.5 * (v @ (t.T @ (v.T @ x))))
        _call("dsyr2k", b"L", b"N", k - r0, nb, alpha=-1.0, a=v, b=w, beta=1.0, c=a22)
        factors.append(t)
    band = np.zeros((b + 1, k))
    for i in range(b + 1):
        band[i, : k - i] = np.diagonal(a, -i)
    return BandForm(band, a, factors)


def shifted_solves(
    m: np.ndarray, rhs: np.ndarray, lams: np.ndarray, overwrite: bool = False
) -> np.ndarray:
    """`(M + lam I)^{-1} rhs` for every lam (L,), shape (k, L); M (k, k) symmetric PSD, rhs
    (k,). Eigenvalues that round-off pushed below zero count as zero: if some `B + lam I`
    is not positive definite, B is diagonalised instead and its eigenvalues clamped."""
    form = reduce(m, overwrite)
    c = np.array(rhs, dtype=float)[:, None]
    form.apply_q(c, transpose=True)
    z = np.empty((m.shape[0], lams.size))
    for j, lam in enumerate(lams):
        shifted = form.band.copy()
        shifted[0] += lam
        try:
            z[:, j] = linalg.solveh_banded(
                shifted, c[:, 0], lower=True, overwrite_ab=True, check_finite=False
            )
        except linalg.LinAlgError:  # round-off made B + lam I indefinite
            z = _clamped_solves(form.band, c[:, 0], lams)
            break
    form.apply_q(z, transpose=False)
    return z


def _clamped_solves(band: np.ndarray, c: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """`(B + lam I)^{-1} c` (k, L) from B's eigendecomposition, eigenvalues clamped at 0."""
    s, u = linalg.eig_banded(band, lower=True, check_finite=False)
    s = np.maximum(s, 0.0)
    return u @ ((u.T @ c)[:, None] / (s[:, None] + lams[None, :]))
