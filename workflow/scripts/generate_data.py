"""Snakemake adapter: generate_data -> srfpipe.stages.data.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import data
from srfpipe.store import save

with snakemake_job(snakemake):  # noqa: F821
    save(data.run(snakemake.params.stage, snakemake.params.seed), snakemake.output[0])  # noqa: F821
