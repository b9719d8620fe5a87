"""Structured-bulk theory against the one-step network (docs/theory.md section 14).

Three commands:

* `gap`: per eta and seed, the network's test error (`srfpipe simulate --model network`'s
  `SeedDraw`) and the conditional theory of its `W1`; with the isotropic sRF (`c_W`) and
  structured theories (deterministic; NaN where `structured_gap` refuses the problem). One
  JSON line per (eta, alpha, lam), with the per-seed errors.
* `fill`: recompute the structured column of a `gap` file in place.
* `ingredients`: the structured theory's ingredients (resolvent transforms at a few `z < 0`,
  total weights, bulk edge) against their values on trained layers (`conditional.split`);
  for a non-odd `sigma`, the per-readout-sign row law given the batch (`type_ingredients`).
* `signs`: non-odd `sigma`, `+-1` readout: the two-sign block resolvent of
  `structured.sign_bulk` against trained layers (per-sign traces and forms along `v`,
  `theta_perp`).
* `ladder`: the structured terms added one by one (relative to the full theory).
* `decompose`: conditional minus structured theory over seeds, split into measures and
  `(r, gamma, c)`.
* `jensen`: the effect of the finite-`n0` fluctuations of `(r, gamma)` on the mean error.
* `table`: the gap table of `gap` files (mean |gap|, max, SE), pooling disjoint seed ranges.

    python benchmarks/structured_bulk.py gap --alpha0 2 --eta 1 2 3 4 --seeds 10 --out s2.jsonl
    python benchmarks/structured_bulk.py ingredients --alpha0 2 --eta 3 --d 1000 --seeds 4
    python benchmarks/structured_bulk.py table s2.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from functools import partial

import numpy as np
from scipy import linalg, optimize

from benchmarks.conditional_gap import arguments, problem
from srfpipe.functions import gaussian_quadrature
from srfpipe.models import MODELS
from srfpipe.problem import SRF
from srfpipe.simulation import SeedDraw, seed_errors
from srfpipe.theory.conditional import conditional_curve, conditional_spectrum, split
from srfpipe.theory.curves import ROW_NORM_VARIANCE, learning_curve, solve_grid
from srfpipe.theory.equivalence import NeuronTypes, group_table, kappa_table
from srfpipe.theory.fixed_point import solve
from srfpipe.theory.groups import solve_groups
from srfpipe.theory.network_map import network_map
from srfpipe.theory.structured import (
    BULK_TERMS,
    bulk_law,
    sign_bulk,
    sign_rows,
    structured_curve,
    structured_gap,
)

Z = np.array([-3.0, -1.0, -0.3, -0.1])
"""Points `z < 0` at which the resolvent transforms are compared."""


def gap(args: argparse.Namespace) -> None:
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    lam, alpha = args.lam, args.alpha
    for eta in args.eta:
        iso = learning_curve(pb, network_map(pb, eta).srf, lam=lam, alpha=alpha).test_error
        t0 = time.perf_counter()
        st = structured_or_nan(pb, eta, lam, alpha)
        cost = time.perf_counter() - t0
        signs = None
        if not pb.sigma.odd and pb.readout_init == "rademacher":
            signs = sign_scale_curve(pb, eta, lam, alpha)
        sim, cond = [], []
        seeds = range(args.seed_start, args.seed_start + args.seeds)
        for seed in seeds:
            errs = seed_errors(
                pb, lambda s: [MODELS["network"].layer(s)], args.d, seed,
                alpha=alpha, lam=lam, test_size=args.test_size, eta=eta,
            )  # fmt: skip
            sim.append(errs["test_error"][0])
            if args.no_conditional:
                cond.append(np.full((len(alpha), len(lam)), np.nan))
                continue
            draw = SeedDraw(pb, args.d, seed, eta=eta)
            ds = conditional_curve(pb, draw.w1, draw.theta, lam=lam, alpha=alpha, s=draw.net.a)
            cond.append(ds.test_error.values)
        sim_arr, cond_arr = np.array(sim), np.array(cond)
        n = args.seeds
        with open(args.out, "a") as fh:
            for i, a in enumerate(alpha):
                for j, lm in enumerate(lam):
                    s, c = sim_arr[:, i, j], cond_arr[:, i, j]
                    row = {"eta": eta, "alpha0": args.alpha0, "alpha": a, "lam": lm, "d": args.d}
                    row |= {"seed_start": args.seed_start}
                    row |= {"seeds": n, "activation": pb.activation, "target": pb.target_json()}
                    row |= {"sim": float(s.mean()), "sim_se": float(s.std(ddof=1) / np.sqrt(n))}
                    row |= {
                        "isotropic": float(iso.values[i, j]),
                        "structured": float(st[i, j]),
                    }
                    row["sim_seeds"] = s.tolist()
                    if signs is not None:
                        row["sign_scales"] = float(signs[i, j])
                    row |= {"conditional": float(c.mean())}
                    row["conditional_paired_se"] = float((s - c).std(ddof=1) / np.sqrt(n))
                    row["structured_seconds"] = cost
                    fh.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)


def structured_or_nan(pb, eta: float, lam, alpha) -> np.ndarray:
    """The structured theory's test errors (alpha, lam), NaN where `structured_gap` refuses
    `pb` (`fill` computes them later from the stored rows)."""
    if structured_gap(pb) is not None:
        return np.full((len(alpha), len(lam)), np.nan)
    return structured_curve(pb, eta, lam=lam, alpha=alpha).test_error.values


def sign_scale_curve(pb, eta: float, lam, alpha) -> np.ndarray:
    """The isotropic sRF of the map with per-readout-sign bulk scales `c_a^2 = tr Sigma_a`
    (`structured.sign_rows`; Rademacher readout) on the G-type fixed point (section 11):
    test errors (alpha, lam). Equal to the isotropic sRF when `E y = 0`."""
    net = network_map(pb, eta)
    types = NeuronTypes(np.full(2, 0.5), np.array([1.0, -1.0]), np.sqrt(sign_rows(pb, eta).scale2))
    tab = group_table(pb.sigma, pb.target, net.r, net.gamma, types)
    solver = partial(solve_groups, tab, pb.beta, row_var=ROW_NORM_VARIANCE[pb.w0_rows])
    data = solve_grid(
        pb, solver, beta=pb.beta, lam_arr=np.asarray(lam, float), alpha_arr=np.asarray(alpha, float)
    )
    return data["test_error"][1]


def fill(args: argparse.Namespace) -> None:
    """Recompute the structured column of the rows of `--out` (same problem flags as `gap`)
    in place: for runs made before the theory covered the problem."""
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    rows = [json.loads(line) for line in open(args.out) if line.strip()]
    cache: dict = {}
    for r in rows:
        if (r["alpha0"], r["activation"]) != (args.alpha0, pb.activation):
            continue
        if r["eta"] not in cache:
            cache[r["eta"]] = structured_curve(pb, r["eta"], lam=args.lam, alpha=args.alpha)
        r["structured"] = float(cache[r["eta"]].test_error.sel(alpha=r["alpha"], lam=r["lam"]))
    with open(args.out, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)


def measured(draw: SeedDraw, readout_init: str) -> dict[str, np.ndarray]:
    """The ingredients of one trained layer: `(r, gamma, c)`, weights, transforms at `Z`."""
    sp = split(draw.w1, draw.theta, readout_init, s=draw.net.a)
    b = sp.bulk
    om, left = linalg.eigh(b @ b.T)
    perp = draw.theta - sp.gamma * sp.v
    perp /= np.linalg.norm(perp)
    cv, ct = (left.T @ (b @ sp.v)) ** 2, (left.T @ (b @ perp)) ** 2
    res = 1.0 / (om[None, :] - Z[:, None])  # (Z, p)
    beta = b.shape[0] / b.shape[1]
    return {
        "r": sp.r, "gamma": sp.gamma, "c": sp.scale, "edge": om[-1],
        "w_v": cv.sum() / beta, "w_th": ct.sum() / beta,
        "m": res.mean(1), "s_v": res @ cv, "s_th": res @ ct,
    }  # fmt: skip


def edge(law) -> float:
    """The right edge of the trace measure: the minimum of `z(e)` over the branch `e < 0`
    (`z > edge` real, `m < 0`), scanned on `(-1/max w, 0)`; NaN if the minimum sits at the
    end of the scan (the top of `K` is then set by the largest weights `y^2` on the nodes)."""
    e = -np.geomspace(1e-6, 1.0 / law.w.max(), 20001)[:-1]
    with np.errstate(all="ignore"):
        val = law.at(e)
    z = np.where((val["m"] < 0) & (val["z"] > 0), val["z"], np.inf)
    i = int(np.argmin(z))
    return float(z[i]) if 0 < i < e.size - 1 else np.nan


def predicted(pb, eta: float, terms=BULK_TERMS) -> dict[str, np.ndarray]:
    """The structured theory's ingredients (same keys as `measured`)."""
    law = bulk_law(pb, eta, terms)
    net = network_map(pb, eta)
    val, _ = law.derivatives(law.e_of_z(Z))
    far = law.derivatives(law.e_of_z(np.array([-1e6])))[0]  # total weight = lim -z s(z)
    return {
        "r": net.r, "gamma": net.gamma, "c": net.bulk_scale, "edge": edge(law),
        "w_v": 1e6 * far["s_v"][0] / pb.beta, "w_th": 1e6 * far["s_th"][0] / pb.beta,
        "m": val["m"], "s_v": val["s_v"], "s_th": val["s_th"],
    }  # fmt: skip


