"""Shared helpers of the benchmark scripts: experiment set-up, interleaved timing, tables.

Timings are the minimum over interleaved repeats (the cases take turns), so a burst of load
from another process hits every case alike and the ratios printed survive noisy machines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from srfpipe.config import Experiment
from srfpipe.keys import stage_params

REPO = Path(__file__).resolve().parents[1]


def experiment(**overrides: Any) -> Experiment:
    """The default experiment (`config.yaml`) with some fields replaced."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    return Experiment.from_config(config | overrides)


def params(exp: Experiment, stage: str, seed: int) -> dict[str, Any]:
    """Stage parameters with the seed, as the rules pass them (the artifact's params)."""
    return stage_params(exp, stage) | {"seed": seed}


def lambda_grid(count: int) -> list[float]:
    """`count` log-spaced ridge penalties from 1e-4 to 10."""
    return np.logspace(-4, 1, count).tolist()


def interleaved(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Minimum wall time (s) of each case over `repeats` rounds, one call per case a round."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(repeats):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Plain-text table: text left-aligned, numbers right-aligned with 3 decimals."""

    def cell(v: object) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row, raw in zip(cells, rows, strict=True):
        just = [
            c.ljust(w) if isinstance(v, str) else c.rjust(w)
            for c, w, v in zip(row, widths, raw, strict=True)
        ]
        lines.append("  ".join(just))
    return "\n".join(lines)
