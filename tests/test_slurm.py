"""The workflow on a real (single-node) SLURM cluster, driven through the shipped profile.

Run with `pytest -m slurm` as root after `bash .ci/slurm-setup.sh`; without SLURM/munge
or root every test here is skipped with the reason, never passed.

The cluster comes from tests/slurm_cluster.py. The workflow is submitted exactly as
docs/cluster.md tells users to, `--profile workflow/profiles/slurm` plus the documented
user overrides (account/partition, and the `squeue` status command of a cluster without
an accounting database), and two test-only polling flags that only make the plugin
notice finished jobs sooner (it defaults to a first check after 40 s).

One module fixture starts four Snakemake runs at once, because the SLURM master mostly
sleeps between status checks: the tiny config locally with `--cores 2` (the reference),
the tiny config through SLURM, a throwaway one-rule workflow whose job fails on its first
attempt (retry test), and one job per numeric stage at d = 1000 through SLURM (memory
check). The tests then inspect the finished runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import xarray as xr
from slurm_cluster import PARTITION, ClusterUnavailable, LocalSlurm

pytestmark = pytest.mark.slurm

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "workflow" / "profiles" / "slurm"
TINY = ROOT / "tests" / "configs" / "tiny.yaml"
D1000 = ROOT / "tests" / "configs" / "slurm_d1000.yaml"
ACCOUNT = "srfpipe-ci"  # the local cluster has no accounting: any account name is accepted
USER_OVERRIDES = [  # what docs/cluster.md tells users to add to the shipped profile
    "--default-resources",
    f"slurm_account={ACCOUNT}",
    f"slurm_partition={PARTITION}",
    "--slurm-status-command",
    "squeue",
]
FAST_POLLING = [  # test-only: first status check after 2 s instead of 40 s
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--seconds-between-status-checks",
    "2",
]
TIMEOUT = 900

FLAKY_SNAKEFILE = r"""
# Throwaway workflow: the job fails on its first attempt and succeeds on the retry.
rule flaky:
    output:
        "flaky.txt",
    threads: 2
    resources:
        mem_mb=321,
        runtime=7,
    shell:
        "echo $SLURM_JOB_ID >> attempts.txt; "
        "if [ $(wc -l < attempts.txt) -lt 2 ]; then "
        "echo 'failing on purpose: first attempt' >&2; exit 1; fi; "
        "echo $SLURM_JOB_ID > {output}"
"""


def say(config: pytest.Config, text: str) -> None:
    """Write to the terminal even when output is captured (job ids belong in the CI log)."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(text, flush=True)
        return
    with capture.global_and_fixture_disabled():
        print(text, flush=True)


@pytest.fixture(scope="session")
def slurm_cluster(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LocalSlurm]:
    cluster = LocalSlurm(tmp_path_factory.mktemp("slurm-cluster"))
    t0 = time.monotonic()
    try:
        cluster.start()
    except ClusterUnavailable as err:
        pytest.skip(f"no local SLURM cluster: {err}")
    say(
        pytestconfig,
        f"\nlocal SLURM up in {time.monotonic() - t0:.1f}s: "
        + "; ".join(cluster.log)
        + f" (SLURM_CONF={cluster.conf})",
    )
    yield cluster
    cluster.stop()


@dataclass
class Run:
    name: str
    workdir: Path
    cmd: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[str] | None = None
    started: float = 0.0
    seconds: float = 0.0
    returncode: int | None = None

    @property
    def logfile(self) -> Path:
        return self.workdir.parent / f"{self.name}.out"

    @property
    def log(self) -> str:
        return self.logfile.read_text(errors="replace")

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.logfile.open("w") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=self.workdir,
                env=self.env,
                text=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.started = time.monotonic()

    def poll(self) -> bool:
        """True once finished (then `returncode` and `seconds` are set); kill at TIMEOUT."""
        assert self.proc is not None
        if self.returncode is None:
            if self.proc.poll() is None and self.elapsed() > TIMEOUT:
                self.proc.kill()
                self.proc.wait()
            if self.proc.returncode is not None:
                self.returncode = self.proc.returncode
                self.seconds = self.elapsed()
        return self.returncode is not None

    def wait(self) -> None:
        while not self.poll():
            time.sleep(0.5)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check(self) -> None:
        assert self.returncode == 0, (
            f"{self.name} run failed (rc {self.returncode}):\n"
            f"{' '.join(self.cmd)}\n{self.log[-6000:]}"
        )


def job_env(cluster: LocalSlurm) -> dict[str, str]:
    """The environment a user launches from: venv first on PATH, cluster reachable, and
    HDF5 file locking off (exported to every job by the plugin's `sbatch --export=ALL`)."""
    env = cluster.env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HDF5_USE_FILE_LOCKING"] = "FALSE"
    for var in [v for v in env if v.startswith(("SLURM_JOB", "SLURM_STEP"))]:
        del env[var]  # in case pytest itself runs inside a SLURM job
    return env


