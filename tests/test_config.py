"""Bad configurations are refused before any job starts, naming the key and the range."""

import copy
import re
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate
from test_workflow import snakemake

from srfpipe.config import SCHEMA, ConfigError, Experiment, validate_config
from srfpipe.keys import STAGE_PARAMS, fmt, stage_key
from srfpipe.resources import INTERPRETER_MB, job_resources, memory_by_job

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text())
TINY = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())


def problems(cfg: dict) -> str:
    """Everything the Snakefile would say about `cfg` (schema first, then cross-field)."""
    try:
        validate_config(cfg)
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
    validate(cfg, str(SCHEMA))
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


def test_editing_models_changes_only_the_readout_stages_keys():
    """Each stage declares its own parameters: `models:` reaches the readout and the learned
    function, not the conditional theory (which used to borrow the readout's key)."""
    base = Experiment.from_config(DEFAULT)
    more = Experiment.from_config(DEFAULT | {"models": list(base.models[:1])})
    changed = {s for s in STAGE_PARAMS if stage_key(base, s) != stage_key(more, s)}
    assert changed == {"readout", "learned"}
    assert job_resources(base, "conditional") == job_resources(more, "conditional")


def test_resources_scale_with_size():
    small, big = Experiment.from_config(DEFAULT), Experiment.from_config(DEFAULT | {"d": 2000})
    jobs = [memory_by_job(e, validation=False, conditional=False) for e in (big, small)]
    arrays = [max(j.values()) - INTERPRETER_MB for j in jobs]
    assert arrays[0] > 10 * arrays[1]
    assert job_resources(big, "readout")["mem_mb"] > job_resources(small, "readout")["mem_mb"]


@pytest.mark.workflow
@pytest.mark.parametrize(
    "override",
    [{"d": -3}, {"activation": "softplus"}, {"target": {"name": "tanh", "coefficients": [1, 2]}}],
)
def test_snakemake_refuses_bad_config_before_writing(tmp_path, override):
    out = snakemake(tmp_path, "--cores", "1", config=TINY | override)
    print(out.stderr[-500:])
    assert out.returncode != 0
    assert next(iter(override)) in out.stderr + out.stdout
    assert not (tmp_path / "results").exists()


def test_command_line_strings_are_converted_by_the_schema():
    """Snakemake's --config gives 'false' and list items as strings (issue #13)."""
    cfg = copy.deepcopy(DEFAULT)
    cfg |= {
        "dim": 64,
        "eta": ["0", "1.5", "1e-3"],
        "theory": "false",
        "validation": {"d": ["24"]},
        "target": {"name": "relu", "scale": "3"},
    }
    validate_config(cfg, overrides={"dim": "64"})  # dim given by --config
    assert "dim" not in cfg and cfg["d"] == 64
    assert cfg["eta"] == [0, 1.5, 0.001] and cfg["theory"] is False
    assert cfg["validation"] == {"d": [24], "seeds": [0, 1, 2, 3], "test_size": 4000}
    assert cfg["target"] == {"name": "relu", "scale": 3, "coefficients": []}
    assert "theory: 'maybe' is not of type 'boolean'" in problems(with_("theory", "maybe"))


NAN = float("nan")
NONFINITE = [
    ("noise", NAN),
    ("lam", [NAN]),
    ("eta", [NAN]),
    ("alpha", [1.0, float("inf")]),
    ("beta", NAN),
    ("alpha0", NAN),
    ("mem_limit_mb", NAN),
    ("target.scale", float("-inf")),
]


@pytest.mark.parametrize("path,value", NONFINITE, ids=[p for p, _ in NONFINITE])
def test_nan_and_inf_are_refused_naming_the_key_and_range(path, value):
    message = problems(with_(path, value))
    assert f"{path.split('.')[-1]}" in message and "is not a finite number (allowed:" in message
    line = next(ln for ln in message.splitlines() if "finite" in ln).strip()
    assert line.startswith(path), line


def test_degenerate_sizes_are_refused():
    assert "beta: 0.001 gives a width p = round(beta*d) = 0 at d=400" in problems(
        with_("beta", 0.001)
    )
    assert "alpha0: 0.001 gives n0 = round(alpha0*d) = 0" in problems(with_("alpha0", 0.001))
    assert "validation.seeds: [1, 1] has non-unique elements" in problems(
        with_("validation", {"seeds": [1, 1]})
    )


def test_memory_guard_covers_validation_jobs():
    cfg = with_("validation", {"d": [100000]})
    assert "mem_limit_mb: the largest job (validation d=100000) needs about" in problems(cfg)
    validate(cfg, str(SCHEMA))
    exp = Experiment.from_config(cfg)
    res = job_resources(exp, "validation", 100000)
    assert res["mem_mb"] > 1_000_000 and res["runtime"] > 60
    small = job_resources(exp, "validation", 200)
    assert 1000 < small["mem_mb"] < res["mem_mb"] / 1000
    assert job_resources(exp, "data")["mem_mb"] > 1000  # an estimate for every job kind


