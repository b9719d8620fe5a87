"""Snakemake adapter: optimal_eta -> srfpipe.stages.optimal_eta.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import optimal_eta
from srfpipe.store import save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    save(optimal_eta.run(smk.params.stage), smk.output[0])
