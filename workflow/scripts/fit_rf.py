"""Snakemake adapter: fit_rf -> srfpipe.stages.fit_rf.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import fit_rf
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    data_ds = load(smk.input.data, "data", smk.params.stage | {"seed": smk.params.seed})
    save(fit_rf.run(smk.params.stage, smk.params.seed, data_ds), smk.output[0])
