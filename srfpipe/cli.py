"""Command line: `srfpipe theory` (asymptotic sRF learning curves), `srfpipe simulate` (the
same simulated, mean and standard error over seeds), `srfpipe manifest` (a run's artifacts)
and `srfpipe plan` (a run's cost, before it): a thin layer over `srfpipe.api`.

Flags are the config keys with dashes (`--readout-init` is `readout_init`). A bad value, or
a flag the others leave unused, exits with code 2 and one line `srfpipe: error: --flag: ...`
naming the flag, the value and what is allowed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from srfpipe import api
from srfpipe.config import ConfigError, bounds, in_range, interval, schema, size_problems
from srfpipe.functions import ACTIVATIONS, TARGET_NAMES, target
from srfpipe.linalg.parallel import one_blas_thread
from srfpipe.models import FROM_STEP, MODELS, models_needing
from srfpipe.problem import INIT_OUTPUTS, LAM_SCALES, READOUT_INITS, SRF, W0_ROWS, Problem
from srfpipe.resources import conditional_cost, simulate_memory_mb
from srfpipe.store import manifest
from srfpipe.theory.coverage import several_types
from srfpipe.theory.fixed_point import CURVE_OUTPUTS as RECORD_FIELDS
from srfpipe.theory.optimize import COARSE_POINTS
from srfpipe.theory.structured import BULKS

DEFAULT = Problem()
"""Defaults of the problem flags: those of `Problem`, which equal the config schema's."""
MEAN_FIELDS = {
    f"{name}{sem}": f"{name}{sem or '_mean'}"
    for name in ("test_error", "train_error", "readout_sq_norm")
    for sem in ("", "_sem")
}
TABLE_FIELDS = (
    "alpha", "lam", "eta_opt", "lam_opt", "test_error", "train_error", "readout_sq_norm",
    "converged", "at_bound",
)  # fmt: skip
OPTIMUM_FIELDS = {
    "lam": ("lam_opt", "test_error", "at_bound"),
    "eta": ("eta_opt", "lam_opt", "test_error", "at_bound"),
}
STEPPED_MODELS = models_needing("w1")
"""Models whose first layer reads the trained `W1` after every step."""


class UsageError(Exception):
    """A bad command-line value; the message names the flag, the value and what is allowed."""


class _Help(argparse.HelpFormatter):
    """Help stating each default once: none for None (the text says what applies) or False."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """Errors as a single line on stderr, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"srfpipe: error: {message}\n")


