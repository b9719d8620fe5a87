"""scipy's BLAS/LAPACK called without the GIL, and blocks of Householder reflectors.

scipy's f2py wrappers hold the GIL for the whole call, so a second Python thread cannot
run anything meanwhile. scipy also publishes its LAPACK and BLAS as C APIs for Cython
(`scipy.linalg.cython_lapack`, `cython_blas`: the same library); `c_function` calls them
through `ctypes`, which releases the GIL around foreign calls. `srfpipe.linalg.band` uses
it and the reflector blocks (`block_factor`, `unit_lower`, `apply_block`, as LAPACK's
larft/larfb) for its panel updates.
"""

from __future__ import annotations

import ctypes
from types import ModuleType
from typing import Any

import numpy as np

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