def population_transforms(cov: np.ndarray, n: int, dirs: np.ndarray) -> dict[str, np.ndarray]:
    """Marchenko-Pastur with a population covariance: `n` rows iid `N(0, cov)` (d x d,
    normalised to `tr cov = 1`); `m(z)` at `Z` solves `m = 1/(-z + tr(S (I + n m S)^-1))` and
    the projection transform of unit `u` (rows of `dirs`) is `1 - u^T (I + n m S)^-1 u`."""
    lam, vec = np.linalg.eigh(cov)
    proj = (dirs @ vec) ** 2  # (k, d)
    out = {"m": [], "s": []}
    for z in Z:

        def miss(m, z=z):
            return m - 1.0 / (-z + np.sum(lam / (1.0 + n * m * lam)))

        m = optimize.brentq(miss, 0.0, -1.0 / z, xtol=1e-14)
        out["m"].append(m)
        out["s"].append(1.0 - proj @ (1.0 / (1.0 + n * m * lam)))
    return {"m": np.array(out["m"]), "s": np.array(out["s"]).T}


def type_ingredients(args: argparse.Namespace) -> None:
    """Non-odd `sigma` (Rademacher readout): neurons of readout sign `a` have, given the step
    batch, bulk rows `N(0, Sigma_a)` with `Sigma_a = [(I + eta a mu2 Kt)^2 + t K]/d`,
    `Kt = X0^T D_y X0/n0`, `K = X0^T D_y^2 X0/n0`, `t = eta^2 (s^2 - mu2^2)/alpha0` (the
    linear Hermite part of `sigma'` is the multiplicative term, the rest the noise). Per sign,
    on the split of each trained layer: row second moments `d E (b_i.u)^2` along `u` = `v`,
    `theta_perp`, a random direction and the top/bottom eigenvectors of `Kt`, and the
    resolvent transforms `m`, `s_v`, `s_th` of that sign's rows at `Z`, against `Sigma_a`
    (`t` with `s^2 - mu2^2`), the same with `t` from `s^2` (`s2`), and the odd-sigma law
    `(I + eta^2 s^2 K/alpha0)/d` (`odd`: no per-sign term), with the relative differences
    paired per draw (each draw's measurement over its own prediction)."""
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    s2 = pb.sigma.deriv_variance
    names = ("v", "theta_perp", "random", "Kt_top", "Kt_bottom")
    for eta in args.eta:
        law = sign_rows(pb, eta)
        mu2 = law.mu2
        acc: dict = {}
        for seed in range(args.seeds):
            draw = SeedDraw(pb, args.d, seed, eta=eta)
            x0, y0 = draw._batch
            n0, a = x0.shape[0], draw.net.a
            sp = split(draw.w1, draw.theta, pb.readout_init, s=a)
            kt = x0.T @ (y0[:, None] * x0) / n0
            k2 = x0.T @ (y0[:, None] ** 2 * x0) / n0
            perp = draw.theta - sp.gamma * sp.v
            rnd = np.random.default_rng(seed).standard_normal(args.d)
            ev = np.linalg.eigh(kt)[1]
            dirs = np.array([sp.v, perp, rnd, ev[:, -1], ev[:, 0]])
            dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
            for sgn in (1.0, -1.0):
                b = sp.bulk[a == sgn] * sp.scale
                om, left = linalg.eigh(b @ b.T / sp.scale**2)
                res = 1.0 / (om[None, :] - Z[:, None])
                cv = (left.T @ (b @ dirs[:2].T / sp.scale)) ** 2  # (p_a, 2)
                meas = {"rows": args.d * np.mean((b @ dirs.T) ** 2, 0), "m": res.mean(1)}
                meas |= {"s_v": res @ cv[:, 0], "s_th": res @ cv[:, 1]}
                acc.setdefault((sgn, "measured"), []).append(meas)
                cov = law.covariance(x0, y0, sgn)
                laws = {
                    "Sigma_a": cov,
                    "s2": cov + eta**2 * mu2**2 / args.alpha0 * k2,
                    "odd": np.eye(args.d) + eta**2 * s2 / args.alpha0 * k2,
                }
                for name, cov in laws.items():
                    pt = population_transforms(cov / np.trace(cov), b.shape[0], dirs[:2])
                    pred = {"rows": np.einsum("kd,de,ke->k", dirs, cov, dirs)}
                    pred |= {"m": pt["m"], "s_v": pt["s"][0], "s_th": pt["s"][1]}
                    acc.setdefault((sgn, name), []).append(pred)
        print(f"{pb.activation}, alpha0 {args.alpha0}, eta {eta}, d {args.d}, {args.seeds} seeds;"
              f" mu2 {mu2:.4f}, s^2 {s2:.4f}; rows along {names}; z = {Z.tolist()}")  # fmt: skip
        fmt = np.vectorize(lambda x: f"{x:.4f}")
        for sgn in (1.0, -1.0):
            for key in ("rows", "m", "s_v", "s_th"):
                meas = np.array([r[key] for r in acc[sgn, "measured"]])
                se = meas.std(0, ddof=1) / np.sqrt(len(meas))
                print(f"  a={sgn:+g} {key:5s} measured {fmt(meas.mean(0))} +- {fmt(se)}")
                for name in ("Sigma_a", "s2", "odd"):
                    pred = np.array([r[key] for r in acc[sgn, name]])
                    rel = 100 * (meas / pred - 1)  # paired per draw
                    rse = rel.std(0, ddof=1) / np.sqrt(len(rel))
                    print(
                        f"  a={sgn:+g} {key:5s} {name:8s} {fmt(pred.mean(0))}  paired "
                        f"(meas/pred - 1, %) {fmt(rel.mean(0))} +- {fmt(rse)}"
                    )


