# The findings of each survey wave (answer distributions, group contrasts, association tests)
# come from indicators_estimate, which builds the wave's design once for them and the shares;
# indicators_combine stacks them with the shares. The response rates come with the weight
# diagnostics (weights_diagnostics).


# Publication of the findings: the distributions suppressed (each theme's chart and table come
# with its publication, rules/publish.smk), tested differences and the models, each into the
# Snakemake report (the response rates table comes with the methods page).


rule tables_distributions:
    input:
        estimates="results/estimates/distributions.parquet",
        config=get_config_part("all"),
    output:
        "results/tables/distributions.csv",
    log:
        "logs/tables_distributions/distributions.log",
    benchmark:
        "benchmarks/tables_distributions/distributions.tsv"
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
        "navpartner publish-distributions --config {input.config:q}"
        " --estimates {input.estimates:q} --published {output:q} 2> {log:q}"


rule tables_contrasts:
    input:
        estimates="results/estimates/contrasts.parquet",
        published="results/tables/indicators.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        csv="results/tables/contrasts.csv",
        html=report(
            "results/tables/contrasts.html",
            caption="../report/contrasts.rst",
            labels={LABELS.text("content"): LABELS.text("kind_contrasts")},
            category=LABELS.report_category("findings"),
            subcategory=LABELS.text("kind_contrasts"),
        ),
    log:
        "logs/tables_contrasts/contrasts.log",
    benchmark:
        "benchmarks/tables_contrasts/contrasts.tsv"
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(800),
        runtime=5,
    shell:
        "navpartner publish-contrasts {input.audits:q} --config {input.config:q}"
        " --estimates {input.estimates:q} --published {input.published:q}"
        " --csv {output.csv:q} --html {output.html:q} 2> {log:q}"


rule publish_models:
    input:
        coefficients=get_model_tables(),
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        get_model_publication(),
    log:
        "logs/publish_models/models.log",
    benchmark:
        "benchmarks/publish_models/models.tsv"
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(900),
        runtime=10,
    shell:
        "navpartner publish-models {input.audits:q} --config {input.config:q}"
        " --coefficients {input.coefficients:q} --figures results/figures"
        " --reports results/report 2> {log:q}"
