"""The evaluator's own chapters: Markdown files in `report/<language>/`, in the order
`report/index.yaml` gives, whose references to the results (`{{ share team_blandet 2019 }}`)
are filled from the published tables in the document's number format.

Prose cannot go stale: `report/<language>/approved.lock.yaml` records, per reference, what the
author last approved (value, direction, significance, verdict). A run where a referenced
direction, significance or verdict differs from the lock lists each such sentence; under
`publication.strict_prose` it stops instead. `navpartner approve-prose` rewrites the lock.

The grammar (one reference inside `{{ }}`, words separated by spaces; GROUP is
`breakdown:group`, the total when left out):

    share IND WAVE [GROUP]            the estimate, "80,6 %"
    interval IND WAVE [GROUP]         its confidence interval, "78,8–82,3 %"
    change IND FROM TO [GROUP]        the change in points with its interval
    contrast IND WAVE GROUP REF       a group against a reference group of one breakdown
    claim ID                          the claim's verdict, "holder"
    figure NAME                       "figur 3" (NAME: an indicator or a configured figure)
    chapter NAME                      "kapittel 4" (NAME: a theme or an authored chapter)

Markdown: `# ` starts the chapter (its title), `## ` a section, `- ` a bullet; paragraphs are
separated by blank lines. No other markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from navpartner.errors import InputError
from navpartner.yamlfile import read_yaml

INDEX = "index.yaml"
LOCK = "approved.lock.yaml"
REFERENCE = re.compile(r"\{\{(.*?)\}\}")
RESULTS = "results"  # the index's name for the generated theme chapters
# A cross-reference is numbered only once the whole document is laid out: a token until then.
CROSS = "\x00{kind}:{name}:{line}:{file}\x00"
CROSS_TOKEN = re.compile(r"\x00(figure|number|chapter):([^:\x00]+):(\d+):([^\x00]+)\x00")
JUDGED = ("direction", "significance", "verdict")  # what a new result can make stale


class ProseError(InputError):
    """A reference the results cannot fill, or prose that changed meaning under strict_prose."""


@dataclass(frozen=True)
class Reference:
    file: str  # e.g. "report/nb/team.md"
    line: int
    text: str  # the reference as written, without braces
    key: str  # the text normalised + its occurrence in the file (stable when lines move)
    sentence: str


@dataclass
class Part:
    """One authored Markdown file as blocks: ("heading", level, text), ("paragraph", text),
    ("bullets", [texts]); texts still hold their references."""

    name: str
    file: str
    title: str
    blocks: list = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)


@dataclass(frozen=True)
class Stale:
    reference: Reference
    before: dict
    after: dict


def read_index(folder: Path) -> dict:
    path = folder / INDEX
    index = read_yaml(path)
    for section in ("front", "main", "back"):
        if not isinstance(index.get(section, []), list):
            raise InputError(str(path), f"'{section}' is not a list of chapter names")
    if RESULTS not in index.get("main", []):
        raise InputError(str(path), f"'main' lacks '{RESULTS}' (where the theme chapters go)")
    return index


def read_parts(folder: Path, language: str, themes: list[str]) -> dict[str, Part]:
    """Every authored file of the language: the index's chapters and the themes' openings."""
    index = read_index(folder)
    names = [
        name
        for section in ("front", "main", "back")
        for name in index.get(section, [])
        if name != RESULTS
    ]
    parts = {}
    for name in names:
        path = folder / language / f"{name}.md"
        if not path.is_file():
            raise InputError(str(folder / INDEX), f"chapter '{name}' has no file {path}")
        parts[name] = parse(path)
    for theme in themes:
        path = folder / language / f"{theme}.md"
        if path.is_file():
            parts[theme] = parse(path, titled=False)
    return parts


def parse(path: Path, titled: bool = True) -> Part:
    """A chapter (`titled`: it opens with a `# ` title) or a theme's opening (no title)."""
    file = str(path)
    part = Part(name=path.stem, file=file, title="")
    paragraph: list[tuple[int, str]] = []
    seen: dict[str, int] = {}

    def flush():
        if paragraph:
            part.blocks.append(("paragraph", " ".join(text for _, text in paragraph)))
            paragraph.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        part.references += _references(file, number, line, seen)
        if line.startswith("#") and "{{" in line:
            raise ProseError(file, "a heading holds a reference (only text may)", line=number)
        if not line:
            flush()
        elif line.startswith("# "):
            flush()
            part.title = line[2:].strip()
        elif line.startswith("## "):
            flush()
            part.blocks.append(("heading", 2, line[3:].strip()))
        elif line.startswith("- "):
            flush()
            if part.blocks and part.blocks[-1][0] == "bullets":
                part.blocks[-1][1].append(line[2:].strip())
            else:
                part.blocks.append(("bullets", [line[2:].strip()]))
        elif part.blocks and part.blocks[-1][0] == "bullets" and not paragraph and raw[:1] == " ":
            part.blocks[-1][1][-1] += " " + line  # a bullet's continuation line
        else:
            paragraph.append((number, line))
    flush()
    if titled and not part.title:
        raise InputError(file, "the chapter has no '# ' title line", line=1)
    return part


