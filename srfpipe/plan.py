"""Cost estimate of a workflow run before it starts (`srfpipe plan`).

The jobs and their dependencies come from Snakemake's own dry run (`snakemake -n --forceall`
on the repository's Snakefile, in a scratch directory): rule, wildcards, threads, the
requested `mem_mb`, inputs and outputs of every job; a job depends on the jobs whose outputs
it reads. Each job's cost is its stage's entry in the one cost table
(`srfpipe.resources.STAGE_COSTS`): its counted work (products `X W^T`, Gram matrices, band
reductions of the ridge path, eigensolves, activations, random normals) at rates measured in
this process (`calibrate`; `DEFAULT_RATES` without calibration), plus the start-up of a
job's interpreter; its peak memory is `job_memory_mb`, what the rules request. The wall time
on N cores is a list schedule of the DAG (longest remaining path first; a job holds
min(threads, N) cores and runs `start-up + work / threads`), next to its two lower bounds:
the critical path and total / N.

Rules without a cost model here (`RULE_STAGE`) are counted as start-up only and named in the
plan's notes.
"""

from __future__ import annotations

import heapq
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from srfpipe.config import Experiment
from srfpipe.resources import DEFAULT_RATES, job_memory_mb, job_seconds

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "Snakefile"

RULE_STAGE = {
    "generate_data": "data",
    "take_step": "step",
    "step_gradient": "gradient",
    "fit_rf": "rf",
    "fit_readout": "readout",
    "eval_conditional": "conditional",
    "validate_theory": "validation",
    "eval_theory": "theory",
    "optimal_eta": "optimal",
    "make_curves": "curves",
    "learned_function": "learned",
    "record_config": "plots",
} | {
    fig["rule"]: "plots"
    for fig in yaml.safe_load((ROOT / "workflow" / "figures.yaml").read_text()).values()
}
"""The stage (cost model) of each rule (the figure rules from `workflow/figures.yaml`);
`all` is a target without work."""
TARGETS = ("all",)

REFERENCE_FLOPS = 2.0 * 8000 * 2000 * 4000
"""The reference product `X W^T`, X 8000 x 2000, W 4000 x 2000 (issue 22)."""


FLOAT32_NOTE = 0.05
"""`srfpipe plan` suggests `precision: float32` when it saves at least this share of the CPU
time of a float64 config."""
FLOAT32_ERROR = "at most 4e-7 relative"
"""What float32 does to the test errors, as measured (docs/performance.md, section 11)."""


class PlanError(ValueError):
    """Input `srfpipe plan` refuses, or a dry run that failed; the message says which."""


@dataclass
class Job:
    """One job of the DAG: rule, wildcards, threads, requested `mem_mb`, files, dependencies."""

    jobid: int
    rule: str
    wildcards: dict[str, str]
    threads: int
    mem_mb: int | None
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    deps: list[int] = field(default_factory=list)


def _config_args(configfile: Path | None, config: Sequence[str]) -> list[str]:
    """Snakemake's `--configfile`/`--config` arguments (the default `config.yaml` of the
    current directory, else the repository's, when no file is given)."""
    if configfile is None:
        configfile = Path("config.yaml") if Path("config.yaml").exists() else ROOT / "config.yaml"
    configfile = Path(configfile)
    if not configfile.is_file():
        raise PlanError(f"--configfile: no such file: {configfile}")
    args = ["--configfile", str(configfile.resolve())]
    return args + (["--config", *config] if config else [])


