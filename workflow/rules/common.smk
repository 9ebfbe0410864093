# Helpers shared by the rules. The logic lives in the navpartner package. Planning imports only
# light modules; a helper that needs the data libraries imports them when it is called.
import re

from navpartner.audit import manifest_problems
from navpartner.config import (
    configured_inputs,
    survey_waves,
    wave_spec,
    write_config_part,
)
from navpartner.errors import InputError
from navpartner.publish.labels import Labels, ReportCaptions, WhenAsked, is_synthetic

SURVEY_WAVES = survey_waves(config)


wildcard_constraints:
    survey="|".join(sorted({survey for survey, _ in SURVEY_WAVES})),
    wave="|".join(sorted({str(wave) for _, wave in SURVEY_WAVES})),


# Which ready step starts first: those on the longest path (harmonise, weight, estimate,
# combine, suppress, the indicators' publication, the evaluation report, the manifest); then
# the report's other inputs (distributions, models, claims, diagnostics); then what only the
# manifest waits for (the models' tables and charts, methods, contrasts), which runs beside the
# report.
ON_THE_LONGEST_PATH = 20
BEFORE_THE_REPORT = 10


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
THEMES = list(config["publication"]["themes"])


def get_estimate_audits():
    return expand_survey_waves("results/estimates/{survey}_{wave}.audit.json")


def get_report_labels(kind):
    """What an entry of the report is and what it shows, instead of its file path."""

    def labels(wildcards):
        if kind == "model":
            return entry_labels(
                kind, config["models"][wildcards.model]["label"][LABELS.language]
            )
        if kind == "diagnostics":
            return entry_labels(kind, LABELS.text("shows_diagnostics"))
        return entry_labels(kind, LABELS.text(f"kind_{kind}"))

    return labels


def entry_labels(kind, shown):
    """One label only: the report turns a second label with two values into a toggle, which
    breaks a category of two entries."""
    what = LABELS.text(f"kind_{kind}")
    return {LABELS.text("content"): what if shown == what else f"{what}: {shown}"}


def report_entry(path, kind, shown, caption, **place):
    """An output in the Snakemake report: captioned by workflow/report/{caption}.rst, labelled
    with what it is and shows (`shown` may be a function of the job's wildcards), and placed by
    category and subcategory."""
    if callable(shown):
        labels = lambda wildcards: entry_labels(kind, shown(wildcards))
    else:
        labels = entry_labels(kind, shown)
    return report(
        path,
        caption=f"../report/{caption}.rst",
        labels=labels,
        **place,
    )


def theme_category(indicator):
    return LABELS.report_category(config["indicators"][indicator]["theme"])


def get_indicator_publication():
    """The files publish_indicator writes for one indicator ({indicator}): its tables, figure
    and card, filed in the report under its theme and its own name."""
    return [
        "results/tables/{indicator}.csv",
        "results/tables/{indicator}.xlsx",
        indicator_entry("results/tables/{indicator}.html", "table"),
        indicator_entry("results/figures/{indicator}.png", "figure"),
        "results/figures/{indicator}.svg",
        indicator_entry("results/report/cards/{indicator}.html", "card"),
    ]


def indicator_entry(path, kind):
    """An indicator's output in the report, captioned by workflow/report/indicator_{kind}.rst."""
    return report_entry(
        path,
        kind,
        lambda wildcards: LABELS.indicator(wildcards.indicator),
        f"indicator_{kind}",
        category=lambda wildcards: theme_category(wildcards.indicator),
        subcategory=lambda wildcards: LABELS.indicator(wildcards.indicator),
    )


def get_comparison_publication():
    """The figure publish_comparison draws ({figure}), under the theme of its first
    indicator."""

    def figure(wildcards):
        return config["publication"]["figures"][wildcards.figure]

    return [
        report_entry(
            "results/figures/{figure}.png",
            "comparison",
            lambda wildcards: figure(wildcards)["title"][LABELS.language],
            "comparison",
            category=lambda wildcards: theme_category(
                figure(wildcards)["indicators"][0]
            ),
            subcategory=LABELS.text("comparisons"),
        ),
        "results/figures/{figure}.svg",
    ]


def get_change_publication():
    """The change chart (publish_change), under the overview."""
    return [
        report_entry(
            "results/figures/change.png",
            "change",
            LABELS.text("shows_change", **get_change_waves()),
            "change",
            category=LABELS.report_category("overview"),
        ),
        "results/figures/change.svg",
    ]


def expand_each(patterns, **names):
    """Each pattern (an output of a rule with one wildcard) for each of the names."""
    [(wildcard, values)] = names.items()
    return [
        str(pattern).format(**{wildcard: value})
        for value in values
        for pattern in patterns
    ]


def get_change_waves():
    change = config["publication"].get("change", {})
    return {"first": change.get("from"), "last": change.get("to")}


def get_publication_outputs():
    outputs = [
        "results/tables/indicators.csv",
        "results/tables/changes.csv",
        "results/report/methods.html",
        *expand_each(get_indicator_publication(), indicator=INDICATORS),
        *expand_each(get_comparison_publication(), figure=FIGURES),
        *(get_change_publication() if "change" in config["publication"] else []),
    ]
    return [str(path) for path in outputs] + get_document_outputs()


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


def get_theme_publication():
    """The distribution chart and table publish_theme makes for one theme ({theme}), under
    Findings in a subcategory per theme (named apart from the theme's own category)."""
    place = {
        "category": LABELS.text("findings"),
        "subcategory": lambda wildcards: (
            f"{LABELS.text('kind_distribution')}: {LABELS.theme(wildcards.theme)}"
        ),
    }
    return [
        report_entry(
            "results/figures/distribution_{theme}.png",
            "distribution",
            LABELS.text("kind_distribution"),
            "distribution",
            **place,
        ),
        "results/figures/distribution_{theme}.svg",
        report_entry(
            "results/tables/distribution_{theme}.html",
            "table",
            LABELS.text("kind_table"),
            "distribution",
            **place,
        ),
    ]


def get_model_publication():
    """Each model's coefficient table and odds-ratio chart, under Methods: Models."""
    place = {
        "category": LABELS.report_category("methods"),
        "subcategory": LABELS.text("models"),
    }
    outputs = []
    for name, spec in config.get("models", {}).items():
        shown = spec["label"][LABELS.language]
        outputs += [
            report_entry(
                f"results/report/models/{name}.html",
                "model_table",
                shown,
                "model_table",
                **place,
            ),
            report_entry(
                f"results/figures/model_{name}.png", "figure", shown, "odds", **place
            ),
            f"results/figures/model_{name}.svg",
        ]
    return outputs


def get_findings_publication_outputs():
    outputs = [
        "results/tables/distributions.csv",
        "results/tables/contrasts.csv",
        "results/tables/response_rates.csv",
        *expand_each(get_theme_publication(), theme=THEMES),
        *get_model_publication(),
    ]
    return [str(path) for path in outputs]


# Provenance: the manifest of a complete run (rules/manifest.smk).
MANIFEST = "results/manifest.json"


def get_configured_inputs():
    return [path for _, path in configured_inputs(config)]


def get_provenance_category(wildcards):
    """The report's category for the provenance page; evaluated only when a report is made,
    it refuses one whose outputs were not made from the current config and inputs."""
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
