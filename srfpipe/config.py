"""The experiment configuration: typed view, cross-field checks, per-stage parameters and keys.

The JSON schema (`workflow/schemas/config.schema.yaml`) checks types, ranges and enums and
fills defaults; `check` adds what a schema cannot express. `stage_params` returns, for each
stage, exactly the parameters its artifact depends on (cumulatively along the chain
data -> step -> readout; theory beside it), and `stage_key` hashes them into the short
directory name under `results/<stage>/`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from srfpipe.problem import Problem
from srfpipe.theory.coverage import theory_gap

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
"""The JSON schema: the one source of the config's types, ranges, enums and defaults."""


@cache
def schema() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(SCHEMA.read_text())


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

    def n(self, alpha: float) -> int:
        return round(alpha * self.d)

    @property
    def n_train(self) -> int:
        return self.n(max(self.alpha))


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


def validate_config(config: dict[str, Any], schema_path: str) -> None:
    """Check `config` against the JSON schema (filling its defaults) and `check`.

    Raises ConfigError with one line per problem: the key, the value and what is allowed."""
    import jsonschema
    import yaml
    from snakemake.utils import validate

    with open(schema_path) as fh:
        schema = yaml.safe_load(fh)
    lines = []
    for err in jsonschema.Draft202012Validator(schema).iter_errors(config):
        key = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in err.absolute_path)
        line = f"{key.lstrip('.') or 'config'}: {err.message}"
        if err.validator not in ("required", "additionalProperties", "enum"):
            line += f" (allowed: {_allowed(err.schema)})"
        lines.append(line)
    if not lines:
        validate(config, schema_path)  # fills defaults
        lines = check(config)
    if lines:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(sorted(set(lines))))


def peak_memory_mb(exp: Experiment) -> float:
    """Estimate (MB) of the largest job's arrays, float64, plus 20% headroom.

    Readout job: training and test inputs (n_train + n_test) x d; for those rows the shared
    pre-activations `X W0^T`, one model's pre-activations and its features (3 arrays of
    width p); the largest ridge matrix (k = min(p, n_train)) being accumulated, and one
    scaled copy per factorisation in flight (`threads` of them; `srfpipe.ridge`): (1 +
    threads) k^2; `W0` and `W1` (2 p d). Step job: the batch
    n0 x d, its pre-activations and two temporaries of the gradient (3 n0 x p); `W0`,
    `W1`, the gradient and a temporary (4 p d); the Gram of the singular values (2 r^2).
    """
    rows = exp.n_train + exp.test_size
    k = min(exp.p, exp.n_train)
    readout = rows * (exp.d + 3 * exp.p) + (1 + exp.threads) * k**2 + 2 * exp.p * exp.d
    step = exp.n0 * (exp.d + 3 * exp.p) + 4 * exp.p * exp.d + 2 * min(exp.p, exp.d) ** 2
    return 1.2 * 8 * max(readout, step) / 2**20


def check(config: dict[str, Any], mem_limit_mb: float | None = None) -> list[str]:
    """Cross-field problems of a schema-valid config, one message per problem (empty if fine)."""
    errors: list[str] = []
    exp = Experiment.from_config(config)
    if exp.problem.init_output == "symmetric" and exp.p % 2:
        errors.append(
            f"init_output: 'symmetric' needs an even width p = round(beta*d), got p={exp.p} "
            f"(beta={exp.problem.beta}, d={exp.d})"
        )
    for a in exp.alpha:
        if exp.n(a) < 1:
            errors.append(f"alpha: {a} gives n = round(alpha*d) = 0 samples (d={exp.d})")
    if exp.n0 < 1:
        errors.append(
            f"alpha0: {exp.problem.alpha0} gives n0 = round(alpha0*d) = 0 samples (d={exp.d})"
        )
    if len(set(exp.seeds)) != len(exp.seeds):
        errors.append(f"seeds: values must be distinct, got {list(exp.seeds)}")
    if len(set(exp.eta)) != len(exp.eta):
        errors.append(f"eta: values must be distinct, got {list(exp.eta)}")
    limit = mem_limit_mb if mem_limit_mb is not None else config.get("mem_limit_mb")
    if limit is not None:
        need = peak_memory_mb(exp)
        if need > limit:
            errors.append(
                f"mem_limit_mb: the largest job needs about {need:.0f} MB > limit {limit} MB "
                f"(d={exp.d}, beta={exp.problem.beta}, max alpha={max(exp.alpha)}, test_size="
                f"{exp.test_size}); lower them or raise mem_limit_mb"
            )
    return errors


def stage_params(exp: Experiment, stage: str) -> dict[str, Any]:
    """JSON-able parameters that the artifacts of `stage` depend on, named as in the config
    (seed, eta and d are the per-file wildcards where they vary)."""
    pb = exp.problem
    data = {
        "d": exp.d,
        "target": pb.target_json(),
        "noise": pb.noise,
        "n0": exp.n0,
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
        "precision": exp.precision,
    }
    theory = {
        "activation": pb.activation,
        "target": pb.target_json(),
        "noise": pb.noise,
        "beta": pb.beta,
        "alpha0": pb.alpha0,
        "readout_init": pb.readout_init,
        "init_output": pb.init_output,
        "alpha": list(exp.alpha),
        "lam": list(exp.lam),
    }
    readout = step | {"alpha": list(exp.alpha), "lam": list(exp.lam), "models": list(exp.models)}
    stages = {
        "data": data,
        "step": step,
        "readout": readout,
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
    """Canonical text of a wildcard value (`1.0 -> '1'`, `0.50 -> '0.5'`)."""
    return f"{x:g}"


def theory_applies(exp: Experiment) -> str | None:
    """Why the theory does not cover this experiment, or None (`theory.theory_gap`)."""
    return theory_gap(exp.problem, spiked=any(e > 0 for e in exp.eta))


def job_resources(exp: Experiment, stage: str) -> dict[str, int]:
    """`mem_mb` and `runtime` (minutes) to request for one job of `stage` (cluster sizing).

    Memory: `peak_memory_mb` for the step and readout jobs, 1 GB for the others, plus 1 GB
    for the interpreters (a SLURM job runs two Snakemake processes besides the script).
    Runtime: flop count at a pessimistic 1 GFLOP/s, at least 10 min."""
    d, p = exp.d, exp.p
    if stage == "step":
        r = min(p, d)
        flops = 4 * exp.n0 * d * p + 4 * p * d * r + 10 * r**3
    elif stage == "readout":
        rows, k = exp.n_train + exp.test_size, min(p, exp.n_train)
        per_model = exp.n_train * p * p + len(exp.alpha) * (2 * k**3 + 2 * rows * p * len(exp.lam))
        flops = 4 * rows * d * p + len(exp.models) * per_model
    else:
        flops = 0.0
    mem = peak_memory_mb(exp) if stage in ("step", "readout") else 1000
    return {"mem_mb": int(mem) + 1000, "runtime": max(10, int(flops / 1e9 / 60) + 1)}
