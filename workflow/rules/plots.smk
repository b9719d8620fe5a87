rule plot_figures:
    input:
        CURVES,
    output:
        curves_png=report(
            f"results/figures/{NAME}/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Learning curves",
        ),
        curves_pdf=f"results/figures/{NAME}/learning_curves.pdf",
        spikes_png=report(
            f"results/figures/{NAME}/spike_diagnostics.png",
            caption="../report/spike_diagnostics.rst",
            category="Spike diagnostics",
        ),
        spikes_pdf=f"results/figures/{NAME}/spike_diagnostics.pdf",
    log:
        f"logs/plot_figures/{NAME}.log",
    params:
        code=code_version("plots"),
        expect=PARAMS["readout"],
    script:
        "../scripts/plot_figures.py"
