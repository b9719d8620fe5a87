"""Shared fixtures: a tiny real run of the workflow used as a Snakemake module."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MODULE_CONFIG = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text()) | {
    "name": "default",
    "seeds": [0],
    "validation": {"d": [24], "seeds": [0], "test_size": 100},
}
MODULE_SNAKEFILE = f"""\
configfile: "config.yaml"


module srfpipe:
    snakefile: "{ROOT / "Snakefile"}"
    config: config


use rule * from srfpipe as srfpipe_*


rule all:
    default_target: True
    input:
        rules.srfpipe_all.input,
"""
"""Another workflow's Snakefile using srfpipe as a module (as docs/cluster.md shows)."""


def run_snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake ARGS` in `workdir` (its own Snakefile)."""
    cmd = [sys.executable, "-m", "snakemake", "--directory", str(workdir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=workdir)


@pytest.fixture(scope="session")
def module_run(tmp_path_factory) -> Path:
    """The folder of a workflow of its own that uses srfpipe as a module, run for real on
    a tiny config named `default` (its results are under `results/`)."""
    workdir = tmp_path_factory.mktemp("outer")
    (workdir / "config.yaml").write_text(yaml.safe_dump(MODULE_CONFIG))
    (workdir / "Snakefile").write_text(MODULE_SNAKEFILE)
    out = run_snakemake(workdir, "--cores", "2")
    assert out.returncode == 0, out.stderr[-3000:]
    return workdir