def dry_run(configfile: Path | None, config: Sequence[str], cores: int) -> list[Job]:
    """Every job of a run from scratch (`snakemake -n --forceall`), with its dependencies."""
    exe = Path(sys.executable).parent / "snakemake"
    with tempfile.TemporaryDirectory(prefix="srfpipe-plan-") as scratch:
        cmd = [str(exe) if exe.exists() else "snakemake", "-n", "--forceall", "--nolock"]
        cmd += ["--snakefile", str(SNAKEFILE), "--directory", scratch, "--cores", str(cores)]
        cmd += _config_args(configfile, config)
        proc = subprocess.run(cmd, capture_output=True, text=True)
    text = proc.stdout + proc.stderr
    if proc.returncode != 0:
        errors = [ln for ln in text.splitlines() if "rror" in ln or ln.startswith("  ")]
        raise PlanError(
            "the dry run failed:\n" + "\n".join(errors[-20:] or text.splitlines()[-20:])
        )
    return parse_dry_run(text)


def parse_dry_run(text: str) -> list[Job]:
    """Jobs of a dry run's text (blocks `rule NAME:` / `localrule NAME:` then indented
    `key: value` lines); dependencies from inputs that are other jobs' outputs."""
    jobs: list[Job] = []
    fields: dict[str, str] = {}
    rule = None

    def close() -> None:
        if rule is None:
            return
        wildcards = dict(
            kv.split("=", 1) for kv in re.split(r",\s*", fields.get("wildcards", "")) if "=" in kv
        )
        mem = re.search(r"\bmem_mb=(\d+)", fields.get("resources", ""))
        jobs.append(
            Job(
                jobid=int(fields["jobid"]),
                rule=rule,
                wildcards=wildcards,
                threads=int(fields.get("threads", 1)),
                mem_mb=int(mem.group(1)) if mem else None,
                inputs=tuple(s for s in re.split(r",\s*", fields.get("input", "")) if s),
                outputs=tuple(s for s in re.split(r",\s*", fields.get("output", "")) if s),
            )
        )

    for line in text.splitlines():
        if m := re.match(r"(?:local)?rule (\w+):\s*$", line):
            close()
            rule, fields = m.group(1), {}
        elif rule is not None and (m := re.match(r"\s+(\w+): (.*)$", line)):
            fields[m.group(1)] = m.group(2).strip()
        elif rule is not None and not line.startswith(" "):
            close()
            rule = None
    close()
    if not jobs:
        raise PlanError("the dry run listed no jobs (Snakemake's output format changed?)")
    producer = {out: job.jobid for job in jobs for out in job.outputs}
    for job in jobs:
        job.deps = sorted({producer[f] for f in job.inputs if f in producer})
    return jobs


