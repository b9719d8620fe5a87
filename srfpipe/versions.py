"""Source versions: per-stage code hashes and the git commit (no heavy imports: the
Snakefile calls these while building the DAG).

A stage's code is its module (named after its rule) and every `srfpipe` module it imports,
transitively, found by reading the import statements (`ast`): an edit to any of them, or a
new import, changes the stage's code version. `store` and `versions` only write and label
artifacts, so they are left out (an edit to them does not change any number).
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

STAGE_MODULES: dict[str, str] = {
    "data": "srfpipe.stages.generate_data",
    "step": "srfpipe.stages.take_step",
    "gradient": "srfpipe.stages.step_gradient",
    "rf": "srfpipe.stages.fit_rf",
    "readout": "srfpipe.stages.fit_readout",
    "theory": "srfpipe.stages.eval_theory",
    "conditional": "srfpipe.stages.eval_conditional",
    "validation": "srfpipe.stages.validate_theory",
    "curves": "srfpipe.stages.make_curves",
    "learned": "srfpipe.stages.learned_function",
    "optimal": "srfpipe.stages.optimal_eta",
    "plots": "srfpipe.plots",
}
"""The module of each stage (the stage key is the artifact folder under `results/`)."""
LABEL_ONLY = frozenset({"srfpipe.store", "srfpipe.versions"})


def _path(module: str, root: Path) -> Path | None:
    """Source file of `srfpipe.<...>` module or package under `root` (None if absent)."""
    rel = Path(*module.split(".")[1:])
    for candidate in (root / rel / "__init__.py", (root / rel).with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """`srfpipe` modules imported by the file (`from srfpipe.x import y` may name a module
    `srfpipe.x.y` or an object of `srfpipe.x`: both candidates are returned)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m == "srfpipe" or m.startswith("srfpipe.")}


def stage_files(stage: str, root: Path = PACKAGE_DIR) -> list[Path]:
    """The source files behind `stage`: its module and its `srfpipe` imports, transitively
    (with the `__init__.py` of every package on the way, which Python runs too)."""
    todo, seen, files = [STAGE_MODULES[stage]], set(), set()
    while todo:
        module = todo.pop()
        if module in seen or module in LABEL_ONLY:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages
        path = _path(module, root)
        if path is not None:
            files.add(path)
            todo += sorted(_imports(path))
    return sorted(files)


def code_version(stage: str, root: Path = PACKAGE_DIR) -> str:
    """sha256 (12 hex digits) of the source files behind `stage` (`stage_files`).

    Rules pass it as a `params:` value, so an edit to a stage's numerics reruns that stage
    (Snakemake does not see imported code by itself)."""
    h = hashlib.sha256()
    for f in stage_files(stage, root):
        h.update(f.relative_to(root).as_posix().encode())
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
