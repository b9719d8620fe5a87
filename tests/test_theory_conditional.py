"""The conditional theory of a given first layer (srfpipe/theory/conditional.py)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from srfpipe.cli import main
from srfpipe.functions import target
from srfpipe.problem import SRF, Problem
from srfpipe.resources import conditional_cost
from srfpipe.simulation import SeedDraw
from srfpipe.theory.conditional import conditional_curve, conditional_spectrum, split
from srfpipe.theory.coverage import conditional_gap
from srfpipe.theory.curves import learning_curve

PROBLEM = Problem(activation="tanh", target=target("tanh", 2.0), noise=0.1, beta=1.5, alpha0=2.0)
LAM, ALPHA = [0.05, 0.5], [0.5, 1.0, 2.0, 4.0]


def _srf_layer(
    srf: SRF, d: int, seed: int, problem: Problem = PROBLEM
) -> tuple[np.ndarray, np.ndarray]:
    """`c W0 + r a v^T` with `v.theta = gamma` exactly, and theta."""
    draw = SeedDraw(problem, d, seed, srf=srf)
    w = srf.bulk_scale * draw.w0
    if srf.r > 0:
        w = w + np.outer(draw.spike.u, draw.spike.v)
    return w, draw.theta


def test_split_recovers_the_srf_parameters():
    srf = SRF(1.2, 0.8, 1.3)
    w, theta = _srf_layer(srf, 600, 0)
    sp = split(w, theta, "rademacher")
    assert sp.outliers == 1
    assert sp.r == pytest.approx(1.2, rel=3e-3)
    assert sp.gamma == pytest.approx(0.8, abs=3e-3)
    assert sp.scale == pytest.approx(1.3, rel=3e-3)
    w0, _ = _srf_layer(SRF(0.0, 0.8), 600, 0)
    assert split(w0, theta, "rademacher").outliers == 0


@pytest.mark.parametrize("beta", [1.5, 0.5])
def test_spectral_measures_match_direct_quadratic_forms(beta):
    """`int F dmu_X` against `x^T (c0 + c1 B B^T)^-1 x` etc. by dense solves, p > d (the
    eigendecomposition of B^T B) and p < d (that of B B^T)."""
    problem = dataclasses.replace(PROBLEM, beta=beta)
    w, theta = _srf_layer(SRF(1.0, 0.6, 1.1), 120, 1, problem)
    sp = split(w, theta, "rademacher")
    spec, _ = conditional_spectrum(sp, theta, problem)
    b = sp.bulk
    p = b.shape[0]
    perp = theta - sp.gamma * sp.v
    rows = np.sum(b * b, 1) - (b @ sp.v) ** 2
    dirs = [b @ sp.v, b @ (perp / np.linalg.norm(perp)), sp.s * (rows - 1.0)]
    c0, c1 = np.array([0.3, 1.7]), np.array([0.8, 0.2])
    integ = spec.integrals(c0, c1)
    for k in range(2):
        dmat = c0[k] * np.eye(p) + c1[k] * b @ b.T
        inv = np.linalg.inv(dmat)
        assert integ[1, 1][k] == pytest.approx(np.trace(inv @ b @ b.T) / p, rel=1e-10)
        assert integ[0, 2][k] == pytest.approx(np.trace(inv @ inv) / p, rel=1e-10)
        for x, name in enumerate(("v", "theta_perp", "e")):
            u = dirs[x]
            assert integ["signal", 0, 1][k, x] == pytest.approx(u @ inv @ u, rel=1e-9), name
            assert integ["signal", 0, 2][k, x] == pytest.approx(u @ inv @ inv @ u, rel=1e-9)
            want = u @ inv @ b @ b.T @ inv @ u
            assert integ["signal", 1, 2][k, x] == pytest.approx(want, rel=1e-9)


def test_wide_layers_use_the_small_side_with_the_same_numbers():
    """p < d: the non-zero spectrum and projections from B B^T (p, p) equal those of the
    d x d eigendecomposition of B^T B to 1e-10 (different rounding, same quantities)."""
    problem = dataclasses.replace(PROBLEM, beta=0.25)
    w, theta = _srf_layer(SRF(1.0, 0.6, 1.1), 160, 2, problem)
    sp = split(w, theta, "rademacher")
    spec, _ = conditional_spectrum(sp, theta, problem)
    b = sp.bulk
    om, right = np.linalg.eigh(b.T @ b)  # (d, d): the previous path
    keep = om > 1e-12 * om[-1]
    om, right = om[keep], right[:, keep]
    assert om.size == b.shape[0]
    np.testing.assert_allclose(spec.om, om, rtol=1e-10)
    weight_v = ((right.T @ (b.T @ (b @ sp.v))) / np.sqrt(om)) ** 2
    np.testing.assert_allclose(spec.signal_weight[0, : om.size], weight_v, rtol=1e-8, atol=1e-12)


def test_marchenko_pastur_ingredients_give_the_srf_theory():
    """Without empirical ingredients the fixed point is the sRF theory at the split's
    `(r, gamma, c)` (the Marchenko-Pastur measures on the 256-node quadrature)."""
    w, theta = _srf_layer(SRF(1.5, 0.8, 1.2), 400, 2)
    ds = conditional_curve(PROBLEM, w, theta, lam=LAM, alpha=ALPHA, ingredients=())
    ref = learning_curve(PROBLEM, SRF(ds.r, ds.gamma, ds.bulk_scale), lam=LAM, alpha=ALPHA)
    np.testing.assert_allclose(ds.test_error.values, ref.test_error.values, rtol=1e-9)


@pytest.mark.parametrize("srf", [SRF(0.0, 0.7), SRF(1.15, 0.77, 1.07), SRF(2.0, 0.9, 1.3)])
def test_limits_rf_and_srf_at_d1000(srf):
    """On `W0` and on `c W0 + r a v^T` the conditional theory is the RF / sRF theory up to
    the finite-d fluctuations of the empirical measures (docs/theory.md section 13: mean gap
    within 0.5% over 8 seeds, seed std 1.1-1.5% at d = 1000, 0.4-0.9% at d = 2000)."""
    ref = learning_curve(PROBLEM, srf, lam=LAM, alpha=ALPHA).test_error.values
    gaps = []
    for seed in range(2):
        w, theta = _srf_layer(srf, 1000, seed)
        ds = conditional_curve(PROBLEM, w, theta, lam=LAM, alpha=ALPHA)
        gaps.append(ds.test_error.values / ref - 1.0)
    assert np.max(np.abs(gaps)) < 0.02


def test_cli_conditional_prints_mean_and_sem(capsys):
    args = "--target tanh --target-scale 2 --beta 1.5 --noise 0.1 --alpha0 2 --eta 1".split()
    main(["theory", "--conditional", "--d", "200", "--seeds", "2", "--alpha", "1", "--json", *args])
    out = json.loads(capsys.readouterr().out)
    rec = out["records"][0]
    assert out["params"]["seeds"] == 2 and rec["test_error"] > 0.1 and rec["test_error_sem"] > 0


def test_cli_conditional_refuses_a_size_before_work_and_estimates_a_long_run(capsys):
    """The issue's `--d 200000` is refused by the range of `d`; `--d 100000` (a 200000 x
    100000 layer) by the memory limit, naming the flag and the limit; `--d 6000` states its
    cost first (shown here without running it)."""
    args = "--target tanh --target-scale 2 --noise 0.1 --beta 2 --lam 0.1 --alpha 1,2".split()
    args += "--conditional --eta 1 --alpha0 4 --seeds 1".split()
    assert main(["theory", *args, "--d", "200000"]) == 2
    assert "--d: '200000' is out of range; allowed: [8, 100000]" in capsys.readouterr().err
    assert main(["theory", *args, "--d", "100000"]) == 2
    err = capsys.readouterr().err
    assert "--d: 100000 needs about" in err and "> limit 16000 MB" in err
    mb, flops = conditional_cost(Problem(beta=2.0, alpha0=4.0), 6000)
    assert 5000 < mb < 16000 and flops > 1e12  # above the CLI's 1e11 flop notice


def test_a_constant_readout_against_the_target_is_not_covered():
    """Constant readout, target -z: the step's spike has r < 0; the coverage predicate
    refuses it (so the workflow plans no conditional job) exactly as the split does."""
    problem = dataclasses.replace(
        PROBLEM, readout_init="constant", target=target("hermite", coefficients=(0.0, -1.0))
    )
    assert "r < 0" in conditional_gap(problem)
    draw = SeedDraw(problem, 100, 0, eta=1.0)
    with pytest.raises(ValueError, match="r < 0"):
        split(draw.w1, draw.theta, "constant")
    plus = dataclasses.replace(problem, target=target("hermite", coefficients=(0.0, 1.0)))
    assert conditional_gap(plus) is None
    assert split(SeedDraw(plus, 100, 0, eta=1.0).w1, draw.theta, "constant").r > 0
