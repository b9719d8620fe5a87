"""srfpipe: one-gradient-step two-layer networks, spiked random features and their asymptotics.

The notebook API (docs/api.md: `__all__`, from `srfpipe.api`, and the figures `plots`),
imported on first use, so `import srfpipe` stays cheap for the workflow's jobs.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("srfpipe")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "Problem", "SRF", "target", "MODELS", "THEORIES", "network_map", "srf_of", "theory_curve",
    "learned_function", "optimal_lam", "optimal_eta", "conditional_curve", "simulate",
    "runnable_models", "load_run", "Run", "progress_printer", "plots",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    """The API names of `__all__`, from `srfpipe.api` (and the module `srfpipe.plots`)."""
    if name == "plots":
        return import_module("srfpipe.plots")
    if name in __all__:
        return getattr(import_module("srfpipe.api"), name)
    raise AttributeError(f"module 'srfpipe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
