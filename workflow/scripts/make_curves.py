"""Snakemake adapter: make_curves -> srfpipe.stages.make_curves.run."""

from srfpipe.jobs import snakemake_job
from srfpipe.stages import make_curves
from srfpipe.store import load, save

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk):
    expect = smk.params.expect
    ds = make_curves.run(
        [load(f, "readout", expect) for f in smk.input.readouts],
        [load(f, "step", expect) for f in smk.input.steps],
        [load(f, "theory", expect) for f in smk.input.theories],
        [load(f, "conditional", expect) for f in smk.input.conditionals],
    )
    save(ds, smk.output[0])
