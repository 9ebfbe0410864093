"""Scan published outputs for anything that identifies a respondent or a municipality.

Published outputs are aggregates. Three things must never appear in them: a respondent-level
identifier (respondent or office id), a municipality number, or a municipality name. Numbers
in text are written with thousands separators ("4 726"), so a bare four-digit token other than
a wave year can only be an identifier. Configured labels (region names such as "Oslo og
Viken") are removed before names are looked for: they are groups, not municipalities.
"""

from __future__ import annotations

import base64
import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
from PIL import Image

IDENTIFIER_COLUMNS = {"respondent_id", "office_id", "kommunenummer", "kommune", "kommunenavn"}
EMBEDDED = re.compile(r"data:([a-z+/]+);charset=utf8;filename=([^;]+);base64,([A-Za-z0-9+/=]+)")
CAPTION = re.compile(r'"caption": "((?:[^"\\]|\\.)*)"')
TOKEN = re.compile(r"[A-Za-z0-9_-]+")
DATA_SVG = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
FOUR_DIGITS = re.compile(r"(?<![\w.,\u00a0])\d{4}(?!\w|[.,\u00a0]\d)")
# A year in a citation ("Parker et al. 2017", "Parker mfl. (2017)", "Korn & Graubard 1998",
# "Lumley, T. (2004)" in a reference list), which may coincide with a municipality number but
# is not one.
CITATION_YEAR = re.compile(
    r"(?:et al\.|mfl\.|& [A-ZÆØÅ][\wæøå-]+|[A-ZÆØÅ][\wæøå-]+,(?: [A-ZÆØÅ]\.)*)"
    r"[\s\u00a0]+\(?(\d{4})\)?"
)


# A report's series number ("AFI-rapport 2020:09", "evalueringsrapport 2026:1", "AFI report
# 2020:09"): a year and a number after the word report, never a municipality number.
REPORT_NUMBER = re.compile(r"(?:rapport|report)[\s\u00a0]+\d{4}:\d+\b", re.IGNORECASE)


@dataclass(frozen=True)
class Secrets:
    identifiers: set[str]  # respondent and office ids
    numbers: set[str]  # municipality numbers
    names: set[str]  # municipality names
    waves: set[str]  # wave years, which may coincide with old municipality numbers
    labels: list[str]  # configured labels, removed before the name scan


def secrets(project: Path, config: dict) -> Secrets:
    frames = [
        pd.read_csv(p, dtype=str)
        for p in (project / "data_raw/frames").glob("municipalities_*.csv")
    ]
    municipalities = pd.concat(frames)
    identifiers = set()
    for path in (project / "results/harmonised").glob("*.parquet"):
        data = pd.read_parquet(path)
        for column in ("respondent_id", "office_id"):
            if column in data:
                identifiers |= {i for i in data[column].astype(str) if not i.isdigit()}
    return Secrets(
        identifiers=identifiers,
        numbers=set(municipalities["kommunenummer"]),
        names=set(municipalities["kommune"]),
        waves={str(wave) for spec in config["surveys"].values() for wave in spec["waves"]},
        labels=sorted(_label_texts(config), key=len, reverse=True),
    )


def _label_texts(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _label_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _label_texts(item)]
    return [value] if isinstance(value, str) and len(value) > 3 else []


def published_files(project: Path) -> list[Path]:
    folders = [project / "results" / name for name in ("tables", "figures", "report")]
    files = [path for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()]
    return [*files, project / "results/report.html"]


def findings(path: Path, secrets: Secrets) -> list[str]:
    """What in one file identifies a respondent or a municipality (empty if nothing)."""
    if path.suffix == ".csv":
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        found = [f"column '{c}'" for c in table.columns if c.lower() in IDENTIFIER_COLUMNS]
        text = [table[c] for c in table.columns if not _numeric(table[c])]  # counts are counts
        return found + scan_text("\n".join(" ".join(column) for column in text), secrets)
    return scan_text(file_text(path), secrets)


def _numeric(column: pd.Series) -> bool:
    return (
        pd.to_numeric(column.replace("", None), errors="coerce").notna().sum()
        == (column != "").sum()
    )


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str)
        )
    if path.suffix == ".pdf":  # the words of every page, figures' text included
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    if path.suffix == ".png":
        with Image.open(path) as image:
            return "\n".join(f"{k} {v}" for k, v in image.text.items())
    text = path.read_text(encoding="utf-8")
    if path.name == "report.html":  # the published files it embeds, and the captions
        parts = [
            visible_text(base64.b64decode(payload).decode("utf-8"), mime)
            for mime, _, payload in EMBEDDED.findall(text)
            if mime in ("text/html", "image/svg+xml")
        ]
        return "\n".join(parts + [visible_text(c, "text/html") for c in CAPTION.findall(text)])
    if path.suffix == ".html":  # the page's words and those of the figures it embeds
        figures = [base64.b64decode(data).decode("utf-8") for data in DATA_SVG.findall(text)]
        return "\n".join(
            [visible_text(text, "text/html")]
            + [visible_text(svg, "image/svg+xml") for svg in figures]
        )
    return visible_text(text, {".svg": "image/svg+xml", ".html": "text/html"}.get(path.suffix))


def visible_text(text: str, mime: str | None) -> str:
    """The words a reader sees: SVG text nodes, HTML without its tags (not coordinates)."""
    if mime == "image/svg+xml":
        return "\n".join(ElementTree.fromstring(text.encode("utf-8")).itertext())
    if mime == "text/html":
        return html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", text, flags=re.S))
    return text


def scan_text(text: str, secrets: Secrets) -> list[str]:
    found = [f"identifier '{t}'" for t in set(TOKEN.findall(text)) if t in secrets.identifiers]
    # (bare-number ids, like the 2011 office survey's, cannot be told from counts in text;
    # the column and row checks cover them)
    found += [
        f"municipality number '{number}'"
        for number in set(FOUR_DIGITS.findall(CITATION_YEAR.sub(" ", REPORT_NUMBER.sub(" ", text))))
        if number in secrets.numbers and number not in secrets.waves
    ]
    text = re.sub(r"\s+", " ", text)  # a label run over two lines of a page is still one
    for label in secrets.labels:
        text = text.replace(label, " ")
    words = set(re.findall(r"[A-ZÆØÅ][\wæøåÆØÅ-]*(?: [A-ZÆØÅ][\wæøåÆØÅ-]*)?", text))
    words |= {word for phrase in list(words) for word in phrase.split(" ")}
    found += [f"municipality name '{name}'" for name in sorted(secrets.names & words)]
    return found
