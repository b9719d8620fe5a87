"""Snakemake adapter: validate_theory -> srfpipe.stages.validate_theory.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import validate_theory
from srfpipe.store import save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    save(validate_theory.run(smk.params.stage, smk.params.d), smk.output[0])
