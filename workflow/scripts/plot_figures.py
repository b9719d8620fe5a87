"""Snakemake adapter: plot_figures -> srfpipe.plots."""

from srfpipe import plots
from srfpipe.jobs import snakemake_job
from srfpipe.store import load

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    curves = load(smk.input[0], "curves", smk.params.expect)
    plots.learning_curves(curves, [smk.output.curves_png, smk.output.curves_pdf])
    plots.spike_diagnostics(curves, [smk.output.spikes_png, smk.output.spikes_pdf])
