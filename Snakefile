# srfpipe: one giant gradient step, spiked random features and their asymptotics.
# Thin entry point: configuration and validation live in workflow/rules/common.smk,
# numerics in the srfpipe package. Run `snakemake --cores 2` (see README.md).
from snakemake.utils import min_version

min_version("9.0")


# A --configfile replaces config.yaml (keys it omits take the schema's defaults) rather than
# being merged into it; --config overrides are merged into whichever file is used.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/config.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/step.smk"
include: "workflow/rules/readout.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/conditional.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/curves.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/learned.smk"
include: "workflow/rules/optimal.smk"


rule all:
    default_target: True
    input:
        FIGURES,
        CONFIG,
