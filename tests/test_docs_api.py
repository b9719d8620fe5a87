"""docs/api.md and the README's Python example run as written: every ```python block, in
order and in one namespace (matplotlib without a display), in the folder of a real
workflow run named `default` (so `load_run("default")` finds it)."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow


def python_blocks(path: Path) -> list[str]:
    """The ```python blocks of a markdown file, in order."""
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.M | re.S)


@pytest.mark.parametrize("doc", ["docs/api.md", "README.md"])
def test_python_blocks_run(doc, module_run, monkeypatch):
    blocks = python_blocks(ROOT / doc)
    assert blocks, f"{doc} has no python block"
    monkeypatch.chdir(module_run)
    namespace: dict = {"__name__": "__docs__"}
    for i, block in enumerate(blocks):
        code = compile(block, f"{doc} block {i + 1}", "exec")
        exec(code, namespace)  # a failing block names itself in the traceback
    plt.close("all")
