"""Snakemake adapter: fit_readout -> srfpipe.stages.fit_readout.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import fit_readout
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    expect = smk.params.stage | {"seed": smk.params.seed, "eta": smk.params.eta}
    data_ds, step_ds = load(smk.input.data, "data", expect), load(smk.input.step, "step", expect)
    rf_ds = load(smk.input.rf, "rf", expect) if smk.input.rf else None
    ds = fit_readout.run(smk.params.stage, smk.params.seed, smk.params.eta, data_ds, step_ds, rf_ds)
    save(ds, smk.output[0])
