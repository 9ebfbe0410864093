rule survey_harmonise:
    input:
        raw=get_raw_inputs,
        config=get_config_file(),
    output:
        data="results/harmonised/{survey}_{wave}.parquet",
        audit="results/harmonised/{survey}_{wave}.audit.json",
    log:
        "logs/survey_harmonise/{survey}_{wave}.log",
    benchmark:
        "benchmarks/survey_harmonise/{survey}_{wave}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner harmonise --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --output {output.data:q} --audit {output.audit:q} 2> {log:q}"
