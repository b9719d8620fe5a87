# Configuration: schema validation, cross-field checks, stage keys, paths, resources, figures.
# Which stages run is the package's decision (srfpipe.config.Experiment), not this file's.
import os
from pathlib import Path

import yaml

from srfpipe.config import Experiment, config_text, validate_config
from srfpipe.keys import STAGE_PARAMS, fmt, stage_key, stage_params
from srfpipe.resources import job_resources
from srfpipe.theory.coverage import theory_gap
from srfpipe.versions import code_version

validate_config(config, workflow.config_settings.config)
CONFIG_TEXT = config_text(config)
logger.info(f"srfpipe: effective configuration (saved to results/config/):\n{CONFIG_TEXT}")

EXP = Experiment.from_config(config)
NAME = config["name"]
THREADS = config["threads"]
# the checkout the conda environment installs (workflow/envs/srfpipe.yaml), also when this
# workflow is a module of another one
ROOT = Path(workflow.source_path("../../pyproject.toml")).parent
os.environ.setdefault("SRFPIPE_ROOT", str(ROOT))
ETAS = [fmt(e) for e in EXP.eta]
SEEDS = [str(s) for s in EXP.seeds]
if EXP.theory and not EXP.with_theory:
    logger.warning(f"srfpipe: no theory curves for this config: {theory_gap(EXP.problem)}")
VALIDATION_D = [str(d) for d in EXP.validation_d]
PARAMS = {s: stage_params(EXP, s) for s in STAGE_PARAMS}
KEY = {s: stage_key(EXP, s) for s in STAGE_PARAMS}

DATA = f"results/data/{KEY['data']}/seed~{{seed}}.nc"
STEP = f"results/step/{KEY['step']}/eta~{{eta}}_seed~{{seed}}.nc"
# one step: its direction does not depend on eta, so each seed's is computed once
GRADIENT = f"results/gradient/{KEY['gradient']}/seed~{{seed}}.nc"
RF = f"results/rf/{KEY['rf']}/seed~{{seed}}.nc"
READOUT = f"results/readout/{KEY['readout']}/eta~{{eta}}_seed~{{seed}}.nc"
THEORY = f"results/theory/{KEY['theory']}/eta~{{eta}}.nc"
CONDITIONAL = f"results/conditional/{KEY['conditional']}/eta~{{eta}}_seed~{{seed}}.nc"
CURVES = f"results/curves/{NAME}.nc"
VALIDATION = f"results/validation/{KEY['validation']}/d~{{d}}.nc"
LEARNED = f"results/learned/{KEY['learned']}.nc"
OPTIMAL = f"results/optimal/{KEY['optimal']}.nc"
CONFIG = f"results/config/{NAME}.yaml"
with open(workflow.source_path("../figures.yaml")) as fh:
    FIGURE_TABLE = yaml.safe_load(fh)  # figure -> its rule and when a config draws it
DRAWN = {
    "always": True,
    "conditional": EXP.with_conditional,
    "validation": bool(EXP.validation_d),
    "one_step": EXP.one_step,
}
# what a figure reads (figures.yaml `reads`): its files and the parameters they must carry
ARTIFACTS = {
    "curves": (CURVES, PARAMS["readout"]),
    "validation": (expand(VALIDATION, d=VALIDATION_D), PARAMS["validation"]),
    "learned": (LEARNED, PARAMS["learned"]),
    "optimal": (OPTIMAL, PARAMS["optimal"]),
}
# each figure rule's input (its artifacts, named by stage) and params (workflow/scripts/plot.py)
FIGURE_INPUT = {
    fig: {stage: ARTIFACTS[stage][0] for stage in spec["reads"]}
    for fig, spec in FIGURE_TABLE.items()
}
FIGURE_PARAMS = {
    fig: {
        "figure": fig,
        "code": code_version("plots"),
        "expect": {stage: ARTIFACTS[stage][1] for stage in spec["reads"]},
    }
    for fig, spec in FIGURE_TABLE.items()
}
# every figure srfpipe makes (record_config prunes only these names)
ALL_FIGURES = expand("{fig}.{ext}", fig=list(FIGURE_TABLE), ext=["png", "pdf"])
FIGURES = expand(
    "results/figures/{name}/{fig}.{ext}",
    name=NAME,
    fig=[fig for fig, spec in FIGURE_TABLE.items() if DRAWN[spec["when"]]],
    ext=["png", "pdf"],
)


wildcard_constraints:
    seed=r"\d+",
    d=r"\d+",
    eta=r"[0-9][0-9.e+-]*",


localrules:
    all,
    record_config,
    make_curves,
    learned_function,


workflow.localrules(*(spec["rule"] for spec in FIGURE_TABLE.values()))
