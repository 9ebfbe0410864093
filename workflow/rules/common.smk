# Helpers shared by the rules. The logic lives in the navpartner package. Planning imports only
# light modules; a helper that needs the data libraries imports them when it is called.
import atexit
import functools
import json
import shutil
import sys
import tempfile
from pathlib import Path

from navpartner.audit import manifest_problems
from navpartner.config.check import record_check
from navpartner.config.parts import write_config_part
from navpartner.config.paths import configured_inputs
from navpartner.config.views import (
    change_figures,
    distribution_figures,
    survey_waves,
    theme_comparisons,
    theme_indicators,
    wave_spec,
)
from navpartner.publish.labels import Labels, ReportCaptions, WhenAsked, is_synthetic

SURVEY_WAVES = survey_waves(config)
CONFIG_PARTS = "results/config"


wildcard_constraints:
    survey="|".join(sorted({survey for survey, _ in SURVEY_WAVES})),
    wave="|".join(sorted({str(wave) for _, wave in SURVEY_WAVES})),


# Which ready step starts first: those on the longest path (harmonise, weight, estimate,
# combine, suppress, each theme's publication, the change chart, the evaluation report, the
# manifest); then the report's other inputs (models, claims, diagnostics); then what only the
# manifest waits for (the models' tables and charts, methods, contrasts), which runs beside the
# report.
ON_THE_LONGEST_PATH = 20
BEFORE_THE_REPORT = 10

# On a cluster the workflow runs as two jobs (Snakemake groups; ignored when run locally):
# each job pays for SLURM's scheduling, two Snakemake starts and the wait for the executor's
# next status check, which take longer than most steps. The first computes the numbers: every
# survey wave's steps (harmonise, weight, replicate chunks, estimate), joined by their
# combination so that they form one piece, which the executor's job step runs as one Snakemake
# with the job's cores (it runs separate pieces one after another); then the models, claims
# and tables. The second draws the charts of the themes and of the change, and writes the
# report.
ESTIMATES_JOB = "estimates"
PUBLICATION_JOB = "publication"


def memory_mb(first_attempt):
    """A rule's mem_mb for a cluster job at each attempt: `first_attempt` MB, twice that when
    a failed job is retried (profiles/slurm: retries: 1). Sized from the whole job's measured
    peak (tests/cluster/run_slurm.sh prints it): the rule and the two Snakemake processes the
    SLURM executor starts in its job (about 160 MB each), with half as much again for headroom,
    rounded up to 100 MB."""
    return lambda wildcards, attempt: first_attempt * attempt


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
        return write_part(stage, **where)

    return part


def get_effective_config():
    """The whole effective config as one file (what publication and the manifest read)."""
    return write_part("all")


def write_part(stage, **where):
    """Write a config part when jobs are planned (see get_config_part). Only a run writes
    under results/config/: for a dry run (-n) or a command that runs no job (--summary, --dag,
    --report, ...) a part that changed goes to a temporary folder instead, so the plan still
    shows the steps it reruns."""
    if workflow.dryrun or workflow.executor_plugin is None:
        return write_config_part(
            config, CONFIG_PARTS, stage, scratch=dry_run_folder(), **where
        )
    if UNRECORDED_CHECK is not None:
        record_check_once()
    return write_config_part(config, CONFIG_PARTS, stage, **where)


@functools.cache
def record_check_once():
    record_check(UNRECORDED_CHECK, CHECK_STAMP)