@dataclass(frozen=True)
class Spec:
    """Validated flags: the problem, the grids, and the sRF (`--spike/--gamma`) or the step
    size (`--eta`), each None when not given."""

    problem: Problem
    lam: tuple[float, ...]
    alpha: tuple[float, ...]
    srf: SRF | None
    eta: float | None

    def resolved_srf(self) -> SRF:
        """The sRF: as given, or the network map's (docs/model.md)."""
        if self.srf is not None:
            return self.srf
        if self.eta is None:
            raise UsageError("--spike/--gamma: give both, or --eta and --alpha0 instead")
        return api.srf_of(self.problem, eta=self.eta)

    def params(self) -> dict:
        """The inputs as JSON, named as in the config (with the sRF actually used)."""
        pb = self.problem
        out = {
            "activation": pb.activation,
            "target": pb.target_json(),
            "target_label": pb.target.describe(),
            "noise": pb.noise,
            "beta": pb.beta,
            "lam": list(self.lam),
            "alpha": list(self.alpha),
            "readout_init": pb.readout_init,
            "init_output": pb.init_output,
            "w0_rows": pb.w0_rows,
            "lam_scale": pb.lam_scale,
            "eta": self.eta,
            "alpha0": pb.alpha0,
        }
        if self.srf is not None or self.eta is not None:
            srf = self.resolved_srf()
            out |= {"r": srf.r, "gamma": srf.gamma, "bulk_scale": srf.bulk_scale}
            if srf.bulk_slope:
                out["bulk_slope"] = srf.bulk_slope
        return out


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the problem flags shared by `theory` and `simulate`."""
    g = parser.add_argument_group("model")
    g.add_argument("--activation", default=DEFAULT.activation, help=f"one of {sorted(ACTIVATIONS)}")
    g.add_argument("--target", default="tanh", help=f"one of {list(TARGET_NAMES)}")
    g.add_argument("--target-scale", help="c in g(z) = NAME(c z), > 0 (default: 1)")
    g.add_argument(
        "--target-coefficients",
        help="c0,c1,... of a hermite target: g(z) = sum c_k He_k(z)/sqrt(k!), |c_k| <= 1e6",
    )
    g.add_argument("--noise", default=str(DEFAULT.noise), help="label noise variance Delta >= 0")
    g.add_argument("--beta", default="2", help="width ratio p/d > 0")
    g.add_argument("--lam", help="ridge penalty(ies) > 0, comma list (default: 0.1)")
    g.add_argument("--alpha", default="0.5,1,2,4", help="sample ratio(s) n/d > 0, comma list")
    g.add_argument("--readout-init", default=DEFAULT.readout_init, help=f"one of {READOUT_INITS}")
    g.add_argument("--init-output", default=DEFAULT.init_output, help=f"one of {INIT_OUTPUTS}")
    g.add_argument("--w0-rows", default=DEFAULT.w0_rows, help=f"one of {W0_ROWS}")
    g.add_argument(
        "--lam-scale",
        default=DEFAULT.lam_scale,
        help=f"one of {LAM_SCALES}: features is the paper's (Phi^T Phi + lam p I)",
    )
    s = parser.add_argument_group("spike (either --spike and --gamma, or --eta and --alpha0)")
    s.add_argument("--spike", help="spike strength r >= 0 (u = r a)")
    s.add_argument("--gamma", help="overlap v.theta in [0, 1]")
    s.add_argument("--bulk-scale", help="bulk scale c > 0 of c W0 + u v^T (default: 1)")
    s.add_argument("--eta", help="learning rate eta >= 0 (the network map: r, gamma, c_W)")
    s.add_argument("--alpha0", help="first-step batch ratio n0/d > 0")
    s.add_argument(
        "--steps",
        help="giant steps, each on a fresh batch of alpha0 d samples (default: 1); more than "
        f"1 only for the networks themselves (theory --conditional, simulate --model "
        f"{'/'.join(STEPPED_MODELS)})",
    )


def _number(
    flag: str, text: str, low: float, high: float = math.inf, strict: bool = False
) -> float:
    """Parse one float in `[low, high]` (`(low, high]` if strict) or raise UsageError."""
    rng = interval(low, high, strict)
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a number; allowed: {rng}") from None
    if not in_range(value, low, high, strict):
        raise UsageError(f"{flag}: {text!r} is out of range; allowed: {rng}")
    return value


def _numbers(
    flag: str, text: str, low: float, high: float = math.inf, strict: bool = False
) -> tuple[float, ...]:
    items = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in items):
        raise UsageError(f"{flag}: {text!r} is not a comma-separated list of numbers")
    return tuple(_number(flag, t, low, high, strict) for t in items)


def _integer(flag: str, text: str, low: float, high: float = math.inf, strict: bool = False) -> int:
    """Parse one integer in `[low, high]` (`10.7` is refused, not truncated)."""
    value = _number(flag, text, low, high, strict)
    if not value.is_integer():
        raise UsageError(
            f"{flag}: {text!r} is not an integer; allowed: integers in [{low:g}, {high:g}]"
        )
    return int(value)


def _flag(key: str) -> str:
    """The flag of config `key`: `--` and dashes (`target.name` is `--target`)."""
    return "--" + key.removesuffix(".name").replace(".", "-").replace("_", "-")


def _flagged(message: str) -> str:
    """A `key: why` message of the config or `Problem`, with the key's flag."""
    key, _, why = message.partition(": ")
    return f"{_flag(key)}: {why}"


def _given(text: str | None, default: str) -> str:
    """The flag's text, or `default` when it was not given."""
    return default if text is None else text


def _config(key: str, text: str | None, parse: Callable = _number, default: str | None = None):
    """`parse` the flag of config `key` within the schema's `bounds`; when the flag is not
    given (None), `default` (None stays None)."""
    text = default if text is None else text
    return None if text is None else parse(_flag(key), text, *bounds(key))


