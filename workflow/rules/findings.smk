# The findings of each survey wave (answer distributions, group contrasts, association tests)
# come from indicators_estimate, which builds the wave's design once for them and the shares;
# indicators_combine stacks them with the shares. The response rates come with the weight
# diagnostics (weights_diagnostics).


# Publication of the findings: distributions per theme, tested differences and the models,
# each into the Snakemake report (the response rates table comes with the methods page).


rule publish_distributions:
    input:
        estimates="results/estimates/distributions.parquet",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        "results/tables/distributions.csv",
        get_distribution_publication(),
    log:
        "logs/publish_distributions/distributions.log",
    benchmark:
        "benchmarks/publish_distributions/distributions.tsv"
    priority: BEFORE_THE_REPORT
    conda:
        "../envs/navpartner.yaml"
    threads: drawing_threads()
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        caption=LABELS.text("caption_distribution"),
    shell:
        "navpartner publish-distributions {input.audits:q} --config {input.config:q}"
        " --estimates {input.estimates:q} --published results/tables/distributions.csv"
        " --tables results/tables --figures results/figures --jobs {threads} 2> {log:q}"


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
            caption="../report/table.rst",
            labels={LABELS.text("content"): LABELS.text("kind_contrasts")},
            category=LABELS.text("findings"),
            subcategory=LABELS.text("kind_contrasts"),
        ),
    log:
        "logs/tables_contrasts/contrasts.log",
    benchmark:
        "benchmarks/tables_contrasts/contrasts.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_caption("contrasts"),
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
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        caption=LABELS.text("caption_model_table"),
        odds_caption=LABELS.text("caption_odds"),
    shell:
        "navpartner publish-models {input.audits:q} --config {input.config:q}"
        " --coefficients {input.coefficients:q} --figures results/figures"
        " --reports results/report 2> {log:q}"
