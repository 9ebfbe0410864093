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
        "navpartner estimate --config {input.config} --survey {wildcards.survey}"
        " --wave {wildcards.wave} --harmonised {input.harmonised} --weights {input.weights}"
        " --output {output.estimates} --audit {output.audit}"
        " --replicates {input.replicates:q} 2> {log}"


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
        "navpartner combine-estimates {input.estimates} --config {input.config}"
        " --parquet {output.parquet} --csv {output.csv}"
        " --differences {output.differences} 2> {log}"
