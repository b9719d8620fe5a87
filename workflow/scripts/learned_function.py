"""Snakemake adapter: learned_function -> srfpipe.stages.learned_function.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import learned_function
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    expect = smk.params.expect
    ds = learned_function.run(
        [load(f, "readout", expect) for f in smk.input.readouts],
        [load(f, "theory", expect) for f in smk.input.theories],
    )
    save(ds, smk.output[0])
