# Helpers shared by the rules. The logic lives in the navpartner package. Planning imports only
# light modules; a helper that needs the data libraries imports them when it is called.
from navpartner.config import (
    configured_inputs,
    survey_waves,
    wave_spec,
    write_config_part,
)
from navpartner.errors import InputError
from navpartner.publish.labels import Labels, WhenAsked, is_synthetic

SURVEY_WAVES = survey_waves(config)


wildcard_constraints:
    survey="|".join(sorted({survey for survey, _ in SURVEY_WAVES})),
    wave="|".join(sorted({str(wave) for _, wave in SURVEY_WAVES})),
    indicator="|".join(config["indicators"]),
    figure="|".join(config["publication"]["figures"]),


def get_config_part(stage):
    """The part of the effective config (config.yaml, then any --configfile overlays and
    --config overrides) that a step reads: written under results/config/ when the job is
    planned, rewritten only when it changes, and an input, so an edit reruns just the steps
    whose part it changes."""

    def part(wildcards):
        where = {
            key: wildcards[key]
            for key in ("survey", "wave", "model")
            if key in wildcards.keys()
        }
        return write_config_part(config, "results/config", stage, **where)

    return part


def get_effective_config():
    """The whole effective config as one file (what publication and the manifest read)."""
    return write_config_part(config, "results/config", "all")


def get_raw_inputs(wildcards):
    """The vendor file, its codebook if any, and the frames one wave is harmonised with."""
    spec = wave_spec(config, wildcards.survey, wildcards.wave)
    files = [spec.file, spec.municipalities, config["geography"]["regions"]]
    return files + ([spec.codebook] if spec.codebook else [])


def get_margins_file(wildcards):
    return wave_spec(config, wildcards.survey, wildcards.wave).margins


def expand_survey_waves(pattern):
    return [pattern.format(survey=survey, wave=wave) for survey, wave in SURVEY_WAVES]


def get_model_inputs(wildcards):
    """Harmonised, weights and (bootstrap) replicate weights files of every wave of the
    surveys a model's indicators use."""
    surveys = {
        config["indicators"][name]["survey"]
        for name in config["models"][wildcards.model]["indicators"]
    }
    stages = ["harmonised/{}", "weights/{}"] + (
        ["weights/{}.replicates"] if is_bootstrap() else []
    )
    return [
        f"results/{stage.format(f'{survey}_{wave}')}.parquet"
        for survey, wave in SURVEY_WAVES
        if survey in surveys
        for stage in stages
    ]


def get_final_outputs():
    return [
        *expand_survey_waves("results/harmonised/{survey}_{wave}.parquet"),
        *expand_survey_waves("results/weights/{survey}_{wave}.parquet"),
        *get_replicate_outputs(),
        "results/weights/diagnostics.csv",
        "results/estimates/indicators.parquet",
        "results/estimates/wave_differences.csv",
        "results/estimates/distributions.parquet",
        "results/estimates/contrasts.parquet",
        "results/estimates/association_tests.csv",
        "results/estimates/response_rates.csv",
        *[f"results/models/{model}.csv" for model in config.get("models", {})],
        *get_publication_outputs(),
        *get_findings_publication_outputs(),
    ]


# Publication: file names, report categories and captions.
LABELS = Labels(config)
INDICATORS = list(config["indicators"])
FIGURES = list(config["publication"]["figures"])


def get_estimate_audits():
    return expand_survey_waves("results/estimates/{survey}_{wave}.audit.json")


def get_theme_label(wildcards):
    """The report category of an indicator's outputs, or of a figure's first indicator."""
    if "indicator" in wildcards.keys():
        name = wildcards.indicator
    else:
        name = config["publication"]["figures"][wildcards.figure]["indicators"][0]
    return LABELS.report_category(config["indicators"][name]["theme"])


def get_indicator_label(wildcards):
    return LABELS.indicator(wildcards.indicator)


def get_caption(kind):
    """A caption in the configured language (the .rst files insert it)."""

    def caption(wildcards):
        if kind == "comparison":
            label = config["publication"]["figures"][wildcards.figure]["title"][
                LABELS.language
            ]
        elif "indicator" in wildcards.keys():
            label = LABELS.indicator(wildcards.indicator)
        elif "model" in wildcards.keys():
            label = config["models"][wildcards.model]["label"][LABELS.language]
        else:
            label = ""
        return LABELS.text(f"caption_{kind}", label=label, **get_change_waves())

    return caption


def get_report_labels(kind):
    """What an entry of the report is and what it shows, instead of its file path.

    One label only: the report turns a second label with two values into a toggle, which
    breaks a category of two entries.
    """

    def labels(wildcards):
        what, shown = LABELS.text(f"kind_{kind}"), get_shown(kind, wildcards)
        return {LABELS.text("content"): what if shown == what else f"{what}: {shown}"}

    return labels


def get_shown(kind, wildcards):
    if kind == "comparison":
        return config["publication"]["figures"][wildcards.figure]["title"][
            LABELS.language
        ]
    if kind == "model":
        return config["models"][wildcards.model]["label"][LABELS.language]
    if "indicator" in wildcards.keys():
        return LABELS.indicator(wildcards.indicator)
    if kind in ("change", "diagnostics"):
        return LABELS.text(f"shows_{kind}", **get_change_waves())
    return LABELS.text(f"kind_{kind}")


