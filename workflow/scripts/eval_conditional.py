"""Snakemake adapter: eval_conditional -> srfpipe.stages.eval_conditional.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import eval_conditional
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    expect = smk.params.stage | {"seed": smk.params.seed, "eta": smk.params.eta}
    data_ds, step_ds = load(smk.input.data, "data", expect), load(smk.input.step, "step", expect)
    ds = eval_conditional.run(smk.params.stage, smk.params.seed, smk.params.eta, data_ds, step_ds)
    save(ds, smk.output[0])
