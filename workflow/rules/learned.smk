rule learned_function:
    input:
        readouts=expand(READOUT, eta=ETAS, seed=SEEDS),
        theories=expand(THEORY, eta=ETAS),
    output:
        LEARNED,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/learned_function/{KEY['learned']}.log",
    params:
        code=code_version("learned"),
        expect=PARAMS["readout"],
    script:
        "../scripts/learned_function.py"


rule plot_learned_function:
    input:
        **FIGURE_INPUT["learned_function"],
    output:
        png=report(
            f"results/figures/{NAME}/learned_function.png",
            caption="../report/learned_function.rst",
            category="Learned function",
        ),
        pdf=f"results/figures/{NAME}/learned_function.pdf",
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/plot_learned_function/{NAME}.log",
    params:
        **FIGURE_PARAMS["learned_function"],
    script:
        "../scripts/plot.py"
