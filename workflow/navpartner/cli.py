"""The `navpartner` command: one subcommand per pipeline stage, each a thin call.

Every pipeline job starts this command afresh, so each handler imports its own step inside
the function: a job pays only for the libraries its step needs (tests/test_startup.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from navpartner.errors import ConfigError, DesignError, InputError, WeightingError

log = logging.getLogger("navpartner")


def main(argv: list[str] | None = None) -> int:
    """Run the command; its exit status (2 for a named error)."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    from navpartner.io import protect

    try:
        protect(_protected_paths(args))
        status = COMMANDS[args.command](args)
    except (InputError, ConfigError, WeightingError, DesignError) as err:
        log.error("%s", err)
        return 2
    except OSError as err:  # e.g. an input that exists but cannot be read
        log.error("%s: cannot be read (%s)", err.filename, err.strerror or err)
        return 2
    finally:
        protect([])  # the protection belongs to this command, not to the process
    if status == 0:
        _log_usage()
    return status


def _log_usage() -> None:
    """The step's CPU time and peak memory, last in its log: Snakemake's benchmark samples
    them twice a second, too coarsely for steps this short (tests/benchmarks/pipeline.py)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    log.info(
        "done: %.2f s CPU, peak %.0f MiB", usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    )


def parser() -> argparse.ArgumentParser:
    """Every subcommand and its arguments."""
    parser = argparse.ArgumentParser(prog="navpartner", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    synth = commands.add_parser("synth", help="regenerate the synthetic default data")
    synth.add_argument(
        "--root", default=".", help="project root to write data_raw/ and tests/data/ under"
    )
    synth.add_argument("--frames", default="data_raw", help="folder holding frames/ (read only)")
    synth.add_argument(
        "--seed", type=int, default=None, help="override the seed in parameters.yaml"
    )

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("--config", default="config.yaml")

    draft = commands.add_parser(
        "draft-wave", help="print a drafted config block for a new wave's vendor file"
    )
    draft.add_argument("--config", default="config.yaml")
    draft.add_argument("--survey", required=True)
    draft.add_argument("--wave", type=int, required=True)
    draft.add_argument("--file", required=True, help="the new wave's vendor file")
    draft.add_argument("--codebook", help="its YAML codebook, for a CSV file")

    example = commands.add_parser(
        "example-wave", help="derive an example new wave (synthetic) to try draft-wave on"
    )
    example.add_argument("--config", default="config.yaml")
    example.add_argument("--survey", required=True)
    example.add_argument("--from-wave", type=int, required=True)
    example.add_argument("--wave", type=int, required=True)
    example.add_argument("--output-dir", required=True, help="where the vendor file lands")

    margins = commands.add_parser(
        "frame-margins",
        help="a new wave's margins from its municipality frame: the counts where the frame gives "
        "them (one respondent of each role per municipality), else a template to fill in",
    )
    margins.add_argument("--config", default="config.yaml")
    margins.add_argument("--survey", required=True)
    margins.add_argument("--wave", type=int, required=True)
    margins.add_argument(
        "--frame", help="municipality frame (default data_raw/frames/municipalities_<wave>.csv)"
    )
    margins.add_argument("--output", required=True, help="margins CSV to write")

    harmonise = commands.add_parser("harmonise", help="ingest, harmonise and validate one wave")
    harmonise.add_argument("--config", default="config.yaml")
    harmonise.add_argument("--survey", required=True)
    harmonise.add_argument("--wave", type=int, required=True)
    harmonise.add_argument("--output", required=True, help="harmonised Parquet file")
    harmonise.add_argument("--audit", required=True, help="row-accounting JSON file")
    harmonise.add_argument(
        "--crosswalk", help="CSV of every raw code, its vendor label and what it became"
    )

    weight = commands.add_parser("weight", help="rake one survey wave to its frame margins")
    weight.add_argument("--config", default="config.yaml")
    weight.add_argument("--survey", required=True)
    weight.add_argument("--wave", type=int, required=True)
    weight.add_argument("--harmonised", required=True, help="harmonised Parquet file")
    weight.add_argument("--margins", required=True, help="frame margins CSV")
    weight.add_argument("--output", required=True, help="weights Parquet file")
    weight.add_argument("--diagnostics", required=True, help="diagnostics CSV")
    weight.add_argument("--representativity", help="R-indicator and partial indicators CSV")
    weight.add_argument("--audit", required=True, help="row-accounting JSON file")

    estimate = commands.add_parser(
        "estimate",
        help="every indicator of one survey wave: shares, answer distributions, group contrasts "
        "and association tests",
    )
    estimate.add_argument("--config", default="config.yaml")
    estimate.add_argument("--survey", required=True)
    estimate.add_argument("--wave", type=int, required=True)
    estimate.add_argument("--harmonised", required=True, help="harmonised Parquet file")
    estimate.add_argument("--weights", required=True, help="weights Parquet file")
    estimate.add_argument("--output", required=True, help="estimates Parquet file")
    estimate.add_argument("--audit", required=True, help="accounting JSON file")
    estimate.add_argument("--distributions", required=True, help="distributions Parquet file")
    estimate.add_argument("--contrasts", required=True, help="group contrasts Parquet file")
    estimate.add_argument("--associations", required=True, help="association tests Parquet")
    _add_replicates_argument(estimate)

    stack = commands.add_parser(
        "combine-estimates",
        help="stack the waves' estimates and compare consecutive waves; stack their findings, "
        "add survey and wave contrasts, adjust p for the FDR",
    )
    stack.add_argument("inputs", nargs="+", help="estimates Parquet files")
    stack.add_argument("--config", default="config.yaml")
    stack.add_argument("--parquet", required=True)
    stack.add_argument("--csv", required=True)
    stack.add_argument("--differences", required=True, help="wave differences CSV")
    for name in ("distributions", "contrasts", "associations"):
        stack.add_argument(f"--{name}-in", nargs="+", required=True, help="per-wave Parquet")
    stack.add_argument("--distributions", required=True, help="distributions Parquet (+CSV)")
    stack.add_argument("--contrasts", required=True, help="contrasts Parquet (+CSV)")
    stack.add_argument("--associations", required=True, help="association tests CSV")

    model = commands.add_parser("model", help="fit one explanatory model from config")
    model.add_argument("--config", default="config.yaml")
    model.add_argument("--model", required=True)
    model.add_argument("--results", default="results", help="folder with harmonised/, weights/")
    model.add_argument("--output", required=True, help="coefficient table CSV")

    diagnostics = commands.add_parser(
        "weights-diagnostics", help="every survey wave's weight diagnostics; the response rates"
    )
    diagnostics.add_argument("inputs", nargs="+", help="diagnostics CSVs of the survey waves")
    diagnostics.add_argument("--output", required=True, help="diagnostics CSV")
    diagnostics.add_argument("--response-rates", required=True, help="response rates CSV")
    diagnostics.add_argument(
        "--representativity", nargs="+", help="the survey waves' R-indicator CSVs"
    )
    diagnostics.add_argument(
        "--representativity-output", help="every survey wave's R-indicators in one CSV"
    )

    manifest = commands.add_parser(
        "manifest", help="record the fingerprint of config and inputs and every output's sha256"
    )
    manifest.add_argument("outputs", nargs="+", help="the outputs of the run")
    manifest.add_argument("--config", default="config.yaml")
    manifest.add_argument("--manifest", required=True, help="manifest JSON file")
    manifest.add_argument("--html", required=True, help="the same as a page for the report")

    _add_replicate_commands(commands)
    _add_publish_commands(commands)
    _add_document_commands(commands)
    _add_crosstab_command(commands)
    return parser


def _add_crosstab_command(commands) -> None:
    """The analyst's toolkit on a finished run (navpartner/api.py): aggregates only."""
    crosstab = commands.add_parser(
        "crosstab",
        help="any item by any groups of a finished run: shares, answer distributions or "
        "contrasts, with the published intervals, flags and suppression",
    )
    crosstab.add_argument("--survey", required=True)
    crosstab.add_argument("--wave", type=int, required=True)
    crosstab.add_argument("--item", required=True)
    crosstab.add_argument(
        "--by", nargs="+", action="extend", default=[], help="group by these columns (crossed)"
    )
    crosstab.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE[,VALUE]",
        help="only respondents with one of these values (repeat for more columns)",
    )
    crosstab.add_argument(
        "--positive", help="codes counted as positive, e.g. 4,5 (default: the distribution)"
    )
    crosstab.add_argument("--dont-know", choices=["exclude", "include"], default="exclude")
    crosstab.add_argument(
        "--contrasts", action="store_true", help="each group against the rest (needs --positive)"
    )
    crosstab.add_argument("--format", choices=["text", "csv", "xlsx"], default="text")
    crosstab.add_argument("--output", help="file to write (required for xlsx; default: stdout)")
    crosstab.add_argument("--results", default="results", help="the results folder of the run")


