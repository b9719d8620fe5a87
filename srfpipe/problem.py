"""The one specification of a learning problem, shared by config, CLI, theory and simulation.

A `Problem` fixes what is learned and by which student (docs/model.md): the activation
`sigma`, the target `g` and label noise `Delta`, the width ratio `beta = p/d`, the readout
at initialisation, the output entering the step, and the step's batch ratio `alpha0`.
Sizes are ratios to `d`; `d` itself, the grids (`alpha`, `lam`, `eta`) and the seeds are
chosen per run. An sRF adds its parameters `SRF(r, gamma, bulk_scale)`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from srfpipe.functions import Activation, Target, activation, target

READOUT_INITS = ("rademacher", "gaussian", "constant")
"""Second layer at initialisation: iid +-1, iid N(0, 1), all ones."""
INIT_OUTPUTS = ("zero", "symmetric", "full")
"""Network output entering the step's residual (docs/model.md)."""
W0_ROWS = ("gaussian", "unit")
"""Rows of `W0`: iid `N(0, 1/d)` entries, or those rows renormalised to unit norm."""


@dataclass(frozen=True)
class SRF:
    """Parameters of an sRF `c W0 + u v^T`: spike strength `r` (`u = r a`), overlap
    `gamma = v . theta`, bulk scale `c` (`bulk_scale`)."""

    r: float
    gamma: float
    bulk_scale: float = 1.0


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
        """From a schema-validated config dict (defaults filled)."""
        t = config["target"]
        return cls(
            activation=str(config["activation"]),
            target=target(t["name"], t["scale"], t["coefficients"]),
            noise=float(config["noise"]),
            beta=float(config["beta"]),
            readout_init=str(config["readout_init"]),
            init_output=str(config["init_output"]),
            alpha0=float(config["alpha0"]),
            w0_rows=str(config.get("w0_rows", "gaussian")),
        )
