"""Exact asymptotics of ridge regression on spiked random features (docs/theory.md)."""

from srfpipe.theory.coverage import theory_gap
from srfpipe.theory.curves import learning_curve, optimal_ridge, plateau

__all__ = ["learning_curve", "optimal_ridge", "plateau", "theory_gap"]
