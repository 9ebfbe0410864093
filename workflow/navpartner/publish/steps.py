"""The publication steps as the workflow runs them: read aggregates, write published files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from navpartner.config import (
    change_figures,
    distribution_figures,
    survey_waves,
    theme_comparisons,
    theme_indicators,
)
from navpartner.errors import InputError
from navpartner.io import sha256_of, write_csv, write_json, write_text
from navpartner.publish import findings
from navpartner.publish.cards import audit_card
from navpartner.publish.labels import Labels, is_synthetic
from navpartner.publish.methods import methods_page
from navpartner.publish.sheets import write_indicator_tables
from navpartner.publish.tables import (
    HIDDEN,
    HIDDEN_CHANGE,
    published_changes,
    published_estimates,
)

TEXT_COLUMNS = ["theme", "indicator", "survey", "breakdown", "group", "suppressed", "interval"]


def read_audits(paths: list[str]) -> list[dict]:
    audits = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            audits.append(json.load(handle))
    return audits


def read_published(path: str) -> pd.DataFrame:
    """A published table as written: codes stay text, the suppression mark stays ''."""
    return pd.read_csv(
        path,
        dtype={c: str for c in TEXT_COLUMNS},
        keep_default_na=False,
        na_values={c: [""] for c in {*HIDDEN, *HIDDEN_CHANGE}},
    )


def suppress(
    config: dict, estimates: str, differences: str, published: str, changes: str, audit: str
) -> pd.DataFrame:
    """Disclosure control over every estimate and change; the audit counts what was hidden."""
    table = published_estimates(pd.read_parquet(estimates), config)
    change_table = published_changes(pd.read_csv(differences), table, config)
    write_csv(table, published)
    write_csv(change_table, changes)
    marks = (
        table.groupby("indicator", sort=False)["suppressed"].value_counts().unstack(fill_value=0)
    )
    write_json(
        {
            "step": "tables_suppress",
            "function": f"{published_estimates.__module__}.{published_estimates.__qualname__}",
            "inputs": {estimates: sha256_of(estimates), differences: sha256_of(differences)},
            "min_cell_size": config["publication"]["min_cell_size"],
            "interval": config["estimation"]["interval"],
            "cells": {
                name: {"in": int(row.sum()), **{k or "shown": int(v) for k, v in row.items()}}
                for name, row in marks.iterrows()
            },
            "changes": change_table["suppressed"].replace("", "shown").value_counts().to_dict(),
            "outputs": [published, changes],
        },
        audit,
    )
    return table


@dataclass(frozen=True)
class Folders:
    """Where publication writes: results/tables/{name}.csv, .xlsx, .html; results/figures/
    {name}.png, .svg; results/report/cards/{name}.html (and results/report/models/)."""

    tables: str = "results/tables"
    figures: str = "results/figures"
    reports: str = "results/report"

    def table(self, name: str, suffix: str) -> str:
        return f"{self.tables}/{name}.{suffix}"

    def figure(self, name: str) -> tuple[str, str]:
        return f"{self.figures}/{name}.png", f"{self.figures}/{name}.svg"

    def report(self, kind: str, name: str) -> str:
        return f"{self.reports}/{kind}/{name}.html"


def themes(
    config: dict,
    published: str,
    distributions: str,
    audits: list[str],
    folders: Folders,
    names: list[str] | None = None,
) -> None:
    """Each theme's publication (the named themes, or all), as the report's chapter shows it:
    its indicators' tables, figures and audit cards, the comparison figures filed under it,
    and its answer distributions' chart and table."""
    table = read_published(published)
    answers = findings.read_published_distributions(distributions)  # as the document reads it
    loaded = read_audits(audits)
    synthetic = _synthetic_labels(loaded)
    for theme in config["publication"]["themes"] if names is None else names:
        for name in theme_indicators(config, theme):
            _indicator(config, table, loaded, synthetic, name, folders)
        for name in theme_comparisons(config, theme):
            _comparison(config, table, synthetic, name, folders)
        _theme(config, answers, synthetic, theme, folders)


def change(config: dict, published: str, changes: str, audits: list[str], folders: Folders) -> None:
    """The change chart: each indicator's change between the waves publication.change names."""
    from navpartner.publish import figures  # matplotlib: figure steps only

    table, changed = read_published(published), read_published(changes)
    charts = change_figures(config)
    for k, (name, indicators) in enumerate(charts, start=1):
        fig = figures.change_figure(
            changed, table, config, _synthetic(audits), indicators, (k, len(charts))
        )
        figures.save_figure(fig, *folders.figure(name))


def _indicator(
    config: dict,
    table: pd.DataFrame,
    audits: list[dict],
    synthetic: bool,
    indicator: str,
    folders: Folders,
) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    write_indicator_tables(
        table,
        indicator,
        config,
        synthetic,
        *(folders.table(indicator, suffix) for suffix in ("csv", "xlsx", "html")),
    )
    labels = Labels(config)
    survey = config["indicators"][indicator]["survey"]
    fig = figures.share_figure(
        figures.indicator_panels(table, indicator, labels),
        _waves(config, [survey]),
        labels.indicator(indicator),
        f"{labels.text('percent')}, {labels.population(indicator)}",
        labels,
        _notes(labels, table, [survey]),
        synthetic,
    )
    figures.save_figure(fig, *folders.figure(indicator))
    card = audit_card(table, audits, indicator, config, synthetic)
    write_text(card, folders.report("cards", indicator))