def _protected_paths(args) -> list[Path]:
    """No step writes under data_raw/, the declared data directory, or over an input."""
    if args.command == "synth":
        return []  # it makes the synthetic data_raw/, and only when asked to
    if args.command == "crosstab":  # reads a finished run: none of it may be overwritten
        run = Path(args.results)
        parts = ("harmonised", "weights", "config", "manifest.json")
        return [Path("data_raw"), *(run / part for part in parts)]
    if getattr(args, "config", None) is None:
        return [Path("data_raw")]
    from navpartner.config import protected_paths, read_config

    return protected_paths(read_config(args.config), args.config)


def _add_replicates_argument(parser) -> None:
    parser.add_argument(
        "--replicates",
        nargs="?",
        default=None,
        help="replicate weights Parquet file (required with estimation.variance: bootstrap)",
    )


def _add_publish_commands(commands) -> None:
    """Publication: disclosure control first, then every table, figure and report page."""
    suppress = commands.add_parser("publish-suppress", help="suppress small cells; tidy tables")
    suppress.add_argument("--config", default="config.yaml")
    suppress.add_argument("--estimates", required=True, help="estimates Parquet file")
    suppress.add_argument("--differences", required=True, help="wave differences CSV")
    suppress.add_argument("--published", required=True, help="published estimates CSV")
    suppress.add_argument("--changes", required=True, help="published changes CSV")
    suppress.add_argument("--audit", required=True, help="suppression accounting JSON")

    def published(name: str, help: str):
        command = commands.add_parser(name, help=help)
        command.add_argument("audits", nargs="+", help="estimates audit JSON files")
        command.add_argument("--config", default="config.yaml")
        command.add_argument("--published", required=True, help="published estimates CSV")
        return command

    themes = published(
        "publish-themes",
        "each theme's publication: its indicators' tables (CSV, XLSX, HTML), figures and audit "
        "cards, the comparison figures filed under it, its answer distributions",
    )
    themes.add_argument("--distributions", required=True, help="published distributions CSV")
    themes.add_argument(
        "--themes", nargs="+", metavar="NAME", help="these themes only (default: all)"
    )
    _add_publication_arguments(themes)

    change = published("publish-change", "the change chart (publication.change)")
    change.add_argument("--changes", required=True, help="published changes CSV")
    _add_publication_arguments(change, folders=("figures",))

    methods = commands.add_parser(
        "publish-methods", help="the report's methods page (HTML) and the response rates table"
    )
    methods.add_argument("audits", nargs="+", help="harmonise audit JSON files")
    methods.add_argument("--config", default="config.yaml")
    methods.add_argument("--diagnostics", required=True, help="weights diagnostics CSV")
    methods.add_argument("--rates", required=True, help="response rates CSV")
    methods.add_argument(
        "--estimates", required=True, help="indicators Parquet (unweighted beside weighted)"
    )
    methods.add_argument("--html", required=True, help="the methods page")
    methods.add_argument("--response-csv", required=True, help="response rates table as CSV")
    methods.add_argument("--response-html", required=True, help="response rates table as HTML")
    _add_findings_publish_commands(commands)


