rule learned_function:
    input:
        readouts=expand(READOUT, eta=ETAS, seed=SEEDS),
        theories=expand(THEORY, eta=ETAS),
    output:
        LEARNED,
    log:
        f"logs/learned_function/{KEY['learned']}.log",
    params:
        code=code_version("learned"),
        expect=PARAMS["readout"],
    script:
        "../scripts/learned_function.py"


rule plot_learned_function:
    input:
        LEARNED,
    output:
        png=report(
            f"results/figures/{NAME}/learned_function.png",
            caption="../report/learned_function.rst",
            category="Learned function",
        ),
        pdf=f"results/figures/{NAME}/learned_function.pdf",
    log:
        f"logs/plot_learned_function/{NAME}.log",
    params:
        code=code_version("plots"),
        expect=PARAMS["learned"],
    script:
        "../scripts/plot_learned_function.py"