BLOCK_POINTS = (
    (np.array([[0.2, 0.08], [0.08, 0.15]]), np.array([0.1, 0.12])),
    (np.array([[1.0, -0.3], [-0.3, 0.6]]), np.array([0.05, 0.05])),
)
"""`(m, d)` of the block resolvent `A = diag(d_a) + sum m_ab P_a B B^T P_b` (sizes of the
fixed point's hats) at which `sign_ingredients` compares it with trained layers."""


def block_measured(b: np.ndarray, types: np.ndarray, dirs: list, m, dv) -> dict:
    """Per-sign traces `q_a = (1/p_a) tr P_a A^-1`, `R_ab = (1/p) tr(A^-1 P_a B B^T P_b)` and
    the forms `(P_a B u)^T A^-1 (P_b B u)/beta` for `u` in `dirs`, on the bulk `b` (p, d)."""
    p, d = b.shape
    gram_b = b @ b.T
    a = m[types][:, types] * gram_b
    a[np.diag_indices(p)] += dv[types]
    ai = linalg.inv(a)
    sel = [types == k for k in range(2)]
    xs = [b @ u for u in dirs]
    out = {"q": np.array([np.mean(np.diag(ai)[s]) for s in sel])}
    out["R"] = np.array([[np.sum(ai[np.ix_(h, g)] * gram_b[np.ix_(h, g)]) / p for h in sel]
                         for g in sel])  # fmt: skip
    for name, x in zip(("v", "th"), xs, strict=True):
        out[name] = np.array([[x[g] @ ai[np.ix_(g, h)] @ x[h] for h in sel] for g in sel]) * d / p
    return out