def _unused(flag: str, value: object, why: str) -> None:
    """Refuse `flag` when it was given (not None/False): the other flags leave it unused."""
    if value not in (None, False):
        raise UsageError(f"{flag}: {why}")


@contextmanager
def _refused(flags: str, bulk: str = "isotropic") -> Iterator[None]:
    """A ValueError of the theory (a problem it does not cover) as a UsageError naming
    `flags`, or `--bulk structured` for the structured bulk's coverage."""
    try:
        yield
    except ValueError as err:
        if bulk == "structured" and "structured bulk" in str(err):
            flags = "--bulk structured"
        raise UsageError(f"{flags}: {err}") from None


THEORY_FLAGS = "--readout-init/--activation/--init-output"
"""The flags a problem the theory does not cover is refused under."""


def spec_from_args(args: argparse.Namespace) -> Spec:
    """Validate the shared flags into a Spec (raises UsageError)."""
    if args.target == "hermite" and args.target_coefficients is None:
        raise UsageError("--target-coefficients: required with --target hermite (e.g. 0,1,0,0.5)")
    spike_given = args.spike is not None or args.gamma is not None
    map_given = args.eta is not None or args.alpha0 is not None
    if spike_given and map_given:
        raise UsageError("--spike/--gamma and --eta/--alpha0 are exclusive; give one pair")
    if spike_given and (args.spike is None or args.gamma is None):
        raise UsageError("--spike/--gamma: give both")
    if map_given and (args.eta is None or args.alpha0 is None):
        raise UsageError("--eta/--alpha0: give both")
    if not spike_given:
        _unused("--bulk-scale", args.bulk_scale, "only with --spike/--gamma (--eta uses c_W)")
    if not map_given:
        _unused("--steps", args.steps, "only with --eta/--alpha0 (the steps' rate and batch)")
    try:  # `Problem` checks the problem's values, naming their config keys
        problem = Problem(
            activation=args.activation,
            target=target(
                args.target,
                _config("target.scale", args.target_scale, default="1"),
                _config("target.coefficients", args.target_coefficients, _numbers),
            ),
            noise=_config("noise", args.noise),
            beta=_config("beta", args.beta),
            readout_init=args.readout_init,
            init_output=args.init_output,
            w0_rows=args.w0_rows,
            lam_scale=args.lam_scale,
            alpha0=_config("alpha0", args.alpha0),
            steps=_config("steps", args.steps, _integer, default="1"),
        )
    except ValueError as err:
        raise UsageError(_flagged(str(err))) from None
    srf = None
    if spike_given:
        srf = SRF(
            _number("--spike", args.spike, 0.0),
            _number("--gamma", args.gamma, 0.0, high=1.0),
            _number("--bulk-scale", _given(args.bulk_scale, "1"), 0.0, strict=True),
        )
    return Spec(
        problem=problem,
        lam=_config("lam", args.lam, _numbers, default="0.1"),
        alpha=_config("alpha", args.alpha, _numbers),
        srf=srf,
        eta=_config("eta", args.eta),
    )


def _clean(value: float | int) -> float | int | None:
    """JSON has no NaN: unconverged values become null."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def print_records(params: dict, records: list[dict], as_json: bool) -> None:
    """Print `{"params", "records"}` as one JSON object, or records as an aligned table."""
    if as_json:
        out = {"params": params, "records": [{k: _clean(v) for k, v in r.items()} for r in records]}
        print(json.dumps(out))
        return
    cols = [c for c in (*TABLE_FIELDS, "test_error_sem") if records and c in records[0]]
    cells = [
        [f"{r[c]:.6g}" if isinstance(r[c], float) else str(r[c]) for c in cols] for r in records
    ]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    for row in [cols, *cells]:
        print("  ".join(x.rjust(w) for x, w in zip(row, widths, strict=True)))


def _grid_records(ds: xr.Dataset, fields: dict[str, str]) -> list[dict]:
    """One record per (alpha, lam) of `ds`: `alpha`, `lam`, then `{key: ds[var]}` per `fields`
    item (`MEAN_FIELDS`: the `*_mean` of each error and its `*_sem`)."""
    records = []
    for alpha in ds.alpha.values:
        for lam in ds.lam.values:
            point = ds.sel(alpha=alpha, lam=lam)
            rec = {"alpha": float(alpha), "lam": float(lam)}
            records.append(rec | {k: point[v].values.item() for k, v in fields.items()})
    return records


def _print_means(spec: Spec, ds: xr.Dataset, args: argparse.Namespace, params: dict) -> None:
    """Print the mean and standard error over seeds of `ds` with `spec`'s and `params`."""
    params = spec.params() | params
    if spec.problem.steps > 1:
        params["steps"] = spec.problem.steps
    print_records(params, _grid_records(ds, MEAN_FIELDS), args.json)


