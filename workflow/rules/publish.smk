# Publication: disclosure control first; every table, figure and card reads its result.
# The indicators' tables, figures and cards are one job, drawn side by side on its threads: one
# start of pandas and matplotlib instead of one per indicator.


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
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner publish-suppress --config {input.config:q} --estimates {input.estimates:q}"
        " --differences {input.differences:q} --published {output.published:q}"
        " --changes {output.changes:q} --audit {output.audit:q} 2> {log:q}"


rule publish_indicators:
    input:
        published="results/tables/indicators.csv",
        changes="results/tables/changes.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        get_indicator_publication(),
    log:
        "logs/publish_indicators/indicators.log",
    benchmark:
        "benchmarks/publish_indicators/indicators.tsv"
    priority: ON_THE_LONGEST_PATH
    conda:
        "../envs/navpartner.yaml"
    threads: drawing_threads()
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        table_caption=LABELS.text("caption_table"),
        figure_caption=LABELS.text("caption_figure"),
        card_caption=LABELS.text("caption_card"),
        comparison_caption=LABELS.text("caption_comparison"),
        change_caption=LABELS.text("caption_change", **get_change_waves()),
    shell:
        "navpartner publish-indicators {input.audits:q} --config {input.config:q}"
        " --published {input.published:q} --changes {input.changes:q} --tables results/tables"
        " --figures results/figures --reports results/report --jobs {threads} 2> {log:q}"


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
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_caption("methods"),
        response_caption=get_caption("response"),
    shell:
        "navpartner publish-methods {input.audits:q} --config {input.config:q}"
        " --diagnostics {input.diagnostics:q} --rates {input.rates:q}"
        " --estimates {input.estimates:q} --html {output.html:q}"
        " --response-csv {output.response_csv:q} --response-html {output.response_html:q}"
        " 2> {log:q}"
