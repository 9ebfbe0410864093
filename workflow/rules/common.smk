# Helpers shared by the rules. The logic lives in the navpartner package.
import yaml

from navpartner.audit import manifest_problems
from navpartner.config import configured_inputs, survey_waves, wave_spec
from navpartner.publish.labels import Labels

SURVEY_WAVES = survey_waves(config)


wildcard_constraints:
    survey="|".join(sorted({survey for survey, _ in SURVEY_WAVES})),
    wave="|".join(sorted({str(wave) for _, wave in SURVEY_WAVES})),
    indicator="|".join(config["indicators"]),
    figure="|".join(config["publication"]["figures"]),


def get_config_file():
    """The one config file that holds the whole effective config: each step re-reads it.

    Snakemake merges partial --configfile files and --config overrides into `config`; a step
    run by hand could not see such a merge, so only a complete file is accepted.
    """
    for path in workflow.configfiles:
        with open(path, encoding="utf-8") as handle:
            if yaml.safe_load(handle) == config:
                return str(path)
    raise WorkflowError(
        "navpartner steps read their settings from one file: give a complete config with "
        "--configfile FILE instead of --config overrides or a partial file"
    )


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
    """Harmonised and weights files of every wave of the surveys a model's indicators use."""
    surveys = {
        config["indicators"][name]["survey"]
        for name in config["models"][wildcards.model]["indicators"]
    }
    return [
        f"results/{stage}/{survey}_{wave}.parquet"
        for survey, wave in SURVEY_WAVES
        if survey in surveys
        for stage in ("harmonised", "weights")
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
    return LABELS.theme(config["indicators"][name]["theme"])


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
        else:
            label = ""
        return LABELS.text(f"caption_{kind}", label=label, **get_change_waves())

    return caption


def get_report_labels(kind):
    """What an entry of the report is, shown instead of its file path."""
    return {LABELS.text("content"): LABELS.text(f"kind_{kind}")}


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
    return outputs


# Provenance: the manifest of a complete run (rules/manifest.smk).
MANIFEST = "results/manifest.json"


def get_configured_inputs():
    return [path for _, path in configured_inputs(config)]


def get_provenance_category(wildcards):
    """The report's category for the provenance page; evaluated only when a report is made,
    it refuses one whose outputs were not made from the current config and inputs."""
    problems = manifest_problems(
        MANIFEST, get_config_file(), get_configured_inputs(), get_final_outputs()
    )
    if problems:
        raise WorkflowError(
            "no report: the outputs on disk were not made from the current config and inputs "
            "(run snakemake first):\n  " + "\n  ".join(problems)
        )
    return LABELS.text("methods")


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
