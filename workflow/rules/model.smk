rule model_fit:
    input:
        data=get_model_inputs,
        config=get_config_part("model"),
    output:
        report(
            "results/models/{model}.csv",
            caption="../report/model.rst",
            labels=get_report_labels("model"),
            category=LABELS.report_category("methods"),
        ),
    log:
        "logs/model_fit/{model}.log",
    benchmark:
        "benchmarks/model_fit/{model}.tsv"
    priority: BEFORE_THE_REPORT
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(900),
        runtime=5,
    shell:
        "navpartner model --config {input.config:q} --model {wildcards.model:q}"
        " --output {output:q} 2> {log:q}"
