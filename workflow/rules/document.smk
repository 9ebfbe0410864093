# The evaluation report: the claims re-tested, then the document written from the published
# aggregates (PDF through Typst, and HTML).


rule claims_evaluate:
    input:
        indicators="results/estimates/indicators.parquet",
        contrasts="results/estimates/contrasts.parquet",
        associations="results/estimates/association_tests.csv",
        config=get_config_part("all"),
    output:
        "results/tables/claims.csv",
    log:
        "logs/claims_evaluate/claims.log",
    benchmark:
        "benchmarks/claims_evaluate/claims.tsv"
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
        "navpartner claims --config {input.config:q} --indicators {input.indicators:q}"
        " --contrasts {input.contrasts:q} --association-tests {input.associations:q}"
        " --output {output:q} 2> {log:q}"


rule report_document:
    input:
        published="results/tables/indicators.csv",
        estimates="results/estimates/indicators.parquet",
        changes="results/tables/changes.csv",
        claims="results/tables/claims.csv",
        contrasts="results/estimates/contrasts.parquet",
        response_rates="results/estimates/response_rates.csv",
        representativity="results/estimates/representativity.csv",
        associations="results/estimates/association_tests.csv",
        estimate_audits=get_estimate_audits(),
        harmonise_audits=expand_survey_waves(
            "results/harmonised/{survey}_{wave}.audit.json"
        ),
        diagnostics="results/weights/diagnostics.csv",
        models=get_model_tables(),
        figures=get_document_figures(),
        prose=get_prose_files(),
        config=get_config_part("all"),
    output:
        pdf=report(
            "results/report/evaluation_report.pdf",
            caption="../report/document.rst",
            labels=get_report_labels("document"),
            category=LABELS.report_category("overview"),
        ),
        html="results/report/evaluation_report.html",
    log:
        "logs/report_document/evaluation_report.log",
    benchmark:
        "benchmarks/report_document/evaluation_report.tsv"
    priority: ON_THE_LONGEST_PATH
    group:
        PUBLICATION_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(1100),
        runtime=10,
    params:
        # the evaluator's chapters where the project has them (else the generated report)
        prose=get_prose_folder,
    shell:
        "navpartner document --config {input.config:q} --published {input.published:q}"
        " --estimates {input.estimates:q}"
        " --changes {input.changes:q} --claims {input.claims:q}"
        " --contrasts {input.contrasts:q} --response-rates {input.response_rates:q}"
        " --representativity {input.representativity:q}"
        " --association-tests {input.associations:q}"
        " --estimate-audits {input.estimate_audits:q}"
        " --harmonise-audits {input.harmonise_audits:q}"
        " --diagnostics {input.diagnostics:q} --models {input.models:q}"
        " --figures {input.figures:q} --prose {params.prose:q} --pdf {output.pdf:q} --html {output.html:q} 2> {log:q}"
