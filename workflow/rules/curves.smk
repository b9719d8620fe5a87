rule make_curves:
    input:
        readouts=expand(READOUT, eta=ETAS, seed=SEEDS),
        steps=expand(STEP, eta=ETAS, seed=SEEDS),
        theories=expand(THEORY, eta=ETAS) if EXP.with_theory else [],
        conditionals=expand(CONDITIONAL, eta=ETAS, seed=SEEDS) if EXP.with_conditional else [],
    output:
        CURVES,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/make_curves/{NAME}.log",
    params:
        code=code_version("curves"),
        expect=PARAMS["readout"],
    script:
        "../scripts/make_curves.py"
