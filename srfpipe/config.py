"""The experiment configuration: typed view, cross-field checks, per-stage parameters and keys.

`validate_config` is the one validation path: `coerce` turns the strings of Snakemake's
`--config` into the schema's types, the JSON schema (`workflow/schemas/config.schema.yaml`)
checks types, ranges and enums and fills defaults, `nonfinite` refuses NaN and infinities,
and `check` adds what a schema cannot express (`size_problems` is shared with the CLI;
`Problem.__post_init__` checks the problem's values against the same schema).
`stage_params` returns, for each stage, exactly the parameters its artifact depends on
(cumulatively along the chain data -> step -> readout; theory beside it), and `stage_key`
hashes them into the short directory name under `results/<stage>/`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from srfpipe.problem import Problem
from srfpipe.theory.coverage import conditional_gap, several_types, theory_gap

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
"""The JSON schema: the one source of the config's types, ranges, enums and defaults."""


@cache
def schema() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(SCHEMA.read_text())


ALIASES = {"dim": "d"}
"""Long names accepted for one-letter keys (Snakemake refuses `--config d=800`)."""


def _parse(text: str, kind: str) -> Any:
    """`text` read as a value of JSON type `kind` (unchanged if it does not read as one)."""
    import yaml

    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind in ("number", "integer"):
        for conv in (int, float):
            try:
                return conv(text)
            except ValueError:
                pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def coerce(value: Any, node: dict[str, Any]) -> Any:
    """`value` with strings converted to the types the schema `node` asks for, recursively.

    Snakemake's `--config` passes `theory=false` as the string 'false' and the items of
    `eta=[0,1]` as strings; this reads them as the schema's booleans, numbers, lists and
    objects. Values that do not convert are left for the schema to refuse."""
    kind = node.get("type")
    if isinstance(value, str) and kind in ("number", "integer", "boolean", "array", "object"):
        value = _parse(value, kind)
    if kind == "array" and isinstance(value, list):
        return [coerce(v, node.get("items", {})) for v in value]
    if kind == "object" and isinstance(value, dict):
        props = node.get("properties", {})
        return {k: coerce(v, props.get(k, {})) for k, v in value.items()}
    return value


def nonfinite(value: Any, node: dict[str, Any], key: str = "") -> Iterator[str]:
    """One message per NaN or infinity in `value` (JSON schema range checks let NaN pass)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield f"{key or 'config'}: {value} is not a finite number (allowed: {_allowed(node)})"
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nonfinite(v, node.get("items", {}), f"{key}[{i}]")
    elif isinstance(value, dict):
        props = node.get("properties", {})
        for k, v in value.items():
            yield from nonfinite(v, props.get(k, {}), f"{key}.{k}".lstrip("."))


def schema_node(key: str) -> dict[str, Any]:
    """The schema of config `key`, dotted for nested keys (`target.coefficients`)."""
    node: dict[str, Any] = {"properties": schema()["properties"]}
    for part in key.split("."):
        node = node["properties"][part]
    return node


def bounds(key: str) -> tuple[float, float, bool]:
    """`(low, high, low_exclusive)` of a numeric config key (of its items for a list);
    dotted for nested keys (`target.scale`). The CLI and `Problem` take their ranges here."""
    node = schema_node(key)
    node = node.get("items", node)
    if "exclusiveMinimum" in node:
        return node["exclusiveMinimum"], node.get("maximum", math.inf), True
    return node.get("minimum", -math.inf), node.get("maximum", math.inf), False


def interval(low: float, high: float, strict: bool = False) -> str:
    """`[low, high]` as text (`(low, high]` if `strict`; an infinite end is open)."""
    return f"{'(' if strict else '['}{low:g}, {high:g}]".replace("inf]", "inf)")


def in_range(value: float, low: float, high: float, strict: bool = False) -> bool:
    """Whether `value` is finite and in `interval(low, high, strict)`."""
    return math.isfinite(value) and low <= value <= high and not (strict and value == low)


def with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of `config` with the schema's defaults filled in (nested ones included)."""
    from snakemake.utils import validate

    config = copy.deepcopy(config)
    validate(config, str(SCHEMA))
    return config