def _comparison(
    config: dict, table: pd.DataFrame, synthetic: bool, name: str, folders: Folders
) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    labels = Labels(config)
    spec = config["publication"]["figures"][name]
    surveys = list(dict.fromkeys(config["indicators"][i]["survey"] for i in spec["indicators"]))
    fig = figures.share_figure(
        figures.comparison_panels(table, spec, labels),
        _waves(config, surveys),
        spec["title"][labels.language],
        labels.text("percent"),
        labels,
        _notes(labels, table, surveys),
        synthetic,
    )
    figures.save_figure(fig, *folders.figure(name))


@dataclass(frozen=True)
class MethodsOutputs:
    page: str
    response_csv: str
    response_html: str


def methods(
    config: dict,
    harmonise_audits: list[str],
    diagnostics: str,
    rates: str,
    estimates: str,
    outputs: MethodsOutputs,
) -> None:
    """The methods page (data, weighting, response and estimation) and the response rates
    table (CSV and HTML)."""
    audits = read_audits(harmonise_audits)
    rate_table = pd.read_csv(rates, dtype={"level": str})
    response = findings.response_section(rate_table, pd.read_parquet(estimates), config)
    write_text(methods_page(audits, pd.read_csv(diagnostics), config, response), outputs.page)
    write_csv(rate_table, outputs.response_csv)
    table = findings.response_table(rate_table, config, _synthetic_labels(audits))
    write_text(table, outputs.response_html)


def _waves(config: dict, surveys: list[str]) -> list[int]:
    return sorted({wave for survey, wave in survey_waves(config) if survey in surveys})


def _notes(labels: Labels, table: pd.DataFrame, surveys: list[str]) -> list[str]:
    minimum = labels.config["publication"]["min_cell_size"]
    waves = sorted(table.loc[table["survey"].isin(surveys), "wave"].unique())
    notes = [labels.estimation_note(survey) for survey in surveys]
    if len(surveys) > 1:  # say which survey each note is about
        notes = [f"{labels.survey(s)}: {n}" for s, n in zip(surveys, notes, strict=True)]
    return [
        labels.source(waves, surveys),
        *notes,
        labels.flag_note(),
        labels.text("suppressed_note", minimum=minimum),
    ]


def _synthetic(audits: list[str]) -> bool:
    return _synthetic_labels(read_audits(audits))


def _synthetic_labels(audits: list[dict]) -> bool:
    return is_synthetic(audit.get("source_file_label", "") for audit in audits)


def distributions(config: dict, estimates: str, published: str) -> pd.DataFrame:
    """The answer distributions, suppressed and labelled (results/tables/distributions.csv)."""
    table = findings.published_distributions(pd.read_parquet(estimates), config)
    write_csv(table, published)
    return table


def _theme(
    config: dict, table: pd.DataFrame, synthetic: bool, theme: str, folders: Folders
) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    charts = distribution_figures(config, theme)
    for k, (name, indicators) in enumerate(charts, start=1):
        fig = findings.distribution_figure(
            table, theme, config, synthetic, indicators, (k, len(charts))
        )
        figures.save_figure(fig, *folders.figure(name))
    write_text(
        findings.distribution_table_html(table, theme, config, synthetic),
        folders.table(f"distribution_{theme}", "html"),
    )


def contrasts(
    config: dict, estimates: str, published: str, audits: list[str], csv: str, html: str
) -> pd.DataFrame:
    """Tested differences, hidden where a compared cell is, as CSV and an HTML table."""
    table = findings.published_contrasts(
        pd.read_parquet(estimates), read_published(published), config
    )
    write_csv(table, csv)
    write_text(findings.contrasts_html(table, config, _synthetic(audits)), html)
    return table


def models(config: dict, coefficients: list[str], audits: list[str], folders: Folders) -> None:
    """Each model's coefficient table and odds-ratio chart; `coefficients` holds one CSV per
    configured model, named after it."""
    files = {Path(path).stem: path for path in coefficients}
    missing = [name for name in config.get("models", {}) if name not in files]
    if missing:
        raise InputError(
            "--coefficients",
            f"no coefficient table of model '{missing[0]}'",
            expected=f"{missing[0]}.csv",
            found=sorted(files),
        )
    synthetic = _synthetic(audits)
    for name in config.get("models", {}):
        _model(config, files[name], synthetic, name, folders)


def _model(config: dict, coefficients: str, synthetic: bool, name: str, folders: Folders) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    table = pd.read_csv(coefficients)
    write_text(findings.model_html(table, name, config, synthetic), folders.report("models", name))
    fig = findings.odds_ratio_figure(table, name, config, synthetic)
    figures.save_figure(fig, *folders.figure(f"model_{name}"))
