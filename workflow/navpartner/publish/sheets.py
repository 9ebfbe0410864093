"""One indicator's published table laid out for readers: XLSX and HTML (the CSV stays tidy)."""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass

import pandas as pd
import xlsxwriter

from navpartner.config import survey_waves
from navpartner.io import write_atomically, write_csv, write_text
from navpartner.publish.labels import Labels

# Symbols in the tables (Statistics Norway's conventions).
SUPPRESSED = ":"
NOT_ASKED = "."
FLAG = "†"  # a fragile estimate (reliability flags); the note under the table explains it
# Fixed document date: XLSX files carry no time of writing, so reruns are byte-identical.
DOCUMENT_DATE = datetime.datetime(2000, 1, 1)
VALUE_COLUMNS = ["percent", "ci_low", "ci_high", "n"]


@dataclass(frozen=True)
class Row:
    label: str
    heading: bool  # a breakdown's name above its groups
    cells: dict  # wave -> {column: value} | SUPPRESSED | NOT_ASKED


@dataclass(frozen=True)
class Sheet:
    name: str  # the worksheet's tab
    title: str
    definition: str
    headers: list[str]
    waves: list[int]
    rows: list[Row]
    notes: list[str]
    banner: str  # the synthetic-data notice, or ""


def indicator_sheet(published: pd.DataFrame, indicator: str, config: dict, synthetic: bool):
    """The wide layout: groups down, waves across with share, interval and respondents."""
    labels = Labels(config)
    table = published[published["indicator"] == indicator]
    survey = config["indicators"][indicator]["survey"]
    waves = [wave for name, wave in survey_waves(config) if name == survey]
    rows = []
    for breakdown, cells in table.groupby("breakdown", sort=False):
        if breakdown != "total":
            rows.append(Row(labels.breakdown(breakdown), heading=True, cells={}))
        for _, group in cells.groupby("group", sort=False):
            by_wave = {row.wave: _cell(row) for row in group.itertuples()}
            rows.append(
                Row(
                    group["group_label"].iloc[0],
                    heading=False,
                    cells={wave: by_wave.get(wave, NOT_ASKED) for wave in waves},
                )
            )
    return Sheet(
        name=labels.text("sheet_name"),
        title=labels.indicator(indicator),
        definition=labels.definition(indicator),
        headers=[
            labels.text("share"),
            labels.text("ci_low"),
            labels.text("ci_high"),
            labels.text("n"),
        ],
        waves=waves,
        rows=rows,
        notes=_notes(labels, indicator, waves, rows),
        banner=labels.text("synthetic") if synthetic else "",
    )


def _cell(row) -> dict | str:
    if row.suppressed:
        return SUPPRESSED
    return {
        **{column: getattr(row, column) for column in VALUE_COLUMNS},
        "flagged": bool(getattr(row, "flagged", False)),
    }


def _notes(labels: Labels, indicator: str, waves, rows) -> list[str]:
    survey = labels.config["indicators"][indicator]["survey"]
    minimum = labels.config["publication"]["min_cell_size"]
    notes = [labels.source(waves, [survey]), labels.estimation_note(survey)]
    if any(isinstance(c, dict) and c["flagged"] for row in rows for c in row.cells.values()):
        notes.append(labels.flag_note())
    notes.append(labels.text("suppressed_note", minimum=minimum))
    if any(cell == NOT_ASKED for row in rows for cell in row.cells.values()):
        notes.append(labels.text("not_asked_note"))
    return notes


def write_indicator_tables(
    published: pd.DataFrame,
    indicator: str,
    config: dict,
    synthetic: bool,
    csv: str,
    xlsx: str,
    html_path: str,
) -> None:
    sheet = indicator_sheet(published, indicator, config, synthetic)
    write_csv(published[published["indicator"] == indicator], csv)
    write_atomically(xlsx, lambda tmp: write_xlsx(sheet, tmp))
    page = html_document(sheet.title, html_table(sheet, Labels(config)), config)
    write_text(page, html_path)


