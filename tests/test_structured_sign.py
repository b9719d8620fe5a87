"""The G-type fixed point on a structured bulk (`groups.NodeBulk`, docs/theory.md section 14)."""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pytest
from sampled import network_errors, sampled_blocks

from srfpipe.functions import target
from srfpipe.problem import Problem
from srfpipe.theory.curves import learning_curve, solve_grid
from srfpipe.theory.equivalence import NeuronTypes, group_table
from srfpipe.theory.groups import NodeBulk, solve_groups
from srfpipe.theory.network_map import network_map
from srfpipe.theory.structured import sign_bulk, sign_rows, structured_curve, structured_gap

RELU = Problem(activation="relu", target=target("tanh", 2.0, []), noise=0.1, beta=1.5, alpha0=2.0)


def _errors(bulk: NodeBulk | None, eta: float = 2.0) -> dict:
    net = network_map(RELU, eta)
    types = NeuronTypes(np.full(2, 0.5), np.array([1.0, -1.0]), np.full(2, net.bulk_scale))
    tab = group_table(RELU.sigma, RELU.target, net.r, net.gamma, types)
    solver = partial(solve_groups, tab, RELU.beta, bulk=bulk)
    lam, alpha = np.array([0.05, 0.5]), np.array([0.5, 1.0, 2.0, 4.0])
    return solve_grid(RELU, solver, beta=RELU.beta, lam_arr=lam, alpha_arr=alpha)


@pytest.mark.parametrize("nodes", [1, 3])
def test_isotropic_node_bulk_is_the_group_solver(nodes):
    """Identical nodes with `f = 1` (the isotropic bulk) reproduce `solve_groups` (the
    direction forms, their derivatives and `(beta R_v)^-1 - M` take the node paths)."""
    ref = _errors(None)
    bulk = NodeBulk(np.ones((2, nodes)), np.full(nodes, 1 / nodes), np.full((2, nodes), 1 / nodes))
    got = _errors(bulk)
    for key in ("test_error", "train_error", "q_w", "q_z", "V_w", "V_z"):
        np.testing.assert_allclose(got[key][1], ref[key][1], rtol=1e-10, err_msg=key)


