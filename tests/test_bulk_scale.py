"""The paper's bulk scale c_W (Cui et al. 2024, Result 3.3) and its conventions: the map
against measured row norms, the lam_scale and w0_rows options, the sRF with a bulk scale."""

from __future__ import annotations

import numpy as np
import pytest

from srfpipe import data, step
from srfpipe.functions import target
from srfpipe.problem import SRF, Problem
from srfpipe.simulation import simulate
from srfpipe.theory.curves import learning_curve
from srfpipe.theory.network_map import network_map

TANH2 = target("tanh", 2.0)


@pytest.mark.parametrize(
    ("rows", "readout_init"), [("gaussian", "rademacher"), ("unit", "constant")]
)
def test_bulk_scale_matches_the_measured_row_norms_at_d2000(rows, readout_init):
    """Mean over neurons of ||w1_i - u_i v||^2 (the map's spike removed) against c_W^2."""
    d, noise, alpha0 = 2000, 0.1, 2.0
    problem = Problem("tanh", TANH2, noise, 1.0, readout_init, alpha0=alpha0, w0_rows=rows)
    theta = data.teacher(0, d)
    x, y = data.sample(0, "step", problem.n0(d), theta, TANH2, noise)
    net = step.init_network(0, d, d, readout_init, "zero", rows)
    for eta in (1.0, 3.0, 6.0):
        w1 = step.gradient_step(net, x, y, eta, problem.sigma)
        beta_vec = step.linear_response(x, y)
        spike, _ = step.first_step_map(net.a, beta_vec, eta=eta, mu1=problem.sigma.mu1, theta=theta)
        bulk = w1 - np.outer(spike.u, spike.v)
        measured = float(np.mean(np.sum(bulk**2, axis=1)))
        c2 = network_map(problem, eta).bulk_scale ** 2
        print(f"{rows} eta={eta}: mean row norm^2 {measured:.5f}, c_W^2 {c2:.5f}")
        assert measured == pytest.approx(c2, rel=0.01)
        assert c2 > 1.0 + 0.05 * eta**2 * 0.1  # the bulk really adds variance


def test_features_convention_is_the_samples_convention_at_lam_beta_over_alpha():
    base = Problem("tanh", TANH2, 0.1, 1.5, alpha0=2.0)
    paper = Problem("tanh", TANH2, 0.1, 1.5, alpha0=2.0, lam_scale="features")
    srf, lam, alphas = SRF(1.2, 0.7, 1.1), 0.05, [0.5, 1.0, 3.0]
    got = learning_curve(paper, srf, lam=[lam], alpha=alphas)["test_error"].values[:, 0]
    for j, alpha in enumerate(alphas):
        ref = learning_curve(base, srf, lam=[lam * 1.5 / alpha], alpha=[alpha])
        assert got[j] == pytest.approx(float(ref["test_error"][0, 0]), rel=1e-10)
    common = dict(d=60, seeds=[0], test_size=300, srf=srf)
    sim = simulate(paper, "srf", alpha=alphas, lam=[lam], **common)["test_error"].values[0, :, 0]
    for j, alpha in enumerate(alphas):
        ref = simulate(base, "srf", alpha=[alpha], lam=[lam * 1.5 / alpha], **common)
        assert sim[j] == pytest.approx(float(ref["test_error"][0, 0, 0]), rel=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("c", [0.8, 1.4])
def test_bulk_scale_theory_against_the_pipeline_simulation(c):
    """`srfpipe simulate --model srf --bulk-scale c` against the theory at d = 1000."""
    problem = Problem("tanh", TANH2, 0.1, 1.5)
    srf = SRF(1.5, 0.8, c)
    alphas, lams = [0.5, 1.0, 2.0, 4.0], [0.05, 0.5]
    sim = simulate(problem, "srf", d=1000, seeds=range(6), alpha=alphas, lam=lams,
                   test_size=4000, srf=srf)  # fmt: skip
    th = learning_curve(problem, srf, lam=lams, alpha=alphas)
    mean, sem = sim["test_error_mean"].values, sim["test_error_sem"].values
    theory = th["test_error"].values
    gap = np.abs(mean - theory)
    print(np.round((mean - theory) / theory * 100, 2), "% ; SE", np.round(sem / theory * 100, 2))
    assert np.all(gap <= np.maximum(0.03 * theory, 3 * sem))
