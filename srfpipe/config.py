"""The experiment configuration: typed view, cross-field checks, per-stage parameters and keys.

The JSON schema (`workflow/schemas/config.schema.yaml`) checks types, ranges and enums and
fills defaults; `check` adds what a schema cannot express. `stage_params` returns, for each
stage, exactly the parameters its artifact depends on (cumulatively along the chain
data -> step -> readout; theory beside it), and `stage_key` hashes them into the short
directory name under `results/<stage>/`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from srfpipe.functions import Activation, Target, activation, target


@dataclass(frozen=True)
class Experiment:
    """Typed view of a validated config dict."""

    d: int
    beta: float
    alpha0: float
    eta: tuple[float, ...]
    alpha: tuple[float, ...]
    lam: tuple[float, ...]
    activation: str
    target: dict[str, Any]
    noise: float
    readout_init: str
    init_output: str
    seeds: tuple[int, ...]
    test_size: int
    models: tuple[str, ...]
    validation: dict[str, Any]
    precision: str = "float64"
    threads: int = 1

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Experiment:
        t = config["target"]
        return cls(
            d=int(config["d"]),
            beta=float(config["beta"]),
            alpha0=float(config["alpha0"]),
            eta=tuple(float(e) for e in config["eta"]),
            alpha=tuple(sorted(float(a) for a in config["alpha"])),
            lam=tuple(sorted(float(v) for v in config["lam"])),
            activation=str(config["activation"]),
            target={
                "name": str(t["name"]),
                "scale": float(t.get("scale", 1.0)),
                "coefficients": [float(c) for c in t.get("coefficients", [])],
            },
            noise=float(config["noise"]),
            readout_init=str(config["readout_init"]),
            init_output=str(config["init_output"]),
            seeds=tuple(int(s) for s in config["seeds"]),
            test_size=int(config["test_size"]),
            models=tuple(config["models"]),
            validation=dict(config.get("validation") or {"d": []}),
            precision=str(config.get("precision", "float64")),
            threads=int(config.get("threads", 1)),
        )

    @property
    def p(self) -> int:
        return round(self.beta * self.d)

    @property
    def n0(self) -> int:
        return round(self.alpha0 * self.d)

    def n(self, alpha: float) -> int:
        return round(alpha * self.d)

    @property
    def n_train(self) -> int:
        return self.n(max(self.alpha))

    @property
    def sigma(self) -> Activation:
        return activation(self.activation)

    @property
    def g(self) -> Target:
        return target(**self.target)


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
    try:
        _ = exp.g
    except ValueError as err:
        errors.append(str(err))
    if exp.init_output == "symmetric" and exp.p % 2:
        errors.append(
            f"init_output: 'symmetric' needs an even width p = round(beta*d), got p={exp.p} "
            f"(beta={exp.beta}, d={exp.d})"
        )
    for a in exp.alpha:
        if exp.n(a) < 1:
            errors.append(f"alpha: {a} gives n = round(alpha*d) = 0 samples (d={exp.d})")
    if exp.n0 < 1:
        errors.append(f"alpha0: {exp.alpha0} gives n0 = round(alpha0*d) = 0 samples (d={exp.d})")
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
                f"(d={exp.d}, beta={exp.beta}, max alpha={max(exp.alpha)}, test_size="
                f"{exp.test_size}); lower them or raise mem_limit_mb"
            )
    return errors


def stage_params(exp: Experiment, stage: str) -> dict[str, Any]:
    """JSON-able parameters that the artifacts of `stage` depend on (seed and eta excluded:
    they are the per-file wildcards)."""
    data = {
        "d": exp.d,
        "target": exp.target,
        "noise": exp.noise,
        "n0": exp.n0,
        "n_train": exp.n_train,
        "n_test": exp.test_size,
    }
    step = data | {
        "p": exp.p,
        "activation": exp.activation,
        "readout_init": exp.readout_init,
        "init_output": exp.init_output,
        "precision": exp.precision,
    }
    if stage == "data":
        return data
    if stage == "step":
        return step
    if stage == "readout":
        return step | {"alpha": list(exp.alpha), "lam": list(exp.lam), "models": list(exp.models)}
    if stage == "theory":
        return {
            "activation": exp.activation,
            "target": exp.target,
            "noise": exp.noise,
            "beta": exp.beta,
            "alpha0": exp.alpha0,
            "readout_init": exp.readout_init,
            "alpha": list(exp.alpha),
            "lam": list(exp.lam),
        }
    if stage == "validation":
        v = exp.validation
        return stage_params(exp, "theory") | {
            "seeds": list(v["seeds"]),
            "test_size": v["test_size"],
        }
    raise ValueError(f"unknown stage {stage!r}")


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


def theory_gap(exp: Experiment) -> str | None:
    """Why the asymptotic theory does not cover this experiment, or None if it does."""
    if exp.init_output != "zero":
        return (
            f"init_output={exp.init_output!r}: the theory assumes an iid W0 and a step on the "
            "residual y (init_output 'zero')"
        )
    if exp.readout_init == "gaussian":
        return "readout_init='gaussian' gives heterogeneous spikes, which the theory does not cover"
    if exp.readout_init == "rademacher" and not exp.sigma.odd:
        return f"readout_init='rademacher' needs an odd activation, got {exp.activation!r}"
    return None


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
