"""The notebook API (docs/api.md): what `srfpipe theory`/`simulate` and the workflow compute,
as xarray Datasets named as the workflow's artifacts. Theory curves: dims ("alpha", "lam"),
`test_error` (noise included), `train_error`, `readout_sq_norm`, `converged`, `m_s`, ...;
simulations: dims ("model", "seed", "alpha", "lam"), the errors and their `*_mean`/`*_sem`
over seeds. `progress(done, total)` callbacks report the long loops.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import xarray as xr
import yaml

from srfpipe import simulation
from srfpipe.config import Experiment, bounds, size_problems
from srfpipe.functions import target as target  # re-exported
from srfpipe.keys import stage_key
from srfpipe.linalg.parallel import job_threads
from srfpipe.models import FROM_STEP, THEORIES, models_needing
from srfpipe.models import MODELS as MODELS  # re-exported
from srfpipe.problem import SRF, Problem
from srfpipe.store import load
from srfpipe.theory import optimize as _optimize
from srfpipe.theory.conditional import conditional_seeds
from srfpipe.theory.curves import learning_curve
from srfpipe.theory.equivalence import target_moments
from srfpipe.theory.learned import mean_function
from srfpipe.theory.network_map import network_map as network_map  # re-exported
from srfpipe.theory.structured import BULKS, step_equations, structured_curve, structured_gap

Progress = Callable[[int, int], None]
"""`progress(done, total)`, called after each seed or point of a long loop."""


def progress_printer(what: str, stream: TextIO | None = None) -> Progress:
    """A progress callback printing one line `{what} 3/6 (4.2 s)` per call on `stream`
    (stderr), so it shows in pipes, log files and SLURM output too."""
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        elapsed = time.perf_counter() - start
        print(f"{what} {done}/{total} ({elapsed:.1f} s)", file=stream or sys.stderr, flush=True)

    return progress


def srf_of(
    problem: Problem, *, eta: float | None = None, srf: SRF | None = None, theory: str = "srf"
) -> SRF:
    """The sRF `(r, gamma, c)` of a theory line: `srf` as given, or the registry theory
    `theory` (`srfpipe.THEORIES`: "srf" the network map's `(r, gamma, c_W)`, "srf_plain"
    the same with `c = 1`, "rf" no spike) of a step of size `eta` (needs `problem.alpha0`)."""
    if (eta is None) == (srf is None):
        raise ValueError("eta/srf: give exactly one (a step size, or a prescribed SRF)")
    if srf is not None:
        return srf
    if theory not in THEORIES:
        raise ValueError(f"theory: unknown value {theory!r}; allowed: {list(THEORIES)}")
    return THEORIES[theory].srf(problem, eta)


def _bulk(problem: Problem, bulk: str, eta: float | None, srf: SRF | None) -> bool:
    """Whether the structured bulk is asked for (checked: a step `eta`, a covered problem)."""
    if bulk not in BULKS:
        raise ValueError(f"bulk: unknown value {bulk!r}; allowed: {list(BULKS)}")
    if bulk == "isotropic":
        return False
    if eta is None or srf is not None:
        raise ValueError("bulk: 'structured' is the bulk of a step: give eta (and alpha0)")
    gap = structured_gap(problem)
    if gap is not None:
        raise ValueError(gap)
    return True


def theory_curve(
    problem: Problem,
    *,
    lam: Sequence[float],
    alpha: Sequence[float],
    eta: float | None = None,
    srf: SRF | None = None,
    theory: str = "srf",
    bulk: str = "isotropic",
    dimension: float | None = None,
) -> xr.Dataset:
    """Asymptotic errors over ("alpha", "lam") of the sRF `srf_of(problem, eta=, srf=,
    theory=)` (RF: `eta=0` or `theory="rf"`); `dimension` d keeps the O(1/d) cost of several
    neuron types (None: d -> inf); `bulk="structured"` (with `eta`): the one-step network's
    structured bulk (docs/theory.md section 14) instead of the sRF's isotropic `c_W W0`."""
    if _bulk(problem, bulk, eta, srf):
        return structured_curve(problem, float(eta), lam=lam, alpha=alpha)  # type: ignore[arg-type]
    return learning_curve(
        problem, srf_of(problem, eta=eta, srf=srf, theory=theory),
        lam=lam, alpha=alpha, dimension=dimension,
    )  # fmt: skip


