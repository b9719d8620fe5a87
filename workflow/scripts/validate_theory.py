"""Snakemake adapter: validate_theory -> srfpipe.stages.validation.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import validation
from srfpipe.store import save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    save(validation.run(smk.params.stage, smk.params.d, smk.params.eta), smk.output[0])