def _add_findings_publish_commands(commands) -> None:
    """Distributions, contrasts and models, published."""
    distributions = commands.add_parser(
        "publish-distributions", help="suppress and label the answer distributions"
    )
    distributions.add_argument("--config", default="config.yaml")
    distributions.add_argument("--estimates", required=True, help="distributions Parquet")
    distributions.add_argument("--published", required=True, help="published CSV")

    contrasts = commands.add_parser("publish-contrasts", help="tested differences, published")
    contrasts.add_argument("audits", nargs="+", help="estimates audit JSON files")
    contrasts.add_argument("--config", default="config.yaml")
    contrasts.add_argument("--estimates", required=True, help="contrasts Parquet")
    contrasts.add_argument("--published", required=True, help="published estimates CSV")
    contrasts.add_argument("--csv", required=True)
    contrasts.add_argument("--html", required=True)

    models = commands.add_parser("publish-models", help="each model's table and odds-ratio chart")
    models.add_argument("audits", nargs="+", help="estimates audit JSON files")
    models.add_argument("--config", default="config.yaml")
    models.add_argument(
        "--coefficients", nargs="*", default=[], help="coefficient CSVs, one per model"
    )
    _add_publication_arguments(models, folders=("figures", "reports"))


def _add_publication_arguments(command, folders=("tables", "figures", "reports")):
    """The folders a publication step writes into (results/tables, results/figures,
    results/report where not given)."""
    helps = {
        "tables": "tables folder",
        "figures": "figures folder",
        "reports": "report pages folder (cards/, models/)",
    }
    for name in folders:
        command.add_argument(f"--{name}", help=helps[name])


