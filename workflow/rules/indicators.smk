rule indicators_estimate:
    input:
        harmonised="results/harmonised/{survey}_{wave}.parquet",
        weights="results/weights/{survey}_{wave}.parquet",
        replicates=get_replicate_weights,
        config=get_config_file(),
    output:
        estimates="results/estimates/{survey}_{wave}.parquet",
        audit="results/estimates/{survey}_{wave}.audit.json",
    log:
        "logs/indicators_estimate/{survey}_{wave}.log",
    benchmark:
        "benchmarks/indicators_estimate/{survey}_{wave}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner estimate --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --harmonised {input.harmonised:q} --weights {input.weights:q}"
        " --output {output.estimates:q} --audit {output.audit:q}"
        " --replicates {input.replicates:q} 2> {log:q}"


rule indicators_combine:
    input:
        estimates=expand_survey_waves("results/estimates/{survey}_{wave}.parquet"),
        config=get_config_file(),
    output:
        parquet="results/estimates/indicators.parquet",
        csv="results/estimates/indicators.csv",
        differences="results/estimates/wave_differences.csv",
    log:
        "logs/indicators_combine/indicators.log",
    benchmark:
        "benchmarks/indicators_combine/indicators.tsv"
    localrule: True
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner combine-estimates {input.estimates:q} --config {input.config:q}"
        " --parquet {output.parquet:q} --csv {output.csv:q}"
        " --differences {output.differences:q} 2> {log:q}"
