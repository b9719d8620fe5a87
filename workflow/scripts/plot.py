"""Snakemake adapter of every figure rule: `srfpipe.plots.<figure>` of the artifacts the
figure table (workflow/figures.yaml) says it reads, in that order; a list input (validation,
one file per d) is passed as a list."""

import matplotlib

matplotlib.use("Agg")  # a batch job: no display

from srfpipe import plots  # noqa: E402
from srfpipe.jobs import snakemake_job  # noqa: E402
from srfpipe.store import load  # noqa: E402

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    expect = smk.params.expect
    artifacts = [
        [load(f, stage, expect[stage]) for f in files]
        if isinstance(files, list)
        else load(files, stage, expect[stage])
        for stage, files in smk.input.items()
    ]
    getattr(plots, smk.params.figure)(*artifacts, [smk.output.png, smk.output.pdf])
