rule model_fit:
    input:
        data=get_model_inputs,
        config=get_config_file(),
    output:
        "results/models/{model}.csv",
    log:
        "logs/model_fit/{model}.log",
    benchmark:
        "benchmarks/model_fit/{model}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner model --config {input.config:q} --model {wildcards.model:q}"
        " --output {output:q} 2> {log:q}"
