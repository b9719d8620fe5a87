"""Snakemake adapter: plot_optimal_eta -> srfpipe.plots.optimal_eta."""

from srfpipe import plots
from srfpipe.jobs import snakemake_job
from srfpipe.store import load

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    optimal, curves = load(smk.input.optimal), load(smk.input.curves)
    plots.optimal_eta(optimal, curves, [smk.output.png, smk.output.pdf])