def sign_ingredients(args: argparse.Namespace) -> None:
    """Non-odd `sigma`, `+-1` readout: the two-sign block resolvent of `sign_bulk` (with and
    without the rank-one excess of `K` along `v`, `theta_perp`) against the split bulk of
    trained layers (`conditional.split`, spike profile the readout), at `BLOCK_POINTS`."""
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    pi = np.full(2, 0.5)
    for eta in args.eta:
        bulk, _, _ = sign_bulk(pb, eta)
        variants = {"sign_bulk": bulk, "no rank-one": dataclasses.replace(bulk, spikes=None)}
        meas: list = [[] for _ in BLOCK_POINTS]
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            draw = SeedDraw(pb, args.d, seed, eta=eta)
            sp = split(draw.w1, draw.theta, pb.readout_init, s=draw.net.a)
            perp = draw.theta - sp.gamma * sp.v
            types = np.where(draw.net.a > 0, 0, 1)
            for k, (m, dv) in enumerate(BLOCK_POINTS):
                meas[k].append(
                    block_measured(sp.bulk, types, [sp.v, perp / np.linalg.norm(perp)], m, dv)
                )
        first = args.seed_start
        print(
            f"{pb.activation}, alpha0 {args.alpha0}, eta {eta}, d {args.d}, seeds {first}-"
            f"{first + args.seeds - 1}"
        )
        for k, (m, dv) in enumerate(BLOCK_POINTS):
            print(f"  point {k}: m {m.ravel().tolist()}, d {dv.tolist()}")
            for key in ("q", "R", "v", "th"):
                vals = np.array([r[key] for r in meas[k]])
                mean, se = vals.mean(0).ravel(), vals.std(0, ddof=1).ravel() / np.sqrt(len(vals))
                cells = [f"measured {np.round(mean, 4).tolist()} +- {np.round(se, 4).tolist()}"]
                for name, bk in variants.items():
                    q, r, rk = bk.resolvent(m[None], dv[None], pi, pb.beta)
                    forms = bk.forms(rk, q, m[None], pi, pb.beta)[0]
                    pred = {"q": q[0], "R": r[0], "v": forms[0], "th": forms[1]}[key].ravel()
                    z = np.round((mean - pred) / se, 1).tolist()
                    cells.append(f"{name} {np.round(pred, 4).tolist()} ({z} SE)")
                print(f"    {key:2s} " + "; ".join(cells))