def snakemake_cmd(workdir: Path, *args: str, snakefile: Path = ROOT / "Snakefile") -> list[str]:
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        *args,
    ]


def slurm_args() -> list[str]:
    return ["--profile", str(PROFILE), *USER_OVERRIDES, *FAST_POLLING]


@dataclass
class Runs:
    local: Run
    slurm: Run
    flaky: Run
    d1000: Run

    @property
    def all(self) -> tuple[Run, ...]:
        return (self.slurm, self.flaky, self.d1000, self.local)


@pytest.fixture(scope="module")
def runs(
    slurm_cluster: LocalSlurm, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Runs:
    base = tmp_path_factory.mktemp("runs")
    env = job_env(slurm_cluster)
    flaky_snakefile = base / "flaky" / "Snakefile"
    flaky_snakefile.parent.mkdir()
    flaky_snakefile.write_text(FLAKY_SNAKEFILE)
    tiny = ["--configfile", str(TINY)]
    result = Runs(
        local=Run(
            "local", base / "local", snakemake_cmd(base / "local", *tiny, "--cores", "2"), env
        ),
        slurm=Run(
            "slurm", base / "slurm", snakemake_cmd(base / "slurm", *tiny, *slurm_args()), env
        ),
        flaky=Run(
            "flaky",
            base / "flaky",
            snakemake_cmd(base / "flaky", *slurm_args(), snakefile=flaky_snakefile),
            env,
        ),
        d1000=Run(
            "d1000",
            base / "d1000",
            snakemake_cmd(
                base / "d1000", "--configfile", str(D1000), "--until", "fit_readout", *slurm_args()
            ),
            env,
        ),
    )
    t0 = time.monotonic()
    for run in result.all:
        run.start()
    while not all([run.poll() for run in result.all]):
        time.sleep(0.5)
    say(
        pytestconfig,
        f"\nconcurrent runs finished in {time.monotonic() - t0:.0f}s: "
        + ", ".join(f"{r.name} {r.seconds:.0f}s (rc {r.returncode})" for r in result.all),
    )
    say(pytestconfig, "slurm command: " + " ".join(result.slurm.cmd))
    return result


# -- parsing Snakemake's console log ------------------------------------------------------
@dataclass
class JobRecord:
    rule: str
    local: bool
    jobid: str
    outputs: list[str]
    resources: dict[str, str]


def job_records(log: str) -> list[JobRecord]:
    """The job blocks Snakemake prints: `rule x:` / `localrule x:` + indented fields."""
    records = []
    for block in re.finditer(r"^(local)?rule (\w+):\n((?:    .*\n)+)", log, re.M):
        fields = dict(re.findall(r"^    (\w+): (.*)$", block[3], re.M))
        outputs = [o.strip() for o in fields.get("output", "").split(",") if o.strip()]
        resources = dict(re.findall(r"(\w+)=([^,\s]+)", fields.get("resources", "")))
        records.append(
            JobRecord(block[2], bool(block[1]), fields.get("jobid", ""), outputs, resources)
        )
    return records


def submissions(log: str) -> dict[str, list[str]]:
    """Snakemake job id -> SLURM job ids it was submitted as (one per attempt)."""
    subs: dict[str, list[str]] = {}
    for job, slurm_id in re.findall(r"Job (\S+) has been submitted with SLURM jobid (\d+)", log):
        subs.setdefault(job, []).append(slurm_id)
    return subs


def job_fields(cluster: LocalSlurm, job_id: str) -> dict[str, str]:
    """The `Key=Value` fields of `scontrol show job` for one SLURM job."""
    out = subprocess.run(
        ["scontrol", "show", "job", job_id],
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return dict(re.findall(r"(\w+)=(\S+)", out.stdout))


def artifacts(workdir: Path) -> list[str]:
    return sorted(str(p.relative_to(workdir)) for p in (workdir / "results").rglob("*.nc"))


# -- tests --------------------------------------------------------------------------------
def test_every_numeric_job_ran_through_slurm(runs: Runs, pytestconfig: pytest.Config) -> None:
    runs.slurm.check()
    log = runs.slurm.log
    records = job_records(log)
    producer = {out: rec for rec in records for out in rec.outputs}
    subs = submissions(log)
    for rec in records:
        if not rec.local:  # what the plugin turned into sbatch -t/--mem/-A/-p
            assert rec.resources.get("runtime", "").isdigit(), f"{rec.rule}: no runtime"
            assert rec.resources.get("mem_mb", "").isdigit(), f"{rec.rule}: no mem_mb"
            assert rec.resources["slurm_account"] == ACCOUNT
            assert rec.resources["slurm_partition"] == PARTITION
    files = artifacts(runs.slurm.workdir)
    assert files, "no NetCDF artifact under results/"
    lines, remote_stages = [], set()
    for name in files:
        rec = producer.get(name)
        assert rec is not None, f"{name}: no job of this run produced it"
        attrs = xr.load_dataset(runs.slurm.workdir / name).attrs
        job_id = str(attrs.get("slurm_job_id", ""))
        if rec.local:
            # localrules (aggregation, plots) run in the master process on the login node
            assert job_id == "", f"{name} from localrule {rec.rule} has slurm_job_id {job_id}"
            lines.append(f"  {'(local)':>8}  {rec.rule:<16} {name}")
            continue
        assert job_id, f"{name} (rule {rec.rule}) has no slurm_job_id: it did not run in SLURM"
        assert job_id in subs.get(rec.jobid, []), (
            f"{name}: slurm_job_id {job_id} is not a SLURM job submitted for it ({subs})"
        )
        remote_stages.add(attrs.get("stage"))
        lines.append(f"  {job_id:>8}  {rec.rule:<16} {name}")
    assert {"data", "step", "readout"} <= remote_stages
    say(pytestconfig, "\nSLURM job id per artifact (tiny config):\n" + "\n".join(lines))


def test_slurm_results_equal_local_run(runs: Runs) -> None:
    runs.local.check()
    runs.slurm.check()
    files = artifacts(runs.slurm.workdir)
    assert files == artifacts(runs.local.workdir)
    for name in files:
        xr.testing.assert_equal(
            xr.load_dataset(runs.slurm.workdir / name), xr.load_dataset(runs.local.workdir / name)
        )


def test_second_submission_has_nothing_to_do(runs: Runs, pytestconfig: pytest.Config) -> None:
    runs.slurm.check()
    again = Run("slurm-again", runs.slurm.workdir, runs.slurm.cmd, runs.slurm.env)
    again.logfile.unlink(missing_ok=True)
    again.start()
    again.wait()
    again.check()
    assert "Nothing to be done" in again.log, again.log[-3000:]
    assert not submissions(again.log), "the second submission submitted jobs"
    say(pytestconfig, f"\nsecond submission: nothing to do ({again.seconds:.0f}s)")


def test_failed_job_is_retried(runs: Runs, pytestconfig: pytest.Config) -> None:
    runs.flaky.check()
    attempts = (runs.flaky.workdir / "attempts.txt").read_text().split()
    assert len(attempts) == 2 and attempts[0] != attempts[1], attempts
    assert (runs.flaky.workdir / "flaky.txt").read_text().split() == [attempts[1]]
    subs = submissions(runs.flaky.log)
    assert list(subs.values()) == [attempts], subs
    assert "Trying to restart job" in runs.flaky.log
    say(
        pytestconfig,
        f"\nretry: SLURM job {attempts[0]} failed on purpose, "
        f"resubmitted as {attempts[1]}, which succeeded",
    )


def test_rule_resources_reach_sbatch(runs: Runs, slurm_cluster: LocalSlurm) -> None:
    """threads -> CPUs, mem_mb -> memory, runtime -> time limit, as SLURM recorded them."""
    runs.flaky.check()
    fields = job_fields(slurm_cluster, (runs.flaky.workdir / "flaky.txt").read_text().strip())
    assert fields["NumCPUs"] == "2"
    assert fields["MinMemoryNode"] == "321M"
    assert fields["TimeLimit"] == "00:07:00"
    assert fields["Partition"] == PARTITION
    assert fields["Account"] == ACCOUNT
    assert fields["JobState"] == "COMPLETED"


def test_d1000_jobs_stay_within_requested_memory(
    runs: Runs, slurm_cluster: LocalSlurm, pytestconfig: pytest.Config
) -> None:
    """At d = 1000 each numeric job's peak RSS (its log) stays within the memory SLURM
    granted it, and within the model's estimate for the job process alone
    (`resources.job_memory_mb`; the request adds the interpreters' allowance)."""
    import yaml

    from srfpipe.config import Experiment, with_defaults
    from srfpipe.plan import RULE_STAGE
    from srfpipe.resources import job_memory_mb

    runs.d1000.check()
    exp = Experiment.from_config(with_defaults(yaml.safe_load(D1000.read_text())))
    subs = submissions(runs.d1000.log)
    records = [r for r in job_records(runs.d1000.log) if not r.local]
    assert {"generate_data", "take_step", "fit_readout"} <= {r.rule for r in records}
    lines = []
    for rec in records:
        (slurm_id,) = subs[rec.jobid]
        granted = int(job_fields(slurm_cluster, slurm_id)["MinMemoryNode"].rstrip("M"))
        assert granted == int(rec.resources["mem_mb"])
        (log,) = (runs.d1000.workdir / "logs" / rec.rule).rglob("*.log")
        (peak,) = map(float, re.findall(r"peak RSS ([\d.]+) MB", log.read_text()))
        model = job_memory_mb(exp, RULE_STAGE[rec.rule])
        lines.append(
            f"{rec.rule} (SLURM {slurm_id}): peak {peak:.0f} MB, model {model:.0f} MB, "
            f"granted {granted} MB"
        )
        assert peak <= model <= granted, lines[-1]
    say(pytestconfig, "\nd = 1000 memory: " + "; ".join(lines))
