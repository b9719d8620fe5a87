"""Snakemake adapter: plot_optimal_eta -> srfpipe.plots.optimal_eta."""

from srfpipe import plots
from srfpipe.jobs import snakemake_job
from srfpipe.store import load

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    optimal = load(smk.input.optimal, "optimal", smk.params.expect)
    curves = load(smk.input.curves, "curves", smk.params.expect_curves)
    plots.optimal_eta(optimal, curves, [smk.output.png, smk.output.pdf])