def _time(fn: Any, repeats: int = 3) -> float:
    """Minimum CPU time (s) of `fn()` over `repeats` calls."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9)


def calibrate(startup: bool = True) -> dict[str, float]:
    """Rates of every kernel measured now, at one thread (the reference product at 1/8 of
    its size: X 4000 x 1000, W 2000 x 1000); `startup` spawns one interpreter importing what
    a job imports (else `DEFAULT_RATES['startup']`)."""
    from scipy import linalg

    from srfpipe.linalg import band, cholesky
    from srfpipe.linalg.parallel import job_threads

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4000, 1000)), rng.standard_normal((2000, 1000))
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    k = 600
    a = rng.standard_normal((k, k))
    sym = a @ a.T
    big = rng.standard_normal((1000, 1000))
    gram = big @ big.T
    z = rng.standard_normal(2**22)
    z32 = z.astype(np.float32)
    rates = {}
    with job_threads(1):
        rates["gemm64"] = 2.0 * 4000 * 1000 * 2000 / _time(lambda: x @ w.T)
        rates["gemm32"] = 2.0 * 4000 * 1000 * 2000 / _time(lambda: x32 @ w32.T)
        rates["band"] = 4.0 / 3.0 * 1000**3 / _time(lambda: band.reduce(gram))
        lams = np.arange(1.0, 5.0)  # four factorisations of a positive definite matrix
        rates["cholesky"] = (
            4 * 1000**3 / 3.0 / _time(lambda: cholesky.shifted_solves(gram, z[:1000], lams))
        )
        rates["eigh"] = k**3 / _time(lambda: linalg.eigh(sym, check_finite=False))
        rates["eigh_top"] = k**3 / _time(
            lambda: linalg.eigh(sym, subset_by_index=(k - 8, k - 1), check_finite=False)
        )
        rates["act64"] = z.size / _time(lambda: np.tanh(z))
        rates["act32"] = z.size / _time(lambda: np.tanh(z32))
        rates["normal"] = z.size / _time(lambda: rng.standard_normal(z.size))
    rates["startup"] = startup_cpu() if startup else DEFAULT_RATES["startup"]
    return rates


def startup_cpu() -> float:
    """CPU seconds of a fresh interpreter that imports what a workflow job imports."""
    code = "import snakemake.script, srfpipe.jobs, srfpipe.stages.fit_readout, srfpipe.store"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@dataclass
class Estimate:
    """A job with its estimated CPU seconds (`cpu`, start-up included), wall seconds on its
    threads (`wall`) and peak memory (MB, `job_memory_mb`; None for targets)."""

    job: Job
    cpu: float
    wall: float
    mem: float | None


def estimate(exp: Experiment, jobs: Sequence[Job], rates: dict[str, float]) -> list[Estimate]:
    """Per-job estimates (see `Estimate`): `srfpipe.resources.job_seconds` and
    `job_memory_mb` of the job's stage (`RULE_STAGE`)."""
    out = []
    for job in jobs:
        if job.rule in TARGETS:
            out.append(Estimate(job, 0.0, 0.0, None))
            continue
        stage = RULE_STAGE.get(job.rule, "")
        cpu, wall = job_seconds(exp, stage, job.wildcards, job.threads, rates)
        vd = int(job.wildcards["d"]) if stage == "validation" else None
        out.append(Estimate(job, cpu, wall, job_memory_mb(exp, stage, vd)))
    return out


def schedule(estimates: Sequence[Estimate], cores: int) -> tuple[float, float]:
    """`(makespan, critical path)` (s): a list schedule of the DAG on `cores` cores, the
    ready job with the longest remaining path first, each holding min(threads, cores)."""
    by_id = {e.job.jobid: e for e in estimates}
    children: dict[int, list[int]] = defaultdict(list)
    for e in estimates:
        for dep in e.job.deps:
            children[dep].append(e.job.jobid)
    tail: dict[int, float] = {}

    def rest(jid: int) -> float:  # longest path from jid's start to the end
        if jid not in tail:
            tail[jid] = by_id[jid].wall + max((rest(c) for c in children[jid]), default=0.0)
        return tail[jid]

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(estimates) + 100))
    critical = max((rest(j) for j in by_id), default=0.0)
    waiting = {j: len(set(by_id[j].job.deps)) for j in by_id}
    ready = [(-rest(j), j) for j, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, int]] = []
    now, free = 0.0, cores
    while ready or running:
        started = True
        while started:
            started = False
            for i, (_, j) in enumerate(sorted(ready)):
                need = min(by_id[j].job.threads, cores)
                if need <= free:
                    ready.remove((-rest(j), j))
                    heapq.heapify(ready)
                    heapq.heappush(running, (now + by_id[j].wall, j))
                    free -= need
                    started = True
                    break
                if i == 0 and not running:
                    break
        now, j = heapq.heappop(running)
        free += min(by_id[j].job.threads, cores)
        for c in set(children[j]):
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, (-rest(c), c))
    return now, critical