def _dimension(args: argparse.Namespace, problem: Problem) -> int | None:
    """`--d` of `srfpipe theory` (the finite-d cost of several neuron types), None if not
    given; refused where it would be unused."""
    if args.d is None:
        return None
    if not several_types(problem):
        raise UsageError(
            "--d: unused: the theory depends on d only when neurons come in several types "
            "(--readout-init gaussian, or rademacher with a non-odd --activation), or with "
            "--conditional"
        )
    return _integer("--d", args.d, bounds("d")[0])


def _one_step(spec: Spec) -> Spec:
    """`spec`, refused if it has several steps: the sRF map and its theory describe one."""
    if spec.problem.steps > 1:
        raise UsageError(
            f"--steps: {spec.problem.steps}: the sRF map and its theory describe one step; "
            "more than 1 only with --conditional"
        )
    return spec


def _bulk(args: argparse.Namespace, spec: Spec | None = None) -> str:
    """`--bulk`, refused where no step's bulk is computed."""
    if args.bulk is None:
        return "isotropic"
    if args.conditional:
        raise UsageError("--bulk: unused by --conditional, which measures each network's bulk")
    if spec is not None and spec.eta is None:
        raise UsageError("--bulk: the bulk of a step: needs --eta and --alpha0, not --spike")
    return args.bulk


def _progress(args: argparse.Namespace, what: str) -> api.Progress | None:
    """One line per seed or point on stderr (`api.progress_printer`), none with --quiet."""
    return None if args.quiet else api.progress_printer(what)


def run_theory(args: argparse.Namespace) -> None:
    """`srfpipe theory`: asymptotic errors on the alpha x lam grid, on one BLAS thread (the
    theory's matrices are small: threaded BLAS only spins on them, 10x the CPU in issue 19)."""
    with one_blas_thread():
        _run_theory(args)


def _run_theory(args: argparse.Namespace) -> None:
    _bulk(args)
    if args.optimize != "eta":
        _unused("--eta-max", args.eta_max, "only with --optimize eta")
    if args.optimize is not None:
        return run_optimum(args)
    spec = spec_from_args(args)
    if args.conditional:
        return run_conditional(spec, args)
    _unused("--seeds", args.seeds, "only with --conditional")
    _one_step(spec)
    bulk = _bulk(args, spec)
    dimension = _dimension(args, spec.problem)
    with _refused(THEORY_FLAGS, bulk):
        if bulk == "structured":
            kw = {"eta": spec.eta, "bulk": bulk}
        else:
            kw = {"srf": spec.resolved_srf(), "dimension": dimension}
        ds = api.theory_curve(spec.problem, lam=spec.lam, alpha=spec.alpha, **kw)
    params = spec.params() | ({"bulk": bulk} if spec.eta is not None else {})
    print_records(params, _grid_records(ds, {f: f for f in RECORD_FIELDS}), args.json)