def _references(file: str, number: int, line: str, seen: dict[str, int]) -> list[Reference]:
    if line.count("{{") != line.count("}}") or len(REFERENCE.findall(line)) != line.count("{{"):
        raise ProseError(file, f"malformed reference in '{line}'", line=number)
    found = []
    for match in REFERENCE.finditer(line):
        text = " ".join(match.group(1).split())
        seen[text] = seen.get(text, 0) + 1
        key = f"{text} #{seen[text]}"
        found.append(Reference(file, number, text, key, _sentence(line, match.start())))
    return found


def _sentence(line: str, at: int) -> str:
    """The sentence of the line around a reference (enough for a reviewer to find it)."""
    start = max(line.rfind(". ", 0, at) + 2, 0) if line.rfind(". ", 0, at) >= 0 else 0
    end = line.find(". ", at)
    return line[start : end + 1 if end >= 0 else len(line)]


class Resolver:
    """Fills references from the published tables; `state` is what the lock compares."""

    def __init__(self, config: dict, sources, write, chapters: set[str]):
        self.config, self.sources, self.write = config, sources, write
        self.chapters = chapters  # names a `chapter` reference may point at

    def __call__(self, ref: Reference) -> tuple[str, dict]:
        verb, *args = ref.text.split(" ")
        handlers = {
            "share": (self._share, (2, 3)),
            "interval": (self._interval, (2, 3)),
            "change": (self._change, (3, 4)),
            "contrast": (self._contrast, (4,)),
            "claim": (self._claim, (1,)),
            "figure": (self._figure, (1,)),
            "chapter": (self._chapter, (1,)),
        }
        if verb not in handlers:
            self._fail(ref, f"unknown kind '{verb}'", f"one of {sorted(handlers)}")
        handler, counts = handlers[verb]
        if len(args) not in counts:
            self._fail(ref, f"'{verb}' takes {' or '.join(map(str, counts))} words after it")
        return handler(ref, *args)

    def _fail(self, ref: Reference, problem: str, expected: str | None = None):
        raise ProseError(
            ref.file, f"{{{{ {ref.text} }}}}: {problem}", line=ref.line, expected=expected
        )

    def _indicator(self, ref: Reference, name: str) -> str:
        if name not in self.config["indicators"]:
            self._fail(ref, f"unknown indicator '{name}'")
        return name

    def _wave(self, ref: Reference, wave: str) -> int:
        waves = sorted({int(w) for s in self.config["surveys"].values() for w in s["waves"]})
        if not wave.isdigit() or int(wave) not in waves:
            self._fail(ref, f"unknown wave '{wave}'", f"one of {waves}")
        return int(wave)

    def _group(self, ref: Reference, name: str, group: str | None) -> tuple[str, str]:
        if group is None:
            return "total", "total"
        breakdown, _, value = group.partition(":")
        if breakdown not in self.config["indicators"][name]["breakdowns"] or not value:
            self._fail(ref, f"unknown group '{group}' of {name}", "breakdown:group")
        return breakdown, value

    def _cell(self, ref: Reference, name, wave, group=None) -> pd.Series:
        name, wave = self._indicator(ref, name), self._wave(ref, wave)
        breakdown, value = self._group(ref, name, group)
        rows = self.sources.indicator_rows(name)
        hit = rows[
            (rows["wave"] == wave) & (rows["breakdown"] == breakdown) & (rows["group"] == value)
        ]
        if hit.empty:
            self._fail(ref, f"no published cell for {name} {wave} {breakdown}:{value}")
        if pd.isna(hit["percent"].iloc[0]):
            self._fail(ref, "the cell is suppressed (too few respondents to publish)")
        return hit.iloc[0]

    def _share(self, ref, name, wave, group=None):
        cell = self._cell(ref, name, wave, group)
        return self.write.percent(cell["percent"]), {"value": float(cell["percent"])}

    def _interval(self, ref, name, wave, group=None):
        cell = self._cell(ref, name, wave, group)
        text = self.write.percent(cell["ci_high"]).replace(
            self.write.number(cell["ci_high"]), self.write.interval(cell["ci_low"], cell["ci_high"])
        )
        return text, {"value": [float(cell["ci_low"]), float(cell["ci_high"])]}

    def _change(self, ref, name, wave_from, wave_to, group=None):
        name = self._indicator(ref, name)
        first, last = self._wave(ref, wave_from), self._wave(ref, wave_to)
        breakdown, value = self._group(ref, name, group)
        changes = self.sources.changes
        hit = changes[
            (changes["indicator"] == name)
            & (changes["breakdown"] == breakdown)
            & (changes["group"] == value)
            & (changes["wave_from"] == first)
            & (changes["wave_to"] == last)
        ]
        if hit.empty:
            self._fail(ref, f"no published change for {name} {first}–{last}")
        row = hit.iloc[0]
        if pd.isna(row["change"]):
            self._fail(ref, "the change is suppressed (too few respondents to publish)")
        adjusted = self._adjusted_p("wave", name, breakdown, value, last, first)
        write = self.write
        text = write(
            "prose.change",
            change=self.write.number(row["change"], signed=True),
            range=self.write.difference_interval(row["ci_low"], row["ci_high"]),
        )
        return text, self._judged(row["change"], row["ci_low"], row["ci_high"], adjusted)

    def _contrast(self, ref, name, wave, group, reference):
        name, wave = self._indicator(ref, name), self._wave(ref, wave)
        breakdown, value = self._group(ref, name, group)
        contrasts = self.sources.contrasts
        hit = (
            contrasts[
                (contrasts["kind"] == "group")
                & (contrasts["indicator"] == name)
                & (contrasts["breakdown"] == breakdown)
                & (contrasts["group"].astype(str) == value)
                & (contrasts["reference"].astype(str) == reference)
                & (contrasts["wave"] == wave)
            ]
            if contrasts is not None
            else []
        )
        if len(hit) == 0:
            self._fail(ref, f"no contrast {breakdown}:{value} against {reference} in {wave}")
        row = hit.iloc[0]
        shown = self.sources.shown_cells
        if {(name, breakdown, value, wave), (name, breakdown, reference, wave)} - shown:
            self._fail(ref, "a group of the contrast is suppressed (too few respondents)")
        difference, low, high = (100 * row[c] for c in ("difference", "ci_low", "ci_high"))
        write = self.write
        text = write(
            "prose.change",
            change=self.write.number(difference, signed=True),
            range=self.write.difference_interval(low, high),
        )
        return text, self._judged(difference, low, high, row["p_adjusted"])

    def _judged(self, value, low, high, adjusted) -> dict:
        """The rule of the reading guide: clear only where the adjusted p supports it; a raw
        interval excluding zero without that support is its own state."""
        raw = bool(low > 0 or high < 0)
        if adjusted is not None and not pd.isna(adjusted):
            clear = bool(adjusted < self.write.alpha)
        else:
            clear = raw
        significance = "clear" if clear else ("raw_only" if raw else "unclear")
        direction = "up" if value > 0 else "down" if value < 0 else "none"
        return {
            "value": round(float(value), 1),
            "direction": direction,
            "significance": significance,
        }

    def _adjusted_p(self, kind, name, breakdown, group, wave, reference):
        contrasts = self.sources.contrasts
        if contrasts is None:
            return None
        hit = contrasts[
            (contrasts["kind"] == kind)
            & (contrasts["indicator"] == name)
            & (contrasts["breakdown"] == breakdown)
            & (contrasts["group"].astype(str) == group)
            & (contrasts["wave"] == wave)
            & (contrasts["wave_reference"] == reference)
        ]
        return None if hit.empty else hit["p_adjusted"].iloc[0]

    def _claim(self, ref, claim):
        claims = self.sources.claims
        hit = claims[claims["claim"] == claim] if claims is not None else []
        if len(hit) == 0:
            self._fail(ref, f"unknown claim '{claim}'")
        verdict = str(hit["verdict"].iloc[0])
        write = self.write
        return write(f"report.verdict_{verdict}").lower(), {"verdict": verdict}

    def _figure(self, ref, name):
        known = {*self.config["indicators"], *self.config["publication"]["figures"], "change"}
        if name not in known:
            self._fail(ref, f"unknown figure '{name}'")
        return CROSS.format(kind="figure", name=name, line=ref.line, file=ref.file), {}

    def _chapter(self, ref, name):
        if name not in self.chapters:
            self._fail(ref, f"unknown chapter '{name}'")
        return CROSS.format(kind="chapter", name=name, line=ref.line, file=ref.file), {}


