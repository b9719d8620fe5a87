"""Teacher and Gaussian data, generated block-wise from seeds.

`x ~ N(0, I_d)`, `y = g(theta . x) + sqrt(noise) * xi` with `theta` uniform on the unit
sphere (docs/model.md). Rows of each split are drawn in blocks of `BLOCK` rows, block `k` from
its own stream, so the first `n` rows of a split do not depend on how many rows were
requested: the training sets of a learning curve are nested prefixes of one pool.
"""

from __future__ import annotations

import numpy as np

from srfpipe.functions import Target
from srfpipe.linalg.parallel import for_each
from srfpipe.seeding import stream

BLOCK = 256


def teacher(seed: int, d: int) -> np.ndarray:
    """Unit teacher direction `theta`, shape (d,)."""
    theta = stream(seed, "teacher").standard_normal(d)
    return theta / np.linalg.norm(theta)


def gaussian_rows(seed: int, split: str, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """First `n` rows of split `split`: inputs X (n, d) and standard label noise xi (n,).

    Block k (rows `k*BLOCK ...`) draws `BLOCK * d` inputs, then `BLOCK` noises, from stream
    `(seed, split, k)`; a last partial block keeps its first rows. Blocks are drawn in
    parallel over the job's threads (`srfpipe.linalg.parallel`), with the same numbers."""
    x = np.empty((n, d))
    xi = np.empty(n)

    def block(k: int) -> None:
        start, stop = k * BLOCK, min((k + 1) * BLOCK, n)
        rng = stream(seed, split, k)
        if stop - start == BLOCK:
            rng.standard_normal(out=x[start:stop])
            rng.standard_normal(out=xi[start:stop])
        else:
            x[start:stop] = rng.standard_normal((BLOCK, d))[: stop - start]
            xi[start:stop] = rng.standard_normal(BLOCK)[: stop - start]

    for_each(block, -(-n // BLOCK))
    return x, xi


def labels(
    x: np.ndarray, xi: np.ndarray, theta: np.ndarray, target: Target, noise: float
) -> np.ndarray:
    """`y = g(x @ theta) + sqrt(noise) * xi`, shape (n,)."""
    return target(x @ theta) + np.sqrt(noise) * xi


def sample(
    seed: int, split: str, n: int, theta: np.ndarray, target: Target, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X (n, d) and labels y (n,) of the first `n` rows of `split`."""
    x, xi = gaussian_rows(seed, split, n, theta.shape[0])
    return x, labels(x, xi, theta, target, noise)
