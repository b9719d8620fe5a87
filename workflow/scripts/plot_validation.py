"""Snakemake adapter: plot_validation -> srfpipe.plots.theory_validation."""

from srfpipe import plots
from srfpipe.jobs import snakemake_job
from srfpipe.store import load

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    plots.theory_validation(
        [load(f, "validation", smk.params.expect) for f in smk.input],
        [smk.output.png, smk.output.pdf],
    )
