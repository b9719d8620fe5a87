"""Snakemake adapter: plot_optimal_eta -> srfpipe.plots.optimal_eta."""

import matplotlib

matplotlib.use("Agg")  # a batch job: no display

from srfpipe import plots  # noqa: E402
from srfpipe.jobs import snakemake_job  # noqa: E402
from srfpipe.store import load  # noqa: E402

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    optimal = load(smk.input.optimal, "optimal", smk.params.expect)
    curves = load(smk.input.curves, "curves", smk.params.expect_curves)
    plots.optimal_eta(optimal, curves, [smk.output.png, smk.output.pdf])
