rule record_config:
    output:
        CONFIG,
    log:
        f"logs/record_config/{NAME}.log",
    params:
        text=CONFIG_TEXT,
        figures=FIGURES,
        made=ALL_FIGURES,
    script:
        "../scripts/record_config.py"