def ingredients(args: argparse.Namespace) -> None:
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    if not pb.sigma.odd:
        type_ingredients(args)
        return
    for eta in args.eta:
        pred = predicted(pb, eta)
        runs = [
            measured(SeedDraw(pb, args.d, s, eta=eta), pb.readout_init) for s in range(args.seeds)
        ]
        print(f"alpha0 {args.alpha0}, eta {eta}, d {args.d}, {args.seeds} seeds (z = {Z.tolist()})")
        for k, p in pred.items():
            vals = np.array([r[k] for r in runs])
            mean, se = vals.mean(0), vals.std(0, ddof=1) / np.sqrt(len(runs))
            fmt = np.vectorize(lambda x: f"{x:.4f}")
            print(f"  {k:6s} predicted {fmt(p)}  measured {fmt(mean)} +- {fmt(se)}")


def _pool(rows: list[dict]) -> dict:
    """One row from runs on disjoint seed ranges: seed-weighted means, pooled SE (the
    variance within runs from their SEs, plus the spread between run means)."""
    if len(rows) == 1:
        return rows[0]
    n = np.array([r["seeds"] for r in rows], float)
    out = dict(rows[0], seeds=int(n.sum()))
    for k in ("sim", "isotropic", "structured", "conditional", "sign_scales"):
        if k not in rows[0]:
            continue
        out[k] = float(np.sum(n * [r[k] for r in rows]) / n.sum())
    means = np.array([r["sim"] for r in rows])
    within = np.sum((n - 1) * n * np.array([r["sim_se"] for r in rows]) ** 2)
    between = np.sum(n * (means - out["sim"]) ** 2)
    out["sim_se"] = float(np.sqrt((within + between) / (n.sum() - 1) / n.sum()))
    return out


