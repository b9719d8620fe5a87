"""The leading-order map from one giant gradient step to sRF parameters (MODEL.md)."""

from __future__ import annotations

from math import sqrt

from srfpipe.functions import Activation, Target


def network_map(
    eta: float, alpha0: float, activation: Activation, target: Target, noise: float
) -> tuple[float, float]:
    """`(r, gamma)` of the sRF matched to a step with learning rate `eta`, batch `alpha0 d`.

    `||beta_vec||^2 -> c1^2 + (E g^2 + Delta)/alpha0`, `gamma = c1/||beta_vec||`,
    `r = eta mu1 ||beta_vec||`; `gamma` is taken `>= 0` (sign of `v` fixed by `v.theta >= 0`).
    """
    if not (eta >= 0 and eta < float("inf")):
        raise ValueError(f"eta: must be a finite number >= 0, got {eta}")
    if not (alpha0 > 0 and alpha0 < float("inf")):
        raise ValueError(f"alpha0: must be a finite number > 0, got {alpha0}")
    if not (noise >= 0 and noise < float("inf")):
        raise ValueError(f"noise: must be a finite number >= 0, got {noise}")
    c1 = target.c1
    norm = sqrt(c1**2 + (target.second_moment + noise) / alpha0)
    if norm == 0.0:
        return 0.0, 0.0
    return abs(eta * activation.mu1 * norm), abs(c1) / norm
