"""Snakemake adapter: plot_learned_function -> srfpipe.plots.learned_function."""

import matplotlib

matplotlib.use("Agg")  # a batch job: no display

from srfpipe import plots  # noqa: E402
from srfpipe.jobs import snakemake_job  # noqa: E402
from srfpipe.store import load  # noqa: E402

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    plots.learned_function(
        load(smk.input[0], "learned", smk.params.expect), [smk.output.png, smk.output.pdf]
    )