def run_optimum(args: argparse.Namespace) -> None:
    """`srfpipe theory --optimize lam|eta`: the best lambda (or eta and lambda) per alpha."""
    why = f"unused by --optimize {args.optimize}"
    if args.lam is not None:  # scripts written for the older CLI pass it: a note, not an error
        print("srfpipe theory: --lam unused: --optimize searches lambda", file=sys.stderr)
    _unused("--conditional", args.conditional, f"{why}, which optimizes the asymptotic theory")
    _unused("--seeds", args.seeds, f"{why} (only with --conditional)")
    if args.optimize == "eta":
        if args.eta is not None or args.spike is not None:
            raise UsageError("--optimize eta: give --alpha0 (the map), not --eta or --spike")
        args = argparse.Namespace(**vars(args) | {"eta": "0"})
        eta_max = _number(
            "--eta-max", _given(args.eta_max, "8"), 0.0, bounds("eta")[1], strict=True
        )
    spec = _one_step(spec_from_args(args))
    bulk = _bulk(args, spec if args.optimize == "lam" else None)
    dimension = _dimension(args, spec.problem)
    with _refused(THEORY_FLAGS, bulk):
        if args.optimize == "lam" and bulk == "structured":
            ds = api.optimal_lam(spec.problem, eta=spec.eta, alpha=spec.alpha, bulk=bulk)
        elif args.optimize == "lam":
            ds = api.optimal_lam(
                spec.problem, srf=spec.resolved_srf(), alpha=spec.alpha, dimension=dimension
            )
        else:
            ds = api.optimal_eta(
                spec.problem,
                alpha=spec.alpha,
                eta_max=eta_max,
                points=COARSE_POINTS,
                bulk=bulk,
                dimension=dimension,
                progress=_progress(args, "srfpipe theory --optimize eta: point"),
            )
    records = [
        {"alpha": float(a)}
        | {f: ds[f].sel(alpha=a).values.item() for f in OPTIMUM_FIELDS[args.optimize]}
        for a in ds.alpha.values
    ]
    params = spec.params() | {"optimize": args.optimize, "bulk": bulk}
    params.pop("lam")
    if args.optimize == "eta":
        params = {k: v for k, v in params.items() if k not in ("eta", "r")} | {"eta_max": eta_max}
    print_records(params, records, args.json)


def conditional_problems(problem: Problem, d: int, alpha: Sequence[float]) -> list[str]:
    """Why `srfpipe theory --conditional` at size d is refused before any work: sizes, and
    memory above the schema's default `mem_limit_mb`."""
    if errors := [_flagged(e) for e in size_problems(problem, d, alpha)]:
        return errors
    limit = schema()["properties"]["mem_limit_mb"]["default"]
    need, _ = conditional_cost(problem, d)
    if need <= limit:
        return []
    return [
        f"--d: {d} needs about {need:.0f} MB for the conditional theory (a first layer of "
        f"p x d = {problem.p(d)} x {d}, the step and an eigendecomposition of size "
        f"min(p, d)) > limit {limit:g} MB (mem_limit_mb); lower --d or --beta"
    ]


def run_conditional(spec: Spec, args: argparse.Namespace) -> None:
    """`srfpipe theory --conditional`: the conditional theory of the networks of
    `srfpipe simulate --model network` (mean and standard error over seeds)."""
    if spec.eta is None:
        raise UsageError("--conditional: needs --eta and --alpha0")
    d = _config("d", args.d, _integer, default="500")
    seeds = _integer("--seeds", _given(args.seeds, "4"), 1.0)
    if problems := conditional_problems(spec.problem, d, spec.alpha):
        raise UsageError("; ".join(problems))
    mb, flops = conditional_cost(spec.problem, d)
    if flops > 1e11 and not args.quiet:  # more than about ten seconds a seed
        minutes = seeds * flops / 60 / np.array([1e10, 1e9])  # at 10 and 1 GFLOP/s
        print(
            f"srfpipe theory --conditional: about {mb:.0f} MB, {flops:.1e} flop a seed (d={d}, "
            f"{seeds} seeds): {minutes[0]:.0f}-{minutes[1]:.0f} min",
            file=sys.stderr,
        )
    with _refused("--conditional"):
        ds = api.conditional_curve(
            spec.problem,
            eta=spec.eta,
            d=d,
            seeds=seeds,
            lam=spec.lam,
            alpha=spec.alpha,
            progress=_progress(args, "srfpipe theory --conditional: seed"),
        )
    _print_means(spec, ds, args, {"model": "network (conditional theory)", "d": d, "seeds": seeds})


