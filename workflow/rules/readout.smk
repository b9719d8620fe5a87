rule fit_rf:
    input:
        data=DATA,
    output:
        RF,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/fit_rf/{KEY['rf']}/seed~{{seed}}.log",
    benchmark:
        f"benchmarks/rules/fit_rf/{KEY['rf']}/seed~{{seed}}.tsv"
    threads: THREADS
    resources:
        **job_resources(EXP, "rf"),
    params:
        stage=PARAMS["rf"],
        code=code_version("rf"),
        seed=lambda wc: int(wc.seed),
    script:
        "../scripts/fit_rf.py"


rule fit_readout:
    input:
        data=DATA,
        step=STEP,
        # only where a model's layer is W0 (srfpipe.config.Experiment.fits_rf)
        rf=lambda wc: RF.format(seed=wc.seed) if EXP.fits_rf(float(wc.eta)) else [],
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
