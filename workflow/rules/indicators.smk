rule indicators_estimate:
    input:
        harmonised="results/harmonised/{survey}_{wave}.parquet",
        weights="results/weights/{survey}_{wave}.parquet",
        replicates=get_replicate_weights,
        frame=get_fpc_frame,
        config=get_config_part("estimate"),
    output:
        estimates="results/estimates/{survey}_{wave}.parquet",
        audit="results/estimates/{survey}_{wave}.audit.json",
        distributions="results/estimates/{survey}_{wave}.distributions.parquet",
        contrasts="results/estimates/{survey}_{wave}.contrasts.parquet",
        associations="results/estimates/{survey}_{wave}.associations.parquet",
    log:
        "logs/indicators_estimate/{survey}_{wave}.log",
    benchmark:
        "benchmarks/indicators_estimate/{survey}_{wave}.tsv"
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
        "navpartner estimate --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --harmonised {input.harmonised:q} --weights {input.weights:q}"
        " --output {output.estimates:q} --audit {output.audit:q}"
        " --distributions {output.distributions:q} --contrasts {output.contrasts:q}"
        " --associations {output.associations:q} --replicates {input.replicates:q} 2> {log:q}"


rule indicators_combine:
    input:
        estimates=expand_survey_waves("results/estimates/{survey}_{wave}.parquet"),
        distributions=expand_survey_waves(
            "results/estimates/{survey}_{wave}.distributions.parquet"
        ),
        contrasts=expand_survey_waves(
            "results/estimates/{survey}_{wave}.contrasts.parquet"
        ),
        associations=expand_survey_waves(
            "results/estimates/{survey}_{wave}.associations.parquet"
        ),
        config=get_config_part("combine"),
    output:
        parquet="results/estimates/indicators.parquet",
        csv="results/estimates/indicators.csv",
        differences="results/estimates/wave_differences.csv",
        distributions="results/estimates/distributions.parquet",
        distributions_csv="results/estimates/distributions.csv",
        contrasts="results/estimates/contrasts.parquet",
        contrasts_csv="results/estimates/contrasts.csv",
        associations="results/estimates/association_tests.csv",
    log:
        "logs/indicators_combine/indicators.log",
    benchmark:
        "benchmarks/indicators_combine/indicators.tsv"
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
        "navpartner combine-estimates {input.estimates:q} --config {input.config:q}"
        " --parquet {output.parquet:q} --csv {output.csv:q}"
        " --differences {output.differences:q}"
        " --distributions-in {input.distributions:q} --contrasts-in {input.contrasts:q}"
        " --associations-in {input.associations:q} --distributions {output.distributions:q}"
        " --contrasts {output.contrasts:q} --associations {output.associations:q} 2> {log:q}"
