"""Snakemake adapter: eval_theory -> srfpipe.stages.theory.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import theory
from srfpipe.store import save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    save(theory.run(smk.params.stage, smk.params.eta), smk.output[0])
