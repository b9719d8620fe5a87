"""The one specification of a learning problem, shared by config, CLI, theory and simulation.

A `Problem` fixes what is learned and by which student (docs/model.md): the activation
`sigma`, the target `g` and label noise `Delta`, the width ratio `beta = p/d`, the readout
at initialisation, the output entering the step, the step's batch ratio `alpha0` and the
number of giant steps (each on a fresh batch of `alpha0 d` samples).
Sizes are ratios to `d`; `d` itself, the grids (`alpha`, `lam`, `eta`) and the seeds are
chosen per run. An sRF adds its parameters `SRF(r, gamma, bulk_scale)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from srfpipe.functions import Activation, Target, activation, target

READOUT_INITS = ("rademacher", "gaussian", "constant")
"""Second layer at initialisation: iid +-1, iid N(0, 1), all ones."""
INIT_OUTPUTS = ("zero", "symmetric", "full")
"""Network output entering the step's residual (docs/model.md)."""
W0_ROWS = ("gaussian", "unit")
"""Rows of `W0`: iid `N(0, 1/d)` entries, or those rows renormalised to unit norm."""
LAM_SCALES = ("samples", "features")
"""Ridge conventions: `(Phi^T Phi/n + lam I)` (docs/model.md) or the paper's
`(Phi^T Phi + lam p I)`, i.e. `lam beta/alpha` in the first."""


@dataclass(frozen=True)
class SRF:
    """Parameters of an sRF `diag(c) W0 + u v^T`: spike strength `r` (`u = r a`), overlap
    `gamma = v . theta`, bulk scales `c_i^2 = bulk_scale^2 + bulk_slope a_i^2` (one bulk
    scale `c = bulk_scale` unless `bulk_slope > 0`: the map's per-neuron scales for a
    Gaussian readout)."""

    r: float
    gamma: float
    bulk_scale: float = 1.0
    bulk_slope: float = 0.0

    def scales(self, a: np.ndarray) -> float | np.ndarray:
        """The bulk scale of each neuron for readout init `a` (p,): a number if they agree."""
        if self.bulk_slope == 0.0:
            return self.bulk_scale
        return np.sqrt(self.bulk_scale**2 + self.bulk_slope * np.square(a))


@dataclass(frozen=True)
class Problem:
    """Teacher, student and step batch (ratios to `d`); `alpha0` is None without a step."""

    activation: str = "tanh"
    target: Target = field(default_factory=lambda: Target("tanh"))
    noise: float = 0.0
    beta: float = 2.0
    readout_init: str = "rademacher"
    init_output: str = "zero"
    alpha0: float | None = None
    w0_rows: str = "gaussian"
    lam_scale: str = "samples"
    steps: int = 1

    def __post_init__(self) -> None:
        """Refuse values the config schema does not allow (each field against its node: enum,
        integer type, range), and target keys that would be ignored: ValueError `"key: ..."`
        naming the config key (the CLI maps it to its flag)."""
        from srfpipe.config import bounds, in_range, interval, schema_node  # imports this

        g = self.target
        if g.name == "hermite" and g.scale != 1.0:
            raise ValueError("target.scale: not used by a hermite target (scale its coefficients)")
        if g.name != "hermite" and g.coefficients:
            raise ValueError(f"target.coefficients: only used by a hermite target, not {g.name!r}")
        if len(g.coefficients) > (most := schema_node("target.coefficients")["maxItems"]):
            raise ValueError(
                f"target.coefficients: {len(g.coefficients)} given; allowed: at most {most}"
            )
        values = [(f.name, getattr(self, f.name)) for f in fields(self) if f.name != "target"]
        # |c_k| bounded: E[g^2] = sum c_k^2 stays far from float64's overflow
        values += [("target.scale", g.scale), *(("target.coefficients", c) for c in g.coefficients)]
        for key, value in values:
            node = schema_node(key)
            node = node.get("items", node)
            if "enum" in node:
                if value not in node["enum"]:
                    raise ValueError(f"{key}: {value!r} is not allowed; allowed: {node['enum']}")
            elif node["type"] == "integer" and not isinstance(value, int | np.integer):
                raise ValueError(f"{key}: {value!r} is not an integer")
            elif value is not None and not in_range(float(value), *bounds(key)):
                raise ValueError(
                    f"{key}: {value!r} is out of range; allowed: {interval(*bounds(key))}"
                )

    def ridge(self, lam: float | np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
        """The penalty `lambda` of docs/model.md for the user's `lam` at sample ratio `alpha`:
        `lam` itself, or `lam beta/alpha` for `lam_scale = "features"` (broadcasts)."""
        lam, alpha = np.broadcast_arrays(np.asarray(lam, float), np.asarray(alpha, float))
        if self.lam_scale == "samples":
            return lam.copy()
        return lam * (self.beta / alpha)

    @property
    def sigma(self) -> Activation:
        return activation(self.activation)

    def p(self, d: int) -> int:
        """Width `round(beta d)`."""
        return round(self.beta * d)

    def n0(self, d: int) -> int:
        """Step batch `round(alpha0 d)`."""
        if self.alpha0 is None:
            raise ValueError("alpha0: this problem has no step (give alpha0)")
        return round(self.alpha0 * d)

    def target_json(self) -> dict[str, Any]:
        """The target as the config writes it: `{name, scale, coefficients}`."""
        t = asdict(self.target)
        return t | {"scale": float(t["scale"]), "coefficients": list(t["coefficients"])}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Problem:
        """From a schema-validated config dict, or a stage's parameters (a subset of it:
        keys a stage does not depend on keep the defaults, which equal the schema's)."""
        kwargs = {f.name: config[f.name] for f in fields(cls) if f.name in config}
        if "target" in kwargs:
            t = kwargs["target"]
            kwargs["target"] = target(t["name"], t["scale"], t["coefficients"])
        return cls(**kwargs)


def sample_sizes(alpha: Sequence[float], d: int) -> list[int]:
    """Training-set sizes `n = round(alpha d)` of the sample ratios `alpha` (nested prefixes
    of one pool of `max(n)` rows)."""
    return [round(a * d) for a in alpha]
