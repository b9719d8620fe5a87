rule eval_theory:
    output:
        THEORY,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/eval_theory/{KEY['theory']}/eta~{{eta}}.log",
    benchmark:
        f"benchmarks/rules/eval_theory/{KEY['theory']}/eta~{{eta}}.tsv"
    threads: 1
    resources:
        **job_resources(EXP, "theory"),
    params:
        stage=PARAMS["theory"],
        code=code_version("theory"),
        eta=lambda wc: float(wc.eta),
    script:
        "../scripts/eval_theory.py"
