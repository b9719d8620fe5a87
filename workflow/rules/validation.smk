rule validate_theory:
    output:
        VALIDATION,
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
        expand(VALIDATION, d=VALIDATION_D),
    output:
        png=report(
            f"results/figures/{NAME}/theory_validation.png",
            caption="../report/theory_validation.rst",
            category="Theory validation",
        ),
        pdf=f"results/figures/{NAME}/theory_validation.pdf",
    log:
        f"logs/plot_validation/{NAME}.log",
    params:
        code=code_version("plots"),
        expect=PARAMS["validation"],
    script:
        "../scripts/plot_validation.py"
