"""Snakemake adapter: plot_learned_function -> srfpipe.plots.learned_function."""

from srfpipe import plots
from srfpipe.jobs import snakemake_job
from srfpipe.store import load

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    plots.learned_function(
        load(smk.input[0], "learned", smk.params.expect), [smk.output.png, smk.output.pdf]
    )