LADDER = {
    "spectrum": (),
    "+ projections": ("projections",),
    "+ self": ("projections", "self"),
    "+ neuron_mu1": ("projections", "self", "neuron_mu1"),
}
"""Cumulative structured terms (the trace measure is always structured); the full theory
adds `rows`."""


def ladder(args: argparse.Namespace) -> None:
    """Mean over the grid of (theory - full structured)/full structured, per eta."""
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    lam, alpha = args.lam, args.alpha
    print("| alpha0 | eta | isotropic | " + " | ".join(LADDER) + " |")
    print("|---|---|---|" + "---|" * len(LADDER))
    for eta in args.eta:
        full = structured_curve(pb, eta, lam=lam, alpha=alpha).test_error.values
        iso = learning_curve(pb, network_map(pb, eta).srf, lam=lam, alpha=alpha).test_error.values
        cells = [f"{100 * np.mean(iso / full - 1):+.2f}%"]
        for terms in LADDER.values():
            v = structured_curve(pb, eta, lam=lam, alpha=alpha, terms=terms).test_error.values
            cells.append(f"{100 * np.mean(v / full - 1):+.2f}%")
        print(f"| {args.alpha0:g} | {eta:g} | " + " | ".join(cells) + " |")


def decompose(args: argparse.Namespace) -> None:
    """Conditional minus structured theory over seeds, split into the measures (conditional
    ingredients with the map's `(r, gamma, c_W)`: `measures`) and the split's own
    `(r, gamma, c)` (`rgc`); mean and SE over seeds of the grid-mean relative differences."""
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    lam, alpha = np.asarray(args.lam), np.asarray(args.alpha)
    for eta in args.eta:
        net = network_map(pb, eta)
        tab_map = kappa_table(pb.sigma, pb.target, net.r, net.gamma, bulk_scale=net.bulk_scale)
        st = structured_curve(pb, eta, lam=lam, alpha=alpha).test_error.values
        diffs = []
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            draw = SeedDraw(pb, args.d, seed, eta=eta)
            sp = split(draw.w1, draw.theta, pb.readout_init, s=draw.net.a)
            spec, rv = conditional_spectrum(sp, draw.theta, pb)
            tab = kappa_table(pb.sigma, pb.target, sp.r, sp.gamma, bulk_scale=sp.scale)
            err = [
                solve_grid(
                    pb,
                    partial(solve, t, spec, row_var=rv),
                    beta=spec.beta,
                    lam_arr=lam,
                    alpha_arr=alpha,
                )
                for t in (tab, tab_map)
            ]
            cond, cmap = (e["test_error"][1] for e in err)
            diffs.append([np.mean(cond / st - 1), np.mean(cmap / st - 1), np.mean(cond / cmap - 1)])
        d = 100 * np.array(diffs)
        mean, se = d.mean(0), d.std(0, ddof=1) / np.sqrt(len(d))
        names = ("conditional - structured", "measures", "rgc")
        cells = ", ".join(
            f"{n} {m:+.2f}% +- {e:.2f}%" for n, m, e in zip(names, mean, se, strict=True)
        )
        print(
            f"alpha0 {args.alpha0:g}, eta {eta:g}, d {args.d}, {len(d)} seeds: {cells}", flush=True
        )


def jensen(args: argparse.Namespace) -> None:
    """The finite-`n0` fluctuation of `(r, gamma)`: the isotropic sRF theory averaged over the
    Gaussian law of `beta_vec.theta ~ N(c1, Var(y kappa)/n0)` and
    `||u_y||^2 ~ (E y^2/alpha0)(1 + sqrt(2/d) N(0, 1))` (5 x 5 Gauss-Hermite), relative to the
    theory at the means."""
    pb = dataclasses.replace(problem(args), alpha0=args.alpha0)
    g, lam, alpha = pb.target, args.lam, args.alpha
    y2 = g.second_moment + pb.noise
    z, w = gaussian_quadrature(201)
    sd_c1 = np.sqrt((float(w @ (g(z) ** 2 * z**2)) + pb.noise - g.c1**2) / (args.alpha0 * args.d))
    u2 = y2 / args.alpha0
    zq, wq = gaussian_quadrature(5)
    for eta in args.eta:
        net = network_map(pb, eta)
        base = learning_curve(pb, net.srf, lam=lam, alpha=alpha).test_error.values
        acc = 0.0
        for za, wa in zip(zq, wq, strict=True):
            for zb, wb in zip(zq, wq, strict=True):
                c1, uu = g.c1 + sd_c1 * za, u2 * (1 + np.sqrt(2 / args.d) * zb)
                bn = np.sqrt(c1**2 + uu)
                srf = SRF(eta * pb.sigma.mu1 * bn, c1 / bn, net.bulk_scale)
                acc = (
                    acc + wa * wb * learning_curve(pb, srf, lam=lam, alpha=alpha).test_error.values
                )
        print(f"alpha0 {args.alpha0:g}, eta {eta:g}, d {args.d}: Jensen term (%)",
              np.round(100 * (acc / base - 1), 3).T.ravel())  # fmt: skip


