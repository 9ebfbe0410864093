# Publication: disclosure control first; every table, figure and card reads its result.
# An indicator's table, figure and card are one job: one process start instead of three.


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


rule publish_indicator:
    input:
        published="results/tables/indicators.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        csv="results/tables/{indicator}.csv",
        xlsx="results/tables/{indicator}.xlsx",
        html=report(
            "results/tables/{indicator}.html",
            caption="../report/indicator_table.rst",
            labels=get_report_labels("table"),
            category=get_theme_label,
            subcategory=get_indicator_label,
        ),
        png=report(
            "results/figures/{indicator}.png",
            caption="../report/indicator_figure.rst",
            labels=get_report_labels("figure"),
            category=get_theme_label,
            subcategory=get_indicator_label,
        ),
        svg="results/figures/{indicator}.svg",
        card=report(
            "results/report/cards/{indicator}.html",
            caption="../report/indicator_card.rst",
            labels=get_report_labels("card"),
            category=get_theme_label,
            subcategory=get_indicator_label,
        ),
    log:
        "logs/publish_indicator/{indicator}.log",
    benchmark:
        "benchmarks/publish_indicator/{indicator}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        table_caption=get_caption("table"),
        figure_caption=get_caption("figure"),
        card_caption=get_caption("card"),
    shell:
        "navpartner publish-indicator {input.audits:q} --config {input.config:q}"
        " --published {input.published:q} --indicator {wildcards.indicator:q}"
        " --csv {output.csv:q} --xlsx {output.xlsx:q} --html {output.html:q}"
        " --png {output.png:q} --svg {output.svg:q} --card {output.card:q} 2> {log:q}"


rule figures_compare:
    input:
        published="results/tables/indicators.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/comparison.rst",
            labels=get_report_labels("comparison"),
            category=get_theme_label,
            subcategory=LABELS.text("comparisons"),
        ),
        svg="results/figures/{figure}.svg",
    log:
        "logs/figures_compare/{figure}.log",
    benchmark:
        "benchmarks/figures_compare/{figure}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_caption("comparison"),
    shell:
        "navpartner publish-figure {input.audits:q} --config {input.config:q}"
        " --published {input.published:q} --figure {wildcards.figure:q}"
        " --png {output.png:q} --svg {output.svg:q} 2> {log:q}"


rule figures_change:
    input:
        published="results/tables/indicators.csv",
        changes="results/tables/changes.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        png=report(
            "results/figures/change.png",
            caption="../report/change.rst",
            labels=get_report_labels("change"),
            category=LABELS.report_category("overview"),
        ),
        svg="results/figures/change.svg",
    log:
        "logs/figures_change/change.log",
    benchmark:
        "benchmarks/figures_change/change.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_caption("change"),
    shell:
        "navpartner publish-figure {input.audits:q} --config {input.config:q}"
        " --published {input.published:q} --changes {input.changes:q}"
        " --png {output.png:q} --svg {output.svg:q} 2> {log:q}"


rule report_methods:
    input:
        audits=expand_survey_waves("results/harmonised/{survey}_{wave}.audit.json"),
        diagnostics="results/weights/diagnostics.csv",
        rates="results/estimates/response_rates.csv",
        estimates="results/estimates/indicators.parquet",
        config=get_config_part("all"),
    output:
        report(
            "results/report/methods.html",
            caption="../report/methods.rst",
            labels=get_report_labels("methods"),
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
    shell:
        "navpartner publish-methods {input.audits:q} --config {input.config:q}"
        " --diagnostics {input.diagnostics:q} --rates {input.rates:q}"
        " --estimates {input.estimates:q} --html {output:q} 2> {log:q}"
