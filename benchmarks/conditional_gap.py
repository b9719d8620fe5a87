"""Network vs conditional theory vs sRF theory (c_W): which ingredient closes the gap.

For each eta and seed, the one-step network of `srfpipe simulate --model network` (same
`SeedDraw`), its test error (simulation) and the conditional theory of its `W1` with growing
sets of empirical ingredients (docs/theory.md section 13). Prints one JSON line per
(eta, alpha, lam) with means and standard errors over seeds; paired gaps are per seed.

    python benchmarks/conditional_gap.py --eta 1 2 3 4 --d 1000 --seeds 10 --out gap.jsonl

Other students and teachers (defaults: `PROBLEM`), e.g.
`--activation relu --readout-init constant --target hermite --target-coefficients 0,1,1`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np

from srfpipe.functions import target
from srfpipe.models import MODELS
from srfpipe.problem import Problem
from srfpipe.simulation import SeedDraw, seed_errors
from srfpipe.theory.conditional import conditional_curve
from srfpipe.theory.curves import learning_curve
from srfpipe.theory.network_map import network_map

LADDER = {
    "split": (),
    "spectrum": ("spectrum",),
    "projections": ("spectrum", "projections"),
    "conditional": ("spectrum", "projections", "rows"),
}
"""Cumulative ingredient sets; "split" is the sRF theory at the split's `(r, gamma, c)`."""


PROBLEM = Problem(
    activation="tanh", target=target("tanh", 2.0, []), noise=0.1, beta=1.5, alpha0=2.0
)
"""tanh, `tanh(2z)`, `Delta = 0.1`, `beta = 1.5`, `alpha0 = 2`, Rademacher readout."""


def arguments(etas: list[float], seeds: int) -> argparse.ArgumentParser:
    """The grid, size, seeds and output flags shared with `two_steps.py`."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--eta", type=float, nargs="+", default=etas)
    ap.add_argument("--alpha", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0])
    ap.add_argument("--lam", type=float, nargs="+", default=[0.05, 0.5])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=seeds)
    ap.add_argument("--test-size", type=int, default=5000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--activation", default=PROBLEM.activation)
    ap.add_argument("--readout-init", default=PROBLEM.readout_init)
    ap.add_argument("--target", default=PROBLEM.target.name)
    ap.add_argument("--target-scale", type=float, default=PROBLEM.target.scale)
    ap.add_argument("--target-coefficients", default="", help="comma-separated, for hermite")
    return ap


def problem(args: argparse.Namespace) -> Problem:
    """`PROBLEM` with the activation, target and readout init of the command line."""
    coefficients = [float(c) for c in args.target_coefficients.split(",") if c.strip()]
    return dataclasses.replace(
        PROBLEM,
        activation=args.activation,
        readout_init=args.readout_init,
        target=target(args.target, args.target_scale, coefficients),
    )


def main() -> None:
    args = arguments([1.0, 2.0, 3.0, 4.0], 10).parse_args()
    pb = problem(args)
    lam, alpha = args.lam, args.alpha
    for eta in args.eta:
        srf = learning_curve(pb, network_map(pb, eta).srf, lam=lam, alpha=alpha).test_error
        sim, theory = [], {k: [] for k in LADDER}
        for seed in range(args.seeds):
            errs = seed_errors(
                pb, lambda s: [MODELS["network"].layer(s)], args.d, seed,
                alpha=alpha, lam=lam, test_size=args.test_size, eta=eta,
            )  # fmt: skip
            sim.append(errs["test_error"][0])
            draw = SeedDraw(pb, args.d, seed, eta=eta)
            for name, ingredients in LADDER.items():
                ds = conditional_curve(
                    pb, draw.w1, draw.theta, lam=lam, alpha=alpha, ingredients=ingredients
                )
                theory[name].append(ds.test_error.values)
        sim_arr = np.array(sim)
        with open(args.out, "a") as fh:
            for i, a in enumerate(alpha):
                for j, lm in enumerate(lam):
                    row = {"eta": eta, "alpha": a, "lam": lm, "d": args.d, "seeds": args.seeds}
                    row |= {"activation": pb.activation, "readout_init": pb.readout_init}
                    row["target"] = pb.target_json()
                    row["sim"] = float(sim_arr[:, i, j].mean())
                    row["sim_se"] = float(sim_arr[:, i, j].std(ddof=1) / np.sqrt(args.seeds))
                    row["srf"] = float(srf.values[i, j])
                    for name, vals in theory.items():
                        v = np.array(vals)[:, i, j]
                        row[name] = float(v.mean())
                        row[name + "_se"] = float(v.std(ddof=1) / np.sqrt(args.seeds))
                        diff = sim_arr[:, i, j] - v
                        row[name + "_paired_se"] = float(diff.std(ddof=1) / np.sqrt(args.seeds))
                    fh.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
