# Publication: disclosure control first; every table, figure and card reads its result.
# Then a job per theme (below) and one for the change chart.


rule tables_suppress:
    input:
        estimates="results/estimates/indicators.parquet",
        differences="results/estimates/wave_differences.csv",
        config=get_config_part("all"),
    output:
        published="results/tables/indicators.csv",
        changes="results/tables/changes.csv",
        audit="results/tables/suppression.audit.json",
    log:
        "logs/tables_suppress/indicators.log",
    benchmark:
        "benchmarks/tables_suppress/indicators.tsv"
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
        "navpartner publish-suppress --config {input.config:q} --estimates {input.estimates:q}"
        " --differences {input.differences:q} --published {output.published:q}"
        " --changes {output.changes:q} --audit {output.audit:q} 2> {log:q}"


# One job per theme: what the report's chapter on it shows. Rules made in a loop: a rule's
# outputs cannot depend on a wildcard's value.
for theme in THEMES:

    rule:
        name:
            f"publish_theme_{theme}"
        input:
            published="results/tables/indicators.csv",
            distributions="results/tables/distributions.csv",
            audits=get_estimate_audits(),
            config=get_config_part("all"),
        output:
            get_theme_publication(theme),
        log:
            f"logs/publish_theme_{theme}/{theme}.log",
        benchmark:
            f"benchmarks/publish_theme_{theme}/{theme}.tsv"
        priority: ON_THE_LONGEST_PATH
        group:
            PUBLICATION_JOB
        conda:
            "../envs/navpartner.yaml"
        threads: 1
        resources:
            mem_mb=memory_mb(1000),
            runtime=5,
        params:
            theme=theme,  # bound now: the shell command is formatted when the job runs
        shell:
            "navpartner publish-themes {input.audits:q} --config {input.config:q}"
            " --published {input.published:q} --distributions {input.distributions:q}"
            " --themes {params.theme:q} 2> {log:q}"


rule publish_change:
    input:
        published="results/tables/indicators.csv",
        changes="results/tables/changes.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        get_change_publication(),
    log:
        "logs/publish_change/change.log",
    benchmark:
        "benchmarks/publish_change/change.tsv"
    priority: ON_THE_LONGEST_PATH
    group:
        PUBLICATION_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(900),
        runtime=5,
    shell:
        "navpartner publish-change {input.audits:q} --config {input.config:q}"
        " --published {input.published:q} --changes {input.changes:q} 2> {log:q}"


rule report_methods:
    input:
        audits=expand_survey_waves("results/harmonised/{survey}_{wave}.audit.json"),
        diagnostics="results/weights/diagnostics.csv",
        rates="results/estimates/response_rates.csv",
        estimates="results/estimates/indicators.parquet",
        config=get_config_part("all"),
    output:
        html=report(
            "results/report/methods.html",
            caption="../report/methods.rst",
            labels=get_report_labels("methods"),
            category=LABELS.report_category("methods"),
        ),
        response_csv="results/tables/response_rates.csv",
        response_html=report(
            "results/tables/response_rates.html",
            caption="../report/response.rst",
            labels=get_report_labels("response"),
            category=LABELS.report_category("methods"),
        ),
    log:
        "logs/report_methods/methods.log",
    benchmark:
        "benchmarks/report_methods/methods.tsv"
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(800),
        runtime=5,
    shell:
        "navpartner publish-methods {input.audits:q} --config {input.config:q}"
        " --diagnostics {input.diagnostics:q} --rates {input.rates:q}"
        " --estimates {input.estimates:q} --html {output.html:q}"
        " --response-csv {output.response_csv:q} --response-html {output.response_html:q}"
        " 2> {log:q}"