def _add_document_commands(commands) -> None:
    """The claims register and the evaluation report."""
    claims = commands.add_parser("claims", help="re-test the configured claims on the estimates")
    claims.add_argument("--config", default="config.yaml")
    claims.add_argument("--indicators", required=True, help="estimates table (Parquet or CSV)")
    claims.add_argument("--contrasts", help="contrasts table (CSV or Parquet)")
    claims.add_argument("--association-tests", help="association tests CSV")
    claims.add_argument("--output", required=True, help="claims CSV")

    document = commands.add_parser("document", help="the evaluation report as PDF and HTML")
    document.add_argument("--config", default="config.yaml")
    document.add_argument("--published", required=True, help="published estimates CSV")
    document.add_argument("--estimates", required=True, help="estimates table (its flags)")
    document.add_argument("--changes", required=True, help="published changes CSV")
    document.add_argument("--claims", help="claims CSV")
    document.add_argument("--estimate-audits", nargs="+", required=True)
    document.add_argument("--harmonise-audits", nargs="+", required=True)
    document.add_argument("--diagnostics", required=True, help="weights diagnostics CSV")
    document.add_argument("--models", nargs="*", default=[], help="model coefficient CSVs")
    document.add_argument(
        "--figures", nargs="+", required=True, help="the published SVGs (one folder)"
    )
    document.add_argument("--contrasts", help="contrasts CSV")
    document.add_argument("--response-rates", help="response rates CSV")
    document.add_argument("--representativity", help="R-indicators CSV")
    document.add_argument(
        "--association-tests",
        help="association tests CSV (with the contrasts: the family of tests)",
    )
    document.add_argument("--prose", help="folder of the evaluator's chapters (report/)")
    document.add_argument("--pdf", required=True)
    document.add_argument("--html", required=True)

    approve = commands.add_parser(
        "approve-prose",
        help="record, after re-reading, what each reference of the chapters now says",
    )
    approve.add_argument("--config", default="results/config/effective.yaml")
    approve.add_argument("--prose", default="report", help="folder of the chapters")
    approve.add_argument("--published", default="results/tables/indicators.csv")
    approve.add_argument("--estimates", default="results/estimates/indicators.parquet")
    approve.add_argument("--changes", default="results/tables/changes.csv")
    approve.add_argument("--claims", default="results/tables/claims.csv")
    approve.add_argument("--contrasts", default="results/estimates/contrasts.parquet")


def _add_replicate_commands(commands) -> None:
    """Bootstrap replicate weights: one chunk per job, then one file per survey wave."""
    chunk = commands.add_parser(
        "replicate-weights", help="one chunk of a survey wave's bootstrap replicate weights"
    )
    chunk.add_argument("--config", default="config.yaml")
    chunk.add_argument("--survey", required=True)
    chunk.add_argument("--wave", type=int, required=True)
    chunk.add_argument("--harmonised", required=True, help="harmonised Parquet file")
    chunk.add_argument("--margins", required=True, help="frame margins CSV")
    chunk.add_argument("--chunk", type=int, required=True, help="0 .. bootstrap.chunks - 1")
    chunk.add_argument("--output", required=True, help="replicate weights Parquet file")
    combine = commands.add_parser(
        "combine-replicates", help="a survey wave's replicate weights from its chunks"
    )
    combine.add_argument("inputs", nargs="+", help="chunk Parquet files")
    combine.add_argument("--config", default="config.yaml")
    combine.add_argument("--output", required=True)


