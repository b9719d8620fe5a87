"""The network map: the large-d sRF of one giant step (docs/model.md), `(eta, alpha0) ->
(r, gamma, c_W)` from the Gaussian constants of the activation and the target."""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

from srfpipe.problem import SRF, Problem


@dataclass(frozen=True)
class NetworkMap:
    """Large-d limit of the theory-map sRF of a step (docs/model.md): `||beta_vec||`, `r`,
    `gamma`, and the bulk's variance per unit `a_i^2`, `bulk_slope`, so that neuron `i` has
    the bulk scale `c_i = sqrt(1 + bulk_slope a_i^2)` (`c_W` for `a_i = +-1`)."""

    beta_norm: float
    r: float
    gamma: float
    bulk_slope: float
    per_neuron: bool = False  # Gaussian readout: the bulk scales differ between neurons

    @property
    def bulk_scale(self) -> float:
        """`c_W = sqrt(1 + bulk_slope)`: the bulk scale of neurons with `a_i^2 = 1`."""
        return sqrt(1.0 + self.bulk_slope)

    @property
    def srf(self) -> SRF:
        """The paper's sRF `c_W W0 + u v^T` (Cui et al. 2024, Result 3.3); with a Gaussian
        readout `diag(c) W0 + u v^T`, `c_i^2 = 1 + bulk_slope a_i^2`."""
        if self.per_neuron:
            return SRF(self.r, self.gamma, 1.0, self.bulk_slope)
        return SRF(self.r, self.gamma, self.bulk_scale)


def network_map(problem: Problem, eta: float) -> NetworkMap:
    """The map of docs/model.md for a step of size `eta` on `alpha0 d` samples:
    `||beta_vec||^2 -> c1^2 + E[y^2]/alpha0`, `gamma = |c1|/||beta_vec||`,
    `r = eta mu1 ||beta_vec||` (`v` oriented so that `v.theta >= 0`), and
    `c_W^2 = 1 + eta^2 E[y^2] E[(sigma' - mu1)^2] / alpha0`, `E[y^2] = E g^2 + Delta`."""
    if problem.alpha0 is None:
        raise ValueError("alpha0: the network map needs the step batch ratio alpha0")
    g, sigma = problem.target, problem.sigma
    y2 = g.second_moment + problem.noise
    slope = eta**2 * y2 * sigma.deriv_variance / problem.alpha0
    norm = sqrt(g.c1**2 + y2 / problem.alpha0)
    per_neuron = problem.readout_init == "gaussian"
    if norm == 0.0:
        return NetworkMap(0.0, 0.0, 0.0, slope, per_neuron)
    return NetworkMap(norm, abs(eta * sigma.mu1 * norm), abs(g.c1) / norm, slope, per_neuron)
