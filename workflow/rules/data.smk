rule generate_data:
    output:
        DATA,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/generate_data/{KEY['data']}/seed~{{seed}}.log",
    benchmark:
        f"benchmarks/rules/generate_data/{KEY['data']}/seed~{{seed}}.tsv"
    threads: 1
    resources:
        **job_resources(EXP, "data"),
    params:
        stage=PARAMS["data"],
        code=code_version("data"),
        seed=lambda wc: int(wc.seed),
    script:
        "../scripts/generate_data.py"
