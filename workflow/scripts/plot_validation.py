"""Snakemake adapter: plot_validation -> srfpipe.plots.theory_validation."""

import matplotlib

matplotlib.use("Agg")  # a batch job: no display

from srfpipe import plots  # noqa: E402
from srfpipe.jobs import snakemake_job  # noqa: E402
from srfpipe.store import load  # noqa: E402

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    plots.theory_validation(
        [load(f, "validation", smk.params.expect) for f in smk.input],
        [smk.output.png, smk.output.pdf],
    )