def test_eta_wildcards_round_trip_exactly():
    values = [0.0, 1.0, 1.0000001, 0.1234567, 1e-5, 2.5e16, 0.1 + 0.2]
    texts = [fmt(v) for v in values]
    assert texts[:4] == ["0", "1", "1.0000001", "0.1234567"]
    assert [float(t) for t in texts] == values
    assert all(re.fullmatch(r"[0-9][0-9.e+-]*", t) for t in texts)  # the wildcard constraint


HERMITE = {"name": "hermite", "coefficients": [0.0, 1.0]}
TARGETS = [  # issue 19: target keys that would be ignored or overflow, refused naming the key
    (
        {"name": "tanh", "coefficients": [1, 2]},
        "target.coefficients: only used by a hermite target",
    ),
    (HERMITE | {"coefficients": [0, 1e200]}, "target.coefficients[1]: 1e+200 is greater than"),
    (HERMITE | {"coefficients": [0.1] * 17}, "target.coefficients: [0.1, 0.1,"),
    (HERMITE | {"scale": 3}, "target.scale: not used by a hermite target"),
    ({"name": "hermite"}, "target.coefficients: a hermite target needs >= 1 coefficient"),
]


@pytest.mark.parametrize("value,message", TARGETS, ids=[m[:30] for _, m in TARGETS])
def test_target_keys_that_would_be_ignored_or_overflow_are_refused(value, message):
    found = problems(with_("target", value))
    assert message in found, found
    assert problems(with_("target", HERMITE | {"coefficients": [0, 1e6], "scale": 1})) == ""


def test_problem_checks_its_values_against_the_schema():
    """The Python API meets the same rules as config and CLI (`Problem.__post_init__`)."""
    from srfpipe.functions import target
    from srfpipe.problem import Problem

    for kwargs, message in [
        ({"target": target("hermite", 1.0, [0.0, 1e200])}, "target.coefficients: 1e+200"),
        ({"target": target("tanh", 1.0, [1.0])}, "target.coefficients: only used by"),
        ({"target": target("tanh", 2000.0)}, "target.scale: 2000.0 is out of range"),
        ({"beta": 0.0}, "beta: 0.0 is out of range; allowed: (0, 64]"),
        ({"noise": float("nan")}, "noise: nan is out of range"),
        ({"alpha0": -1.0}, "alpha0: -1.0 is out of range"),
        ({"steps": 1.5}, "steps: 1.5 is not an integer"),
        ({"steps": 0}, "steps: 0 is out of range; allowed: [1, 8]"),
        ({"lam_scale": "paper"}, "lam_scale: 'paper' is not allowed"),
        ({"activation": "cos"}, "activation: 'cos' is not allowed"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            Problem(**kwargs)


def test_errors_scale_as_the_target_squared_up_to_the_coefficient_bound():
    """At the schema's bound |c_k| <= 1e6 the numbers are still exact: with no noise and a
    prescribed sRF, scaling the target by c scales every error by c^2 (to 1e-9 relative;
    the fixed point is scale-free, so only rounding differs)."""
    from srfpipe.functions import target
    from srfpipe.problem import SRF, Problem
    from srfpipe.theory.curves import learning_curve

    def errors(scale: float):
        pb = Problem(target=target("hermite", 1.0, [0.0, scale, 0.0, scale / 2]), noise=0.0)
        ds = learning_curve(pb, SRF(1.0, 0.5), lam=[0.1], alpha=[1.0, 4.0])
        return ds["test_error"].values, ds["train_error"].values

    (t1, r1), (tb, rb) = errors(1.0), errors(1e6)
    assert tb == pytest.approx(1e12 * t1, rel=1e-9) and rb == pytest.approx(1e12 * r1, rel=1e-9)


def test_negative_zero_is_zero():
    """`eta=[-0.0]` is the eta 0 (its wildcard `0`), not a `-0` no rule can make."""
    cfg = copy.deepcopy(TINY) | {"eta": ["-0.0", 1.0]}
    validate_config(cfg)
    assert cfg["eta"] == [0.0, 1.0] and str(cfg["eta"][0]) == "0.0"
    assert fmt(cfg["eta"][0]) == "0"


def test_d_and_its_alias_dim_in_one_place_are_refused():
    both = copy.deepcopy(TINY) | {"dim": 40}
    assert "d, dim: both given (d=32, dim=40); dim is another name for d" in problems(both)
    # `--config dim=40` over a config file's d: the override wins
    cfg = copy.deepcopy(TINY) | {"dim": 40}
    validate_config(cfg, overrides={"dim": "40"})
    assert cfg["d"] == 40 and "dim" not in cfg