def table(paths: list[str]) -> None:
    rows = [json.loads(line) for p in paths for line in open(p) if line.strip()]
    keys = sorted({(r["alpha0"], r["d"], r["eta"]) for r in rows})
    pooled = {}
    for r in rows:  # pool runs over disjoint seed ranges (weights: seeds)
        k = (r["alpha0"], r["d"], r["eta"], r["alpha"], r["lam"])
        pooled.setdefault(k, []).append(r)
    rows = [_pool(v) for v in pooled.values()]
    extra = " sign scales |" if all("sign_scales" in r for r in rows) else ""
    print("| alpha0 | d | eta | seeds | isotropic | structured | conditional |" + extra + " SE |")
    print("|---|---|---|---|---|---|---|---|" + "---|" * extra.count("|"))
    allg: dict[str, list[float]] = {"isotropic": [], "structured": [], "conditional": []}
    if all("sign_scales" in r for r in rows):
        allg["sign_scales"] = []
    for a0, d, eta in keys:
        sel = [r for r in rows if (r["alpha0"], r["d"], r["eta"]) == (a0, d, eta)]
        cells = []
        for th in allg:
            g = np.array([100 * (r["sim"] - r[th]) / r[th] for r in sel])
            if np.all(np.isnan(g)):
                cells.append("-")
                continue
            allg[th] += g[np.isfinite(g)].tolist()
            cells.append(f"{g.mean():+.2f}% ({np.abs(g).max():.2f}%)")
        se = [100 * r["sim_se"] / r["sim"] for r in sel]
        print(
            f"| {a0:g} | {d} | {eta:g} | {sel[0]['seeds']} | "
            + " | ".join(cells)
            + f" | {min(se):.2f}-{max(se):.2f}% |"
        )
    for th, g in allg.items():
        g = np.abs(np.array(g))
        if g.size == 0:
            continue
        print(f"{th}: mean |gap| {g.mean():.2f}%, max {g.max():.2f}% over {g.size} points")
    done = [r for r in rows if np.isfinite(r["structured"])]
    if done:
        z = [(r["sim"] - r["structured"]) / r["sim_se"] for r in done]
        ok = sum(
            abs(r["sim"] / r["structured"] - 1) <= max(0.02, 3 * r["sim_se"] / r["structured"])
            for r in done
        )
        print(
            f"structured: max |gap|/SE {np.max(np.abs(z)):.1f}, mean gap/SE {np.mean(z):+.2f}, "
            f"within max(2%, 3 SE): {ok}/{len(z)}"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "table":
        table(sys.argv[2:])
        return
    command = sys.argv.pop(1) if len(sys.argv) > 1 else ""
    commands = {
        "gap": gap, "ingredients": ingredients, "ladder": ladder, "jensen": jensen,
        "decompose": decompose, "fill": fill, "signs": sign_ingredients,
    }  # fmt: skip
    if command not in commands:
        raise SystemExit(f"usage: structured_bulk.py {'|'.join(commands)}|table ...")
    ap = arguments([1.0, 2.0, 3.0, 4.0], 10)
    ap.add_argument("--alpha0", type=float, default=2.0)
    ap.add_argument("--seed-start", type=int, default=0)
    ap.add_argument(
        "--no-conditional", action="store_true", help="gap: skip the conditional theory"
    )
    if command not in ("gap", "fill") and "--out" not in sys.argv:
        sys.argv += ["--out", "-"]  # only `gap` writes a file
    commands[command](ap.parse_args())


if __name__ == "__main__":
    main()
