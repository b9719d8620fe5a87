"""Snakemake adapter: take_step -> srfpipe.stages.take_step.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import take_step
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    seed_params = smk.params.stage | {"seed": smk.params.seed}
    data_ds = load(smk.input.data, "data", seed_params)
    grad = load(smk.input.gradient, "gradient", seed_params) if smk.input.gradient else None
    ds = take_step.run(smk.params.stage, smk.params.seed, smk.params.eta, data_ds, grad)
    save(ds, smk.output[0])
