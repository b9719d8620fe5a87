"""The one iterator of the theory: safeguarded Newton on a fixed point `x = F(x)`.

A model (`fixed_point.solve`: one neuron type, `groups.solve_groups`: G types) supplies
its variance map `F` and Jacobian through `VarianceMap`; the iterator never changes. Arrays
carry a leading batch axis B (one entry per point); `x` has shape (B, n).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

Array = np.ndarray

TOL = 1e-11
"""Relative residual below which `x` counts as converged."""
MAX_ITER = 2000


class VarianceMap(Protocol):
    """`F` of a model: increasing, so `x <- F(x)` from `x = 0` rises to the fixed point."""

    def __call__(self, x: Array, jacobian: bool) -> tuple[Array, Array | None]:
        """`F(x)` (B, n) and, if asked, `J = dF/dx` (B, n, n)."""

    def newton_usable(self, newton: Array, jac: Array) -> Array:
        """Where (B,) Newton's point `newton` (B, n) may be tried (it must keep `x` valid)."""


def relative(x: Array, g: Array, scale: Array) -> Array:
    """`max |x - g| / scale` over the last axis, (B,)."""
    return np.max(np.abs(x - g), -1) / scale


def solve_fixed_point(f: VarianceMap, start: Array) -> tuple[Array, Array, Array]:
    """`x` (B, n) with `x = F(x)` from `start`; returns `(x, relative residual, iterations)`.

    Newton's step is taken where the model deems it usable and it lowers the residual
    (relative to `1 + max |x|`); elsewhere the monotone step `x <- F(x)`.
    """
    x = np.array(start, dtype=float)
    iters = np.zeros(x.shape[0], dtype=int)
    eye = np.eye(x.shape[-1])
    for _ in range(MAX_ITER):
        g, jac = f(x, True)
        scale = 1.0 + np.max(np.abs(x), -1)
        rel = relative(x, g, scale)
        active = rel > TOL
        if not np.any(active):
            return x, rel, iters
        iters += active
        newton = x - np.linalg.solve(eye - jac, (x - g)[..., None])[..., 0]
        usable = f.newton_usable(newton, jac)
        trial = np.where(usable[:, None], newton, g)
        with np.errstate(invalid="ignore", divide="ignore"):  # a bad trial is rejected below
            worse = ~(relative(trial, f(trial, False)[0], scale) < rel)
        trial = np.where((usable & worse)[:, None], g, trial)
        x = np.where(active[:, None], trial, x)
    return x, relative(x, f(x, False)[0], 1.0 + np.max(np.abs(x), -1)), iters


def converged(
    rel: Array, radius: Array, *, q_ok: Array, test: Array, train: Array, noise: float
) -> Array:
    """Points (B,) that converged to a stable (`radius` of `J` below 1), physical (`q_ok`:
    second moments >= 0) solution."""
    physical = q_ok & (train >= 0) & (test >= noise - 1e-10)
    return (rel <= 100 * TOL) & (radius < 1.0) & physical & np.isfinite(test) & np.isfinite(train)
