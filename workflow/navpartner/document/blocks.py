"""The content model of the report: a list of blocks that each format renders."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Title:
    title: str
    subtitle: str
    lines: list[str]


@dataclass(frozen=True)
class Contents:
    heading: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1
    anchor: str = ""
    new_page: bool = False


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    """A typeset table: a header row, body rows of text, a caption above and notes below.

    `widths` are relative column widths; `numeric` marks right-aligned columns."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    numeric: list[bool]
    notes: list[str] = field(default_factory=list)
    small: bool = False


@dataclass(frozen=True)
class Figure:
    svg: str  # path of the figure's SVG
    caption: str
    floating: bool = True  # may move to the top or bottom of a page (False: where it stands)


@dataclass(frozen=True)
class Together:
    """Blocks kept on one page (a heading with its chart): moved whole to the next page
    where they do not fit."""

    blocks: tuple


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Numbering:
    """From here on, chapters are numbered (on) or not (off): the front matter and the
    appendices are not."""

    on: bool


@dataclass(frozen=True)
class FigureList:
    """A list of the document's figures (kind "image") or tables (kind "table")."""

    heading: str
    kind: str
