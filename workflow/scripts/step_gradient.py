"""Snakemake adapter: step_gradient -> srfpipe.stages.step_gradient.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import step_gradient
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    data_ds = load(smk.input.data, "data", smk.params.stage | {"seed": smk.params.seed})
    save(step_gradient.run(smk.params.stage, smk.params.seed, data_ds), smk.output[0])
