"""The two-layer network, its one giant gradient step, and the spiked-random-features builds.

Conventions (docs/model.md): `f(x) = (1/sqrt(p)) sum_i a_i sigma(w_i . x)`, `W0` iid `N(0, 1/d)`
(shape (p, d)), the step on `n0` samples with learning rate `eta * sqrt(p)`:
`W1 = W0 + eta * diag(a) * (1/n0) * sum_mu (y_mu - f0(x_mu)) sigma'(W0 x_mu) x_mu^T`.
An sRF is `F = W0 + u v^T` (u: (p,), v: (d,) unit), built from a step by the map
(empirical, `first_step_map`; its large-d limit is `srfpipe.theory.network_map`) or by
extraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from srfpipe.functions import Activation
from srfpipe.linalg.parallel import by_rows, matmul, top_singular
from srfpipe.seeding import stream


@dataclass(frozen=True)
class Network:
    """First layer `w` (p, d), second layer `a` (p,); `symmetric` marks the paired init."""

    w: np.ndarray
    a: np.ndarray
    symmetric: bool = False


def init_network(
    seed: int, d: int, p: int, readout_init: str, init_output: str, w0_rows: str = "gaussian"
) -> Network:
    """`W0` iid N(0, 1/d) and the readout `a` (docs/model.md), from stream `init` of `seed`.

    `w0_rows="unit"` renormalises the rows of that `W0` to unit norm (the paper's code).
    `init_output="symmetric"` (p even) copies rows `1..p/2` into `p/2+1..p` and negates `a`
    there, so that the output at initialisation is exactly zero.
    """
    symmetric = init_output == "symmetric"
    if symmetric and p % 2:
        raise ValueError(f"init_output='symmetric' needs an even width p, got p={p}")
    rng = stream(seed, "init")
    rows = p // 2 if symmetric else p
    w = rng.standard_normal((rows, d)) / np.sqrt(d)
    if w0_rows == "unit":
        w /= np.linalg.norm(w, axis=1, keepdims=True)
    if readout_init == "rademacher":
        a = rng.choice(np.array([-1.0, 1.0]), size=rows)
    elif readout_init == "gaussian":
        a = rng.standard_normal(rows)
    else:
        a = np.ones(rows)
    if symmetric:
        w, a = np.concatenate([w, w]), np.concatenate([a, -a])
    return Network(w=w, a=a, symmetric=symmetric)


def forward(net: Network, x: np.ndarray, act: Activation) -> np.ndarray:
    """Network output `f(x)`, shape (n,), for inputs x (n, d)."""
    p = net.a.shape[0]
    if net.symmetric:  # pairs (w, a), (w, -a): the two halves cancel exactly
        h = p // 2
        half = matmul(act(matmul(x, net.w[:h].T)), net.a[:h])
        return (half - half) / np.sqrt(p)
    return matmul(act(matmul(x, net.w.T)), net.a) / np.sqrt(p)


def gradient_direction(
    net: Network, x: np.ndarray, res: np.ndarray, act: Activation, *, dtype: np.dtype | type
) -> np.ndarray:
    """`G = sum_mu res_mu sigma'(W x_mu) x_mu^T`, shape (p, d), in `dtype`, on the batch
    x (n0, d) with residuals `res` (n0,): the step's direction, which the step size does not
    enter (`apply_step`). Both products and sigma' run in `dtype` (float32 halves their cost)."""
    res = res.astype(dtype)
    xs = x.astype(dtype, copy=False)
    pre = matmul(xs, net.w.astype(dtype, copy=False).T)  # (n0, p)

    def scaled_rows(r: slice) -> np.ndarray:
        out = act.deriv(pre[r])
        out *= res[r, None]
        return out

    scaled = by_rows(scaled_rows, pre.shape, dtype)  # (n0, p)
    return matmul(scaled.T, xs)


def apply_step(net: Network, direction: np.ndarray, eta: float, n0: int) -> np.ndarray:
    """`W1 = W + (eta / n0) diag(a) G` (p, d), float64, for the direction `G` of a batch of
    n0 samples (`gradient_direction`): a step of size `eta * sqrt(p)` (docs/model.md)."""
    return net.w + (eta / n0) * net.a[:, None] * direction


def gradient_step(
    net: Network,
    x: np.ndarray,
    res: np.ndarray,
    eta: float,
    act: Activation,
    *,
    dtype: np.dtype | type = np.float64,
) -> np.ndarray:
    """`W1` (p, d), float64, after one step of size `eta * sqrt(p)` on the batch x (n0, d) with
    residuals `res` (n0,) (`y - f(x)`), its direction computed in `dtype`."""
    return apply_step(net, gradient_direction(net, x, res, act, dtype=dtype), eta, x.shape[0])


def residual(
    net: Network, x: np.ndarray, y: np.ndarray, act: Activation, init_output: str
) -> np.ndarray:
    """The step's residual on a batch (n0,): `y` for `init_output: zero` (`f = 0` in the
    step, docs/model.md), else `y - f(x)` of the network `net`."""
    return y if init_output == "zero" else y - forward(net, x, act)


def take_steps(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    eta: float,
    act: Activation,
    init_output: str,
    *,
    steps: int = 1,
    dtype: np.dtype | type = np.float64,
) -> np.ndarray:
    """The first layer after `steps` giant steps, step k on rows `k n0 ... (k+1) n0 - 1` of
    x (steps n0, d), y: each a fresh batch, `a` fixed, the residual that of the current
    network (`residual`; `symmetric`: exactly 0 at init, not after a step)."""
    n0 = x.shape[0] // steps
    current = net
    for k in range(steps):
        rows = slice(k * n0, (k + 1) * n0)
        res = residual(current, x[rows], y[rows], act, init_output)
        current = Network(gradient_step(current, x[rows], res, eta, act, dtype=dtype), net.a)
    return current.w


@dataclass(frozen=True)
class Spike:
    """A rank-one spike `u v^T` (u: (p,), v: (d,) unit with `v . theta >= 0`)."""

    u: np.ndarray
    v: np.ndarray

    def overlap(self, theta: np.ndarray) -> float:
        """`gamma = v . theta`."""
        return float(self.v @ theta)

    def strength(self) -> float:
        """`r = ||u|| / sqrt(p)` (equals r when `u = r a` with a of norm sqrt(p))."""
        return float(np.linalg.norm(self.u) / np.sqrt(self.u.shape[0]))


def linear_response(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`beta_vec = (1/n0) sum_mu y_mu x_mu`, shape (d,)."""
    return matmul(x.T, y) / x.shape[0]


def first_step_map(
    a: np.ndarray, beta_vec: np.ndarray, *, eta: float, mu1: float, theta: np.ndarray
) -> tuple[Spike, float]:
    """The theory map's sRF (docs/model.md, map 1) of the first step's batch, from its
    `beta_vec = linear_response` (d,): `v = beta_vec/||beta_vec||` (sign with
    `v . theta >= 0`), `u = eta mu1 ||beta_vec|| a`; and `||beta_vec||`."""
    norm = float(np.linalg.norm(beta_vec))
    v = beta_vec / norm
    sign = 1.0 if v @ theta >= 0 else -1.0
    return Spike(u=sign * eta * mu1 * norm * a, v=sign * v), norm


def spike_from_step(delta: np.ndarray, theta: np.ndarray) -> Spike:
    """Extracted sRF (docs/model.md 2): `v` top right singular vector of `delta = W1 - W0`
    (sign with `v . theta >= 0`) and `u = delta v`; a zero `delta` gives `u = 0, v = 0`."""
    if not np.any(delta):
        return Spike(u=np.zeros(delta.shape[0]), v=np.zeros(delta.shape[1]))
    return spike_along(delta, top_singular(delta, 1)[2][:, 0], theta)


def spike_along(delta: np.ndarray, v: np.ndarray, theta: np.ndarray) -> Spike:
    """Spike of `delta` (p, d) along the unit direction v (d,): sign flipped so that
    `v . theta >= 0`, and `u = delta v` (p,)."""
    if v @ theta < 0:
        v = -v
    return Spike(u=delta @ v, v=v)


def spike_with_overlap(
    a: np.ndarray, r: float, gamma: float, theta: np.ndarray, seed: int
) -> Spike:
    """sRF with prescribed `(r, gamma)`: `u = r a`, `v = gamma theta + sqrt(1-gamma^2) e`,
    `e` a unit vector orthogonal to theta from stream `spike` of `seed`."""
    e = stream(seed, "spike").standard_normal(theta.shape[0])
    e -= (e @ theta) * theta
    e /= np.linalg.norm(e)
    return Spike(u=r * a, v=gamma * theta + np.sqrt(1.0 - gamma**2) * e)
