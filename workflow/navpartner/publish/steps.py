"""The publication steps as the workflow runs them: read aggregates, write published files."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from navpartner.config import survey_waves
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
class IndicatorOutputs:
    csv: str
    xlsx: str
    html: str
    png: str
    svg: str
    card: str


def indicator_outputs(
    config: dict, published: str, audits: list[str], indicator: str, outputs: IndicatorOutputs
) -> None:
    """An indicator's tables, figure and audit card in one step: a process start (and the
    loading of pandas and matplotlib) per indicator instead of one per file kind."""
    from navpartner.publish import figures  # matplotlib: figure steps only

    table = read_published(published)
    loaded = read_audits(audits)
    synthetic = _synthetic_labels(loaded)
    write_indicator_tables(
        table, indicator, config, synthetic, outputs.csv, outputs.xlsx, outputs.html
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
    figures.save_figure(fig, outputs.png, outputs.svg)
    write_text(audit_card(table, loaded, indicator, config, synthetic), outputs.card)


def comparison_figure(
    config: dict, published: str, audits: list[str], name: str, png: str, svg: str
) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    labels = Labels(config)
    spec = config["publication"]["figures"][name]
    table = read_published(published)
    surveys = list(dict.fromkeys(config["indicators"][i]["survey"] for i in spec["indicators"]))
    fig = figures.share_figure(
        figures.comparison_panels(table, spec, labels),
        _waves(config, surveys),
        spec["title"][labels.language],
        labels.text("percent"),
        labels,
        _notes(labels, table, surveys),
        _synthetic(audits),
    )
    figures.save_figure(fig, png, svg)


def change_figure(
    config: dict, published: str, changes: str, audits: list[str], png: str, svg: str
) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    fig = figures.change_figure(
        read_published(changes), read_published(published), config, _synthetic(audits)
    )
    figures.save_figure(fig, png, svg)


def methods(
    config: dict,
    harmonise_audits: list[str],
    diagnostics: str,
    html: str,
    rates: str | None = None,
    estimates: str | None = None,
) -> None:
    """The methods page; with response rates and the estimates, their section too."""
    extra = ""
    if rates and estimates:
        extra = findings.response_section(
            pd.read_csv(rates, dtype={"level": str}), pd.read_parquet(estimates), config
        )
    page = methods_page(read_audits(harmonise_audits), pd.read_csv(diagnostics), config, extra)
    write_text(page, html)


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


def theme_distributions(
    config: dict, published: str, audits: list[str], theme: str, png: str, svg: str, html: str
) -> None:
    """A theme's diverging stacked bar chart and its distribution table."""
    from navpartner.publish import figures  # matplotlib: figure steps only

    table = findings.read_published_distributions(published)
    synthetic = _synthetic(audits)
    fig = findings.distribution_figure(table, theme, config, synthetic)
    figures.save_figure(fig, png, svg)
    write_text(findings.distribution_table_html(table, theme, config, synthetic), html)


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


def response_rates(config: dict, rates: str, audits: list[str], csv: str, html: str) -> None:
    table = pd.read_csv(rates, dtype={"level": str})
    write_csv(table, csv)
    write_text(findings.response_table(table, config, _synthetic(audits)), html)


def model(
    config: dict, coefficients: str, audits: list[str], name: str, html: str, png: str, svg: str
) -> None:
    """A model's coefficient table and its odds-ratio chart."""
    from navpartner.publish import figures  # matplotlib: figure steps only

    table = pd.read_csv(coefficients)
    synthetic = _synthetic(audits)
    write_text(findings.model_html(table, name, config, synthetic), html)
    figures.save_figure(findings.odds_ratio_figure(table, name, config, synthetic), png, svg)
