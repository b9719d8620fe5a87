rule eval_conditional:
    input:
        data=DATA,
        step=STEP,
    output:
        CONDITIONAL,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/eval_conditional/{KEY['conditional']}/eta~{{eta}}_seed~{{seed}}.log",
    benchmark:
        f"benchmarks/rules/eval_conditional/{KEY['conditional']}/eta~{{eta}}_seed~{{seed}}.tsv"
    threads: 1
    resources:
        **job_resources(EXP, "conditional"),
    params:
        stage=PARAMS["conditional"],
        code=code_version("conditional"),
        seed=lambda wc: int(wc.seed),
        eta=lambda wc: float(wc.eta),
    script:
        "../scripts/eval_conditional.py"


rule plot_bulk_spectrum:
    input:
        **FIGURE_INPUT["bulk_spectrum"],
    output:
        png=report(
            f"results/figures/{NAME}/bulk_spectrum.png",
            caption="../report/bulk_spectrum.rst",
            category="Spike diagnostics",
        ),
        pdf=f"results/figures/{NAME}/bulk_spectrum.pdf",
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/plot_bulk_spectrum/{NAME}.log",
    params:
        **FIGURE_PARAMS["bulk_spectrum"],
    script:
        "../scripts/plot.py"
