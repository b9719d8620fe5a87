"""The edge between Snakemake `script:` jobs and the package: logging, threads, errors."""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from srfpipe.linalg.parallel import job_threads

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def snakemake_job(smk: Any) -> Iterator[logging.Logger]:
    """Run a job body with logging to `smk.log[0]` and `job_threads(smk.threads)`; exceptions
    are logged with their traceback (Snakemake does not put a `script:` job's stderr in its
    `log:`) and re-raised, so the job fails and its outputs are removed."""
    logging.basicConfig(filename=smk.log[0], level=logging.INFO, force=True, format=LOG_FORMAT)
    log = logging.getLogger(f"srfpipe.job.{smk.rule}")
    log.info("rule %s, wildcards %s, threads %d", smk.rule, dict(smk.wildcards), smk.threads)
    start = time.perf_counter()
    try:
        with job_threads(smk.threads):
            yield log
    except BaseException as err:
        log.exception("job failed after %.1fs", time.perf_counter() - start)
        sys.stderr.write(f"srfpipe: rule {smk.rule} failed: {err}\n  (details: {smk.log[0]})\n")
        raise
    use = resource.getrusage(resource.RUSAGE_SELF)
    cpu, peak_mb = use.ru_utime + use.ru_stime, use.ru_maxrss / 1024  # ru_maxrss: kB (Linux)
    log.info(
        "job finished in %.1fs, %.2fs CPU (process), peak RSS %.1f MB",
        time.perf_counter() - start, cpu, peak_mb,
    )  # fmt: skip