@dataclass(frozen=True)
class Experiment:
    """Typed view of a config: the problem, the size `d`, the grids, seeds and run options."""

    problem: Problem
    d: int
    eta: tuple[float, ...]
    alpha: tuple[float, ...]
    lam: tuple[float, ...]
    seeds: tuple[int, ...]
    test_size: int
    models: tuple[str, ...]
    validation: dict[str, Any]
    precision: str
    threads: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Experiment:
        """From a config dict; missing keys take the schema's defaults."""
        config = with_defaults(config)
        return cls(
            problem=Problem.from_config(config),
            d=int(config["d"]),
            eta=tuple(float(e) for e in config["eta"]),
            alpha=tuple(sorted(float(a) for a in config["alpha"])),
            lam=tuple(sorted(float(v) for v in config["lam"])),
            seeds=tuple(int(s) for s in config["seeds"]),
            test_size=int(config["test_size"]),
            models=tuple(config["models"]),
            validation=dict(config["validation"]),
            precision=str(config["precision"]),
            threads=int(config["threads"]),
        )

    @property
    def p(self) -> int:
        return self.problem.p(self.d)

    @property
    def n0(self) -> int:
        return self.problem.n0(self.d)

    @property
    def n_train(self) -> int:
        return round(max(self.alpha) * self.d)


class ConfigError(ValueError):
    """A configuration that srfpipe refuses; the message lists every problem, one a line."""


def _allowed(schema: dict[str, Any]) -> str:
    """Human description of what a schema node allows."""
    if "enum" in schema:
        return "one of " + ", ".join(map(repr, schema["enum"]))
    parts = [schema.get("type", "")]
    for key, sym in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
        ("minItems", "items >="),
        ("maxItems", "items <="),
    ):
        if key in schema:
            parts.append(f"{sym} {schema[key]}")
    return " ".join(str(p) for p in parts if p != "")


REQUIRED_HINT = (
    "a --configfile replaces config.yaml (it is not merged with it): give every required "
    "key, e.g. start from a copy of config.yaml"
)


def _unsigned_zero(value: Any) -> Any:
    """`value` with every -0.0 made 0.0, recursively (`eta: [-0.0]` is the eta `0`)."""
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, list):
        return [_unsigned_zero(v) for v in value]
    if isinstance(value, dict):
        return {k: _unsigned_zero(v) for k, v in value.items()}
    return value


def validate_config(
    config: dict[str, Any], schema_path: str, overrides: dict[str, Any] | None = None
) -> None:
    """Make `config` valid in place or raise: convert `--config` strings (`coerce`), map
    aliases (`dim` -> `d`), check the schema, refuse NaN/inf, fill defaults, `check`.
    `overrides` are the `--config` values merged into `config`: an alias given there
    replaces its key from the config file; both given in one place are refused.

    Raises ConfigError with one line per problem: the key, the value and what is allowed."""
    import jsonschema
    import yaml
    from snakemake.utils import validate

    with open(schema_path) as fh:
        schema = yaml.safe_load(fh)
    given = overrides or {}
    for alias, key in ALIASES.items():
        if alias in config and key in config and (alias not in given or key in given):
            raise ConfigError(
                f"invalid configuration:\n  {key}, {alias}: both given ({key}={config[key]!r}, "
                f"{alias}={config[alias]!r}); {alias} is another name for {key}: give one"
            )
        if alias in config:
            config[key] = config.pop(alias)
    config.update(_unsigned_zero(coerce(config, schema)))
    lines = []
    for err in jsonschema.Draft202012Validator(schema).iter_errors(config):
        key = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in err.absolute_path)
        line = f"{key.lstrip('.') or 'config'}: {err.message}"
        if err.validator == "required":
            line += f" ({REQUIRED_HINT})"
        elif err.validator not in ("additionalProperties", "enum"):
            line += f" (allowed: {_allowed(err.schema)})"
        lines.append(line)
    lines += nonfinite(config, schema)
    if not lines:
        validate(config, schema_path)  # fills defaults
        try:
            lines = check(config)
        except ValueError as err:  # cross-field rules of `Problem` (e.g. a target's keys)
            lines = [str(err)]
    if lines:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(sorted(set(lines))))


SMALL_JOB_MB = 1000
"""Estimate for the jobs without large arrays (theory, curves, plots)."""
INTERPRETER_MB = 150
"""Python, numpy, scipy, xarray and netCDF4 loaded in a job (115 MB measured), added to the
arrays of every estimate."""


def _fit_words(d: int, p: int, n_train: int, test_size: int, threads: int) -> int:
    """float64 words of a fitting job (readout, validation): training and test inputs
    (n_train + n_test) x d; for those rows the shared pre-activations `X W0^T`, one model's
    pre-activations and its features (3 arrays of width p); the largest ridge matrix
    (k = min(p, n_train)) and one scaled copy per factorisation in flight (`threads` of them;
    `srfpipe.ridge`): (1 + threads) k^2; `W0` and `W1` (2 p d)."""
    rows, k = n_train + test_size, min(p, n_train)
    return rows * (d + 3 * p) + (1 + threads) * k**2 + 2 * p * d


