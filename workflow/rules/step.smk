rule take_step:
    input:
        data=DATA,
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
