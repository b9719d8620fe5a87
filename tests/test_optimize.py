"""srfpipe.theory.optimize: bounded searches against dense grids, and the CLI wiring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from srfpipe.cli import main
from srfpipe.functions import target
from srfpipe.problem import Problem
from srfpipe.theory.curves import learning_curve
from srfpipe.theory.network_map import network_map
from srfpipe.theory.optimize import LAM_BOUNDS, eta_profile, optimal_eta, optimal_lam

# the case: tanh network, target tanh(2z), beta = 1.5, alpha0 = 2
PROBLEM = Problem(target=target("tanh", 2.0), noise=0.1, beta=1.5, alpha0=2.0)
ALPHAS = [0.5, 1.5, 4.0]


@pytest.mark.parametrize("eta", [0.0, 2.0])
def test_optimal_lam_matches_a_dense_grid(eta):
    srf = network_map(PROBLEM, eta).srf
    opt = optimal_lam(PROBLEM, srf, ALPHAS)
    lams = np.geomspace(*LAM_BOUNDS, 1001)
    grid = learning_curve(PROBLEM, srf, lam=lams, alpha=ALPHAS)
    best = grid.test_error.min("lam").values
    rel = (opt.test_error.values - best) / best
    print("eta", eta, "lam_opt", opt.lam_opt.values, "grid", lams[grid.test_error.argmin("lam")])
    print("relative error gap (search - grid)", rel)
    assert np.all(np.abs(rel) < 1e-3) and np.all(rel < 1e-9)  # never worse than the grid
    assert not np.any(opt.at_bound.values)


def test_optimal_eta_matches_a_grid_of_eta():
    alphas = [1.0, 4.0]
    opt = optimal_eta(PROBLEM, alphas, np.linspace(0.0, 6.0, 13))
    fine = np.linspace(1.5, 2.5, 21)  # around the optimum of the coarse profile
    prof = eta_profile(PROBLEM, fine, alphas)
    best = prof.test_error.min("eta").values
    arg = fine[prof.test_error.argmin("eta").values]
    print("eta_opt", opt.eta_opt.values, "grid argmin", arg)
    print("error", opt.test_error.values, "grid", best)
    coarse = opt.profile_test_error.values
    assert np.all(np.argmin(coarse, 0) == [4, 4])  # about 2: the fine grid brackets it
    assert np.all(opt.test_error.values <= best * (1 + 1e-9))
    assert np.all(np.abs(opt.eta_opt.values - arg) <= 0.05 + 1e-9)  # grid step
    srf = network_map(PROBLEM, float(opt.eta_opt[1])).srf
    again = optimal_lam(PROBLEM, srf, [4.0])
    np.testing.assert_allclose(again.test_error.values[0], opt.test_error.values[1], rtol=1e-9)


BASE = [
    "theory", "--target", "tanh", "--target-scale", "2", "--noise", "0.1", "--beta", "1.5",
    "--alpha", "1,4",
]  # fmt: skip


def test_cli_optimize(capsys):
    assert main([*BASE, "--eta", "2", "--alpha0", "2", "--optimize", "lam", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    recs = doc["records"]
    assert doc["params"]["optimize"] == "lam" and [r["alpha"] for r in recs] == [1.0, 4.0]
    assert all(r["lam_opt"] > 0 and r["test_error"] > 0.1 for r in recs)
    argv = [*BASE[:-1], "4", "--alpha0", "2", "--optimize", "eta", "--eta-max", "4"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["alpha", "eta_opt", "lam_opt", "test_error", "at_bound"]
    assert len(lines) == 2
    assert main([*BASE, "--eta", "1", "--alpha0", "2", "--optimize", "eta"]) == 2
    assert "--optimize eta" in capsys.readouterr().err
