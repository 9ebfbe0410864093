rule survey_weight:
    input:
        harmonised="results/harmonised/{survey}_{wave}.parquet",
        margins=get_margins_file,
        frames=get_frames,
        config=get_config_part("weight"),
    output:
        weights="results/weights/{survey}_{wave}.parquet",
        diagnostics="results/weights/{survey}_{wave}.diagnostics.csv",
        representativity="results/weights/{survey}_{wave}.representativity.csv",
        audit="results/weights/{survey}_{wave}.audit.json",
    log:
        "logs/survey_weight/{survey}_{wave}.log",
    benchmark:
        "benchmarks/survey_weight/{survey}_{wave}.tsv"
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
        "navpartner weight --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --harmonised {input.harmonised:q} --margins {input.margins:q}"
        " --output {output.weights:q} --diagnostics {output.diagnostics:q}"
        " --representativity {output.representativity:q} --audit {output.audit:q} 2> {log:q}"


rule weights_diagnostics:
    input:
        diagnostics=expand_survey_waves(
            "results/weights/{survey}_{wave}.diagnostics.csv"
        ),
        representativity=expand_survey_waves(
            "results/weights/{survey}_{wave}.representativity.csv"
        ),
    output:
        diagnostics=report(
            "results/weights/diagnostics.csv",
            caption="../report/diagnostics.rst",
            labels=get_report_labels("diagnostics"),
            category=LABELS.report_category("methods"),
        ),
        response_rates="results/estimates/response_rates.csv",
        representativity="results/estimates/representativity.csv",
    log:
        "logs/weights_diagnostics/diagnostics.log",
    benchmark:
        "benchmarks/weights_diagnostics/diagnostics.tsv"
    priority: BEFORE_THE_REPORT
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(800),
        runtime=5,
    shell:
        "navpartner weights-diagnostics {input.diagnostics:q} --output {output.diagnostics:q}"
        " --response-rates {output.response_rates:q}"
        " --representativity {input.representativity:q}"
        " --representativity-output {output.representativity:q} 2> {log:q}"
