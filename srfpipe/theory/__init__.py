"""Exact asymptotics of ridge regression on spiked random features (docs/theory.md)."""

from srfpipe.theory.curves import READOUT_INITS, learning_curve, optimal_ridge, plateau
from srfpipe.theory.network_map import network_map

__all__ = ["READOUT_INITS", "learning_curve", "network_map", "optimal_ridge", "plateau"]
