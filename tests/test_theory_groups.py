"""Bulk scale, unit rows and neurons in groups (docs/theory.md sections 10-11).

Fast: exact limits and identities. `slow`: theory against the independent simulation of
benchmarks/validate_theory.py at d = 1000, every point within max(3%, 3 SE).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from srfpipe.functions import activation, target
from srfpipe.problem import SRF, Problem
from srfpipe.theory import curves, fixed_point
from srfpipe.theory.equivalence import kappa_table, shifted_coefficients
from srfpipe.theory.spectrum import marchenko_pastur

TANH, ERF, RELU = activation("tanh"), activation("erf"), activation("relu")
TANH2 = target("tanh", 2.0)
HE2 = target("hermite", 1.0, (0.0, 1.0, 1.0))


def _problem(act, g, noise, beta, readout_init, rows):
    return Problem(act.name, g, noise, beta, readout_init, w0_rows=rows)


def learning_curve(
    act, g, noise, beta, lams, alphas, r, gamma, readout_init="rademacher", *,
    bulk_scale=1.0, rows="gaussian",
):  # fmt: skip
    """`curves.learning_curve` of these parameters, dims ("lam", "alpha")."""
    problem = _problem(act, g, noise, beta, readout_init, rows)
    srf = SRF(r, gamma, bulk_scale)
    return curves.learning_curve(problem, srf, lam=lams, alpha=alphas).transpose("lam", "alpha")


def plateau(
    act, g, noise, beta, r, gamma, readout_init="rademacher", lam=0.0, *,
    bulk_scale=1.0, rows="gaussian",
):  # fmt: skip
    problem = _problem(act, g, noise, beta, readout_init, rows)
    return curves.plateau(problem, SRF(r, gamma, bulk_scale), lam)

_SPEC = importlib.util.spec_from_file_location(
    "validate_theory", Path(__file__).parents[1] / "benchmarks" / "validate_theory.py"
)
validate = importlib.util.module_from_spec(_SPEC)
sys.modules["validate_theory"] = validate
_SPEC.loader.exec_module(validate)

# test errors of the solver before bulk scale / rows / groups existed (float.hex, exact)
REFERENCE = {
    # tanh, tanh(2z), D = 0.1, beta = 2, lam (0.05, 0.3, 1) [first row], alpha (4, 0.5, 1, 2),
    # r = 1.5, gamma = 0.8, R
    "tanh": ["0x1.e5eaaa5cb07cap-3", "0x1.a3c99d3396df5p-2", "0x1.8057deabc65b9p-2",
             "0x1.2f0d63cb03ec8p-2"],
    # relu, tanh(2z), D = 0.1, beta = 1.5, lam (0.1, 1), alpha (0.5, 1, 2, 4), r = 1, gamma 0.8, O
    "relu": ["0x1.a277207ea02f6p-1", "0x1.74164d5e41ee6p-1", "0x1.322da014e6ec0p-1",
             "0x1.0a71f9b86166cp-1", "0x1.2e97b47fc16cap-1", "0x1.20ebea73fdd29p-1",
             "0x1.16dd9ed06df80p-1", "0x1.10e4724bd57fdp-1"],
    # relu, z + He2/sqrt2, D = 0.1, beta = 1, lam 0.1, alpha (1, 4), r = 1, gamma = 0.9, O
    "relu_he2": ["0x1.a9436b277b2f9p+0", "0x1.2c3765c2f4a38p+0"],
}  # fmt: skip


def _exact(values: np.ndarray, key: str) -> None:
    np.testing.assert_array_equal(values.ravel(), [float.fromhex(h) for h in REFERENCE[key]])


def test_defaults_are_bit_identical_to_the_previous_solver():
    ds = learning_curve(TANH, TANH2, 0.1, 2.0, [0.05, 0.3, 1.0], [4.0, 0.5, 1.0, 2.0], 1.5, 0.8)
    _exact(ds.test_error.values[0], "tanh")
    kw = {"bulk_scale": 1.0, "rows": "gaussian"}
    ds = learning_curve(
        RELU, TANH2, 0.1, 1.5, [0.1, 1.0], [0.5, 1, 2, 4], 1.0, 0.8, "constant", **kw
    )
    _exact(ds.test_error.values, "relu")
    ds = learning_curve(RELU, HE2, 0.1, 1.0, [0.1], [1.0, 4.0], 1.0, 0.9, "constant", **kw)
    _exact(ds.test_error.values, "relu_he2")
    assert ds.attrs["bulk_scale"] == 1.0 and ds.attrs["w0_rows"] == "gaussian"


def test_scaled_coefficients_match_direct_quadrature():
    """Coefficients of sigma_c(z) = sigma(c z): 201-node Gauss-Hermite reference."""
    t = np.linspace(-3, 3, 9)
    z, w = np.polynomial.hermite_e.hermegauss(201)
    w = w / w.sum()
    for act in (TANH, ERF):
        for c in (0.6, 1.7):
            s = act(c * (t[:, None] + z))
            m0, m1 = s @ w, (s * z) @ w
            ref = (m0, m1, s**2 @ w - m0**2 - m1**2, (s * (z**2 - 1)) @ w)
            for got, want in zip(shifted_coefficients(act, t, c), ref, strict=True):
                np.testing.assert_allclose(got, want, atol=2e-7)


@pytest.mark.parametrize("c", [0.6, 1.8])
def test_relu_bulk_scale_is_a_rescaled_ridge(c):
    """relu(c w.x + r kappa) = c relu(w.x + (r/c) kappa): the ridge predictor at lam equals
    the one at bulk scale 1, spike r/c and ridge lam/c^2 (and ||b||^2 scales by 1/c^2)."""
    r, lams, alphas = 1.2, np.array([0.05, 0.5]), [0.5, 1.5, 4.0]
    ds = learning_curve(RELU, HE2, 0.1, 1.5, lams, alphas, r, 0.8, "constant", bulk_scale=c)
    ref = learning_curve(RELU, HE2, 0.1, 1.5, lams / c**2, alphas, r / c, 0.8, "constant")
    np.testing.assert_allclose(ds.test_error.values, ref.test_error.values, rtol=1e-9)
    np.testing.assert_allclose(ds.q_z.values, ref.q_z.values / c**2, rtol=1e-8)
    got = plateau(RELU, HE2, 0.1, 1.5, r, 0.8, "constant", 0.05, bulk_scale=c)
    want = plateau(RELU, HE2, 0.1, 1.5, r / c, 0.8, "constant", 0.05 / c**2)
    assert got == pytest.approx(want, rel=1e-9)


def test_unit_rows_remove_only_the_row_norm_term():
    # odd sigma without a spike: mu2(0) = 0, the row-norm term is absent anyway
    args = (TANH, TANH2, 0.1, 2.0, [0.05, 1.0], [0.5, 2.0], 0.0, 0.6)
    unit, gauss = learning_curve(*args, rows="unit"), learning_curve(*args)
    np.testing.assert_allclose(unit.test_error.values, gauss.test_error.values, rtol=1e-12)
    # relu: unit rows = Gaussian rows with mu2 set to zero (the only place the rows enter)
    tab = kappa_table(RELU, HE2, 1.0, 0.9)
    mp = marchenko_pastur(1.0)
    psi, lam = np.array([1.0, 0.25]), np.array([0.1, 0.1])
    unit = fixed_point.solve(tab, mp, psi, lam, 0.1, row_var=0.0)
    flat = dataclasses.replace(tab, mu2=np.zeros_like(tab.mu2))
    ref = fixed_point.solve(flat, mp, psi, lam, 0.1)
    full = fixed_point.solve(tab, mp, psi, lam, 0.1)
    np.testing.assert_array_equal(unit.m_e, 0.0)
    np.testing.assert_allclose(unit.test_error, ref.test_error, rtol=1e-12)
    gap = (unit.test_error - full.test_error) / full.test_error
    print("relu, z + He2/sqrt2: unit vs Gaussian rows", gap)
    assert np.all(gap > 0.02)  # the m_e direction lowers the error by ~5% here (section 7)


def test_new_keywords_are_checked():
    with pytest.raises(ValueError, match="bulk_scale"):
        learning_curve(TANH, TANH2, 0.1, 2.0, [0.1], [1.0], 1.0, 0.5, bulk_scale=0.0)
    with pytest.raises(KeyError):
        learning_curve(TANH, TANH2, 0.1, 2.0, [0.1], [1.0], 1.0, 0.5, rows="orthogonal")


def compare(case, d: int, seeds: int) -> list[dict]:
    """Theory vs the independent simulation; prints every point."""
    with threadpool_limits(1):
        rows = validate.run(case, d, seeds, test_size=4000)
    for r in rows:
        gap = (r["sim"] - r["theory"]) / r["theory"]
        print(
            f"{case.label()} d={d} lam={r['lam']} alpha={r['alpha']} theory={r['theory']:.5f} "
            f"sim={r['sim']:.5f}+-{r['sem']:.5f} gap={100 * gap:+.2f}%"
        )
    return rows


def test_bulk_scale_small_simulation():
    case = validate.Case("tanh", "tanh", 2.0, (), 0.1, 1.5, 1.5, 0.8, (0.1,), (1.0, 2.0), bulk=1.5)
    for r in compare(case, d=400, seeds=6):  # 2% finite-size allowance at d = 400
        assert abs(r["sim"] - r["theory"]) < 3.0 * np.hypot(r["sem"], 0.02 * r["theory"])


@pytest.mark.slow
@pytest.mark.parametrize("index", [12, 13, 14])
def test_bulk_scale_and_unit_rows_at_d1000(index):
    for r in compare(validate.CASES[index], d=1000, seeds=6):
        assert abs(r["sim"] - r["theory"]) <= max(0.03 * r["theory"], 3.0 * r["sem"])