def write_xlsx(sheet: Sheet, path: str) -> None:
    workbook = xlsxwriter.Workbook(path)
    workbook.set_properties({"title": sheet.title, "created": DOCUMENT_DATE})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "wave": workbook.add_format({"bold": True, "align": "center", "bottom": 1}),
        "header": workbook.add_format({"bold": True, "text_wrap": True, "bottom": 1}),
        "heading": workbook.add_format({"bold": True}),
        "group": workbook.add_format({"indent": 1}),
        "percent": workbook.add_format({"num_format": "0.0%"}),
        "flagged": workbook.add_format({"num_format": f'0.0%"{FLAG}"'}),
        "n": workbook.add_format({"num_format": "0"}),
        "symbol": workbook.add_format({"align": "right"}),
        "note": workbook.add_format({"italic": True, "font_size": 9}),
        "banner": workbook.add_format({"bold": True, "font_color": "#B00020"}),
    }
    worksheet = workbook.add_worksheet(sheet.name)
    width = 1 + len(sheet.waves) * len(sheet.headers)
    worksheet.write(0, 0, sheet.title, formats["title"])
    worksheet.merge_range(1, 0, 1, width - 1, sheet.definition, formats["wrap"])
    worksheet.set_row(1, 45)
    worksheet.write(2, 0, sheet.banner, formats["banner"])
    worksheet.write(3, 0, "", formats["header"])
    for index, wave in enumerate(sheet.waves):
        first = 1 + index * len(sheet.headers)
        worksheet.merge_range(3, first, 3, first + len(sheet.headers) - 1, wave, formats["wave"])
        for offset, header in enumerate(sheet.headers):
            worksheet.write(4, first + offset, header, formats["header"])
    worksheet.set_row(4, 30)
    line = 5
    for row in sheet.rows:
        worksheet.write(line, 0, row.label, formats["heading" if row.heading else "group"])
        for index, wave in enumerate(sheet.waves):
            if not row.heading:
                _write_cell(
                    worksheet, line, 1 + index * len(sheet.headers), row.cells[wave], formats
                )
        line += 1
    for note in sheet.notes:
        line += 1
        worksheet.write(line, 0, note, formats["note"])
    worksheet.set_column(0, 0, 34)
    worksheet.set_column(1, width - 1, 11)
    worksheet.freeze_panes(5, 1)
    workbook.close()


def _write_cell(worksheet, line: int, first: int, cell, formats) -> None:
    if isinstance(cell, str):
        for offset in range(len(VALUE_COLUMNS)):
            worksheet.write_string(line, first + offset, cell, formats["symbol"])
        return
    for offset, column in enumerate(VALUE_COLUMNS):
        value = cell[column]
        if column == "n":
            worksheet.write_number(line, first + offset, int(value), formats["n"])
        elif column == "percent" and cell["flagged"]:  # a fragile estimate: number + marker
            number = round(value / 100, 3)
            worksheet.write_number(line, first + offset, number, formats["flagged"])
        else:  # the published (rounded) percentage, stored as a fraction in a % format
            worksheet.write_number(line, first + offset, round(value / 100, 3), formats["percent"])


def html_table(sheet: Sheet, labels: Labels) -> str:
    """A table with a two-level header; notes below it."""
    escape = html.escape
    head_waves = "".join(
        f'<th colspan="{len(sheet.headers)}" class="wave">{wave}</th>' for wave in sheet.waves
    )
    head_columns = "".join(f"<th>{escape(h)}</th>" for h in sheet.headers) * len(sheet.waves)
    body = []
    for row in sheet.rows:
        if row.heading:
            span = 1 + len(sheet.waves) * len(sheet.headers)
            body.append(f'<tr class="heading"><th colspan="{span}">{escape(row.label)}</th></tr>')
            continue
        cells = "".join(_html_cells(row.cells[wave], labels) for wave in sheet.waves)
        body.append(f'<tr><th class="group">{escape(row.label)}</th>{cells}</tr>')
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in sheet.notes)
    banner = f'<p class="synthetic">{escape(sheet.banner)}</p>\n' if sheet.banner else ""
    return (
        f"<h1>{escape(sheet.title)}</h1>\n{banner}<p>{escape(sheet.definition)}</p>\n"
        f"<table>\n<thead><tr><th></th>{head_waves}</tr>\n"
        f"<tr><th></th>{head_columns}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + f"\n</tbody>\n</table>\n{notes}\n"
    )


def _html_cells(cell, labels: Labels) -> str:
    if isinstance(cell, str):
        return f'<td class="symbol">{cell}</td>' * len(VALUE_COLUMNS)
    values = [labels.number(cell[c]) for c in ("percent", "ci_low", "ci_high")]
    if cell["flagged"]:
        values[0] += FLAG
    return "".join(f"<td>{v}</td>" for v in [*values, labels.number(cell["n"], 0)])


STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 14px; color: #1a1a1a;
       margin: 0.8em; max-width: 60em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
/* Compact enough to fit the report's side panel (about 500 px) without cutting columns. */
table { border-collapse: collapse; margin: 1em 0; font-size: 12px; }
th, td { padding: 0.2em 0.3em; }
thead th { border-bottom: 1px solid #555; font-weight: 600; text-align: right; }
thead th.wave { text-align: center; }
td { text-align: right; font-variant-numeric: tabular-nums; }
tbody th { text-align: left; font-weight: normal; min-width: 8em; }
tbody th.group { padding-left: 1.5em; }
tr.heading th { font-weight: 600; padding-top: 0.8em; }
td.symbol { color: #666; }
p.note { font-size: 0.85em; color: #444; margin: 0.2em 0; }
p.synthetic, p.note.synthetic { color: #b00020; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.3em 1em; }
dt { font-weight: 600; } dd { margin: 0; }
"""


def html_document(title: str, body: str, config: dict) -> str:
    language = config["publication"]["language"]
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )
