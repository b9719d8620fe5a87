rule optimal_eta:
    output:
        OPTIMAL,
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/optimal_eta/{KEY['optimal']}.log",
    benchmark:
        f"benchmarks/rules/optimal_eta/{KEY['optimal']}.tsv"
    threads: 1
    resources:
        **job_resources(EXP, "optimal"),
    params:
        stage=PARAMS["optimal"],
        code=code_version("optimal"),
    script:
        "../scripts/optimal_eta.py"


rule plot_optimal_eta:
    input:
        **FIGURE_INPUT["optimal_eta"],
    output:
        png=report(
            f"results/figures/{NAME}/optimal_eta.png",
            caption="../report/optimal_eta.rst",
            category="Optimal step size",
        ),
        pdf=f"results/figures/{NAME}/optimal_eta.pdf",
    conda:
        "../envs/srfpipe.yaml"
    log:
        f"logs/plot_optimal_eta/{NAME}.log",
    params:
        **FIGURE_PARAMS["optimal_eta"],
    script:
        "../scripts/plot.py"
