rule fit_readout:
    input:
        data=DATA,
        step=STEP,
    output:
        READOUT,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/fit_readout/{KEY['readout']}/eta~{{eta}}_seed~{{seed}}.log",
    benchmark:
        f"benchmarks/rules/fit_readout/{KEY['readout']}/eta~{{eta}}_seed~{{seed}}.tsv"
    threads: THREADS
    resources:
        **job_resources(EXP, "readout"),
    params:
        stage=PARAMS["readout"],
        code=code_version("readout"),
        seed=lambda wc: int(wc.seed),
        eta=lambda wc: float(wc.eta),
    script:
        "../scripts/fit_readout.py"