@functools.cache
def dry_run_folder():
    """A temporary folder for a dry run's changed config parts, removed when planning ends."""
    folder = tempfile.mkdtemp(prefix="navpartner-dry-run-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def get_raw_inputs(wildcards):
    """The vendor file, its codebook if any, and the frames one wave is harmonised with."""
    spec = wave_spec(config, wildcards.survey, wildcards.wave)
    files = [spec.file, spec.municipalities, config["geography"]["regions"]]
    return files + ([spec.codebook] if spec.codebook else [])


def get_margins_file(wildcards):
    return wave_spec(config, wildcards.survey, wildcards.wave).margins


def get_frames(wildcards):
    """The frames a wave's margins are checked against: its municipalities, the regions."""
    spec = wave_spec(config, wildcards.survey, wildcards.wave)
    return [spec.municipalities, config["geography"]["regions"]]


def expand_survey_waves(pattern):
    return [pattern.format(survey=survey, wave=wave) for survey, wave in SURVEY_WAVES]


def get_model_inputs(wildcards):
    """Harmonised, weights and (bootstrap) replicate weights files of every wave of the
    surveys a model's indicators use, and their frames (estimation.fpc: frame)."""
    surveys = {
        config["indicators"][name]["survey"]
        for name in config["models"][wildcards.model]["indicators"]
    }
    stages = ["harmonised/{}", "weights/{}"] + (
        ["weights/{}.replicates"] if is_bootstrap() else []
    )
    waves = [(survey, wave) for survey, wave in SURVEY_WAVES if survey in surveys]
    return [
        f"results/{stage.format(f'{survey}_{wave}')}.parquet"
        for survey, wave in waves
        for stage in stages
    ] + list(
        dict.fromkeys(f for survey, wave in waves for f in fpc_frames(survey, wave))
    )


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
    with what it is and shows, and placed by category and subcategory."""
    return report(
        path,
        caption=f"../report/{caption}.rst",
        labels=entry_labels(kind, shown),
        **place,
    )


def get_theme_publication(theme):
    """The files publish_theme_{theme} writes: each of the theme's indicators' tables, figure
    and card, filed in the report under the theme and the indicator's name; the comparison
    figures filed under the theme; the theme's answer distributions, under Findings in a
    subcategory of their own (named apart from the theme's own category)."""
    category = LABELS.report_category(theme)
    outputs = []
    for name in theme_indicators(config, theme):
        shown = LABELS.indicator(name)
        place = {
            "category": category,
            "subcategory": LABELS.report_subcategory(theme, name),
        }
        outputs += [
            f"results/tables/{name}.csv",
            f"results/tables/{name}.xlsx",
            report_entry(
                f"results/tables/{name}.html",
                "table",
                shown,
                "indicator_table",
                **place,
            ),
            report_entry(
                f"results/figures/{name}.png",
                "figure",
                shown,
                "indicator_figure",
                **place,
            ),
            f"results/figures/{name}.svg",
            report_entry(
                f"results/report/cards/{name}.html",
                "card",
                shown,
                "indicator_card",
                **place,
            ),
        ]
    for name in theme_comparisons(config, theme):
        outputs += [
            report_entry(
                f"results/figures/{name}.png",
                "comparison",
                config["publication"]["figures"][name]["title"][LABELS.language],
                "comparison",
                category=category,
                subcategory=LABELS.report_subcategory(theme, None),
            ),
            f"results/figures/{name}.svg",
        ]
    answers = {
        "category": LABELS.report_category("findings"),
        "subcategory": f"{LABELS.text('kind_distribution')}: {LABELS.theme(theme)}",
    }
    charts = distribution_figures(config, theme)
    for k, (name, _) in enumerate(charts, start=1):
        shown = LABELS.text("kind_distribution")
        if len(charts) > 1:
            shown = LABELS.text("part_of", title=shown, k=k, n=len(charts))
        outputs += [
            report_entry(
                f"results/figures/{name}.png",
                "distribution",
                shown,
                "distribution",
                **answers,
            ),
            f"results/figures/{name}.svg",
        ]
    return outputs + [
        report_entry(
            f"results/tables/distribution_{theme}.html",
            "table",
            LABELS.text("kind_table"),
            "distribution",
            **answers,
        ),
    ]


def get_change_publication():
    """The change charts (publish_change), under the overview."""
    charts = change_figures(config)
    outputs = []
    for k, (name, _) in enumerate(charts, start=1):
        shown = LABELS.text("shows_change", **get_change_waves())
        if len(charts) > 1:
            shown = LABELS.text("part_of", title=shown, k=k, n=len(charts))
        outputs += [
            report_entry(
                f"results/figures/{name}.png",
                "change",
                shown,
                "change",
                category=LABELS.report_category("overview"),
            ),
            f"results/figures/{name}.svg",
        ]
    return outputs


def get_change_waves():
    change = config["publication"].get("change", {})
    return {"first": change.get("from"), "last": change.get("to")}


def get_publication_outputs():
    outputs = [
        "results/tables/indicators.csv",
        "results/tables/changes.csv",
        "results/report/methods.html",
        *[path for theme in THEMES for path in get_theme_publication(theme)],
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
        + (
            [name for name, _ in change_figures(config)]
            if "change" in config["publication"]
            else []
        )
        + [
            name
            for theme in config["publication"]["themes"]
            for name, _ in distribution_figures(config, theme)
        ]
    )
    return [f"results/figures/{name}.svg" for name in names]


def get_prose_files():
    """The evaluator's chapters, their index and locks (report/): an edit remakes the report."""
    folder = Path("report")
    files = [
        folder / "index.yaml",
        *folder.glob("*/*.md"),
        *folder.glob("*/*.lock.yaml"),
    ]
    return sorted(str(path) for path in files if path.is_file())


def get_prose_folder(wildcards, input):
    """The folder of the evaluator's chapters, from its index among the inputs ("" if none)."""
    index = [Path(path) for path in input.prose if Path(path).name == "index.yaml"]
    return str(index[0].parent) if index else ""


def is_synthetic_input():
    """Whether the vendor files say they are synthetic (their own label, as harmonise recorded
    it in each wave's audit), for the report's front page; a wave without an audit yet counts
    as not synthetic (the report then refuses to be made: get_provenance_category)."""
    labels = []
    for path in expand_survey_waves("results/harmonised/{survey}_{wave}.audit.json"):
        try:
            with open(path, encoding="utf-8") as audit:
                labels.append(json.load(audit).get("source_file_label", ""))
        except (OSError, ValueError):
            labels.append("")
    return is_synthetic(labels)


# Publication of the findings (rules in findings.smk).


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
        sys.exit(  # the message alone: a WorkflowError here prints a traceback under it
            "Error: no report: the outputs on disk were not made from the current config and "
            "inputs (run snakemake first):\n  " + "\n  ".join(problems)
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


def get_fpc_frame(wildcards):
    """The wave's municipality frame where the finite population correction counts its
    municipalities (estimation.fpc: frame), else nothing."""
    return fpc_frames(wildcards.survey, wildcards.wave)


def fpc_frames(survey, wave):
    if config["estimation"].get("fpc", "none") == "none":
        return []
    return [
        lookup(dpath=f"surveys/{survey}/waves/{wave}/municipalities", within=config)
    ]


def get_replicate_outputs():
    if not is_bootstrap():
        return []
    return expand_survey_waves("results/weights/{survey}_{wave}.replicates.parquet")
