"""Snakemake adapter: plot_learning_curves, plot_spike_diagnostics, plot_bulk_spectrum ->
`srfpipe.plots.<figure>` of the curves artifact."""

import matplotlib

matplotlib.use("Agg")  # a batch job: no display

from srfpipe import plots  # noqa: E402
from srfpipe.jobs import snakemake_job  # noqa: E402
from srfpipe.store import load  # noqa: E402

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    draw = getattr(plots, smk.params.figure)
    draw(load(smk.input[0], "curves", smk.params.expect), [smk.output.png, smk.output.pdf])