def test_node_resolvent_matches_sampled_matrices():
    """Rows of type g `N(0, U diag(f_g) U^T/d)` (commuting covariances), d = 600: per-type
    traces, `R` and the quadratic forms of `P_g W u` against one sampled matrix; the node
    derivative against central differences of the node resolvent."""
    rng = np.random.default_rng(5)
    d, beta, pi = 600, 1.5, np.array([0.5, 0.5])
    p = int(beta * d)
    x = np.sort(rng.uniform(-1, 1, d))
    f = np.array([(1 + 0.8 * x) ** 2 + 0.2, (1 - 0.8 * x) ** 2 + 0.2])
    f /= f.mean(1, keepdims=True)
    basis = np.linalg.qr(rng.standard_normal((d, d)))[0]
    u = basis @ (np.exp(2 * x) * rng.standard_normal(d))  # a direction leaning to the top
    u /= np.linalg.norm(u)
    bulk = NodeBulk(f, np.full(d, 1 / d), np.stack([(basis.T @ u) ** 2] * 2))
    m, dd = np.array([[0.3, 0.1], [0.1, 0.2]]), np.array([0.1, 0.15])
    q, r, rk = bulk.resolvent(m[None], dd[None], pi, beta)
    types = np.repeat([0, 1], p // 2)
    w = rng.standard_normal((p, d)) / np.sqrt(d) * np.sqrt(f[types]) @ basis.T
    s = sampled_blocks(w, types, m, dd, u, beta)
    forms = bulk.forms(rk, q, m[None], pi, beta)[0, 0]
    print("q", q[0], s.q, "\nR", r[0], "\n", np.array(s.r), "\nforms", forms, "\n", s.forms)
    np.testing.assert_allclose(q[0], s.q, rtol=0.01)
    np.testing.assert_allclose(r[0], s.r, atol=0.01 * np.abs(r).max())
    np.testing.assert_allclose(forms, s.forms, atol=0.1 * np.abs(forms).max())
    dm = np.array([[0.3, -0.2], [-0.2, 0.1]])
    ddir = np.array([0.05, -0.1])
    dy, dr, dforms = bulk.derivative(
        q, m[None], pi=pi, beta=beta, dm=dm[None, None], dd=ddir[None, None]
    )
    h = 1e-6
    plus = bulk.resolvent((m + h * dm)[None], (dd + h * ddir)[None], pi, beta)
    minus = bulk.resolvent((m - h * dm)[None], (dd - h * ddir)[None], pi, beta)
    np.testing.assert_allclose(dy[0, 0], pi * (plus[0] - minus[0])[0] / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(dr[0, 0], (plus[1] - minus[1])[0] / (2 * h), rtol=1e-6, atol=1e-9)
    fd = (
        bulk.forms(plus[2], plus[0], (m + h * dm)[None], pi, beta)
        - bulk.forms(minus[2], minus[0], (m - h * dm)[None], pi, beta)
    )[0] / (2 * h)
    np.testing.assert_allclose(dforms[0, 0], fd, rtol=1e-6, atol=1e-9)
    # a rank-one extra variance along u: forms against the sampled matrix, derivative vs FD
    spiked = dataclasses.replace(bulk, spikes=np.array([[0.8, 1.2], [0.0, 0.0]]))
    q2, _, rk2 = spiked.resolvent(m[None], dd[None], pi, beta)
    w2 = w + rng.standard_normal((p, 1)) * np.sqrt(spiked.spikes[0][types] / d)[:, None] * u
    quad2 = sampled_blocks(w2, types, m, dd, u, beta).forms
    forms2 = spiked.forms(rk2, q2, m[None], pi, beta)[0, 0]
    print("spiked forms", forms2, "\n", np.array(quad2))
    np.testing.assert_allclose(forms2, quad2, atol=0.1 * np.abs(forms2).max())
    _, _, dforms2 = spiked.derivative(
        q2, m[None], pi=pi, beta=beta, dm=dm[None, None], dd=ddir[None, None]
    )
    plus = spiked.resolvent((m + h * dm)[None], (dd + h * ddir)[None], pi, beta)
    minus = spiked.resolvent((m - h * dm)[None], (dd - h * ddir)[None], pi, beta)
    fd = (
        spiked.forms(plus[2], plus[0], (m + h * dm)[None], pi, beta)
        - spiked.forms(minus[2], minus[0], (m - h * dm)[None], pi, beta)
    )[0] / (2 * h)
    np.testing.assert_allclose(dforms2[0, 0], fd, rtol=1e-6, atol=1e-9)


def test_sign_bulk_traces_and_direction_masses():
    """The node measure of `Kt` carries the per-sign traces of `sign_rows` (1e-3: grid
    quadrature) and unit masses for `v` and `theta_perp` (before normalisation: no weight
    outside the grid's bound)."""
    for eta in (1.0, 3.0):
        bulk, scales, row_var = sign_bulk(RELU, eta)
        np.testing.assert_allclose(scales**2, sign_rows(RELU, eta).scale2, rtol=1e-3)
        np.testing.assert_allclose(bulk.f @ bulk.rho, 1.0, rtol=1e-12)
        assert row_var > 2.0  # Gaussian rows, stretched: 2 d tr S^2 > 2


def test_structured_gap_for_non_odd_sigma():
    """ReLU: covered with the +-1 readout and Gaussian rows; refused otherwise, naming it."""
    assert structured_gap(RELU) is None
    gap = structured_gap(dataclasses.replace(RELU, readout_init="constant"))
    assert gap is not None and gap.startswith("readout_init=")
    gap = structured_gap(dataclasses.replace(RELU, w0_rows="unit"))
    assert gap is not None and gap.startswith("w0_rows=")
    with pytest.raises(ValueError, match="terms"):
        structured_curve(RELU, 1.0, lam=[0.1], alpha=[1.0], terms=("projections",))
    with pytest.raises(ValueError, match="eta"):
        structured_curve(RELU, -1.0, lam=[0.1], alpha=[1.0])


@pytest.mark.slow
def test_relu_structured_theory_against_network_simulations():
    """ReLU, +-1 readout, alpha0 = 2, eta = 3 (isotropic gap 4-5% at lam = 0.5), d = 1000,
    8 seeds: the structured theory within max(2%, 3 SE) of the network, the isotropic not."""
    alpha, lam = [0.5, 2.0], [0.5]
    mean, se = network_errors(RELU, 3.0, alpha=alpha, lam=lam)
    st = structured_curve(RELU, 3.0, lam=lam, alpha=alpha).test_error.values
    iso = learning_curve(RELU, network_map(RELU, 3.0).srf, lam=lam, alpha=alpha).test_error.values
    print("network", mean.ravel(), "+-", se.ravel(), "structured", st.ravel(), "iso", iso.ravel())
    assert np.all(np.abs(mean - st) / st <= np.maximum(0.02, 3 * se / st))
    assert np.all(np.abs(mean - iso) / iso > np.maximum(0.02, 3 * se / iso))