def _step_words(d: int, p: int, n0: int, steps: int) -> int:
    """float64 words of a step job: the `steps` batches (steps n0 x d, regenerated at once),
    one batch's pre-activations and two temporaries of the gradient (3 n0 x p); `W0`, `W1`,
    the gradient and a temporary (4 p d); the Gram of the singular values (2 r^2)."""
    return steps * n0 * d + 3 * n0 * p + 4 * p * d + 2 * min(p, d) ** 2


def _conditional_words(d: int, p: int) -> int:
    """float64 words of the conditional theory of one first layer (p, d): the layer, its
    bulk and a temporary (3 p d); the Gram of the smaller side, its eigenvectors and the
    eigensolver's workspace (3 k^2, k = min(p, d); `theory.conditional`)."""
    return 3 * p * d + 3 * min(p, d) ** 2


def _conditional_flops(d: int, p: int) -> float:
    """Flops of the conditional theory of one first layer (p, d): two Gram matrices of the
    smaller side (4 p d k) and a full symmetric eigensolve (about 12 k^3), k = min(p, d)."""
    k = min(p, d)
    return 4.0 * p * d * k + 12.0 * k**3


def _fit_size(exp: Experiment, stage: str, d: int | None) -> tuple[int, int, int, int]:
    """`(d, p, n_train, test_size)` of a fitting job: the readout, or validation at size d."""
    if stage == "readout":
        return exp.d, exp.p, exp.n_train, exp.test_size
    if d is None:
        raise ValueError("validation: give the size d of the job")
    return d, exp.problem.p(d), round(max(exp.alpha) * d), exp.validation["test_size"]


def job_memory_mb(exp: Experiment, stage: str, d: int | None = None) -> float:
    """Estimate (MB) of one job of `stage`: its arrays (float64, plus 20% headroom) and
    `INTERPRETER_MB`; `d` is the size of a validation job. Data job: the largest split's
    inputs (n x d; the step split holds `steps` batches)."""
    steps = exp.problem.steps
    if stage == "data":
        words = 2 * max(exp.n0 * steps, exp.n_train, exp.test_size) * exp.d
    elif stage == "step":
        words = _step_words(exp.d, exp.p, exp.n0, steps)
    elif stage == "conditional":
        words = _conditional_words(exp.d, exp.p)
    elif stage in ("readout", "validation"):
        words = _fit_words(*_fit_size(exp, stage, d), exp.threads)
    else:
        return SMALL_JOB_MB
    return _mb(words)


def _mb(words: int) -> float:
    """MB of `words` float64 numbers plus 20% headroom, and `INTERPRETER_MB`."""
    return 1.2 * 8 * words / 2**20 + INTERPRETER_MB


def simulate_memory_mb(
    problem: Problem, d: int, alpha: Sequence[float], test_size: int, threads: int
) -> float:
    """Estimate (MB) of `srfpipe simulate` at size d: one fit, or the step when larger (for
    a problem with a step)."""
    p = problem.p(d)
    words = _fit_words(d, p, round(max(alpha) * d), test_size, threads)
    if problem.alpha0 is not None:
        words = max(words, _step_words(d, p, problem.n0(d), problem.steps))
    return _mb(words)


def conditional_cost(problem: Problem, d: int) -> tuple[float, float]:
    """`(MB, flops)` of `srfpipe theory --conditional` at size d, per seed: the step (its
    arrays kept) and the conditional theory of `W1`."""
    p = problem.p(d)
    words = _step_words(d, p, problem.n0(d), problem.steps) + _conditional_words(d, p)
    flops = 4.0 * problem.n0(d) * problem.steps * d * p + _conditional_flops(d, p)
    return _mb(words), flops


def conditional_problems(
    problem: Problem, d: int, alpha: Sequence[float], mem_limit_mb: float | None = None
) -> list[str]:
    """Why `srfpipe theory --conditional` at size d is refused before any work (`--` flag
    names): `size_problems`, and memory above `mem_limit_mb` (default: the schema's)."""
    errors = size_problems(problem, d, alpha, prefix="--")
    if errors:
        return errors
    limit = mem_limit_mb or schema()["properties"]["mem_limit_mb"]["default"]
    need, _ = conditional_cost(problem, d)
    if need > limit:
        errors.append(
            f"--d: {d} needs about {need:.0f} MB for the conditional theory (a first layer of "
            f"p x d = {problem.p(d)} x {d}, the step and an eigendecomposition of size "
            f"min(p, d)) > limit {limit:g} MB (mem_limit_mb); lower --d or --beta"
        )
    return errors


