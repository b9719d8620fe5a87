"""Snakemake adapter: generate_data -> srfpipe.stages.generate_data.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import generate_data
from srfpipe.store import save

with snakemake_job(snakemake):  # noqa: F821
    save(generate_data.run(snakemake.params.stage, snakemake.params.seed), snakemake.output[0])  # noqa: F821
