"""The experiment configuration: schema validation, cross-field checks and the typed view.

`validate_config` is the one validation path: `coerce` (Snakemake's `--config` strings), the
JSON schema (`workflow/schemas/config.schema.yaml`: types, ranges, enums, defaults),
`nonfinite` (NaN, infinities) and `check` (what a schema cannot express). `Experiment` is
the typed view, and the one place that decides which stages a config runs (`with_theory`,
`one_step`, `validation_d`, `with_conditional`, `fits_rf`): the Snakefile asks it.

The schema is read from the checkout the package is installed from (`pip install -e .`, as
the README and the workflow's conda environment do): `workflow/schemas/` beside `srfpipe/`.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from srfpipe.models import models_needing
from srfpipe.problem import Problem
from srfpipe.resources import memory_by_job
from srfpipe.theory.coverage import conditional_gap, theory_gap

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
"""The JSON schema: the one source of the config's types, ranges, enums and defaults."""


@cache
def schema() -> dict[str, Any]:
    """The schema as a dict."""
    if not SCHEMA.is_file():
        raise FileNotFoundError(
            f"{SCHEMA}: srfpipe reads its config schema from its checkout; install it from a "
            "clone with `pip install -e .`"
        )
    return yaml.safe_load(SCHEMA.read_text())


ALIASES = {"dim": "d"}
"""Long names accepted for one-letter keys (Snakemake refuses `--config d=800`)."""


def _parse(text: str, kind: str) -> Any:
    """`text` read as a value of JSON type `kind` (unchanged if it does not read as one)."""
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
    """`value` with strings (`--config theory=false eta=[0,1]`) converted to the types the
    schema `node` asks for, recursively, and -0.0 made 0.0 (`eta: [-0.0]` is the eta `0`);
    what does not convert is left for the schema."""
    kind = node.get("type")
    if isinstance(value, str) and kind in ("number", "integer", "boolean", "array", "object"):
        value = _parse(value, kind)
    if kind == "array" and isinstance(value, list):
        return [coerce(v, node.get("items", {})) for v in value]
    if kind == "object" and isinstance(value, dict):
        props = node.get("properties", {})
        return {k: coerce(v, props.get(k, {})) for k, v in value.items()}
    return 0.0 if isinstance(value, float) and value == 0.0 else value


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
    """Typed view of a config: the problem, the size `d`, the grids, seeds and run options,
    and which stages run."""

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
    theory: bool

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
            theory=bool(config["theory"]),
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

    @property
    def with_theory(self) -> bool:
        """Theory curves run: `theory` asked for and the problem covered (`theory_gap`)."""
        return self.theory and theory_gap(self.problem) is None

    @property
    def one_step(self) -> bool:
        """The one-step network map runs (sRF theory lines, validation, learned function,
        optimal eta): theory curves of a one-step problem."""
        return self.with_theory and self.problem.steps == 1

    @property
    def validation_d(self) -> tuple[int, ...]:
        """The sizes of the theory's validation jobs (none without the one-step map)."""
        return tuple(self.validation["d"]) if self.one_step else ()

    @property
    def with_conditional(self) -> bool:
        """The conditional theory runs: `theory` asked for and the problem covered."""
        return self.theory and conditional_gap(self.problem) is None

    def fits_rf(self, eta: float) -> bool:
        """Whether the readout at `eta` reads its seed's `fit_rf` artifact: some model's first
        layer is `W0` (`Model.needs` "w0": rf; every model at eta = 0, where `W1 = W0`)."""
        return eta == 0 or not set(self.models).isdisjoint(models_needing("w0"))


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


def validate_config(config: dict[str, Any], overrides: dict[str, Any] | None = None) -> None:
    """Make `config` valid in place (aliases mapped, defaults filled) or raise ConfigError,
    one line per problem. An alias in `overrides` (the `--config` values merged into
    `config`) replaces its key from the config file; both given in one place are refused."""
    import jsonschema
    from snakemake.utils import validate

    given = overrides or {}
    for alias, key in ALIASES.items():
        if alias in config and key in config and (alias not in given or key in given):
            raise ConfigError(
                f"invalid configuration:\n  {key}, {alias}: both given ({key}={config[key]!r}, "
                f"{alias}={config[alias]!r}); {alias} is another name for {key}: give one"
            )
        if alias in config:
            config[key] = config.pop(alias)
    config.update(coerce(config, schema()))
    lines = []
    for err in jsonschema.Draft202012Validator(schema()).iter_errors(config):
        key = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in err.absolute_path)
        line = f"{key.lstrip('.') or 'config'}: {err.message}"
        if err.validator == "required":
            line += f" ({REQUIRED_HINT})"
        elif err.validator not in ("additionalProperties", "enum"):
            line += f" (allowed: {_allowed(err.schema)})"
        lines.append(line)
    lines += nonfinite(config, schema())
    if not lines:
        validate(config, str(SCHEMA))  # fills defaults
        try:
            lines = check(config)
        except ValueError as err:  # cross-field rules of `Problem` (e.g. a target's keys)
            lines = [str(err)]
    if lines:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(sorted(set(lines))))


def size_problems(problem: Problem, d: int, alpha: Sequence[float]) -> list[str]:
    """Sizes that leave nothing to compute: width p, step batch n0 (when the problem has a
    step) and training sets n below 1; an odd width p for `init_output` 'symmetric'."""
    errors = []
    if problem.init_output == "symmetric" and problem.p(d) % 2:
        errors.append(
            f"init_output: 'symmetric' needs an even width p = round(beta*d), got "
            f"p={problem.p(d)} (beta={problem.beta}, d={d})"
        )
    if problem.p(d) < 1:
        errors.append(
            f"beta: {problem.beta} gives a width p = round(beta*d) = 0 at d={d}; "
            f"allowed: beta >= 1/d = {1 / d:g}"
        )
    if problem.alpha0 is not None and problem.n0(d) < 1:
        errors.append(
            f"alpha0: {problem.alpha0} gives n0 = round(alpha0*d) = 0 samples at d={d}; "
            f"allowed: alpha0 >= 1/d = {1 / d:g}"
        )
    for a in alpha:
        if round(a * d) < 1:
            errors.append(
                f"alpha: {a} gives n = round(alpha*d) = 0 samples at d={d}; "
                f"allowed: alpha >= 1/d = {1 / d:g}"
            )
    return errors


def check(config: dict[str, Any]) -> list[str]:
    """Cross-field problems of a schema-valid config, one message per problem (empty if fine)."""
    exp = Experiment.from_config(config)
    errors = size_problems(exp.problem, exp.d, exp.alpha)
    for d in exp.validation_d:
        errors += [f"validation.d: {e}" for e in size_problems(exp.problem, d, exp.alpha)]
    if errors:
        return errors
    for key, values in (("seeds", exp.seeds), ("eta", exp.eta)):
        if len(set(values)) != len(values):
            errors.append(f"{key}: values must be distinct, got {list(values)}")
    jobs = memory_by_job(exp)
    job, limit = max(jobs, key=jobs.__getitem__), config["mem_limit_mb"]
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
    order = list(schema()["properties"])
    ordered = {k: config[k] for k in sorted(config, key=order.index)}
    return yaml.safe_dump(json.loads(json.dumps(ordered)), sort_keys=False, default_flow_style=None)