def resolve_all(parts: list[Part], resolver: Resolver) -> dict[tuple[str, str], tuple]:
    """(file, key) -> (words, state) of every reference of the parts."""
    return {(part.file, ref.key): resolver(ref) for part in parts for ref in part.references}


def render(part: Part, resolved: dict[tuple[str, str], tuple[str, dict]]) -> list:
    """The part's blocks as (kind, ...) with every reference filled, in order of occurrence."""
    queue = iter(part.references)
    out = []

    def filled(text: str) -> str:
        return REFERENCE.sub(lambda _: resolved[(part.file, next(queue).key)][0], text)

    for block in part.blocks:
        if block[0] == "paragraph":
            out.append(("paragraph", filled(block[1])))
        elif block[0] == "bullets":
            out.append(("bullets", [filled(item) for item in block[1]]))
        else:
            out.append(block)
    return out


def lock_key(part: Part) -> str:
    """The part's name in the lock: language folder and file name ("nb/team.md"), the same
    wherever the project lies."""
    path = Path(part.file)
    return f"{path.parent.name}/{path.name}"


def stale_references(parts: list[Part], resolved: dict, lock: dict) -> list[Stale]:
    """Each reference whose direction, significance or verdict differs from what the author
    approved (or that was never approved)."""
    stale = []
    for part in parts:
        approved = lock.get(lock_key(part), {})
        for ref in part.references:
            now = {k: v for k, v in resolved[(part.file, ref.key)][1].items() if k in JUDGED}
            if not now:
                continue
            before = approved.get(ref.key)
            before_judged = {k: v for k, v in (before or {}).items() if k in JUDGED}
            if before is None or before_judged != now:
                stale.append(Stale(ref, before_judged, now))
    return stale


def lock_content(parts: list[Part], resolved: dict) -> dict:
    lock = {
        lock_key(part): {
            ref.key: {**resolved[(part.file, ref.key)][1], "line": ref.line}
            for ref in part.references
            if resolved[(part.file, ref.key)][1]
        }
        for part in parts
    }
    return {file: entries for file, entries in lock.items() if entries}
