"""The change paths of docs/architecture.md hold: each check fails when one place is forgotten."""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import yaml

from srfpipe import plots
from srfpipe.config import ALIASES, Experiment, schema
from srfpipe.keys import STAGE_PARAMS, stage_key
from srfpipe.models import MODELS, NEEDS, FirstLayers, Layer
from srfpipe.problem import Problem
from srfpipe.resources import STAGE_COSTS
from srfpipe.simulation import canonical, same_layer
from srfpipe.stages import eval_theory
from srfpipe.step import Spike
from srfpipe.theory.fixed_point import CURVE_OUTPUTS, Solution
from srfpipe.versions import STAGE_MODULES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "srfpipe"
RULES = "\n".join(p.read_text() for p in sorted((ROOT / "workflow" / "rules").glob("*.smk")))
TINY = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())

CHANGED = {
    "d": 40,
    "beta": 1.5,
    "alpha0": 3.0,
    "eta": [0.0, 2.0],
    "alpha": [0.5, 1.0],
    "lam": [0.2, 1.0],
    "activation": "erf",
    "target": {"name": "relu", "scale": 1.0},
    "noise": 0.2,
    "readout_init": "gaussian",
    "init_output": "full",
    "steps": 2,
    "w0_rows": "unit",
    "lam_scale": "features",
    "precision": "float32",
    "seeds": [0, 2],
    "test_size": 100,
    "models": ["rf"],
    "validation": {"d": [24, 48], "seeds": [0, 2], "test_size": 200},
}
"""A second valid value of each config key that artifacts depend on (tiny config)."""
RUN_OPTIONS = {
    "name": "names the results folder of figures and curves",
    "dim": "another name for d",
    "theory": "decides which jobs run, not what a job computes",
    "threads": "no number depends on the thread count (tests/test_determinism.py)",
    "mem_limit_mb": "refuses a config, changes no artifact",
}
"""Config keys that reach no stage's parameters, and why."""
POSITIONAL_EXEMPT: dict[str, str] = {}
"""Functions allowed more than 6 positional parameters, and why."""


def test_every_config_key_reaches_a_stage_key_or_is_a_run_option():
    """A new schema key must be listed here, and then change some stage's key: forgetting
    it in `srfpipe.keys` fails the second assertion."""
    assert set(schema()["properties"]) == set(CHANGED) | set(RUN_OPTIONS)
    base = Experiment.from_config(TINY)
    for key, value in CHANGED.items():
        other = Experiment.from_config(TINY | {key: value})
        assert any(stage_key(base, s) != stage_key(other, s) for s in STAGE_PARAMS), key


def test_config_yaml_lists_every_key():
    """The default experiment shows every key (aliases aside) with its comment."""
    listed = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert set(schema()["properties"]) - set(listed) == set(ALIASES)


def test_every_stage_has_a_rule_using_its_own_key_and_resources():
    for stage in STAGE_PARAMS:
        assert f"KEY['{stage}']" in RULES and stage in STAGE_MODULES, stage
    for stage in STAGE_COSTS:
        assert stage in STAGE_PARAMS and f'job_resources(EXP, "{stage}"' in RULES, stage


def test_the_figure_table_is_the_rules():
    """workflow/figures.yaml lists every figure with its one rule, which takes its input and
    params from the table; each has a caption and a `plots` function of its name taking the
    artifacts the table says it reads, in that order, then `paths`."""
    table = yaml.safe_load((ROOT / "workflow" / "figures.yaml").read_text())
    drawn = {}
    for block in re.split(r"^rule ", RULES, flags=re.M)[1:]:
        name = block.split(":", 1)[0]
        for fig in re.findall(r"results/figures/\{NAME\}/(\w+)\.png", block):
            drawn[fig] = name
            assert f'FIGURE_INPUT["{fig}"]' in block and f'FIGURE_PARAMS["{fig}"]' in block, fig
            assert '"../scripts/plot.py"' in block, fig
    assert drawn == {fig: spec["rule"] for fig, spec in table.items()}
    for fig, spec in table.items():
        assert spec["when"] in {"always", "conditional", "validation", "one_step"}, fig
        assert (ROOT / "workflow" / "report" / f"{fig}.rst").exists(), fig
        params = list(inspect.signature(getattr(plots, fig)).parameters)
        assert params[len(spec["reads"])] == "paths", (fig, params)
        assert all(f'    "{stage}": (' in RULES for stage in spec["reads"]), fig  # ARTIFACTS


