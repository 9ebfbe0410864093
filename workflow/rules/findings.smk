rule findings_estimate:
    input:
        harmonised="results/harmonised/{survey}_{wave}.parquet",
        weights="results/weights/{survey}_{wave}.parquet",
        replicates=get_replicate_weights,
        config=get_config_part("estimate"),
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
        " --replicates {input.replicates:q} 2> {log:q}"


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
        config=get_config_part("combine"),
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


# Publication of the findings: distributions per theme, tested differences, response rates and
# the models, each into the Snakemake report.


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
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "navpartner publish-distributions --config {input.config:q}"
        " --estimates {input.estimates:q} --published {output:q} 2> {log:q}"


rule figures_distribution:
    input:
        published="results/tables/distributions.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        png=report(
            "results/figures/distribution_{theme}.png",
            caption="../report/figure.rst",
            labels={LABELS.text("content"): LABELS.text("kind_distribution")},
            category=LABELS.text("findings"),
            subcategory=get_distribution_subcategory,
        ),
        svg="results/figures/distribution_{theme}.svg",
        html=report(
            "results/tables/distribution_{theme}.html",
            caption="../report/table.rst",
            labels={LABELS.text("content"): LABELS.text("kind_table")},
            category=LABELS.text("findings"),
            subcategory=get_distribution_subcategory,
        ),
    log:
        "logs/figures_distribution/{theme}.log",
    benchmark:
        "benchmarks/figures_distribution/{theme}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_findings_caption("distribution"),
    shell:
        "navpartner publish-theme {input.audits:q} --config {input.config:q}"
        " --published {input.published:q} --theme {wildcards.theme:q}"
        " --png {output.png:q} --svg {output.svg:q} --html {output.html:q} 2> {log:q}"


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
        caption=get_findings_caption("contrasts"),
    shell:
        "navpartner publish-contrasts {input.audits:q} --config {input.config:q}"
        " --estimates {input.estimates:q} --published {input.published:q}"
        " --csv {output.csv:q} --html {output.html:q} 2> {log:q}"


rule tables_response:
    input:
        rates="results/estimates/response_rates.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        csv="results/tables/response_rates.csv",
        html=report(
            "results/tables/response_rates.html",
            caption="../report/table.rst",
            labels={LABELS.text("content"): LABELS.text("kind_response")},
            category=LABELS.report_category("methods"),
        ),
    log:
        "logs/tables_response/response_rates.log",
    benchmark:
        "benchmarks/tables_response/response_rates.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_findings_caption("response"),
    shell:
        "navpartner publish-response {input.audits:q} --config {input.config:q}"
        " --rates {input.rates:q} --csv {output.csv:q} --html {output.html:q} 2> {log:q}"


rule report_model:
    input:
        coefficients="results/models/{model}.csv",
        audits=get_estimate_audits(),
        config=get_config_part("all"),
    output:
        html=report(
            "results/report/models/{model}.html",
            caption="../report/table.rst",
            labels={LABELS.text("content"): LABELS.text("kind_model_table")},
            category=LABELS.report_category("methods"),
            subcategory=LABELS.text("models"),
        ),
        png=report(
            "results/figures/model_{model}.png",
            caption="../report/figure.rst",
            labels={LABELS.text("content"): LABELS.text("kind_figure")},
            category=LABELS.report_category("methods"),
            subcategory=LABELS.text("models"),
        ),
        svg="results/figures/model_{model}.svg",
    log:
        "logs/report_model/{model}.log",
    benchmark:
        "benchmarks/report_model/{model}.tsv"
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        caption=get_findings_caption("model_table"),
    shell:
        "navpartner publish-model {input.audits:q} --config {input.config:q}"
        " --coefficients {input.coefficients:q} --model {wildcards.model:q}"
        " --html {output.html:q} --png {output.png:q} --svg {output.svg:q} 2> {log:q}"
