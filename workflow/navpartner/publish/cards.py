"""Audit cards (one per indicator) and the methods page of the report.

A card lets a reviewer audit one indicator without the code: its definition as configured,
the question, who it covers, how many answered in each wave, the estimates, and which rule
and function made each step.
"""

from __future__ import annotations

import html

import pandas as pd
import yaml

from navpartner.config import item_wording
from navpartner.publish.labels import Labels
from navpartner.publish.sheets import SUPPRESSED, html_document
from navpartner.publish.suppress import suppress_counts
from navpartner.publish.tables import published_estimates


def audit_card(
    published: pd.DataFrame, audits: list[dict], indicator: str, config: dict, synthetic: bool
) -> str:
    """The card as a standalone HTML page."""
    labels = Labels(config)
    spec = config["indicators"][indicator]
    waves = [audit for audit in audits if audit["survey"] == spec["survey"]]
    waves.sort(key=lambda audit: audit["wave"])
    body = [
        f"<h1>{labels.text('card.card')}: {_e(labels.indicator(indicator))}</h1>",
        f'<p class="synthetic">{_e(labels.text("synthetic"))}</p>' if synthetic else "",
        f"<h2>{labels.text('card.definition')}</h2>",
        _definition_list(
            [
                (labels.text("card.definition"), labels.definition(indicator)),
                (labels.text("card.survey"), labels.survey(spec["survey"])),
                (
                    labels.text("card.respondents"),
                    f"{labels.population(indicator)} ({_filter(spec)})",
                ),
            ]
        ),
        _questions(config, spec, labels),
        f"<p>{labels.text('card.scale')}: {_scale(config, spec, labels)}</p>",
        f"<h3>{labels.text('card.config')}</h3>",
        f"<pre>{_e(yaml.safe_dump({indicator: spec}, allow_unicode=True, sort_keys=False))}</pre>",
        f"<h2>{labels.text('card.counts')}</h2>",
        _counts_table(waves, indicator, labels),
        f"<h2>{labels.text('card.estimates')}</h2>",
        _estimates_table(published, indicator, labels),
        f"<h2>{labels.text('card.provenance')}</h2>",
        _provenance(waves, labels, f"publish_theme_{spec['theme']}"),
        f'<p class="note">{_e(labels.text("suppressed_note", minimum=_minimum(config)))}</p>',
    ]
    return html_document(labels.indicator(indicator), "\n".join(filter(None, body)) + "\n", config)


def _e(value) -> str:
    return html.escape(str(value))


def _minimum(config: dict) -> int:
    return config["publication"]["min_cell_size"]


def _definition_list(pairs) -> str:
    items = "".join(f"<dt>{_e(term)}</dt><dd>{_e(value)}</dd>" for term, value in pairs)
    return f"<dl>{items}</dl>"


def _questions(config: dict, spec: dict, labels: Labels) -> str:
    """The question as worded in each wave, with the vendor variable it was read from."""
    rows = "".join(
        f"<tr><th>{wave}</th><td>{_code(source) if source else ''}</td>"
        f"<td>{_e(question) if question else labels.text('not_asked')}</td></tr>"
        for wave, source, question in item_wording(config, spec["survey"], spec["item"])
    )
    head = f"<tr><th>{labels.text('card.wave')}</th><th>{labels.text('card.variable')}</th>"
    head += f"<th>{_e(labels.text('question'))}</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{rows}</tbody></table>"


def _filter(spec: dict) -> str:
    return "; ".join(f"{variable} ∈ {values}" for variable, values in spec["respondents"].items())


def _scale(config: dict, spec: dict, labels: Labels) -> str:
    scale = config["scales"][config["items"][spec["item"]]["scale"]]
    language = config["publication"]["language"]
    positive = {int(code) for code in spec["positive"]}
    parts = [
        f"<b>{int(code)} {_e(label[language])}</b>"
        if int(code) in positive
        else f"{int(code)} {_e(label[language])}"
        for code, label in scale.items()
    ]
    return ", ".join(parts) + f"; {config['dont_know_code']} {labels.text('dont_know')}"


def _counts_table(waves: list[dict], indicator: str, labels: Labels) -> str:
    """Respondents, population and the three ways out of it; small counts suppressed."""
    columns = ["in_survey", "in_population", "not_answered", "dont_know", "used"]
    head = "".join(f"<th>{labels.text(f'card.{c}')}</th>" for c in columns)
    rows = []
    for audit in waves:
        account = audit["indicators"].get(indicator)
        if account is None or "skipped" in account:
            reason = account["skipped"] if account else ""
            skipped = labels.text("card.skipped")
            cells = f'<td colspan="{len(columns)}">{skipped}: {_e(reason)}</td>'
        else:
            parts = suppress_counts(
                {key: account[key] for key in ("used", "not_answered", "dont_know")},
                _minimum(labels.config),
            )
            values = {
                "in_survey": account["respondents"],
                "in_population": account["in_population"],
                **parts,
            }
            cells = "".join(
                f"<td>{SUPPRESSED if values[c] is None else labels.number(values[c], 0)}</td>"
                for c in columns
            )
        rows.append(f"<tr><th>{audit['wave']}</th>{cells}</tr>")
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _estimates_table(published: pd.DataFrame, indicator: str, labels: Labels) -> str:
    totals = published[(published["indicator"] == indicator) & (published["breakdown"] == "total")]
    columns = [
        ("n", labels.text("n")),
        ("percent", labels.text("share")),
        ("ci_low", labels.text("ci_low")),
        ("ci_high", labels.text("ci_high")),
        ("se", labels.text("card.se")),
        ("deff", labels.text("deff")),
    ]
    head = "".join(f"<th>{_e(name)}</th>" for _, name in columns)
    rows = []
    for row in totals.itertuples():
        values = [_format(getattr(row, column), column, labels) for column, _ in columns]
        rows.append(f"<tr><th>{row.wave}</th>{''.join(f'<td>{v}</td>' for v in values)}</tr>")
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _format(value, column: str, labels: Labels) -> str:
    if pd.isna(value):
        return SUPPRESSED
    if column == "n":
        return labels.number(value, 0)
    return labels.number(value, 2 if column in ("se", "deff") else 1)


def _provenance(waves: list[dict], labels: Labels, publishing_rule: str) -> str:
    """Estimating rule and function per wave (from its audit), then the publishing steps."""
    head = [labels.text("card.rule"), labels.text("card.function"), labels.text("card.inputs")]
    rows = []
    for audit in waves:
        inputs = "<br>".join(
            f"{_e(path)}: <code>{digest}</code>" for path, digest in audit["inputs"].items()
        )
        rows.append(_row(audit["wave"], [_e(audit["step"]), _code(audit["function"]), inputs]))
    for rule, function in [
        ("tables_suppress", published_estimates),
        (publishing_rule, audit_card),
    ]:
        rows.append(_row("", [rule, _code(f"{function.__module__}.{function.__qualname__}"), ""]))
    return (
        f'<table class="provenance"><thead>{_row("", head, cell="th")}</thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _row(label, cells: list[str], cell: str = "td") -> str:
    return f"<tr><th>{label}</th>{''.join(f'<{cell}>{c}</{cell}>' for c in cells)}</tr>"


def _code(name: str) -> str:
    return f"<code>{_e(name)}</code>"
