rule survey_harmonise:
    input:
        raw=get_raw_inputs,
        config=get_config_part("harmonise"),
    output:
        data="results/harmonised/{survey}_{wave}.parquet",
        audit="results/harmonised/{survey}_{wave}.audit.json",
        crosswalk="results/harmonised/{survey}_{wave}.crosswalk.csv",
    log:
        "logs/survey_harmonise/{survey}_{wave}.log",
    benchmark:
        "benchmarks/survey_harmonise/{survey}_{wave}.tsv"
    priority: ON_THE_LONGEST_PATH
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(800),
        runtime=5,
    shell:
        "navpartner harmonise --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --output {output.data:q} --audit {output.audit:q}"
        " --crosswalk {output.crosswalk:q} 2> {log:q}"