@dataclass
class Plan:
    """The estimate of a run: per-job estimates, rates, cores, wall time and its bounds."""

    estimates: list[Estimate]
    rates: dict[str, float]
    cores: int
    wall: float
    critical: float
    notes: list[str]

    @property
    def cpu(self) -> float:
        return sum(e.cpu for e in self.estimates)

    def by_rule(self) -> dict[str, list[Estimate]]:
        out: dict[str, list[Estimate]] = defaultdict(list)
        for e in self.estimates:
            if e.job.rule not in TARGETS:
                out[e.job.rule].append(e)
        return dict(sorted(out.items(), key=lambda kv: -sum(e.cpu for e in kv[1])))

    def text(self) -> str:
        """The plan as a table per rule and a summary."""
        ref = REFERENCE_FLOPS / self.rates["gemm64"]
        head = ("rule", "jobs", "threads", "CPU s/job", "CPU s", "share", "peak MB/job", "mem_mb")
        rows = []
        for rule, es in self.by_rule().items():
            cpu = sum(e.cpu for e in es)
            mem = max((e.mem or 0.0) for e in es)
            req = max((e.job.mem_mb or 0) for e in es)
            rows.append(
                (
                    rule,
                    str(len(es)),
                    str(max(e.job.threads for e in es)),
                    f"{max(e.cpu for e in es):.1f}",
                    f"{cpu:.1f}",
                    f"{100 * cpu / self.cpu:.0f}%",
                    f"{mem:.0f}",
                    str(req or "-"),
                )
            )
        lines = _table(head, rows)
        n = sum(len(es) for es in self.by_rule().values())
        lines += [
            "",
            f"jobs: {n}; total CPU time: {self.cpu:.0f} s ({self.cpu / 3600:.2f} CPU-hours; "
            f"{self.cpu / ref:.0f} reference products of {ref:.2f} s)",
            f"wall time on {self.cores} cores: {self.wall:.0f} s ({self.wall / 60:.1f} min; "
            f"lower bounds: critical path {self.critical:.0f} s, CPU / cores "
            f"{self.cpu / self.cores:.0f} s)",
            f"largest job: {max((e.mem or 0.0) for e in self.estimates):.0f} MB",
        ]
        return "\n".join(lines + [f"note: {m}" for m in self.notes])


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a plain table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(head)] + [line(r) for r in rows]


def make_plan(
    configfile: Path | None,
    config: Sequence[str] = (),
    cores: int = 1,
    rates: dict[str, float] | None = None,
) -> Plan:
    """The plan of a run from scratch of the workflow for this config on `cores` cores;
    `rates` default to `calibrate()`."""
    if not isinstance(cores, int) or cores < 1:
        raise PlanError(f"--cores: must be an integer >= 1, got {cores!r}")
    exp = Experiment.from_config(_effective_config(configfile, config))
    jobs = dry_run(configfile, config, cores)
    rates = calibrate() if rates is None else rates
    estimates = estimate(exp, jobs, rates)
    wall, critical = schedule(estimates, cores)
    unknown = sorted({j.rule for j in jobs if j.rule not in RULE_STAGE and j.rule not in TARGETS})
    notes = [f"no cost model for rule {r}: counted as start-up only" for r in unknown]
    if exp.precision == "float64":
        single = replace(exp, precision="float32")
        saved = 1.0 - sum(e.cpu for e in estimate(single, jobs, rates)) / sum(
            e.cpu for e in estimates
        )
        if saved >= FLOAT32_NOTE:
            notes.append(
                f"precision: float32 would save about {100 * saved:.0f}% of the CPU time; it "
                f"changes test errors by {FLOAT32_ERROR} (docs/performance.md, section 11)"
            )
    return Plan(estimates, rates, cores, wall, critical, notes)


def _effective_config(configfile: Path | None, config: Sequence[str]) -> dict[str, Any]:
    """The config the workflow runs with: the file, `--config KEY=VALUE` merged key by key,
    validated (`srfpipe.config.validate_config`)."""
    from srfpipe.config import validate_config

    path = Path(_config_args(configfile, ())[1])
    cfg = yaml.safe_load(path.read_text()) or {}
    overrides: dict[str, Any] = {}
    for item in config:
        if "=" not in item:
            raise PlanError(f"--config: expected KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        overrides[key] = yaml.safe_load(value)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = cfg[key] | value
        else:
            cfg[key] = value
    validate_config(cfg, overrides)
    return cfg
