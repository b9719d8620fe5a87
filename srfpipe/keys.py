"""Stage parameters and keys: each stage declares the parameters its artifacts depend on.

`STAGE_PARAMS` is the declared table, one function per stage, named as the config keys are
(seed, eta and d are the per-file wildcards where they vary); `stage_key` hashes a stage's
parameters into the short directory name under `results/<stage>/`. A stage's parameters are
its own: editing `models:` changes the readout's key and not the conditional theory's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from srfpipe.config import Experiment
from srfpipe.theory.coverage import several_types

PROBLEM_KEYS = "activation target noise beta alpha0 readout_init init_output w0_rows".split()
"""The step parameters the theory depends on (it has no d, p or n0)."""


def data_params(exp: Experiment) -> dict[str, Any]:
    """The data: the target, the noise and the split sizes (one batch of n0 rows per step)."""
    pb = exp.problem
    return {
        "d": exp.d,
        "target": pb.target_json(),
        "noise": pb.noise,
        "n0": exp.n0 * pb.steps,
        "n_train": exp.n_train,
        "n_test": exp.test_size,
    }


def step_params(exp: Experiment) -> dict[str, Any]:
    """The step: the data and the network's first layer, readout and step options."""
    pb = exp.problem
    return data_params(exp) | {
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


def _grids(exp: Experiment) -> dict[str, Any]:
    """The ridge grids and their lambda convention."""
    return {"alpha": list(exp.alpha), "lam": list(exp.lam), "lam_scale": exp.problem.lam_scale}


def fit_params(exp: Experiment) -> dict[str, Any]:
    """The step and the grids, not the models: the rf readout (one seed's `W0`; the step's
    size eta is a wildcard, so it has none) and the conditional theory of a step's `W1`."""
    return step_params(exp) | _grids(exp)


def readout_params(exp: Experiment) -> dict[str, Any]:
    """The readout: the step, the grids and the models fitted on each first layer."""
    return fit_params(exp) | {"models": list(exp.models)}


def theory_params(exp: Experiment) -> dict[str, Any]:
    """The theory: the problem and the grids; with several neuron types (Gaussian readout;
    +-1 readout and a non-odd sigma) their mean directions cost O(1/d) at finite d
    (docs/theory.md 11), so d enters; one type: no d."""
    step = step_params(exp)
    return {k: step[k] for k in PROBLEM_KEYS} | {
        "lam_scale": exp.problem.lam_scale,
        "alpha": list(exp.alpha),
        "lam": list(exp.lam),
        "dimension": exp.d if several_types(exp.problem) else None,
    }


def learned_params(exp: Experiment) -> dict[str, Any]:
    """The learned function: the readout over every eta and seed."""
    return readout_params(exp) | {"eta": list(exp.eta), "seeds": list(exp.seeds)}


def optimal_params(exp: Experiment) -> dict[str, Any]:
    """The optimal eta: the theory over the eta grid."""
    return theory_params(exp) | {"eta": list(exp.eta)}


def validation_params(exp: Experiment) -> dict[str, Any]:
    """The theory's validation: the theory, every eta, the validation seeds and test size."""
    return theory_params(exp) | {
        "eta": list(exp.eta),
        "seeds": list(exp.validation["seeds"]),
        "test_size": exp.validation["test_size"],
    }


STAGE_PARAMS: dict[str, Callable[[Experiment], dict[str, Any]]] = {
    "data": data_params,
    "step": step_params,
    "gradient": step_params,
    "rf": fit_params,
    "readout": readout_params,
    "conditional": fit_params,
    "theory": theory_params,
    "validation": validation_params,
    "learned": learned_params,
    "optimal": optimal_params,
}
"""Every stage with artifacts under `results/<stage>/<key>/` and its parameters."""


def stage_params(exp: Experiment, stage: str) -> dict[str, Any]:
    """JSON-able parameters that the artifacts of `stage` depend on (`STAGE_PARAMS`)."""
    if stage not in STAGE_PARAMS:
        raise ValueError(f"unknown stage {stage!r}; known: {list(STAGE_PARAMS)}")
    return STAGE_PARAMS[stage](exp)


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