def test_every_problem_field_is_a_schema_key_checked_by_problem():
    """A new `Problem` field is a config key with the schema's default (where the schema has
    one), and `Problem.__post_init__` refuses a value the schema does not allow, naming it."""
    props, default = schema()["properties"], Problem()
    for f in fields(Problem):
        node = props[f.name]
        if f.name == "target":  # checked key by key (tests/test_config.py)
            continue
        if "default" in node:
            assert getattr(default, f.name) == node["default"], f.name
        bad = "bogus" if "enum" in node else node["maximum"] + 1
        with pytest.raises(ValueError, match=f"^{f.name}: "):
            Problem(**{f.name: bad})


READS = {
    "w0": set(),
    "map": {"spike_map", "bulk_scales"},
    "w1": {"w1", "spike_extracted"},
    "srf": {"spike", "bulk_scale"},
}
"""The `FirstLayers` attributes, besides `w0`, that each `Model.needs` lets a builder read."""


class _Holding:
    """A `FirstLayers` source holding `W0` and what `needs` lets a builder read; any other
    attribute raises ValueError, as a source without a step or a prescribed sRF does."""

    def __init__(self, needs: str) -> None:
        rng = np.random.default_rng(0)
        spike = Spike(rng.standard_normal(6), rng.standard_normal(4))
        w0, w1 = rng.standard_normal((2, 6, 4))
        every = dict(w0=w0, w1=w1, spike_map=spike, spike_extracted=spike, spike=spike)
        every |= dict(bulk_scales=1.5, bulk_scale=1.5)
        self.__dict__["held"] = {name: every[name] for name in {"w0", *READS[needs]}}

    def __getattr__(self, name: str):
        if name not in self.held:
            raise ValueError(f"this source holds no {name}")
        return self.held[name]


def test_every_model_declares_what_its_layer_reads_and_its_base():
    """`Model.needs` is what its builder reads: given only that it builds the layer; given
    `W0` alone it fails, unless `needs` is "w0", whose layer is `W0` itself (the rf layer,
    fitted once per seed by `fit_rf`; `Experiment.fits_rf`, `resources._readout`).
    `Model.base` is the layer's bulk (`resources._readout` counts the products)."""
    props = {n for n, v in vars(FirstLayers).items() if isinstance(v, property)}
    assert set(NEEDS) == set(READS) and props == {"w0"}.union(*READS.values())
    for name, model in MODELS.items():
        source = _Holding(model.needs)
        layer = model.layer(source)
        assert layer.base is getattr(source, model.base), name
        if model.needs == "w0":
            assert same_layer(*canonical([layer, Layer(source.w0)])), name
        else:
            with pytest.raises(ValueError):
                model.layer(_Holding("w0"))


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(ROOT), ast.parse(path.read_text())


def _imports(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return out


def test_theory_imports_neither_step_nor_simulation():
    for path, tree in _modules():
        if path.parts[1] == "theory":
            bad = _imports(tree) & {"srfpipe.step", "srfpipe.simulation"}
            assert not bad, (path, bad)


def test_blas_threads_and_ctypes_only_through_linalg():
    for path, tree in _modules():
        if path.parts[1] != "linalg":
            bad = {m for m in _imports(tree) if m.split(".")[0] in ("ctypes", "threadpoolctl")}
            assert not bad, (path, bad)


def test_no_function_takes_more_than_six_positional_parameters():
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = [*node.args.posonlyargs, *node.args.args]
                n = len(args) - (bool(args) and args[0].arg in ("self", "cls"))
                assert n <= 6 or node.name in POSITIONAL_EXEMPT, (path, node.name, n)


@pytest.mark.parametrize("eta", [1.0])
def test_every_solution_output_reaches_the_theory_artifact(eta):
    """A new `Solution` field with a kind is an output (`CURVE_OUTPUTS`) and a variable of
    the theory stage's artifact, with no other list to edit."""
    kinds = {f.name for f in Solution.__dataclass_fields__.values() if f.metadata.get("kind")}
    assert set(CURVE_OUTPUTS) == kinds | {"readout_sq_norm"}  # q_z under its own name
    exp = Experiment.from_config(TINY)
    ds = eval_theory.run(STAGE_PARAMS["theory"](exp), eta)
    assert set(CURVE_OUTPUTS) <= set(ds.data_vars)
