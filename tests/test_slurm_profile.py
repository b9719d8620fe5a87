"""The shipped SLURM profile parses and the rules' resources reach the job specs (dry run).

No SLURM needed: the executor plugin runs `scontrol show config` (and `which sinfo/sacct/
squeue`) even for `-n`, so the test puts failing stubs of every SLURM client first on PATH.
The dry run then behaves the same with or without a real cluster on the machine, and the
stubs record that nothing was submitted. The real-cluster tests are in test_slurm.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from srfpipe.config import Experiment
from srfpipe.resources import job_resources

pytestmark = pytest.mark.workflow

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "workflow" / "profiles" / "slurm"
SLURM_CLIENTS = (
    "sinfo",
    "sacct",
    "sacctmgr",
    "scontrol",
    "sshare",
    "squeue",
    "sbatch",
    "srun",
    "scancel",
)
STAGE_OF_RULE = {
    "generate_data": "data",
    "take_step": "step",
    "step_gradient": "gradient",
    "fit_rf": "rf",
    "fit_readout": "readout",
}


def stub_slurm_clients(bindir: Path) -> Path:
    """Stubs that log their call and fail, like clients that cannot reach a controller."""
    bindir.mkdir()
    calls = bindir / "calls.log"
    for name in SLURM_CLIENTS:
        stub = bindir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit 1\n')
        stub.chmod(0o755)
    return calls


def test_profile_dry_run_shows_rule_resources(tmp_path: Path) -> None:
    pytest.importorskip(
        "snakemake_executor_plugin_slurm", reason="needs the slurm extra: pip install -e '.[slurm]'"
    )
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["threads"] = 2
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    calls = stub_slurm_clients(tmp_path / "bin")
    env = dict(
        os.environ,
        PATH=f"{tmp_path / 'bin'}{os.pathsep}{Path(sys.executable).parent}"
        f"{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop("SLURM_CONF", None)
    # `-n` implies `--cores 1`, which caps (and hides) threads in the listing; a real
    # submission has no such cap, so give the dry run enough cores to show them.
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(tmp_path / "config.yaml"),
        "--profile",
        str(PROFILE),
        "-n",
        "--cores",
        "64",
        "--default-resources",
        "slurm_account=dummy_account",
        "slurm_partition=dummy",
    ]
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-4000:]
    assert "Using profile" in text and "workflow/profiles/slurm" in text

    validate(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    exp = Experiment.from_config(config)
    # (a dry run prints local rules as `rule` too; they are the ones without a runtime)
    blocks = re.findall(r"^(?:local)?rule (\w+):\n((?:    .*\n)+)", text, re.M)
    remote = [(rule, body) for rule, body in blocks if re.search(r"\bruntime=", body)]
    assert {rule for rule, _ in remote} >= set(STAGE_OF_RULE), [b[0] for b in blocks]
    for rule, body in remote:
        resources = dict(re.findall(r"(\w+)=([^,\s]+)", body.split("resources:")[1]))
        assert resources["slurm_account"] == "dummy_account", body
        assert resources["slurm_partition"] == "dummy", body
        assert int(resources["mem_mb"]) > 0 and int(resources["runtime"]) > 0, body
        if rule in STAGE_OF_RULE:
            declared = job_resources(exp, STAGE_OF_RULE[rule])
            assert int(resources["mem_mb"]) == declared["mem_mb"], body
            assert int(resources["runtime"]) == declared["runtime"], body
        if rule in ("step_gradient", "take_step", "fit_readout"):
            assert re.search(r"^    threads: 2$", body, re.M), body
    submitted = calls.read_text() if calls.exists() else ""
    assert "sbatch" not in submitted, submitted