def learned_function(
    problem: Problem,
    *,
    lam: Sequence[float],
    alpha: Sequence[float],
    eta: float | None = None,
    srf: SRF | None = None,
    kappa: Sequence[float] | None = None,
    bulk: str = "isotropic",
    dimension: float | None = None,
) -> xr.Dataset:
    """The predictor's mean along the spike, `E[f_hat(x) | kappa]` with `kappa = v.x`, from
    the theory of `theory_curve` (`bulk` as there): `theory_mean` over ("alpha", "lam",
    "kappa") and the target's `E[y | kappa]`, `target_mean` over ("kappa",) (as the
    `learned_function` artifact; `kappa` default: 101 points in [-3, 3])."""
    curve = theory_curve(
        problem, lam=lam, alpha=alpha, eta=eta, srf=srf, bulk=bulk, dimension=dimension
    )
    srf = srf_of(problem, eta=eta, srf=srf)
    k = np.linspace(-3.0, 3.0, 101) if kappa is None else np.asarray(kappa, float)
    return xr.Dataset(
        {
            "theory_mean": (("alpha", "lam", "kappa"), mean_function(problem, srf, curve)(k)),
            "target_mean": ("kappa", target_moments(problem.target, srf.gamma, k)[0]),
        },
        coords={"alpha": curve["alpha"].values, "lam": curve["lam"].values, "kappa": k},
        attrs={"r": srf.r, "gamma": srf.gamma, "bulk_scale": srf.bulk_scale},
    )


def optimal_lam(
    problem: Problem,
    *,
    alpha: Sequence[float],
    eta: float | None = None,
    srf: SRF | None = None,
    theory: str = "srf",
    bulk: str = "isotropic",
    dimension: float | None = None,
) -> xr.Dataset:
    """Best ridge per alpha, dims ("alpha",): `lam_opt`, `test_error`, `at_bound` (`bulk`
    as `theory_curve`)."""
    eq = step_equations(problem, eta, bulk=bulk) if _bulk(problem, bulk, eta, srf) else None
    srf = srf_of(problem, eta=eta, srf=srf, theory=theory)
    return _optimize.optimal_lam(problem, srf, alpha, dimension=dimension, eq=eq)


