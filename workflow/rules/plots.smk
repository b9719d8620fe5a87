rule plot_learning_curves:
    input:
        **FIGURE_INPUT["learning_curves"],
    output:
        png=report(
            f"results/figures/{NAME}/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Learning curves",
        ),
        pdf=f"results/figures/{NAME}/learning_curves.pdf",
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/plot_learning_curves/{NAME}.log",
    params:
        **FIGURE_PARAMS["learning_curves"],
    script:
        "../scripts/plot.py"


rule plot_spike_diagnostics:
    input:
        **FIGURE_INPUT["spike_diagnostics"],
    output:
        png=report(
            f"results/figures/{NAME}/spike_diagnostics.png",
            caption="../report/spike_diagnostics.rst",
            category="Spike diagnostics",
        ),
        pdf=f"results/figures/{NAME}/spike_diagnostics.pdf",
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/plot_spike_diagnostics/{NAME}.log",
    params:
        **FIGURE_PARAMS["spike_diagnostics"],
    script:
        "../scripts/plot.py"
