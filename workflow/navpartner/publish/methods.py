"""The report's methods page: the data, the weighting diagnostics, and how estimates are made."""

from __future__ import annotations

import html

import pandas as pd

from navpartner.publish.labels import Labels
from navpartner.publish.sheets import html_document

DIAGNOSTICS = [  # weights/diagnostics.csv statistic -> decimals shown
    ("n", 0),
    ("frame_total", 0),
    ("min_weight", 2),
    ("median_weight", 2),
    ("max_weight", 2),
    ("cv", 2),
    ("deff_kish", 2),
    ("effective_n", 0),
    ("trimmed", 0),
    ("iterations", 0),
]


def methods_page(
    harmonise_audits: list[dict], diagnostics: pd.DataFrame, config: dict, response: str = ""
) -> str:
    """response: the HTML section on response rates and weighting's effect, placed after the
    weighting diagnostics."""
    labels = Labels(config)
    body = [
        f"<h1>{labels.text('methods.title')}</h1>",
        f"<h2>{labels.text('methods.data')}</h2>",
        f"<p>{labels.text('methods.data_intro')}</p>",
        _data_table(harmonise_audits, config, labels),
        f"<p>{labels.text('methods.geography')}</p>",
        f"<h2>{labels.text('methods.weighting')}</h2>",
        *(_weighting_intro(config, survey, labels) for survey in config["surveys"]),
        _diagnostics_table(diagnostics, config, labels),
        response,
        f"<h2>{labels.text('methods.estimation')}</h2>",
        *(f"<p>{html.escape(p)}</p>" for p in estimation_paragraphs(config)),
    ]
    return html_document(labels.text("methods.title"), "\n".join(body) + "\n", config)


def _survey_wave(config: dict, survey: str, wave) -> str:
    return f"{Labels(config).survey(survey)} {wave}"


def _data_table(audits: list[dict], config: dict, labels: Labels) -> str:
    head = [
        labels.text("methods.survey_wave"),
        labels.text("methods.file_label"),
        labels.text("methods.rows_in"),
        labels.text("methods.dropped"),
        labels.text("methods.rows_out"),
    ]
    rows = []
    for audit in sorted(audits, key=lambda a: (a["survey"], a["wave"])):
        dropped = "<br>".join(
            f"{html.escape(labels.reason(d['reason']))}: {labels.number(d['rows'], 0)}"
            for d in audit["dropped"]
        )
        cells = [
            html.escape(audit.get("source_file_label", "")),
            labels.number(audit["rows_in"], 0),
            dropped or "0",
            labels.number(audit["rows_out"], 0),
        ]
        rows.append(_row(html.escape(_survey_wave(config, audit["survey"], audit["wave"])), cells))
    return _table(head, rows)


def _weighting_intro(config: dict, survey: str, labels: Labels) -> str:
    intro = weighting_intro(config, survey, labels)
    return f"<p><b>{html.escape(labels.survey(survey))}.</b> {html.escape(intro)}</p>"


def weighting_intro(config: dict, survey: str, labels: Labels) -> str:
    """How a survey's weights were made: its margins and the trimming, in the language's
    numbers."""
    margins = labels.texts.join(
        [labels.breakdown(m).lower() for m in config["surveys"][survey]["weighting"]["margins"]]
    )
    trim = config["weighting"].get("trim")
    bounds = (
        labels.text(
            f"methods.trim_{trim['relative_to']}",
            lower=labels.number(trim["lower"], None),
            upper=labels.number(trim["upper"], None),
        )
        if trim
        else ""
    )
    return labels.text("methods.weighting_intro", margins=margins, trim=bounds)


def _diagnostics_table(diagnostics: pd.DataFrame, config: dict, labels: Labels) -> str:
    summary = diagnostics[diagnostics["statistic"].isin([name for name, _ in DIAGNOSTICS])]
    waves = summary.pivot_table(
        index=["survey", "wave"], columns="statistic", values="value", aggfunc="first"
    )
    head = [statistic_name(labels, name) for name, _ in DIAGNOSTICS]
    rows = []
    for (survey, wave), values in waves.iterrows():
        cells = [labels.number(values[name], decimals) for name, decimals in DIAGNOSTICS]
        rows.append(_row(html.escape(_survey_wave(config, survey, wave)), cells))
    return _table(["", *head], rows)


def estimation_paragraphs(config: dict) -> list[str]:
    """How estimates, intervals and suppression work, as plain paragraphs (the evaluation
    report prints the same text)."""
    labels = Labels(config)
    clusters = "; ".join(
        f"{labels.survey(survey)}: {labels.cluster(survey)}" for survey in config["surveys"]
    )
    variance = labels.text(f"methods.variance_{config['estimation']['variance']}")
    return [
        labels.text("methods.estimation_design", clusters=clusters, variance=variance),
        labels.text("methods.estimation_domains"),
        labels.text(
            "methods.estimation_intervals",
            method=labels.text(f"interval_{config['estimation']['interval']}"),
        ),
        labels.text("methods.estimation_contrasts"),
        labels.text(
            "methods.estimation_census",
            fpc=labels.text(f"methods.fpc_{config['estimation'].get('fpc', 'none')}"),
        ),
        labels.text("methods.estimation_change"),
        labels.text(
            "methods.estimation_confidentiality", minimum=config["publication"]["min_cell_size"]
        ),
    ]


def statistic_name(labels: Labels, statistic: str) -> str:
    """A weighting diagnostic's name (DIAGNOSTICS) in the table header."""
    return labels.text(f"methods.statistic_{statistic}")


def _row(label: str, cells) -> str:
    return f"<tr><th>{label}</th>{''.join(f'<td>{cell}</td>' for cell in cells)}</tr>"


def _table(head: list[str], rows: list[str]) -> str:
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
