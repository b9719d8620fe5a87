"""Two giant steps (the second on a fresh batch), network vs conditional theory.

The first step is that of `srfpipe simulate --model network` (`SeedDraw`); the second uses
the next `alpha0 d` rows of the seed's step stream, with the same `eta`, readout `a` and
`init_output: zero` (`step.take_steps`, as the workflow with `steps: 2`). Per (eta, seed):
the ridge test error of `sigma(W2 x)` and the conditional theory of `W2` (docs/theory.md
section 13). Writes one JSON line per
(eta, alpha, lam) and, with `--figure`, network (markers) vs conditional theory (lines).

    python benchmarks/two_steps.py --eta 1 2 3 --d 1000 --seeds 6 --out two.jsonl --figure two.png
"""

from __future__ import annotations

import dataclasses
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from conditional_gap import arguments, problem  # noqa: E402

from srfpipe.models import Layer  # noqa: E402
from srfpipe.simulation import SeedDraw, seed_errors  # noqa: E402
from srfpipe.theory.conditional import conditional_curve  # noqa: E402


def main() -> None:
    ap = arguments([1.0, 2.0, 3.0], 6)
    ap.add_argument("--figure")
    args = ap.parse_args()
    pb = dataclasses.replace(problem(args), steps=2)  # the workflow's `steps: 2`
    lam, alpha = args.lam, args.alpha
    rows = []
    for eta in args.eta:
        sim, theory, outliers = [], [], []
        for seed in range(args.seeds):
            draw = SeedDraw(pb, args.d, seed, eta=eta)
            w2 = draw.w1  # after both steps (`step.take_steps`)
            errs = seed_errors(
                pb,
                lambda s, w2=w2: [Layer(w2)],
                args.d,
                seed,
                alpha=alpha,
                lam=lam,
                test_size=args.test_size,
            )
            sim.append(errs["test_error"][0])
            ds = conditional_curve(pb, w2, draw.theta, lam=lam, alpha=alpha, s=draw.net.a)
            theory.append(ds.test_error.values)
            outliers.append(ds.attrs["outliers"])
        sim_arr, th_arr = np.array(sim), np.array(theory)
        for i, a in enumerate(alpha):
            for j, lm in enumerate(lam):
                n = args.seeds
                row = {"eta": eta, "alpha": a, "lam": lm, "d": args.d, "seeds": n}
                row["sim"] = float(sim_arr[:, i, j].mean())
                row["sim_se"] = float(sim_arr[:, i, j].std(ddof=1) / np.sqrt(n))
                row["conditional"] = float(th_arr[:, i, j].mean())
                diff = sim_arr[:, i, j] - th_arr[:, i, j]
                row["paired_se"] = float(diff.std(ddof=1) / np.sqrt(n))
                row["outliers"] = outliers
                rows.append(row)
                print(json.dumps(row), flush=True)
    with open(args.out, "a") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    if args.figure:
        fig, axes = plt.subplots(
            len(lam), len(args.eta), figsize=(2.4 * len(args.eta) + 0.6, 4.4), squeeze=False
        )
        for i, lm in enumerate(lam):
            for j, eta in enumerate(args.eta):
                sel = [r for r in rows if r["lam"] == lm and r["eta"] == eta]
                ax = axes[i, j]
                ax.errorbar(
                    alpha, [r["sim"] for r in sel], yerr=[r["sim_se"] for r in sel], ls="none",
                    marker="o", mfc="none", color="C0", capsize=1.5, label="network, 2 steps",
                )  # fmt: skip
                ax.plot(alpha, [r["conditional"] for r in sel], "C0--", label="conditional theory")
                ax.set_title(rf"$\eta={eta:g}$, $\lambda={lm:g}$")
                ax.set_xlabel(r"$\alpha$")
        axes[0, 0].set_ylabel("test error")
        axes[0, 0].legend()
        fig.tight_layout()
        fig.savefig(args.figure, dpi=150)


if __name__ == "__main__":
    main()