def _replicate_weights(args) -> int:
    from navpartner.config import read_config
    from navpartner.weighting import weight_replicates

    table = weight_replicates(
        read_config(args.config),
        args.survey,
        args.wave,
        args.harmonised,
        args.margins,
        args.chunk,
        args.output,
    )
    replicates = table.shape[1] - 1
    log.info("%s %s chunk %d: %d replicates", args.survey, args.wave, args.chunk, replicates)
    return 0


def _combine_replicates(args) -> int:
    from navpartner.config import read_config
    from navpartner.weighting import combine_replicates

    table = combine_replicates(read_config(args.config), args.inputs, args.output)
    log.info("%d replicates of %d respondents", table.shape[1] - 1, len(table))
    return 0


def _synth(args) -> int:
    from navpartner.synth import generate

    for path in generate(Path(args.root), Path(args.frames), seed=args.seed):
        log.info("wrote %s", path)
    return 0


def _check_config(args) -> int:
    from navpartner.config import read_config

    read_config(args.config)
    log.info("%s is valid", args.config)
    return 0


def _draft_wave(args) -> int:
    from navpartner.config import read_config
    from navpartner.draft import draft_wave, render

    draft = draft_wave(
        read_config(args.config), args.survey, args.wave, args.file, codebook=args.codebook
    )
    sys.stdout.write(render(draft, args.survey, args.wave, args.file))
    for line in draft.to_settle:
        log.warning("to settle: %s", line)
    return 0


def _example_wave(args) -> int:
    from navpartner.config import read_config, wave_spec
    from navpartner.synth.newwave import Changes, derive_wave

    config = read_config(args.config)
    spec = wave_spec(config, args.survey, args.from_wave)
    changes = Changes(municipality=spec.background["kommunenummer"].source)
    paths = derive_wave(
        Path(spec.file),
        Path(spec.margins),
        Path(spec.municipalities).parent,
        args.wave,
        Path(args.output_dir),
        changes,
    )
    for path in paths:
        log.info("wrote %s", path)
    return 0


def _frame_margins(args) -> int:
    from navpartner.config import read_config
    from navpartner.margins import write_frame_margins

    frame = args.frame or f"data_raw/frames/municipalities_{args.wave}.csv"
    config = read_config(args.config)
    if write_frame_margins(config, args.survey, args.wave, frame, args.output):
        log.info("wrote %s: the counts of %s", args.output, frame)
    else:
        log.info("wrote %s: a template; fill in every count", args.output)
    return 0


def _harmonise(args) -> int:
    from navpartner.config import read_config
    from navpartner.harmonise import harmonise_survey_wave

    account = harmonise_survey_wave(
        read_config(args.config),
        args.survey,
        args.wave,
        args.output,
        args.audit,
        crosswalk=args.crosswalk,
    )
    log.info(
        "%s %s: %d rows in, %d out, dropped %s",
        args.survey,
        args.wave,
        account.rows_in,
        account.rows_out,
        {d["reason"]["en"]: d["rows"] for d in account.dropped},
    )
    return 0


def _weight(args) -> int:
    from navpartner.config import read_config
    from navpartner.weighting import weight_survey_wave

    account = weight_survey_wave(
        read_config(args.config),
        args.survey,
        args.wave,
        args.harmonised,
        args.margins,
        args.output,
        args.diagnostics,
        args.audit,
        representativity=args.representativity,
    )
    log.info("%s %s: weighted %d respondents", args.survey, args.wave, account.rows_out)
    return 0


