"""The report as PDF: the content blocks written as Typst markup and compiled offline.

Every text goes in as a Typst string literal, so no character of a label or an estimate can be
read as markup. Only Typst's own embedded fonts and the figures' font from the installed
matplotlib are used (system fonts are ignored) and the document date is unset, so the same
content gives the same bytes on any machine with the same versions.
"""

from __future__ import annotations

import json
import re
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

PREAMBLE = """#set document(title: {title}, date: none)
#set text(lang: {lang}, font: "Libertinus Serif", size: 10.5pt, hyphenate: true)
#set par(justify: true, leading: 0.62em)
#set page(
  paper: "a4",
  margin: (x: 2.2cm, top: 2.6cm, bottom: 2.4cm),
  header: {{
    set text(size: 8pt)
    text(fill: rgb("#b00020"), weight: "bold", {stamp})
    h(1fr)
    text(fill: luma(90), {short_title})
  }},
  footer: context {{
    set text(size: 8pt, fill: luma(90))
    h(1fr)
    counter(page).display("1")
    h(1fr)
  }},
)
#show heading.where(level: 1): set text(size: 17pt)
#show heading.where(level: 2): set text(size: 12.5pt)
#show heading: set block(above: 1.3em, below: 0.8em)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.caption: set text(size: 9pt)
#show table.cell.where(y: 0): set text(weight: "bold")
"""


LONG_TABLE = 24  # printed lines: a table of more may break across pages
LINE_CHARACTERS = 110  # characters of a table's small type across the text width


