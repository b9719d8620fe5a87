"""Source versions: per-stage code hashes and the git commit (no heavy imports: the
Snakefile calls these while building the DAG)."""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "data": ("functions.py", "seeding.py", "parallel.py", "data.py", "stages/data.py"),
    "step": ("functions.py", "seeding.py", "parallel.py", "lapack.py", "step.py", "stages/step.py"),
    "readout": (
        "functions.py",
        "parallel.py",
        "step.py",
        "lapack.py",
        "band.py",
        "ridge.py",
        "stages/readout.py",
    ),
    "theory": ("functions.py", "theory", "stages/theory.py"),
    "validation": (
        "functions.py",
        "seeding.py",
        "parallel.py",
        "data.py",
        "step.py",
        "simulate.py",
        "stages/curves.py",
        "lapack.py",
        "band.py",
        "ridge.py",
        "theory",
        "stages/validation.py",
    ),
    "curves": ("stages/curves.py",),
    "plots": ("plots.py",),
}
"""Package source files (or folders) whose content defines each stage's numbers."""


def code_version(stage: str) -> str:
    """sha256 (12 hex digits) of the source files behind `stage` (see `STAGE_MODULES`).

    Rules pass it as a `params:` value, so an edit to a stage's numerics reruns that stage
    (Snakemake does not see imported code by itself)."""
    h = hashlib.sha256()
    for name in STAGE_MODULES[stage]:
        path = PACKAGE_DIR / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            if f.exists():
                h.update(f.relative_to(PACKAGE_DIR).as_posix().encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:12]


@cache
def git_commit() -> str:
    """Commit of the source checkout the package is imported from, or '' if unknown."""
    try:
        out = subprocess.run(
            ["git", "-C", str(PACKAGE_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()