def memory_by_job(
    exp: Experiment, validation: bool = True, conditional: bool = False
) -> dict[str, float]:
    """`job_memory_mb` of every job kind: `data`, `step`, `readout`, with `conditional`
    `conditional` and, with `validation`, `validation d=D` for each validation size."""
    kinds = ("data", "step", "readout") + (("conditional",) if conditional else ())
    jobs = {s: job_memory_mb(exp, s) for s in kinds}
    if validation:
        for d in exp.validation["d"]:
            jobs[f"validation d={d}"] = job_memory_mb(exp, "validation", d)
    return jobs


def peak_memory_mb(exp: Experiment, validation: bool = True) -> float:
    """Estimate (MB) of the largest job (`memory_by_job`)."""
    return max(memory_by_job(exp, validation).values())


def size_problems(problem: Problem, d: int, alpha: Sequence[float], prefix: str = "") -> list[str]:
    """Sizes that leave nothing to compute: width p, step batch n0 (when the problem has a
    step) and training sets n below 1; an odd width p for `init_output` 'symmetric'.
    Keys are named `prefix + key` (`--` for the CLI)."""
    errors = []
    if problem.init_output == "symmetric" and problem.p(d) % 2:
        errors.append(
            f"{prefix}{'init-output' if prefix else 'init_output'}: 'symmetric' needs an even "
            f"width p = round(beta*d), got p={problem.p(d)} (beta={problem.beta}, d={d})"
        )
    if problem.p(d) < 1:
        errors.append(
            f"{prefix}beta: {problem.beta} gives a width p = round(beta*d) = 0 at d={d}; "
            f"allowed: beta >= 1/d = {1 / d:g}"
        )
    if problem.alpha0 is not None and problem.n0(d) < 1:
        errors.append(
            f"{prefix}alpha0: {problem.alpha0} gives n0 = round(alpha0*d) = 0 samples at d={d}; "
            f"allowed: alpha0 >= 1/d = {1 / d:g}"
        )
    for a in alpha:
        if round(a * d) < 1:
            errors.append(
                f"{prefix}alpha: {a} gives n = round(alpha*d) = 0 samples at d={d}; "
                f"allowed: alpha >= 1/d = {1 / d:g}"
            )
    return errors


def check(config: dict[str, Any], mem_limit_mb: float | None = None) -> list[str]:
    """Cross-field problems of a schema-valid config, one message per problem (empty if fine)."""
    exp = Experiment.from_config(config)
    errors = size_problems(exp.problem, exp.d, exp.alpha)
    for d in exp.validation["d"] if theory_applies(exp) is None else []:  # else not run
        errors += [f"validation.d: {e}" for e in size_problems(exp.problem, d, exp.alpha)]
    if errors:
        return errors
    for key, values in (("seeds", exp.seeds), ("eta", exp.eta)):
        if len(set(values)) != len(values):
            errors.append(f"{key}: values must be distinct, got {list(values)}")
    limit = mem_limit_mb if mem_limit_mb is not None else config.get("mem_limit_mb")
    if limit is not None:
        # as the Snakefile: validation needs the theory and the one-step map
        with_validation = bool(config["theory"]) and theory_applies(exp) is None
        with_validation &= exp.problem.steps == 1
        with_conditional = bool(config["theory"]) and conditional_applies(exp) is None
        jobs = memory_by_job(exp, with_validation, with_conditional)
        job = max(jobs, key=jobs.__getitem__)
        if not jobs[job] <= limit:
            errors.append(
                f"mem_limit_mb: the largest job ({job}) needs about {jobs[job]:.0f} MB > limit "
                f"{limit} MB (d={exp.d}, beta={exp.problem.beta}, max alpha={max(exp.alpha)}, "
                f"test_size={exp.test_size}, validation={exp.validation}); lower them or "
                "raise mem_limit_mb"
            )
    return errors


def config_text(config: dict[str, Any]) -> str:
    """The validated configuration as YAML, keys in the schema's order (what a run used)."""
    import yaml

    order = list(schema()["properties"])
    ordered = {k: config[k] for k in sorted(config, key=order.index)}
    return yaml.safe_dump(json.loads(json.dumps(ordered)), sort_keys=False, default_flow_style=None)