def _printed_lines(block: Table) -> int:
    """About how many lines the table's rows take: each row as many as its fullest cell
    needs in its column's share of the width."""
    total = sum(block.widths)
    room = [max(1, int(LINE_CHARACTERS * width / total)) for width in block.widths]
    return sum(
        max(-(-len(str(cell)) // width) for cell, width in zip(row, room, strict=False))
        for row in block.rows
    )


def typst_source(blocks: list, language: str, stamp: str) -> str:
    """The whole report as Typst markup; images are referred to by absolute path.

    `stamp` (empty for real data) is the synthetic-data warning: in full on the title page,
    its first sentence in the header of every other page."""
    title = next(block for block in blocks if isinstance(block, Title))
    parts = [
        PREAMBLE.format(
            title=_s(title.title),
            lang=_s(language),
            stamp=_s(stamp.split(". ")[0]),
            short_title=_s(title.title),
        )
    ]
    parts += [
        _title(block, stamp) if isinstance(block, Title) else _block(block) for block in blocks
    ]
    return "\n".join(parts) + "\n"


def compile_pdf(source: str) -> bytes:
    """Compile with the file system's root as Typst's root, so images may be anywhere. The
    figures' text is set in the font matplotlib laid it out in (DejaVu Sans, shipped with
    matplotlib): in another font a wrapped label's lines, placed one by one, fall out of line."""
    import tempfile
    from importlib.resources import files

    import typst

    fonts = files("matplotlib") / "mpl-data" / "fonts" / "ttf"
    with tempfile.TemporaryDirectory() as folder:
        main = Path(folder) / "report.typ"
        main.write_text(source, encoding="utf-8")
        return typst.compile(
            str(main), root=main.anchor, font_paths=[str(fonts)], ignore_system_fonts=True
        )


def _s(text) -> str:
    """A Typst string literal (Typst shares JSON's escapes for quote, backslash, newline)."""
    return json.dumps(str(text), ensure_ascii=False)


# The tallest a figure may be, with its heading, a paragraph and its caption on the same A4
# page (text height 24.7 cm): a chart of many items is narrowed to fit rather than run off it.
MAX_FIGURE_HEIGHT_CM = 19.0
TEXT_WIDTH_CM = 16.6


def _width_fitting_a_page(svg: Path) -> str:
    """The image's width: the text width, or less where that would make it too tall."""
    found = re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"', svg.read_bytes()[:1000])
    if not found:
        return "100%"
    width, height = (float(value) for value in found.groups())
    share = min(1.0, MAX_FIGURE_HEIGHT_CM / TEXT_WIDTH_CM * width / height)
    return f"{100 * share:.1f}%"


def _block(block) -> str:
    if isinstance(block, Contents):
        return (
            f"#heading(outlined: false, numbering: none, {_s(block.heading)})\n"
            "#outline(title: none, depth: 2, indent: 1.2em)"
        )
    if isinstance(block, Heading):
        brk = "#pagebreak(weak: true)\n" if block.new_page else ""
        label = f" <{block.anchor}>" if block.anchor else ""
        return f"{brk}#heading(level: {block.level}, {_s(block.text)}){label}"
    if isinstance(block, Paragraph):
        return f"#par({_s(block.text)})"
    if isinstance(block, Bullets):
        return "#list(" + ", ".join(_s(item) for item in block.items) + ")"
    if isinstance(block, Figure):
        path = Path(block.svg).resolve()
        caption = f", caption: {_s(block.caption)}" if block.caption else ""
        # Floating (top or bottom of a page, or the next): the text goes on beneath rather
        # than leaving most of a page blank before a figure too tall for what is left.
        placement = "placement: auto, " if block.floating else ""
        width = _width_fitting_a_page(path)
        return f"#figure({placement}image({_s(path.as_posix())}, width: {width}){caption})"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Together):
        inner = "\n".join(_block(part) for part in block.blocks)
        return f"#block(breakable: false, width: 100%)[\n{inner}\n]"
    if isinstance(block, Numbering):
        return f"#set heading(numbering: {_s('1.1') if block.on else 'none'})"
    if isinstance(block, FigureList):
        return (
            f"#heading(level: 2, outlined: false, {_s(block.heading)})\n"
            f"#outline(title: none, target: figure.where(kind: {block.kind}))"
        )
    raise TypeError(f"no Typst form for {type(block).__name__}")


def _title(block: Title, stamp: str) -> str:
    box = (
        f'#block(width: 100%, inset: 10pt, stroke: 1.5pt + rgb("#b00020"), '
        f'text(fill: rgb("#b00020"), weight: "bold", size: 12pt, {_s(stamp)}))'
        if stamp
        else ""
    )
    lines = "\n".join(f"#par(justify: false, {_s(line)})\n#v(0.4em)" for line in block.lines)
    return f"""#page(header: none, footer: none)[
#v(5cm)
#text(size: 24pt, weight: "bold", hyphenate: false, {_s(block.title)})
#v(0.8cm)
#text(size: 15pt, {_s(block.subtitle)})
#v(2cm)
#set text(size: 11pt)
{lines}
#v(1fr)
{box}
]"""


def _table(block: Table) -> str:
    size = "8pt" if block.small else "9pt"
    columns = ", ".join(f"{width}fr" for width in block.widths)
    align = ", ".join("right" if numeric else "left" for numeric in block.numeric)
    cells = [
        f"table.header({', '.join(_s(cell) for cell in block.header)})",
        "table.hline(stroke: 0.5pt)",
    ]
    width = len(block.header)
    for row in block.rows:
        if len(row) > 1 and not any(row[1:]):  # a group heading across the table
            cells.append(f"table.cell(colspan: {width}, align: left, strong({_s(row[0])}))")
        else:
            cells += [_s(cell) for cell in row]
    notes = "".join(
        f"\n  block(above: 0.4em, width: 100%, align(left, text(size: 7.5pt, fill: luma(60), "
        f"{_s(note)})))"
        for note in block.notes
    )
    # Long tables may run over pages (the header repeated); short ones stay whole, with their
    # caption.
    long = _printed_lines(block) > LONG_TABLE
    scope = "#show figure: set block(breakable: true)\n" if long else ""
    return f"""#[{scope}#figure(kind: table, caption: {_s(block.caption)}, {{
  set text(size: {size}, hyphenate: false)
  set par(justify: false)
  table(
    columns: ({columns}),
    align: ({align}),
    stroke: none,
    inset: (x: 4pt, y: 3pt),
    table.hline(),
    {", ".join(cells)},
    table.hline(),
  ){notes}
}})]"""
