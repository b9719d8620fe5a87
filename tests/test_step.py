"""The giant step against finite differences, init variants, spikes and the theory map."""

import numpy as np
import pytest

from srfpipe import step
from srfpipe.functions import activation, target
from srfpipe.linalg.parallel import top_singular
from srfpipe.problem import Problem
from srfpipe.theory.network_map import network_map

ACT = activation("tanh")


def _problem(d=6, p=5, n0=9, init_output="full", readout_init="rademacher"):
    net = step.init_network(0, d, p, readout_init, init_output)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n0, d))
    return net, x, np.tanh(x[:, 0]) + 0.1 * rng.standard_normal(n0)


def _loss(w, a, x, y):
    """`L(W) = (1/(2 n0)) sum (y - f(x))^2` of a non-symmetric network."""
    return 0.5 * float(np.mean(np.square(y - ACT(x @ w.T) @ a / np.sqrt(a.shape[0]))))


def test_step_is_minus_eta_sqrt_p_times_finite_difference_gradient():
    net, x, y = _problem()
    eta, p, h = 0.7, net.a.shape[0], 1e-6
    grad = np.zeros_like(net.w)
    for idx in np.ndindex(*net.w.shape):
        wp, wm = net.w.copy(), net.w.copy()
        wp[idx] += h
        wm[idx] -= h
        grad[idx] = (_loss(wp, net.a, x, y) - _loss(wm, net.a, x, y)) / (2 * h)
    w1 = step.gradient_step(net, x, y - step.forward(net, x, ACT), eta, ACT)
    np.testing.assert_allclose(w1 - net.w, -eta * np.sqrt(p) * grad, rtol=1e-6, atol=1e-10)


def test_zero_init_output_uses_the_labels_as_residual():
    net, x, y = _problem()
    f0 = step.forward(net, x, ACT)
    w_zero = step.take_steps(net, x, y, 1.3, ACT, "zero")
    w_full = step.take_steps(net, x, y + f0, 1.3, ACT, "full")
    np.testing.assert_allclose(w_zero, w_full, rtol=1e-12, atol=1e-14)


def test_symmetric_init_has_exactly_zero_output():
    net = step.init_network(3, 40, 30, "gaussian", "symmetric")
    x = np.random.default_rng(0).standard_normal((500, 40))
    assert np.array_equal(net.w[:15], net.w[15:]) and np.array_equal(net.a[:15], -net.a[15:])
    assert np.all(step.forward(net, x, ACT) == 0.0)
    with pytest.raises(ValueError, match="even width"):
        step.init_network(3, 40, 31, "rademacher", "symmetric")


def test_eta_zero_leaves_w0_unchanged():
    net, x, y = _problem()
    assert np.array_equal(step.gradient_step(net, x, y, 0.0, ACT), net.w)


def test_readout_inits():
    for kind, check in [
        ("rademacher", lambda a: set(np.unique(a)) == {-1.0, 1.0}),
        ("constant", lambda a: np.all(a == 1.0)),
        ("gaussian", lambda a: abs(a.std() - 1) < 0.1),
    ]:
        assert check(step.init_network(1, 10, 400, kind, "zero").a), kind


def _step_params(d, beta, alpha0, g, noise):
    return {
        "d": d,
        "p": round(beta * d),
        "n0": round(alpha0 * d),
        "noise": noise,
        "target": {"name": g.name, "scale": g.scale, "coefficients": list(g.coefficients)},
        "activation": "tanh",
        "readout_init": "rademacher",
        "init_output": "zero",
        "precision": "float64",
    }


def test_top_singular_value_separates_for_positive_eta():
    from srfpipe import data

    d, p, n0 = 200, 300, 600
    g = target("tanh", 2.0)
    theta = data.teacher(0, d)
    x, y = data.sample(0, "step", n0, theta, g, 0.0)
    net = step.init_network(0, d, p, "rademacher", "zero")
    bulk_edge = 1 + np.sqrt(p / d)
    for eta in (0.5, 2.0):
        w1 = step.gradient_step(net, x, y, eta, ACT)
        s_delta = top_singular(w1 - net.w, 3)[1]
        s_w1 = top_singular(w1, 3)[1]
        print(
            f"eta={eta}: s(W1-W0)={s_delta.round(3)}, s(W1)={s_w1.round(3)}, edge {bulk_edge:.3f}"
        )
        assert s_delta[0] > 5 * s_delta[1]
        assert s_w1[0] > 1.5 * bulk_edge and s_w1[1] < 1.1 * bulk_edge


def test_theory_map_matches_measured_spike_at_d2000():
    """||beta_vec|| and the overlap of the extracted spike vs their d -> inf limits."""
    from srfpipe import data

    d, beta, alpha0, eta, noise = 2000, 1.0, 2.0, 1.0, 0.1
    g = target("tanh", 2.0)
    params = _step_params(d, beta, alpha0, g, noise)
    limit = network_map(Problem("tanh", g, noise, beta, alpha0=alpha0), eta)
    norms, gammas, strengths = [], [], []
    for seed in range(6):
        theta = data.teacher(seed, d)
        x, y = data.sample(seed, "step", params["n0"], theta, g, noise)
        net = step.init_network(seed, d, params["p"], "rademacher", "zero")
        w1 = step.gradient_step(net, x, y, eta, ACT)
        spike = step.spike_from_step(w1 - net.w, theta)
        norms.append(np.linalg.norm(step.linear_response(x, y)))
        gammas.append(spike.overlap(theta))
        strengths.append(spike.strength())
    for name, vals, exact in [
        ("beta_norm", norms, limit.beta_norm),
        ("gamma", gammas, limit.gamma),
    ]:
        mean, se = np.mean(vals), np.std(vals, ddof=1) / np.sqrt(len(vals))
        print(f"{name}: measured {mean:.5f} +- {se:.5f}, theory map {exact:.5f}")
        assert abs(mean - exact) < 3 * se + 1e-3 * exact


def test_take_steps_is_successive_steps_on_fresh_batches():
    net, x, y = _problem(d=6, p=5, n0=12, init_output="zero")
    one = step.take_steps(net, x, y, 0.8, ACT, "zero", steps=1)
    np.testing.assert_array_equal(one, step.gradient_step(net, x, y, 0.8, ACT))
    two = step.take_steps(net, x, y, 0.8, ACT, "zero", steps=2)
    w1 = step.gradient_step(net, x[:6], y[:6], 0.8, ACT)
    w2 = step.gradient_step(step.Network(w1, net.a), x[6:], y[6:], 0.8, ACT)
    np.testing.assert_array_equal(two, w2)
    full = step.take_steps(net, x, y, 0.8, ACT, "full", steps=2)  # residual y - f_1(x)
    w1 = step.gradient_step(net, x[:6], y[:6] - step.forward(net, x[:6], ACT), 0.8, ACT)
    f1 = step.forward(step.Network(w1, net.a), x[6:], ACT)
    w2 = step.gradient_step(step.Network(w1, net.a), x[6:], y[6:] - f1, 0.8, ACT)
    np.testing.assert_allclose(full, w2, rtol=1e-12, atol=1e-14)
