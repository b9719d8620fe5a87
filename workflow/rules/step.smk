rule step_gradient:
    input:
        data=DATA,
    output:
        GRADIENT,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/step_gradient/{KEY['gradient']}/seed~{{seed}}.log",
    benchmark:
        f"benchmarks/rules/step_gradient/{KEY['gradient']}/seed~{{seed}}.tsv"
    threads: THREADS
    resources:
        **job_resources(EXP, "gradient"),
    params:
        stage=PARAMS["gradient"],
        code=code_version("gradient"),
        seed=lambda wc: int(wc.seed),
    script:
        "../scripts/step_gradient.py"


rule take_step:
    input:
        data=DATA,
        gradient=GRADIENT if EXP.problem.steps == 1 else [],
    output:
        STEP,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/take_step/{KEY['step']}/eta~{{eta}}_seed~{{seed}}.log",
    benchmark:
        f"benchmarks/rules/take_step/{KEY['step']}/eta~{{eta}}_seed~{{seed}}.tsv"
    threads: THREADS
    resources:
        **job_resources(EXP, "step"),
    params:
        stage=PARAMS["step"],
        code=code_version("step"),
        seed=lambda wc: int(wc.seed),
        eta=lambda wc: float(wc.eta),
    script:
        "../scripts/take_step.py"
