rule findings_estimate:
    input:
        harmonised="results/harmonised/{survey}_{wave}.parquet",
        weights="results/weights/{survey}_{wave}.parquet",
        config=get_config_file(),
    output:
        distributions="results/estimates/{survey}_{wave}.distributions.parquet",
        contrasts="results/estimates/{survey}_{wave}.contrasts.parquet",
        associations="results/estimates/{survey}_{wave}.associations.parquet",
    log:
        "logs/findings_estimate/{survey}_{wave}.log",
    benchmark:
        "benchmarks/findings_estimate/{survey}_{wave}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner findings --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --harmonised {input.harmonised:q}"
        " --weights {input.weights:q} --distributions {output.distributions:q}"
        " --contrasts {output.contrasts:q} --associations {output.associations:q}"
        " 2> {log:q}"


rule findings_combine:
    input:
        estimates="results/estimates/indicators.parquet",
        distributions=expand_survey_waves(
            "results/estimates/{survey}_{wave}.distributions.parquet"
        ),
        contrasts=expand_survey_waves(
            "results/estimates/{survey}_{wave}.contrasts.parquet"
        ),
        associations=expand_survey_waves(
            "results/estimates/{survey}_{wave}.associations.parquet"
        ),
        config=get_config_file(),
    output:
        distributions="results/estimates/distributions.parquet",
        distributions_csv="results/estimates/distributions.csv",
        contrasts="results/estimates/contrasts.parquet",
        contrasts_csv="results/estimates/contrasts.csv",
        associations="results/estimates/association_tests.csv",
    log:
        "logs/findings_combine/findings.log",
    benchmark:
        "benchmarks/findings_combine/findings.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner combine-findings --config {input.config:q}"
        " --estimates {input.estimates:q}"
        " --distributions-in {input.distributions:q}"
        " --contrasts-in {input.contrasts:q}"
        " --associations-in {input.associations:q}"
        " --distributions {output.distributions:q} --contrasts {output.contrasts:q}"
        " --associations {output.associations:q} 2> {log:q}"


rule findings_response_rates:
    input:
        "results/weights/diagnostics.csv",
    output:
        "results/estimates/response_rates.csv",
    log:
        "logs/findings_response_rates/response_rates.log",
    benchmark:
        "benchmarks/findings_response_rates/response_rates.tsv"
    localrule: True
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner response-rates --diagnostics {input:q} --output {output:q} 2> {log:q}"
