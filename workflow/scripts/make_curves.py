"""Snakemake adapter: make_curves -> srfpipe.stages.make_curves.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import make_curves
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    ds = make_curves.run(
        [load(f) for f in smk.input.readouts],
        [load(f) for f in smk.input.steps],
        [load(f) for f in smk.input.theories],
        [load(f) for f in smk.input.conditionals],
    )
    save(ds, smk.output[0])