def optimal_eta(
    problem: Problem,
    *,
    alpha: Sequence[float],
    eta_max: float = 8.0,
    points: int = _optimize.COARSE_POINTS,
    bulk: str = "isotropic",
    dimension: float | None = None,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Best step size in `[0, eta_max]` (from a profile of `points`) and ridge per alpha
    through the network map (`bulk` as `theory_curve`): the `optimal_eta` artifact."""
    if not 0 < eta_max < float("inf"):
        raise ValueError(f"eta_max: must be a finite number > 0, got {eta_max}")
    if points < 2:
        raise ValueError(f"points: need at least 2 step sizes, got {points}")
    _bulk(problem, bulk, 0.0, None)
    grid = np.linspace(0.0, eta_max, points)
    return _optimize.optimal_eta(
        problem, alpha, grid, dimension=dimension, bulk=bulk, progress=progress
    )


def conditional_curve(
    problem: Problem,
    *,
    eta: float,
    d: int,
    seeds: int | Sequence[int],
    lam: Sequence[float],
    alpha: Sequence[float],
    progress: Progress | None = None,
) -> xr.Dataset:
    """The conditional theory of the very networks `simulate(..., models=["network"])`
    builds (their own `W1`), over ("seed", "alpha", "lam"), with `*_mean`/`*_sem` of
    `test_error`, `train_error`, `readout_sq_norm` over seeds."""
    seeds, d = _seeds(seeds), _integer("d", d)

    def draws() -> Iterator[simulation.SeedDraw]:  # one network at a time
        for i, seed in enumerate(seeds):
            if progress is not None and i:
                progress(i, len(seeds))
            yield simulation.SeedDraw(problem, d, seed, eta=eta)
        if progress is not None:  # runs once the last seed's theory is done
            progress(len(seeds), len(seeds))

    return conditional_seeds(problem, draws(), lam=lam, alpha=alpha)


def runnable_models(eta: float | None, srf: SRF | None) -> tuple[str, ...]:
    """The registry models a simulation can build (`Model.needs`): those from a step need
    `eta`, a prescribed sRF needs `srf`, a layer of `W0` alone (`rf`) needs neither."""
    step, given = FROM_STEP if eta is not None else (), ("srf",) if srf is not None else ()
    return models_needing("w0", *step, *given)


def simulate(
    problem: Problem,
    models: str | Sequence[str] | None = None,
    *,
    d: int,
    seeds: int | Sequence[int],
    alpha: Sequence[float],
    lam: Sequence[float],
    eta: float | None = None,
    srf: SRF | None = None,
    test_size: int = 5000,
    threads: int = 1,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Ridge errors of registry models (`srfpipe.MODELS`; default: every model that `eta`
    and `srf` allow, `runnable_models`) at input dimension `d`, fitted on the same data per
    seed (seeds `0..K-1` for an int K). Dims ("model", "seed", "alpha", "lam"); one model
    name (a str) drops the "model" dim. `threads` changes the speed, not the numbers."""
    seeds = _seeds(seeds)
    names = runnable_models(eta, srf) if models is None else models
    d, test_size = _integer("d", d), _integer("test_size", test_size)
    threads = _integer("threads", threads)
    problems = size_problems(problem, d, alpha)
    if problems:
        raise ValueError("; ".join(problems))
    with job_threads(threads):  # BLAS on one thread: the same numbers for any count
        return simulation.simulate(
            problem, names, d=d, seeds=seeds, alpha=alpha, lam=lam, test_size=test_size,
            eta=eta, srf=srf, progress=progress,
        )  # fmt: skip


def _integer(key: str, value: int) -> int:
    """`value`, an integer within the config schema's range of `key` (else ValueError)."""
    low, high, _ = bounds(key)
    if isinstance(value, bool) or not float(value).is_integer() or not low <= value <= high:
        raise ValueError(f"{key}: need an integer in [{low:g}, {high:g}], got {value!r}")
    return int(value)


def _seeds(seeds: int | Sequence[int]) -> list[int]:
    """Seeds `0..K-1` for an int K >= 1, else the given seeds."""
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds: need at least 1, got {seeds}")
        return list(range(seeds))
    if any(int(s) < 0 for s in seeds):
        raise ValueError(f"seeds: must be integers >= 0, got {list(seeds)}")
    return [int(s) for s in seeds]


@dataclass(frozen=True)
class Run:
    """The datasets of a workflow run (`load_run`): `curves` (`make_curves`), `learned`
    (`learned_function`), `optimal` (`optimal_eta`), `validation` (`validate_theory`, by d);
    None or empty where the configuration made none."""

    name: str
    config: dict[str, Any]
    curves: xr.Dataset
    learned: xr.Dataset | None = None
    optimal: xr.Dataset | None = None
    validation: dict[int, xr.Dataset] = field(default_factory=dict)


def load_run(name: str = "default", results: str | Path = "results") -> Run:
    """The datasets the workflow made for the run `name` (config key `name`) under the
    folder `results`, found from the configuration it saved (`results/config/<name>.yaml`)."""
    root = Path(results)
    saved = root / "config" / f"{name}.yaml"
    if not saved.is_file():
        runs = sorted(p.stem for p in (root / "config").glob("*.yaml"))
        raise FileNotFoundError(
            f"name: no run {name!r} under {root} (no {saved}); runs there: {runs or 'none'}"
        )
    config = yaml.safe_load(saved.read_text())
    exp = Experiment.from_config(config)

    def optional(path: Path) -> xr.Dataset | None:
        return load(path) if path.is_file() else None

    folder = root / "validation" / stage_key(exp, "validation")
    sizes = config.get("validation", {}).get("d", [])
    found = {int(d): optional(folder / f"d~{d}.nc") for d in sizes}
    return Run(
        name=name,
        config=config,
        curves=load(root / "curves" / f"{name}.nc"),
        learned=optional(root / "learned" / f"{stage_key(exp, 'learned')}.nc"),
        optimal=optional(root / "optimal" / f"{stage_key(exp, 'optimal')}.nc"),
        validation={d: ds for d, ds in found.items() if ds is not None},
    )
