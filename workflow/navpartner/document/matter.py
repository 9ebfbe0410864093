"""The report's structure with the evaluator's chapters: title page from config, contents and
lists of figures and tables, the summary, the authored front chapters (reading guide), the
numbered chapters (authored ones and the generated theme chapters, each opening with its
authored interpretation), the authored back matter (references, glossary), the appendices and,
where the results moved under the prose, the review appendix."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from navpartner.document import authored, content
from navpartner.document.blocks import (
    Bullets,
    Contents,
    FigureList,
    Heading,
    Numbering,
    Paragraph,
    Table,
    Title,
)
from navpartner.yamlfile import read_yaml

log = logging.getLogger(__name__)
REVIEW_COLUMNS = ("file", "line", "sentence", "before", "after")


def build(config: dict, sources: content.Sources, folder: Path, strict: bool) -> list:
    """Every block of the report, in order, with the authored chapters of `folder`."""
    write = content.Writer(config)
    language = write.labels.language
    themes = content._themes(config)
    index = authored.read_index(folder)
    parts = authored.read_parts(folder, language, themes)
    resolver = authored.Resolver(config, sources, write, {*parts, *themes})
    resolved = authored.resolve_all(list(parts.values()), resolver)
    lock = _read_lock(folder / language / authored.LOCK)
    stale = authored.stale_references(list(parts.values()), resolved, lock)
    _report_stale(stale, strict)

    blocks = [
        _title(config, sources, write),
        Contents(write("report.contents")),
        FigureList(write("prose.figures"), "image"),
        FigureList(write("prose.tables"), "table"),
        *content._summary(config, sources, write),
    ]
    for name in index.get("front", []):
        blocks += _part(parts[name], resolved, level_one_anchor=f"chapter-{name}")
    blocks.append(Numbering(on=True))
    for name in index["main"]:
        if name == authored.RESULTS:
            for theme in themes:
                blocks += _theme_chapter(config, sources, write, theme, parts.get(theme), resolved)
        else:
            blocks += _part(parts[name], resolved, level_one_anchor=f"chapter-{name}")
    blocks.append(Numbering(on=False))
    for name in index.get("back", []):
        blocks += _part(parts[name], resolved, level_one_anchor=f"chapter-{name}")
    blocks += content._method(config, sources, write)
    blocks += content._questionnaire(config, write)
    blocks += content._provenance(config, sources, write)
    if stale:
        blocks += _review_appendix(stale, write)
    return content.cross_referenced(blocks, write)


def _read_lock(path: Path) -> dict:
    return (read_yaml(path) or {}) if path.is_file() else {}


def _report_stale(stale: list[authored.Stale], strict: bool) -> None:
    for item in stale:
        ref = item.reference
        log.warning(
            "%s:%d: {{ %s }} changed under the sentence %r: before %s, now %s",
            ref.file, ref.line, ref.text, ref.sentence,
            _state(item.before) or "not approved", _state(item.after),
        )  # fmt: skip
    if stale and strict:
        first = stale[0].reference
        raise authored.ProseError(
            first.file,
            f"{len(stale)} referenced sentence(s) changed meaning or are not approved "
            f"(first: {{{{ {first.text} }}}}); re-read them, then run `navpartner approve-prose`",
            line=first.line,
        )


def _state(state: dict) -> str:
    return ", ".join(f"{key} {state[key]}" for key in authored.JUDGED if key in state)


def _title(config: dict, sources: content.Sources, write: content.Writer) -> Title:
    """The generated title with the publication's own fields (from `publication.title_page`)
    before the lines on surveys and data."""
    title = content._title(config, sources, write)
    page = config["publication"].get("title_page", {})
    language = write.labels.language
    lines = []
    if "series" in page:
        lines.append(f"{page['series'][language]} {page['number']}")
    if "commissioner" in page:
        lines.append(f"{write('prose.commissioner')}: {page['commissioner'][language]}")
    if "authors" in page:
        lines.append(f"{write('prose.authors')}: {write.labels.texts.join(page['authors'])}")
    if "data_as_of" in page:
        lines.append(f"{write('prose.data_as_of')}: {page['data_as_of'][language]}")
    return replace(title, lines=lines + title.lines)


def _part(part: authored.Part, resolved: dict, level_one_anchor: str) -> list:
    blocks = [Heading(part.title, anchor=level_one_anchor, new_page=True)]
    return blocks + _body(part, resolved)


def _body(part: authored.Part, resolved: dict) -> list:
    blocks = []
    for block in authored.render(part, resolved):
        if block[0] == "heading":
            blocks.append(Heading(block[2], level=block[1]))
        elif block[0] == "paragraph":
            blocks.append(Paragraph(block[1]))
        else:
            blocks.append(Bullets(block[1]))
    return blocks


def _theme_chapter(config, sources, write, theme: str, part, resolved: dict) -> list:
    """The generated chapter, its authored interpretation right under the chapter heading."""
    generated = content._chapter(config, sources, write, theme)
    if part is None or not generated:
        return generated
    return [generated[0], *_body(part, resolved), *generated[1:]]


def _review_appendix(stale: list[authored.Stale], write: content.Writer) -> list:
    rows = [
        [
            _shown_path(item.reference.file),
            str(item.reference.line),
            item.reference.sentence,
            _state_words(item.before, write) or write("prose.not_approved"),
            _state_words(item.after, write),
        ]
        for item in stale
    ]
    return [
        Heading(write("prose.review"), anchor="review", new_page=True),
        Paragraph(write.labels.texts.plural("prose.review_intro", len(stale), n=len(stale))),
        Table(
            caption=write("prose.review"),
            header=[write(f"prose.review_{column}") for column in REVIEW_COLUMNS],
            rows=rows,
            widths=[1.2, 0.5, 4, 1.6, 1.6],
            numeric=[False, True, False, False, False],
            small=True,
        ),
    ]


def _shown_path(file: str) -> str:
    """The chapter's path from the report folder on ("report/nb/team.md")."""
    return "/".join(Path(file).parts[-3:])


def _state_words(state: dict, write: content.Writer) -> str:
    words = {
        "direction": lambda value: write(f"prose.direction_{value}"),
        "significance": lambda value: write(f"prose.significance_{value}"),
        "verdict": lambda value: write(f"report.verdict_{value}").lower(),
    }
    return ", ".join(words[key](state[key]) for key in authored.JUDGED if key in state)