def _estimate(args) -> int:
    from navpartner.config import read_config
    from navpartner.findings import findings_survey_wave
    from navpartner.indicators import estimate_survey_wave, load_survey_wave

    config = read_config(args.config)
    files = (args.harmonised, args.weights)
    replicates = args.replicates or None
    loaded = load_survey_wave(config, args.survey, *files, replicates)
    where = (config, args.survey, args.wave, *files)
    table = estimate_survey_wave(*where, args.output, args.audit, replicates, loaded=loaded)
    findings_survey_wave(
        *where, args.distributions, args.contrasts, args.associations, replicates, loaded=loaded
    )
    log.info(
        "%s %s: %d estimates; distributions, contrasts and tests",
        args.survey,
        args.wave,
        len(table),
    )
    return 0


def _combine_estimates(args) -> int:
    from navpartner.config import read_config
    from navpartner.findings import combine_findings
    from navpartner.indicators import combine_estimates

    config = read_config(args.config)
    table = combine_estimates(config, args.inputs, args.parquet, args.csv, args.differences)
    log.info("%d estimates from %d files", len(table), len(args.inputs))
    combine_findings(
        config,
        args.parquet,
        args.distributions_in,
        args.contrasts_in,
        args.associations_in,
        {
            "distributions": args.distributions,
            "contrasts": args.contrasts,
            "associations": args.associations,
        },
    )
    return 0


def _model(args) -> int:
    from navpartner.config import read_config, survey_waves
    from navpartner.model import fit_model_files

    config = read_config(args.config)
    results = Path(args.results)
    bootstrap = config["estimation"]["variance"] == "bootstrap"
    files = {
        (survey, wave): (
            str(results / "harmonised" / f"{survey}_{wave}.parquet"),
            str(results / "weights" / f"{survey}_{wave}.parquet"),
            str(results / "weights" / f"{survey}_{wave}.replicates.parquet") if bootstrap else None,
        )
        for survey, wave in survey_waves(config)
    }
    table = fit_model_files(config, args.model, files, args.output)
    log.info("model %s: %d respondents, %d terms", args.model, table["n"].iat[0], len(table))
    return 0


def _weights_diagnostics(args) -> int:
    import pandas as pd

    from navpartner.findings import response_rates
    from navpartner.io import write_csv

    write_csv(
        pd.concat([pd.read_csv(path) for path in args.inputs], ignore_index=True), args.output
    )
    table = response_rates(args.output, args.response_rates)
    if args.representativity and args.representativity_output:
        write_csv(
            pd.concat([pd.read_csv(path) for path in args.representativity], ignore_index=True),
            args.representativity_output,
        )
    log.info("%d survey waves, %d response rates", len(args.inputs), len(table))
    return 0


