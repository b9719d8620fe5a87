rule plot_learning_curves:
    input:
        CURVES,
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
        code=code_version("plots"),
        expect=PARAMS["readout"],
        figure="learning_curves",
    script:
        "../scripts/plot_curves.py"


rule plot_spike_diagnostics:
    input:
        CURVES,
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
        code=code_version("plots"),
        expect=PARAMS["readout"],
        figure="spike_diagnostics",
    script:
        "../scripts/plot_curves.py"