def stage_params(exp: Experiment, stage: str) -> dict[str, Any]:
    """JSON-able parameters that the artifacts of `stage` depend on, named as in the config
    (seed, eta and d are the per-file wildcards where they vary)."""
    pb = exp.problem
    data = {
        "d": exp.d,
        "target": pb.target_json(),
        "noise": pb.noise,
        "n0": exp.n0 * pb.steps,  # the step split: one batch of n0 rows per step
        "n_train": exp.n_train,
        "n_test": exp.test_size,
    }
    step = data | {
        "p": exp.p,
        "beta": pb.beta,
        "alpha0": pb.alpha0,
        "activation": pb.activation,
        "readout_init": pb.readout_init,
        "init_output": pb.init_output,
        "w0_rows": pb.w0_rows,
        "steps": pb.steps,
        "precision": exp.precision,
    }
    problem = "activation target noise beta alpha0 readout_init init_output w0_rows".split()
    theory = {k: step[k] for k in problem} | {
        "lam_scale": pb.lam_scale,
        "alpha": list(exp.alpha),
        "lam": list(exp.lam),
        # with several neuron types (Gaussian readout; +-1 readout and a non-odd sigma) their
        # mean directions cost O(1/d) at finite d (docs/theory.md 11); one type: no d
        "dimension": exp.d if several_types(pb) else None,
    }
    readout = step | {
        "alpha": list(exp.alpha),
        "lam": list(exp.lam),
        "lam_scale": pb.lam_scale,
        "models": list(exp.models),
    }
    stages = {
        "data": data,
        "step": step,
        "readout": readout,
        # the conditional theory of a step's W1: the step, the grids and the ridge convention
        "conditional": step | {k: readout[k] for k in ("alpha", "lam", "lam_scale")},
        "learned": readout | {"eta": list(exp.eta), "seeds": list(exp.seeds)},
        "optimal": theory | {"eta": list(exp.eta)},
        "theory": theory,
        "validation": theory
        | {
            "eta": list(exp.eta),
            "seeds": list(exp.validation["seeds"]),
            "test_size": exp.validation["test_size"],
        },
    }
    if stage not in stages:
        raise ValueError(f"unknown stage {stage!r}; known: {list(stages)}")
    return stages[stage]


def param_key(params: dict[str, Any]) -> str:
    """Short stable hash (10 hex digits) of a JSON-able parameter dict."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def stage_key(exp: Experiment, stage: str) -> str:
    """Directory key of `stage`'s artifacts: `param_key(stage_params(exp, stage))`."""
    return param_key(stage_params(exp, stage))


def fmt(x: float) -> str:
    """Canonical text of a wildcard value: the shortest text that reads back as exactly `x`
    (`repr`), without a trailing `.0` (`1.0 -> '1'`, `0.1234567 -> '0.1234567'`)."""
    text = repr(float(x))
    return text.removesuffix(".0")


def theory_applies(exp: Experiment) -> str | None:
    """Why the theory does not cover this experiment, or None (`theory.theory_gap`)."""
    return theory_gap(exp.problem)


def conditional_applies(exp: Experiment) -> str | None:
    """Why the conditional theory does not cover this experiment, or None."""
    return conditional_gap(exp.problem)


def job_resources(exp: Experiment, stage: str, d: int | None = None) -> dict[str, int]:
    """`mem_mb` and `runtime` (minutes) to request for one job of `stage` (cluster sizing);
    `d` is the size of a validation job.

    Memory: `job_memory_mb` plus 1 GB for the interpreters (a SLURM job runs two Snakemake
    processes besides the script). Runtime: flop count at a pessimistic 1 GFLOP/s, at least
    10 min."""

    def fit_flops(d: int, p: int, n_train: int, test_size: int, n_models: int) -> float:
        rows, k = n_train + test_size, min(p, n_train)
        per_model = n_train * p * p + len(exp.alpha) * (2 * k**3 + 2 * rows * p * len(exp.lam))
        return 4 * rows * d * p + n_models * per_model

    if stage == "step":
        r = min(exp.p, exp.d)
        flops = 4 * exp.n0 * exp.problem.steps * exp.d * exp.p + 4 * exp.p * exp.d * r + 10 * r**3
    elif stage == "conditional":
        flops = _conditional_flops(exp.d, exp.p)
    elif stage == "readout":
        flops = fit_flops(*_fit_size(exp, stage, d), len(exp.models))
    elif stage == "validation":  # every eta on each validation seed
        flops = len(exp.validation["seeds"]) * fit_flops(*_fit_size(exp, stage, d), len(exp.eta))
    else:
        flops = 0.0
    mem = job_memory_mb(exp, stage, d)
    return {"mem_mb": int(mem) + 1000, "runtime": max(10, int(flops / 1e9 / 60) + 1)}
