"""Snakemake adapter: eval_theory -> srfpipe.stages.eval_theory.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import eval_theory
from srfpipe.store import save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    save(eval_theory.run(smk.params.stage, smk.params.eta), smk.output[0])
