rule model_fit:
    input:
        data=get_model_inputs,
        config=get_config_file(),
    output:
        "results/models/{model}.csv",
    log:
        "logs/model_fit/{model}.log",
    conda:
        "../envs/navpartner.yaml"
    shell:
        "navpartner model --config {input.config:q} --model {wildcards.model:q}"
        " --output {output:q} 2> {log:q}"
