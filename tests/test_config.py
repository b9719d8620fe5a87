"""Bad configurations are refused before any job starts, naming the key and the range."""

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate
from test_workflow import snakemake

from srfpipe.config import (
    ConfigError,
    Experiment,
    job_resources,
    peak_memory_mb,
    stage_key,
    validate_config,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text())
TINY = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())


def problems(cfg: dict) -> str:
    """Everything the Snakefile would say about `cfg` (schema first, then cross-field)."""
    try:
        validate_config(cfg, SCHEMA)
    except ConfigError as err:
        return str(err)
    return ""


def with_(path: str, value):
    cfg = copy.deepcopy(DEFAULT)
    *parents, last = path.split(".")
    node = cfg
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return cfg


DELETE = object()

BAD = [
    ("d", "d", 1.5),  # wrong type
    ("d", "d", 4),  # below minimum
    ("d", "d", DELETE),  # required
    ("beta", "beta", 0),
    ("beta", "beta", "two"),
    ("alpha0", "alpha0", -1.0),
    ("eta", "eta", []),
    ("eta", "eta", [1.0, -0.5]),
    ("eta", "eta", [1.0, 1.0]),  # duplicates (cross-field)
    ("alpha", "alpha", [0.0, 1.0]),
    ("alpha", "alpha", [0.001]),  # n = round(alpha d) = 0 (cross-field)
    ("lam", "lam", [0.0]),
    ("lam", "lam", "0.1"),
    ("activation", "activation", "softplus"),
    ("name", "target.name", "cosine"),
    ("scale", "target.scale", 0.0),
    ("coefficients", "target.coefficients", ["a"]),
    ("noise", "noise", -0.1),
    ("readout_init", "readout_init", "uniform"),
    ("init_output", "init_output", "half"),
    ("seeds", "seeds", [-1]),
    ("seeds", "seeds", [3, 3]),
    ("test_size", "test_size", 0),
    ("models", "models", ["rf", "mlp"]),
    ("theory", "theory", "yes"),
    ("typo", "typo", 1),  # unknown key
    ("init_output", "init_output", "symmetric"),  # with odd p below
    ("mem_limit_mb", "mem_limit_mb", 10),  # too-large job for the limit
    ("threads", "threads", 0),
    ("precision", "precision", "float16"),
]


@pytest.mark.parametrize("key,path,value", BAD, ids=[f"{p}={v!r}" for _, p, v in BAD])
def test_bad_config_is_refused_naming_the_key(key, path, value):
    cfg = with_(path, value)
    if value == "symmetric":
        cfg["d"], cfg["beta"] = 401, 1.0  # p = 401 is odd
    message = problems(cfg)
    print(f"{path}={value!r}: {message.splitlines()[1:] if message else '(accepted)'}")
    assert message, f"{path}={value!r} was accepted"
    assert key in message


def test_default_and_paper_configs_are_valid():
    for path in [
        ROOT / "config.yaml",
        ROOT / "config" / "paper.yaml",
        ROOT / "tests/configs/tiny.yaml",
    ]:
        cfg = yaml.safe_load(path.read_text())
        assert problems(cfg) == "", path


def test_schema_fills_defaults():
    cfg = {k: DEFAULT[k] for k in ("d", "beta", "alpha0", "eta", "alpha", "lam", "seeds")}
    validate(cfg, SCHEMA)
    assert cfg["activation"] == "tanh" and cfg["init_output"] == "zero" and cfg["theory"] is True
    assert cfg["precision"] == "float64"


def test_stage_keys_depend_only_on_their_parameters():
    base = Experiment.from_config(DEFAULT)
    more_lam = Experiment.from_config(DEFAULT | {"lam": [0.5]})
    assert stage_key(base, "step") == stage_key(more_lam, "step")
    assert stage_key(base, "readout") != stage_key(more_lam, "readout")
    more_eta = Experiment.from_config(DEFAULT | {"eta": [0.0, 9.0]})
    assert all(stage_key(base, s) == stage_key(more_eta, s) for s in ("data", "step", "readout"))
    single = Experiment.from_config(DEFAULT | {"precision": "float32"})
    assert [stage_key(base, s) == stage_key(single, s) for s in ("data", "step", "readout")] == [
        True,
        False,
        False,
    ]


def test_resources_scale_with_size():
    small, big = Experiment.from_config(DEFAULT), Experiment.from_config(DEFAULT | {"d": 2000})
    assert peak_memory_mb(big, validation=False) > 10 * peak_memory_mb(small, validation=False)
    assert job_resources(big, "readout")["mem_mb"] > job_resources(small, "readout")["mem_mb"]


@pytest.mark.workflow
@pytest.mark.parametrize("override", [{"d": -3}, {"activation": "softplus"}])
def test_snakemake_refuses_bad_config_before_writing(tmp_path, override):
    out = snakemake(tmp_path, "--cores", "1", config=TINY | override)
    print(out.stderr[-500:])
    assert out.returncode != 0
    assert next(iter(override)) in out.stderr + out.stdout
    assert not (tmp_path / "results").exists()