def run_simulate(args: argparse.Namespace) -> None:
    """`srfpipe simulate`: mean and standard error over seeds of one model's errors."""
    spec = spec_from_args(args)
    model = args.model
    if model not in MODELS:
        raise UsageError(f"--model: {model!r} is not allowed; allowed: {', '.join(MODELS)}")
    d = _config("d", args.d, _integer)
    seeds = _integer("--seeds", args.seeds, 1.0)
    test_size = _config("test_size", args.test_size, _integer)
    threads = _config("threads", args.threads, _integer)
    mem_limit = _config("mem_limit_mb", args.mem_limit_mb)
    needs = MODELS[model].needs
    if needs == "w0" and (spec.srf is not None or spec.eta is not None):
        raise UsageError(
            f"--model {model}: random features at initialisation use neither --spike/--gamma "
            "nor --eta/--alpha0"
        )
    if needs == "srf" and spec.srf is None:
        raise UsageError(f"--model {model}: needs --spike and --gamma")
    if needs in FROM_STEP and spec.eta is None:
        raise UsageError(f"--model {model}: needs --eta and --alpha0")
    if needs == "w0" and spec.problem.readout_init != DEFAULT.readout_init:
        raise UsageError(f"--readout-init: unused by --model {model} (features of W0 alone)")
    if model not in STEPPED_MODELS:
        stepped = f"only with --model {' or '.join(STEPPED_MODELS)}"
        if spec.problem.steps > 1:
            raise UsageError(
                f"--steps: --model {model} does not use steps after the first; more than 1 "
                + stepped
            )
        if spec.problem.init_output == "full":
            raise UsageError(
                f"--init-output: 'full' changes only the step's residual, unused by --model "
                f"{model}; 'full' " + stepped
            )
    if problems := size_problems(spec.problem, d, spec.alpha):
        raise UsageError("; ".join(map(_flagged, problems)))
    need = simulate_memory_mb(spec.problem, d, spec.alpha, test_size, threads)
    if need > mem_limit:
        raise UsageError(
            f"--mem-limit-mb: this simulation needs about {need:.0f} MB > limit {mem_limit:g} MB "
            f"(--d {d}, --beta {spec.problem.beta:g}, max --alpha {max(spec.alpha):g}, "
            f"--test-size {test_size}, --threads {threads}); lower them or raise --mem-limit-mb"
        )
    ds = api.simulate(
        spec.problem,
        model,
        d=d,
        seeds=seeds,
        alpha=spec.alpha,
        lam=spec.lam,
        test_size=test_size,
        eta=spec.eta,
        srf=spec.srf,
        threads=threads,
        progress=_progress(args, "srfpipe simulate: seed"),
    )
    _print_means(spec, ds, args, {"model": model, "d": d, "seeds": seeds, "test_size": test_size})


def run_manifest(args: argparse.Namespace) -> int:
    """`srfpipe manifest`: which parameters every artifact under a results folder holds;
    unreadable files are skipped and named on stderr, with exit code 1."""
    try:
        found = manifest(args.root)
    except FileNotFoundError as err:
        raise UsageError(f"root: {err}") from None
    records = [r for r in found if "error" not in r]
    for rec in found:
        if "error" in rec:
            print(f"srfpipe: skipped {rec['error']}", file=sys.stderr)
    if args.json:
        print(json.dumps(records, indent=1))
    else:
        for rec in records:
            p = rec["params"]
            short = {k: p[k] for k in ("d", "p", "eta", "seed", "n0") if k in p}
            print(f"{rec['stage']:<10} {rec['path']}  {json.dumps(short)}")
    return 1 if len(records) < len(found) else 0


def run_plan(args: argparse.Namespace) -> int:
    """`srfpipe plan`: jobs, CPU time, memory and wall time of a workflow run, before it."""
    from srfpipe.plan import DEFAULT_RATES, PlanError, make_plan

    if args.config_path and args.configfile:
        raise UsageError("--configfile: give the config file once (positional or --configfile)")
    try:
        cores = int(args.cores)
    except ValueError:
        raise UsageError(f"--cores: must be an integer >= 1, got {args.cores!r}") from None
    path = args.config_path or args.configfile
    rates = DEFAULT_RATES if args.no_calibrate else None
    try:
        plan = make_plan(path, args.config or (), cores, rates)
    except PlanError as err:
        raise UsageError(str(err)) from None
    except ConfigError as err:
        raise UsageError(f"config: {err}") from None
    print(plan.text())
    return 0


