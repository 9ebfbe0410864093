"""The report as one offline HTML file: the same blocks as the PDF, figures embedded as SVG."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from navpartner.document.blocks import (
    Bullets,
    Contents,
    Figure,
    FigureList,
    Heading,
    Numbering,
    Paragraph,
    Table,
    Title,
    Together,
)

STYLE = """
body { font-family: Georgia, 'Libertinus Serif', serif; max-width: 52rem; margin: 0 auto;
  padding: 0 1.5rem 4rem; line-height: 1.5; color: #1a1a1a; }
.stamp { position: sticky; top: 0; z-index: 1; background: #b00020; color: #fff;
  font: bold 0.9rem/1.4 sans-serif; padding: 0.4rem 0.8rem; margin: 0 -1.5rem; }
.title { padding: 5rem 0 3rem; border-bottom: 1px solid #999; }
.title h1 { font-size: 2.1rem; margin: 0 0 1rem; }
.title .subtitle { font-size: 1.3rem; margin: 0 0 2rem; }
.title .box { border: 2px solid #b00020; color: #b00020; font-weight: bold; padding: 0.7rem; }
h1 { margin-top: 3rem; border-bottom: 1px solid #ccc; }
nav ol { columns: 2; font-size: 0.9rem; }
figure { margin: 1.5rem 0; }
figure img { width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #333; }
table { border-collapse: collapse; width: 100%; font-size: 0.82rem;
  font-family: system-ui, sans-serif; margin: 0.3rem 0; }
caption { text-align: left; font-size: 0.9rem; padding-bottom: 0.3rem; caption-side: top; }
thead th { border-top: 1.5px solid #000; border-bottom: 1px solid #000; text-align: left; }
tbody tr:last-child td { border-bottom: 1.5px solid #000; }
th, td { padding: 0.2rem 0.4rem; vertical-align: top; }
td.number, th.number { text-align: right; white-space: nowrap; }
td.group { font-weight: bold; padding-top: 0.5rem; }
td.code { font-family: monospace; font-size: 0.75rem; word-break: break-all; }
.note { font-size: 0.78rem; color: #444; margin: 0.2rem 0; }
.table { overflow-x: auto; margin: 1.5rem 0; }
"""


def webpage(blocks: list, language: str, stamp: str) -> str:
    """The report as a standalone HTML page (no request leaves it)."""
    title = next(block for block in blocks if isinstance(block, Title))
    flat = [part for block in blocks for part in _parts(block)]
    headings = [block for block in flat if isinstance(block, Heading)]
    body = [f'<div class="stamp">{_e(stamp.split(". ")[0])}</div>' if stamp else ""]
    for block in blocks:
        if isinstance(block, Title):
            body.append(_title(block, stamp))
        elif isinstance(block, Contents):
            body.append(_contents(block, headings))
        else:
            body.append(_block(block))
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )


def _e(text) -> str:
    return html.escape(str(text))


def _title(block: Title, stamp: str) -> str:
    lines = "".join(f"<p>{_e(line)}</p>" for line in block.lines)
    box = f'<p class="box">{_e(stamp)}</p>' if stamp else ""
    return (
        f'<header class="title"><h1>{_e(block.title)}</h1>'
        f'<p class="subtitle">{_e(block.subtitle)}</p>{lines}{box}</header>'
    )


def _contents(block: Contents, headings: list[Heading]) -> str:
    items = "".join(
        f'<li><a href="#{h.anchor}">{_e(h.text)}</a></li>'
        for h in headings
        if h.level == 1 and h.anchor
    )
    return f"<nav><h2>{_e(block.heading)}</h2><ol>{items}</ol></nav>"


def _parts(block) -> list:
    return list(block.blocks) if isinstance(block, Together) else [block]


def _block(block) -> str:
    if isinstance(block, Heading):
        anchor = f' id="{block.anchor}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{_e(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Figure):
        data = base64.b64encode(Path(block.svg).read_bytes()).decode("ascii")
        caption = f"<figcaption>{_e(block.caption)}</figcaption>" if block.caption else ""
        return (
            f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{_e(block.caption)}">'
            f"{caption}</figure>"
        )
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Together):
        return "\n".join(_block(part) for part in block.blocks)
    if isinstance(block, (Numbering, FigureList)):
        return ""  # the page has no page numbers to list, and numbers no chapters
    raise TypeError(f"no HTML form for {type(block).__name__}")


def _table(block: Table) -> str:
    def kind(index: int) -> str:
        return ' class="number"' if block.numeric[index] else ""

    head = "".join(f"<th{kind(i)}>{_e(cell)}</th>" for i, cell in enumerate(block.header))
    rows = []
    for row in block.rows:
        if len(row) > 1 and not any(row[1:]):
            rows.append(f'<tr><td class="group" colspan="{len(row)}">{_e(row[0])}</td></tr>')
        else:
            rows.append(
                "<tr>" + "".join(f"<td{kind(i)}>{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>"
            )
    notes = "".join(f'<p class="note">{_e(note)}</p>' for note in block.notes)
    return (
        f'<div class="table"><table><caption>{_e(block.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{notes}</div>"
    )