def _publish_suppress(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    table = steps.suppress(
        read_config(args.config),
        args.estimates,
        args.differences,
        args.published,
        args.changes,
        args.audit,
    )
    log.info("%d cells, %d suppressed", len(table), (table["suppressed"] != "").sum())
    return 0


def _publish_themes(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    config = read_config(args.config)
    names = _chosen(args.themes, config["publication"]["themes"], "publication.themes", args.config)
    steps.themes(config, args.published, args.distributions, args.audits, _folders(args), names)
    log.info("%d themes: %s", len(names), ", ".join(names))
    return 0


def _publish_change(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    steps.change(
        read_config(args.config), args.published, args.changes, args.audits, _folders(args)
    )
    return 0


def _chosen(names: list[str] | None, configured: dict, key: str, source: str) -> list[str]:
    """The names asked for, each one configured under `key`; all of them if none were."""
    unknown = sorted(set(names or []) - set(configured))
    if unknown:
        raise ConfigError(
            f"{source}: {key}: nothing named {', '.join(unknown)} "
            f"(configured: {', '.join(configured)})"
        )
    return list(names or configured)


def _folders(args):
    from navpartner.publish.steps import Folders

    given = {name: getattr(args, name, None) for name in ("tables", "figures", "reports")}
    return Folders(**{name: folder for name, folder in given.items() if folder})


def _publish_methods(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    steps.methods(
        read_config(args.config),
        args.audits,
        args.diagnostics,
        args.rates,
        args.estimates,
        steps.MethodsOutputs(args.html, args.response_csv, args.response_html),
    )
    return 0


def _publish_distributions(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    table = steps.distributions(read_config(args.config), args.estimates, args.published)
    log.info("%d distribution cells, %d suppressed", len(table), (table["suppressed"] != "").sum())
    return 0


def _publish_contrasts(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    table = steps.contrasts(
        read_config(args.config), args.estimates, args.published, args.audits, args.csv, args.html
    )
    log.info("%d contrasts, %d hidden", len(table), (table["suppressed"] != "").sum())
    return 0


def _publish_models(args) -> int:
    from navpartner.config import read_config
    from navpartner.publish import steps

    config = read_config(args.config)
    steps.models(config, args.coefficients, args.audits, _folders(args))
    return 0


def _claims(args) -> int:
    from navpartner.claims import write_claims
    from navpartner.config import read_config

    table = write_claims(
        read_config(args.config),
        args.indicators,
        args.contrasts,
        args.association_tests,
        args.output,
    )
    log.info("%d claims: %s", len(table), table["verdict"].value_counts().to_dict())
    return 0


def _approve_prose(args) -> int:
    from navpartner.config import read_config
    from navpartner.document.report import approve_prose

    for path in approve_prose(
        read_config(args.config),
        args.prose,
        published=args.published,
        estimates=args.estimates,
        changes=args.changes,
        claims=args.claims,
        contrasts=args.contrasts,
    ):
        log.info("wrote %s", path)
    return 0


def _document(args) -> int:
    from navpartner.config import read_config
    from navpartner.document.report import write_document

    write_document(
        read_config(args.config),
        published=args.published,
        estimates=args.estimates,
        changes=args.changes,
        claims=args.claims,
        estimate_audits=args.estimate_audits,
        harmonise_audits=args.harmonise_audits,
        diagnostics=args.diagnostics,
        models=args.models,
        figures=args.figures,
        pdf=args.pdf,
        html=args.html,
        contrasts=args.contrasts,
        response_rates=args.response_rates,
        representativity=args.representativity,
        association_tests=args.association_tests,
        prose=args.prose,
    )
    log.info("wrote %s and %s", args.pdf, args.html)
    return 0


def _manifest(args) -> int:
    from navpartner.audit import manifest_table, write_manifest
    from navpartner.config import configured_inputs, read_config
    from navpartner.io import write_text
    from navpartner.publish.sheets import html_document

    config = read_config(args.config)
    inputs = [path for _, path in configured_inputs(config)]
    manifest = write_manifest(args.config, inputs, args.outputs, args.manifest)
    title = "Fingerprint (SHA-256) of the configuration, raw inputs and results"
    body = f"<h1>{title}</h1>\n{manifest_table(manifest)}"
    write_text(html_document(title, body, config), args.html)
    log.info("fingerprint %s over %d outputs", manifest["fingerprint"], len(args.outputs))
    return 0


def _crosstab(args) -> int:
    from navpartner.api import codes_from_text, crosstab, open_run, where_from_text, write_answer

    answer = crosstab(
        open_run(args.results).wave(args.survey, args.wave),
        args.item,
        by=args.by,
        where=where_from_text(args.where),
        positive=codes_from_text(args.positive),
        dont_know=args.dont_know,
        contrasts=args.contrasts,
    )
    write_answer(answer, args.format, args.output)
    return 0


COMMANDS = {
    "synth": _synth,
    "check-config": _check_config,
    "draft-wave": _draft_wave,
    "example-wave": _example_wave,
    "frame-margins": _frame_margins,
    "harmonise": _harmonise,
    "weight": _weight,
    "estimate": _estimate,
    "combine-estimates": _combine_estimates,
    "model": _model,
    "weights-diagnostics": _weights_diagnostics,
    "replicate-weights": _replicate_weights,
    "combine-replicates": _combine_replicates,
    "publish-suppress": _publish_suppress,
    "publish-themes": _publish_themes,
    "publish-change": _publish_change,
    "publish-methods": _publish_methods,
    "publish-distributions": _publish_distributions,
    "publish-contrasts": _publish_contrasts,
    "publish-models": _publish_models,
    "claims": _claims,
    "document": _document,
    "approve-prose": _approve_prose,
    "manifest": _manifest,
    "crosstab": _crosstab,
}