def _output_flags(parser: argparse.ArgumentParser, progress: str) -> None:
    """`--json`, and `--quiet` (no progress lines on stderr: `progress`)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quiet", action="store_true", help=f"no progress lines on stderr ({progress})"
    )


def build_parser() -> argparse.ArgumentParser:
    """The `srfpipe` parser with its subcommands."""
    parser = _Parser(prog="srfpipe", description="srfpipe command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    theory = sub.add_parser(
        "theory", help="asymptotic sRF ridge learning curves", formatter_class=_Help
    )
    add_model_arguments(theory)
    _output_flags(theory, "--conditional: one per seed; --optimize eta: per point")
    theory.add_argument(
        "--conditional",
        action="store_true",
        help="theory of the networks of `simulate --model network` (needs --eta --alpha0)",
    )
    theory.add_argument(
        "--d",
        help="input dimension, an integer >= 8: the finite-d cost of several neuron types "
        "(a Gaussian readout, or +-1 with a non-odd sigma; else d -> inf), or with "
        "--conditional the networks' size (default there: 500)",
    )
    theory.add_argument("--seeds", help="with --conditional: number of seeds >= 1 (default: 4)")
    theory.add_argument(
        "--optimize",
        choices=("lam", "eta"),
        help="best lambda per alpha (bounded search; no --lam), or best eta and lambda "
        "per alpha through the map (needs --alpha0, searches eta in [0, --eta-max])",
    )
    theory.add_argument(
        "--eta-max", help="with --optimize eta: upper end of the eta search, > 0 (default: 8)"
    )
    theory.add_argument(
        "--bulk",
        choices=BULKS,
        help="the one-step network's bulk (with --eta/--alpha0 or --optimize eta): isotropic "
        "c_W W0 (the paper's Result 3.3) or structured (docs/theory.md section 14) "
        "(default: isotropic)",
    )
    theory.set_defaults(func=run_theory)
    sim = sub.add_parser(
        "simulate", help="simulated ridge learning curves (mean over seeds)", formatter_class=_Help
    )
    add_model_arguments(sim)
    sim.add_argument("--model", default="srf", help=f"one of {list(MODELS)}")
    sim.add_argument("--d", default="500", help="input dimension >= 8")
    sim.add_argument("--seeds", default="4", help="number of seeds >= 1 (seeds 0..K-1)")
    sim.add_argument("--test-size", default="5000", help="test-set size >= 10")
    sim.add_argument(
        "--threads",
        default=str(os.cpu_count() or 1),
        help="threads >= 1 (results do not depend on it)",
    )
    sim.add_argument(
        "--mem-limit-mb",
        default=str(schema()["properties"]["mem_limit_mb"]["default"]),
        help="refuse sizes whose estimated memory exceeds this",
    )
    _output_flags(sim, "one per seed")
    sim.set_defaults(func=run_simulate)
    man = sub.add_parser("manifest", help="list artifacts and their parameters")
    man.add_argument("root", nargs="?", default="results", help="results folder")
    man.add_argument("--json", action="store_true", help="full parameters as JSON")
    man.set_defaults(func=run_manifest)
    plan = sub.add_parser(
        "plan",
        help="estimated CPU time, memory and wall time of a workflow run, before it",
        formatter_class=_Help,
    )
    plan.add_argument(
        "config_path",
        nargs="?",
        type=Path,
        help="config file, as snakemake --configfile (default: ./config.yaml, else the "
        "repository's)",
    )
    plan.add_argument("--configfile", type=Path, help="the same, as a flag")
    plan.add_argument(
        "--config", nargs="+", metavar="KEY=VALUE", help="overrides, as snakemake --config"
    )
    plan.add_argument("--cores", default="2", help="cores of the run, an integer >= 1")
    plan.add_argument(
        "--no-calibrate",
        action="store_true",
        help="use the stored rates of the project's machine instead of timing this one",
    )
    plan.set_defaults(func=run_plan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on a bad flag value, 1 on skipped files)."""
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args) or 0
        sys.stdout.flush()
    except UsageError as err:
        print(f"srfpipe: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
