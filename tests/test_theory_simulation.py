"""Theory vs an independent sRF ridge simulation (benchmarks/validate_theory.py).

Default run: one small point set at d = 400 (a few seconds). `slow`: the issue's bar at
d = 1000, every point within max(3%, 3 standard errors of the simulation mean).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

_SPEC = importlib.util.spec_from_file_location(
    "validate_theory", Path(__file__).parents[1] / "benchmarks" / "validate_theory.py"
)
validate = importlib.util.module_from_spec(_SPEC)
sys.modules["validate_theory"] = validate  # dataclasses resolve their module by name
_SPEC.loader.exec_module(validate)

FINITE_SIZE = 0.02
"""Relative O(1/sqrt d) finite-size allowance at d = 400 (measured gaps: ~1-2% at d=500)."""


def compare(case, d: int, seeds: int) -> list[dict]:
    with threadpool_limits(1):
        rows = validate.run(case, d, seeds, test_size=4000)
    for r in rows:
        r["gap"] = (r["sim"] - r["theory"]) / r["theory"]
        print(
            f"d={d} lam={r['lam']} alpha={r['alpha']} theory={r['theory']:.5f} "
            f"sim={r['sim']:.5f}+-{r['sem']:.5f} gap={100 * r['gap']:+.2f}%  train "
            f"{r['theory_train']:.5f} vs {r['sim_train']:.5f}+-{r['sem_train']:.5f}"
        )
    return rows


def test_small_simulation_agrees():
    case = validate.Case("tanh", "tanh", 2.0, (), 0.1, 1.5, 1.5, 0.8, (0.1,), (1.0, 2.0))
    for r in compare(case, d=400, seeds=6):
        tol = 3.0 * np.hypot(r["sem"], FINITE_SIZE * r["theory"])
        assert abs(r["sim"] - r["theory"]) < tol
        tol_train = 3.0 * np.hypot(r["sem_train"], FINITE_SIZE * r["theory_train"])
        assert abs(r["sim_train"] - r["theory_train"]) < tol_train


@pytest.mark.slow
@pytest.mark.parametrize(
    ("index", "seeds"),
    # heavy-tailed Hermite targets (case 1) have a skewed seed distribution: with few seeds
    # the standard error is underestimated, so they get more seeds
    [(0, 6), (1, 20), (2, 6), (3, 6), (5, 6), (7, 6), (9, 6)],
)
def test_issue_bar_at_d1000(index, seeds):
    for r in compare(validate.CASES[index], d=1000, seeds=seeds):
        assert abs(r["sim"] - r["theory"]) <= max(0.03 * r["theory"], 3.0 * r["sem"])
