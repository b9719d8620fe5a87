"""Snakemake adapter: plot_figures -> srfpipe.plots."""

import matplotlib

matplotlib.use("Agg")  # a batch job: no display

from srfpipe import plots  # noqa: E402
from srfpipe.jobs import snakemake_job  # noqa: E402
from srfpipe.store import load  # noqa: E402

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    curves = load(smk.input[0], "curves", smk.params.expect)
    plots.learning_curves(curves, [smk.output.curves_png, smk.output.curves_pdf])
    plots.spike_diagnostics(curves, [smk.output.spikes_png, smk.output.spikes_pdf])
