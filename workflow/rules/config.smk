rule record_config:
    output:
        CONFIG,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/record_config/{NAME}.log",
    params:
        text=CONFIG_TEXT,
        figures=FIGURES,
    script:
        "../scripts/record_config.py"