def get_change_waves():
    change = config["publication"].get("change", {})
    return {"first": change.get("from"), "last": change.get("to")}


def get_publication_outputs():
    outputs = [
        "results/tables/indicators.csv",
        "results/tables/changes.csv",
        "results/report/methods.html",
        *expand(
            "results/tables/{indicator}.{ext}",
            indicator=INDICATORS,
            ext=["csv", "xlsx", "html"],
        ),
        *expand(
            "results/figures/{name}.{ext}",
            name=INDICATORS + FIGURES,
            ext=["png", "svg"],
        ),
        *expand("results/report/cards/{indicator}.html", indicator=INDICATORS),
    ]
    if "change" in config["publication"]:
        outputs += expand("results/figures/change.{ext}", ext=["png", "svg"])
    return outputs + get_document_outputs()


# The evaluation report.
def get_document_outputs():
    return [
        "results/tables/claims.csv",
        "results/report/evaluation_report.pdf",
        "results/report/evaluation_report.html",
    ]


def get_model_tables():
    return [f"results/models/{model}.csv" for model in config.get("models", {})]


def get_document_figures():
    """The SVG figures the report shows: each indicator, each comparison, the change chart
    and each theme's answer distributions."""
    names = (
        INDICATORS
        + FIGURES
        + (["change"] if "change" in config["publication"] else [])
        + [f"distribution_{theme}" for theme in config["publication"]["themes"]]
    )
    return [f"results/figures/{name}.svg" for name in names]


def is_synthetic_input():
    """Whether the vendor files say they are synthetic (their own label), for the report's
    front page; a file that cannot be read yet counts as not synthetic (harmonise names it).
    """
    # pyreadstat and pandas: loaded only when the report asks
    from navpartner.io import file_label

    labels = []
    for survey, wave in SURVEY_WAVES:
        spec = wave_spec(config, survey, wave)
        try:
            labels.append(file_label(spec.file, spec.format, spec.codebook))
        except InputError:
            labels.append("")
    return is_synthetic(labels)


# Publication of the findings (rules in findings.smk).


wildcard_constraints:
    theme="|".join(config["publication"]["themes"]),


def get_findings_caption(kind):
    """A caption naming the theme or model of the output, in the configured language."""

    def caption(wildcards):
        label = ""
        if "theme" in wildcards.keys():
            label = LABELS.theme(wildcards.theme)
        elif "model" in wildcards.keys():
            label = config["models"][wildcards.model]["label"][LABELS.language]
        return LABELS.text(f"caption_{kind}", label=label)

    return caption


def get_distribution_subcategory(wildcards):
    """Distributions sit under Findings, one subcategory per theme (named apart from the
    theme's own category)."""
    return f"{LABELS.text('kind_distribution')}: {LABELS.theme(wildcards.theme)}"


def get_findings_publication_outputs():
    return [
        "results/tables/distributions.csv",
        "results/tables/contrasts.csv",
        "results/tables/response_rates.csv",
        *expand(
            "results/figures/distribution_{theme}.{ext}",
            theme=config["publication"]["themes"],
            ext=["png", "svg"],
        ),
        *expand(
            "results/tables/distribution_{theme}.html",
            theme=config["publication"]["themes"],
        ),
        *expand("results/report/models/{model}.html", model=config.get("models", {})),
        *expand(
            "results/figures/model_{model}.{ext}",
            model=config.get("models", {}),
            ext=["png", "svg"],
        ),
    ]


# Provenance: the manifest of a complete run (rules/manifest.smk).
MANIFEST = "results/manifest.json"


def get_configured_inputs():
    return [path for _, path in configured_inputs(config)]


def get_provenance_category(wildcards):
    """The report's category for the provenance page; evaluated only when a report is made,
    it refuses one whose outputs were not made from the current config and inputs."""
    # pandas: loaded only when a report is made
    from navpartner.audit import manifest_problems

    problems = manifest_problems(
        MANIFEST, get_effective_config(), get_configured_inputs(), get_final_outputs()
    )
    if problems:
        raise WorkflowError(
            "no report: the outputs on disk were not made from the current config and inputs "
            "(run snakemake first):\n  " + "\n  ".join(problems)
        )
    return LABELS.report_category("methods")


# Bootstrap replicate weights (workflow/rules/replicates.smk).


def is_bootstrap():
    return config["estimation"]["variance"] == "bootstrap"


def get_replicate_chunks(wildcards):
    return [
        f"results/weights/replicates/{wildcards.survey}_{wildcards.wave}_{chunk}.parquet"
        for chunk in range(config["estimation"]["bootstrap"]["chunks"])
    ]


def get_replicate_weights(wildcards):
    """The survey wave's replicate weights where the variance is bootstrap, else nothing."""
    if not is_bootstrap():
        return []
    return f"results/weights/{wildcards.survey}_{wildcards.wave}.replicates.parquet"


def get_replicate_outputs():
    if not is_bootstrap():
        return []
    return expand_survey_waves("results/weights/{survey}_{wave}.replicates.parquet")
