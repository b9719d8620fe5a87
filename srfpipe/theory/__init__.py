"""Exact asymptotics of ridge regression on spiked random features (docs/theory.md).

Import from the modules (`srfpipe.theory.curves.learning_curve`, ...): this file imports
nothing, so a stage that needs only `network_map` does not depend on the whole theory."""
