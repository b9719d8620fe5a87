"""Seeded data: nested prefixes, stream independence, label statistics."""

import numpy as np

from srfpipe import data
from srfpipe.functions import target


def test_prefixes_are_nested_and_deterministic():
    x_big, xi_big = data.gaussian_rows(7, "train", 700, 5)
    x_small, xi_small = data.gaussian_rows(7, "train", 300, 5)
    assert np.array_equal(x_big[:300], x_small) and np.array_equal(xi_big[:300], xi_small)
    assert np.array_equal(data.gaussian_rows(7, "train", 300, 5)[0], x_small)


def test_streams_differ_between_splits_and_seeds():
    a = data.gaussian_rows(0, "train", 10, 4)[0]
    assert not np.array_equal(a, data.gaussian_rows(0, "test", 10, 4)[0])
    assert not np.array_equal(a, data.gaussian_rows(1, "train", 10, 4)[0])


def test_label_moments_match_target_within_standard_error():
    g, noise, n = target("tanh", 2.0), 0.3, 200_000
    theta = data.teacher(3, 20)
    assert np.isclose(np.linalg.norm(theta), 1.0)
    x, y = data.sample(3, "train", n, theta, g, noise)
    z = x @ theta
    for est, exact in [(y**2, g.second_moment + noise), (y * z, g.c1)]:
        se = est.std() / np.sqrt(n)
        print(f"estimate {est.mean():.5f} exact {exact:.5f} se {se:.5f}")
        assert abs(est.mean() - exact) < 4 * se
