rule validate_theory:
    output:
        VALIDATION,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/validate_theory/{KEY['validation']}/d~{{d}}.log",
    benchmark:
        f"benchmarks/rules/validate_theory/{KEY['validation']}/d~{{d}}.tsv"
    threads: THREADS
    resources:
        mem_mb=lambda wc: job_resources(EXP, "validation", int(wc.d))["mem_mb"],
        runtime=lambda wc: job_resources(EXP, "validation", int(wc.d))["runtime"],
    params:
        stage=PARAMS["validation"],
        code=code_version("validation"),
        d=lambda wc: int(wc.d),
    script:
        "../scripts/validate_theory.py"


rule plot_validation:
    input:
        **FIGURE_INPUT["theory_validation"],
    output:
        png=report(
            f"results/figures/{NAME}/theory_validation.png",
            caption="../report/theory_validation.rst",
            category="Theory validation",
        ),
        pdf=f"results/figures/{NAME}/theory_validation.pdf",
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/plot_validation/{NAME}.log",
    params:
        **FIGURE_PARAMS["theory_validation"],
    script:
        "../scripts/plot.py"
