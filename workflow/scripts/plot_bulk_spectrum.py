"""Snakemake adapter: plot_bulk_spectrum -> srfpipe.plots.bulk_spectrum."""

from srfpipe import plots
from srfpipe.jobs import snakemake_job
from srfpipe.store import load

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    plots.bulk_spectrum(
        load(smk.input[0], "curves", smk.params.expect), [smk.output.png, smk.output.pdf]
    )
