"""`srfpipe theory`: output shapes, the map option, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

from srfpipe.cli import main

BASE = [
    "theory", "--activation", "tanh", "--target", "tanh", "--target-scale", "2", "--noise",
    "0.1", "--beta", "2", "--lam", "0.1,1", "--spike", "1.5", "--gamma", "0.8",
    "--alpha", "0.5,1,2,4",
]  # fmt: skip


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_records(capsys):
    code, out, _ = run([*BASE, "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["params"]["r"] == 1.5 and doc["params"]["lam"] == [0.1, 1.0]
    recs = doc["records"]
    assert len(recs) == 8
    assert {"alpha", "lam", "test_error", "train_error", "converged"} <= set(recs[0])
    assert all(r["converged"] == 1 and r["test_error"] > 0.1 for r in recs)  # includes Delta
    print(recs[0])


def test_table_is_aligned(capsys):
    code, out, _ = run(BASE, capsys)
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 9
    assert lines[0].split()[:3] == ["alpha", "lam", "test_error"]
    assert len({len(line) for line in lines}) == 1


def test_network_map_flags(capsys):
    argv = [a for a in BASE if a not in ("--spike", "1.5", "--gamma", "0.8")]
    code, out, _ = run([*argv, "--eta", "1", "--alpha0", "4", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["params"]["eta"] == 1.0 and 0 < doc["params"]["gamma"] < 1


def test_hermite_target(capsys):
    argv = ["theory", "--target", "hermite", "--target-coefficients", "0,1,0,0.5", "--spike", "1"]
    code, out, _ = run([*argv, "--gamma", "0.5", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["params"]["target"]["coefficients"] == [0.0, 1.0, 0.0, 0.5]


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--beta", "-1"], "--beta"),
        (["--lam", "0.1,0"], "--lam"),
        (["--lam", "x"], "--lam"),
        (["--alpha", ""], "--alpha"),
        (["--noise", "nan"], "--noise"),
        (["--gamma", "1.5"], "--gamma"),
        (["--spike", "-2"], "--spike"),
        (["--activation", "sigmoid"], "--activation"),
        (["--target", "cos"], "--target"),
        (["--target-scale", "0"], "--target-scale"),
        (["--readout-init", "zero"], "--readout-init"),
        (["--eta", "1", "--alpha0", "2"], "--spike"),
        (["--target", "hermite"], "--target-coefficients"),
        (["--init-output", "full"], "--init-output"),
    ],
)
def test_bad_values_exit_2_with_one_line(extra, flag, capsys):
    code, out, err = run([*BASE, *extra], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and flag in err and "Traceback" not in err
    print(err.strip())


def test_argparse_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["theory", "--bogus"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1


SCRIPT = shutil.which("srfpipe", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCRIPT is None, reason="console script not installed next to python")
def test_console_script():
    proc = subprocess.run(
        [SCRIPT, "theory", "--lam", "0.1", "--spike", "1", "--gamma", "0.5", "--alpha", "1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and "test_error" in proc.stdout


def test_simulate_threads_do_not_change_the_numbers(capsys):
    sim = [
        "simulate", "--model", "srf", "--d", "301", "--seeds", "1", "--spike", "1",
        "--gamma", "0.5", "--alpha", "1,3", "--lam", "0.01", "--test-size", "500", "--json",
    ]  # fmt: skip
    outs = [run([*sim, "--threads", t], capsys) for t in ("1", "2")]
    assert outs[0][0] == outs[1][0] == 0
    assert json.loads(outs[0][1])["records"] == json.loads(outs[1][1])["records"]
    code, out, err = run([*sim, "--threads", "0"], capsys)
    assert code == 2 and "--threads" in err


SIM = ["simulate", "--seeds", "1", "--alpha", "1", "--lam", "0.1", "--test-size", "50"]
REFUSED = [
    (
        [*SIM, "--model", "network", "--eta", "1", "--alpha0", "0.01", "--d", "20"],
        "--alpha0: 0.01 gives n0 = round(alpha0*d) = 0 samples at d=20; allowed: alpha0 >= 1/d",
    ),
    (
        [*SIM, "--model", "rf", "--beta", "0.01", "--d", "20"],
        "--beta: 0.01 gives a width p = round(beta*d) = 0 at d=20",
    ),
    ([*SIM, "--model", "rf", "--d", "10.7"], "--d: '10.7' is not an integer"),
    (
        [*SIM, "--model", "rf", "--target", "hermite", "--target-coefficients", "0,1"]
        + ["--target-scale", "3"],
        "--target-scale: not used by a hermite target",
    ),
    ([*SIM, "--model", "rf", "--d", "100000"], "--mem-limit-mb: this simulation needs about"),
    ([*BASE, "--beta", "1e300"], "--beta: '1e300' is out of range; allowed: (0, 64]"),
    ([*BASE, "--alpha", "1,inf"], "--alpha: 'inf' is out of range"),
]
COND = ["theory", "--conditional", "--eta", "1", "--alpha", "1,2", "--lam", "0.1"]
HERMITE = ["--target", "hermite", "--target-coefficients"]
MAP = ["--eta", "1", "--alpha0", "4"]
REFUSED += [  # issue 19: each refused before any work, naming the flag and what is allowed
    (
        [*SIM, "--model", "srf", "--spike", "1", "--gamma", "0.5", *HERMITE, "0,1e200"],
        "--target-coefficients: '1e200' is out of range; allowed: [-1e+06, 1e+06]",
    ),
    (
        ["theory", "--spike", "1", "--gamma", "0.5", *HERMITE, ",".join(["0.1"] * 17)],
        "--target-coefficients: 17 given; allowed: at most 16",
    ),
    ([*BASE, "--target-coefficients", "1,2"], "--target-coefficients: only used by a hermite"),
    (
        [*COND, "--alpha0", "0.001", "--d", "100"],
        "--alpha0: 0.001 gives n0 = round(alpha0*d) = 0 samples at d=100",
    ),
    (
        [*COND, "--alpha0", "4", "--beta", "0.001", "--d", "100"],
        "--beta: 0.001 gives a width p = round(beta*d) = 0 at d=100",
    ),
    ([*COND, "--alpha0", "4", "--d", "100.7"], "--d: '100.7' is not an integer"),
    ([*COND, "--alpha0", "4", "--seeds", "1.9"], "--seeds: '1.9' is not an integer"),
    ([*COND, "--alpha0", "4", "--d", "1e6"], "--d: '1e6' is out of range; allowed: [8, 100000]"),
    (
        ["theory", "--optimize", "lam", "--conditional", "--seeds", "3", *MAP],
        "--conditional: unused by --optimize lam",
    ),
    (["theory", "--optimize", "lam", "--seeds", "3", *MAP], "--seeds: unused by --optimize lam"),
    (
        ["theory", "--optimize", "eta", "--eta-max", "1e300", "--alpha0", "4"],
        "--eta-max: '1e300' is out of range; allowed: (0, 1000]",
    ),
    ([*BASE, "--eta-max", "3"], "--eta-max: only with --optimize eta"),
    (
        ["theory", "--optimize", "eta", "--eta-max", "", "--alpha0", "4"],
        "--eta-max: '' is not a number; allowed: (0, 1000]",
    ),
    (["theory", "--optimize", "lam", *MAP, "--steps", "3"], "--steps: 3: the sRF map"),
    ([*BASE, "--seeds", "3"], "--seeds: only with --conditional"),
    ([*BASE, "--d", "100"], "--d: unused: the theory depends on d only when neurons come in"),
    ([*BASE, "--bulk-scale", ""], "--bulk-scale: '' is not a number; allowed: (0, inf)"),
    ([*BASE, "--steps", "1"], "--steps: only with --eta/--alpha0"),
    (["theory", *MAP, "--steps", "2"], "--steps: 2: the sRF map and its theory describe one"),
    ([*COND, "--alpha0", "4", "--steps", "1.5"], "--steps: '1.5' is not an integer"),
    ([*COND, "--alpha0", "4", "--steps", "9"], "--steps: '9' is out of range; allowed: [1, 8]"),
    (
        [*SIM, "--model", "srf_map", *MAP, "--steps", "2"],
        "--steps: --model srf_map does not use steps after the first",
    ),
    ([*SIM, "--model", "rf", *MAP], "--model rf: random features at initialisation use neither"),
    ([*SIM, "--model", "rf", "--readout-init", "gaussian"], "--readout-init: unused by --model rf"),
    (
        [*SIM, "--model", "srf_map", *MAP, "--init-output", "full"],
        "--init-output: 'full' changes only the step's residual, unused by --model srf_map",
    ),
    (
        [*SIM, "--model", "rf", "--init-output", "symmetric", "--beta", "1", "--d", "101"],
        "--init-output: 'symmetric' needs an even width p = round(beta*d), got p=101",
    ),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED, ids=[m[:20] for _, m in REFUSED])
def test_degenerate_sizes_are_refused_before_any_work(argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"srfpipe: error: {message}"), err


def test_memory_limit_can_be_raised(capsys):
    argv = [*SIM, "--model", "rf", "--d", "40", "--mem-limit-mb", "0.001"]
    assert run(argv, capsys)[0] == 2
    assert run([*argv[:-1], "1000"], capsys)[0] == 0


def test_manifest_skips_bad_files_and_refuses_missing_folders(tmp_path, capsys):
    from srfpipe.store import provenance, save

    save(xr.Dataset({"v": ("i", [1.0])}, attrs=provenance("data", {"d": 8})), tmp_path / "a.nc")
    (tmp_path / "b.nc").write_text("garbage")
    code, out, err = run(["manifest", str(tmp_path)], capsys)
    assert code == 1 and "a.nc" in out and "b.nc" not in out
    assert "skipped" in err and "b.nc: not a readable srfpipe artifact" in err
    code, out, err = run(["manifest", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such results folder" in err


def test_closed_pipe_gives_no_traceback(tmp_path):
    from srfpipe.store import provenance, save

    for i in range(3):
        save(xr.Dataset(attrs=provenance("data", {"d": i})), tmp_path / f"{i}.nc")
    proc = subprocess.Popen(
        [sys.executable, "-m", "srfpipe.cli", "manifest", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 1 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_steps_reach_the_networks(capsys):
    """`--steps 2` trains the network twice (a different layer from one step), and the
    conditional theory of those networks follows it (within 4 standard errors)."""
    size = ["--d", "100", "--seeds", "2", "--alpha", "1", "--lam", "0.1", "--json"]
    sim = ["simulate", "--model", "network", "--eta", "1", "--alpha0", "2", "--test-size", "2000"]
    one, two = (json.loads(run([*sim, *size, "--steps", k], capsys)[1]) for k in ("1", "2"))
    assert two["params"]["steps"] == 2 and "steps" not in one["params"]
    e1, e2 = (doc["records"][0]["test_error"] for doc in (one, two))
    assert abs(e1 - e2) > 1e-3  # the second step changes the layer
    code, out, _ = run(["theory", "--conditional", *sim[3:7], *size, "--steps", "2"], capsys)
    theory = json.loads(out)["records"][0]
    sem = two["records"][0]["test_error_sem"]
    assert code == 0 and abs(theory["test_error"] - e2) < 4 * math.hypot(
        sem, theory["test_error_sem"]
    )


def _option_help(text: str) -> list[str]:
    """The help entries of `text` (`--help` output), one per option, whitespace collapsed."""
    return [" ".join(e.split()) for e in re.split(r"\n  (?=-)", text.split("options:", 1)[1])]


@pytest.mark.parametrize("command", ["theory", "simulate", "manifest"])
def test_help_states_each_default_once(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    entries = _option_help(capsys.readouterr().out)
    assert any(e.startswith("--json") for e in entries)
    for entry in entries:
        assert entry.count("default") <= 1, entry
        assert "default: None" not in entry and "default: False" not in entry, entry
    if command == "theory":
        scale = next(e for e in entries if e.startswith("--target-scale"))
        assert scale.endswith("(default: 1)")


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_flags_exist_and_flags_are_config_keys():
    """Every flag of the README's command-line section exists, and every problem and size
    key of the config is a flag of `simulate` (the config key with dashes)."""
    from dataclasses import fields

    from srfpipe.cli import build_parser
    from srfpipe.problem import Problem

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    flags = {f for p in sub.values() for a in p._actions for f in a.option_strings}
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = re.sub(r"`snakemake[^`]*`", "", _section(readme, "Command line"))
    promised = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", section))
    assert promised and promised <= flags, promised - flags
    keys = [f.name for f in fields(Problem)] + ["d", "alpha", "lam", "seeds", "test_size"]
    keys += ["threads", "mem_limit_mb", "target.scale", "target.coefficients"]
    simulate = {f for a in sub["simulate"]._actions for f in a.option_strings}
    assert {"--" + k.replace(".", "-").replace("_", "-") for k in keys} <= simulate


def test_lam_with_optimize_is_noted_not_refused(capsys):
    """Issue 19's own reproduction passes `--lam` with `--optimize eta`: lambda is searched,
    so `--lam` is reported unused on stderr and the run goes on."""
    args = ["theory", "--optimize", "lam", "--lam", "0.1", "--alpha", "1", *MAP, "--json"]
    assert main(args) == 0
    assert "--lam unused: --optimize searches lambda" in capsys.readouterr().err


STRUCTURED = "--target tanh --target-scale 2 --noise 0.1 --beta 1.5 --lam 0.5 --alpha 1,2".split()


def test_bulk_structured_is_the_structured_theory(capsys):
    """`--bulk structured` prints `theory.structured.structured_curve` (docs/theory.md
    section 14) and records `"bulk"`; the default is the isotropic sRF with `c_W`."""
    from srfpipe.functions import target
    from srfpipe.problem import Problem
    from srfpipe.theory.structured import structured_curve

    args = ["theory", *STRUCTURED, "--eta", "3", "--alpha0", "0.5", "--json"]
    assert main([*args, "--bulk", "structured"]) == 0
    out = json.loads(capsys.readouterr().out)
    pb = Problem(target=target("tanh", 2.0), noise=0.1, beta=1.5, alpha0=0.5)
    want = structured_curve(pb, 3.0, lam=[0.5], alpha=[1.0, 2.0])["test_error"].values.ravel()
    got = [rec["test_error"] for rec in out["records"]]
    assert out["params"]["bulk"] == "structured" and got == pytest.approx(want, rel=1e-12)
    assert main(args) == 0
    iso = json.loads(capsys.readouterr().out)
    assert iso["params"]["bulk"] == "isotropic"
    # at alpha0 = 0.5, eta = 3 the structured bulk is several percent above the isotropic one
    assert all(s > 1.03 * i["test_error"] for s, i in zip(got, iso["records"], strict=True))


@pytest.mark.parametrize(
    "extra,message",
    [
        (
            ["--eta", "1", "--alpha0", "2", "--activation", "relu", "--readout-init", "constant"],
            "--bulk structured: readout_init",
        ),
        (["--spike", "1", "--gamma", "0.5"], "--bulk: the bulk of a step"),
        (["--eta", "1", "--alpha0", "2", "--conditional"], "--bulk: unused by --conditional"),
    ],
)
def test_bulk_structured_refusals(capsys, extra, message):
    assert main(["theory", *STRUCTURED, *extra, "--bulk", "structured"]) == 2
    assert message in capsys.readouterr().err


def test_optimize_with_the_structured_bulk(capsys):
    """`--optimize lam|eta --bulk structured` search the structured theory: its optimum is
    no higher than the structured curve on a grid, and differs from the isotropic one."""
    base = ["theory", *STRUCTURED[:-4], "--alpha", "1", "--alpha0", "2", "--json", "--quiet"]
    assert main([*base, "--eta", "2", "--optimize", "lam", "--bulk", "structured"]) == 0
    lam = json.loads(capsys.readouterr().out)
    assert lam["params"]["bulk"] == "structured"
    grid = ["theory", *STRUCTURED[:-4], "--alpha", "1", "--alpha0", "2", "--eta", "2", "--json"]
    assert main([*grid, "--lam", "0.05,0.2,0.5,1", "--bulk", "structured"]) == 0
    curve = json.loads(capsys.readouterr().out)
    best = lam["records"][0]["test_error"]
    assert best <= min(r["test_error"] for r in curve["records"]) + 1e-9
    assert main([*base, "--eta", "2", "--optimize", "lam"]) == 0
    assert json.loads(capsys.readouterr().out)["records"][0]["test_error"] < best
