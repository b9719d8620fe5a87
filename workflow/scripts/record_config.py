"""Snakemake adapter: record_config -> the effective configuration, stale figures removed."""

from pathlib import Path

from srfpipe.jobs import snakemake_job
from srfpipe.store import prune

smk = snakemake  # noqa: F821  (injected by Snakemake)
with snakemake_job(smk) as log:
    Path(smk.output[0]).write_text(smk.params.text)
    for figures in {Path(f).parent for f in smk.params.figures}:
        keep = [Path(f).name for f in smk.params.figures]
        for path in prune(figures, keep, smk.params.made):
            log.info("removed %s: the configuration no longer draws it", path)
