"""The report's content, written from the published estimates: title, summary with the claims,
one chapter per theme, and the appendices on method, questionnaire and provenance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from navpartner.config import (
    change_figures,
    distribution_figures,
    survey_waves,
    theme_comparisons,
    theme_indicators,
)
from navpartner.document.authored import CROSS, CROSS_TOKEN, ProseError
from navpartner.document.blocks import (
    Bullets,
    Contents,
    Figure,
    Heading,
    Numbering,
    Paragraph,
    Table,
    Title,
    Together,
)
from navpartner.publish import methods
from navpartner.publish.findings import model_term_label, term_order
from navpartner.publish.labels import PLACE_NAMES, Labels

NOT_ASKED, SUPPRESSED, FLAG = ".", ":", "†"


@dataclass
class Sources:
    """Everything the report is written from: aggregates and audits, never respondent rows."""

    published: pd.DataFrame  # results/tables/indicators.csv
    changes: pd.DataFrame  # results/tables/changes.csv
    claims: pd.DataFrame | None  # results/tables/claims.csv
    estimate_audits: list[dict]
    harmonise_audits: list[dict]
    diagnostics: pd.DataFrame
    models: dict[str, pd.DataFrame]
    figures: Path  # the folder of the published SVG figures
    checksums: dict[str, str]  # every input file -> SHA-256
    config_fingerprint: str
    packages: dict[str, str]
    synthetic_label: str = ""  # the vendor files' label when the data are synthetic
    contrasts: pd.DataFrame | None = None
    response_rates: pd.DataFrame | None = None
    representativity: pd.DataFrame | None = None  # results/estimates/representativity.csv
    distribution_themes: set[str] = field(default_factory=set)  # themes with an answer chart
    tests: int | None = None  # the Benjamini–Hochberg family: every published test

    def indicator_rows(self, name: str) -> pd.DataFrame:
        """The published rows of one indicator, in the table's order."""
        return self._by_indicator.get(name, self.published.iloc[:0])

    @cached_property
    def _by_indicator(self) -> dict[str, pd.DataFrame]:
        return dict(tuple(self.published.groupby("indicator", sort=False)))

    @cached_property
    def shown_cells(self) -> set[tuple]:
        """(indicator, breakdown, group, wave) of every published cell not suppressed."""
        table = self.published
        shown = table[table["percent"].notna()]
        hidden = table[table["percent"].isna()]
        keys = ["indicator", "breakdown", "group", "wave"]
        return set(shown[keys].itertuples(index=False, name=None)) - set(
            hidden[keys].itertuples(index=False, name=None)
        )


class Writer:
    """Texts in the configured language, and numbers written the way that language does."""

    def __init__(self, config: dict):
        self.config = config
        self.labels = Labels(config)
        self.alpha = 1 - config["estimation"]["confidence_level"]

    def __call__(self, key: str, **values) -> str:
        return self.labels.text(key, **values)

    def number(self, value: float, decimals: int | None = 1, signed: bool = False) -> str:
        return self.labels.texts.number(value, decimals, signed)

    def percent(self, value: float) -> str:
        """A share in per cent from a published per-cent value."""
        return self.labels.texts.percent(value)

    def count(self, number: int) -> str:
        """A small whole number in words in running text ("tre"), larger ones in digits."""
        words = self.labels.text("report.number_words").split(", ")
        return words[number] if 0 <= number < len(words) else self.number(number, 0)

    def points(self, value: float, signed: bool = True) -> str:
        return self.labels.text("report.points", value=self.number(value, signed=signed))

    def p_value(self, p: float) -> str:
        if p < 0.001:
            return "< " + self.number(0.001, 3)
        return "= " + self.number(p, 3)

    def interval(self, low: float, high: float) -> str:
        return f"{self.number(low)}–{self.number(high)}"

    def difference_interval(self, low: float, high: float) -> str:
        """An interval of a difference, whose bounds may be negative: "−29,9 til −15,3"."""
        return self.labels.text("report.range", low=self.number(low), high=self.number(high))


def build(config: dict, sources: Sources) -> list:
    """Every block of the report, in order."""
    write = Writer(config)
    blocks = [_title(config, sources, write), Contents(write("report.contents"))]
    blocks += _summary(config, sources, write)
    for theme in config["publication"]["themes"]:
        blocks += _chapter(config, sources, write, theme)
    blocks += _method(config, sources, write)
    blocks += _questionnaire(config, write)
    blocks += _provenance(config, sources, write)
    return cross_referenced(blocks, write)


def _waves(config: dict) -> list[int]:
    return sorted({wave for _, wave in survey_waves(config)})


def _survey_waves(config: dict, survey: str) -> list[str]:
    return [str(wave) for name, wave in survey_waves(config) if name == survey]


def _title(config: dict, sources: Sources, write: Writer) -> Title:
    waves = _waves(config)
    surveys = [
        write.labels.survey(survey) + ": " + ", ".join(_survey_waves(config, survey))
        for survey in config["surveys"]
    ]
    labels = sorted({audit.get("source_file_label", "") for audit in sources.estimate_audits})
    return Title(
        title=write("report.title"),
        subtitle=write(
            "report.subtitle", waves=f"{waves[0]}–{waves[-1]}" if len(waves) > 1 else waves[0]
        ),
        lines=[
            f"{write('report.title_surveys')}: " + "; ".join(surveys),
            f"{write('report.title_data')}: " + _data_label(sources, labels, write),
            write("report.title_made"),
        ],
    )


def _data_label(sources: Sources, labels: list[str], write: Writer) -> str:
    """The vendor files' own labels; synthetic data said in the report's language (the
    synthetic files' label is Norwegian)."""
    if sources.synthetic_label:
        return write("report.title_data_synthetic")
    return "; ".join(label for label in labels if label)


# Summary ------------------------------------------------------------------------------------


def _summary(config: dict, sources: Sources, write: Writer) -> list:
    """The key findings first; the change chart floats to where it fits (most of a page: at
    the top of the next), while the claims table, which breaks across pages, fills the rest."""
    blocks = [
        Heading(write("report.summary"), anchor="summary", new_page=True),
        Paragraph(write("report.summary_intro")),
        Heading(write("report.key_findings"), level=2),
        Bullets([_key_finding(config, sources, write, t) for t in _themes(config)]),
    ]
    if config["publication"].get("change"):
        blocks += _change_charts(config, sources, write)
    if sources.claims is not None and "claims" in config:
        source = config["claims"]["source"][write.labels.language]
        blocks += [
            Heading(write("report.claims_heading"), level=2),
            Paragraph(write("report.claims_intro", source=source)),
            _claims_table(config, sources.claims, write),
        ]
    return blocks


def _change_charts(config: dict, sources: Sources, write: Writer) -> list:
    """The change chart, or its parts, each captioned with the themes it covers."""
    waves = {"first": config["publication"]["change"]["from"]}
    waves["last"] = config["publication"]["change"]["to"]
    charts = change_figures(config)
    figures = []
    for k, (name, indicators) in enumerate(charts, start=1):
        if len(charts) == 1:
            caption = write("caption_change", **waves)
        else:
            themes = dict.fromkeys(config["indicators"][i]["theme"] for i in indicators)
            named = write.labels.texts.join([write.labels.theme(t) for t in themes])
            caption = write("report.change_part", k=k, n=len(charts), themes=named, **waves)
        figures.append(Figure(str(sources.figures / f"{name}.svg"), caption))
    return figures


def _themes(config: dict) -> list[str]:
    used = {spec["theme"] for spec in config["indicators"].values()}
    return [theme for theme in config["publication"]["themes"] if theme in used]


def _claims_table(config: dict, claims: pd.DataFrame, write: Writer) -> Table:
    rows = []
    for row in claims.itertuples(index=False):
        spec = config["claims"]["statements"][row.claim]
        verdict = write(f"report.verdict_{row.verdict}")
        if row.verdict == "inconclusive":
            verdict += f" ({write(f'report.reason_{row.reason}')})"
        if row.verdict == "not_testable":
            verdict += f": {write(f'report.reason_{row.reason}')}"
        rows.append(
            [
                spec["statement"][write.labels.language],
                _claim_test(config, spec["test"], write) if "test" in spec else "–",
                _claim_evidence(row, write),
                verdict,
            ]
        )
    return Table(
        caption=write("report.claims_caption"),
        header=[
            write("report.claims_header_statement"),
            write("report.claims_header_test"),
            write("report.claims_header_evidence"),
            write("report.claims_header_verdict"),
        ],
        rows=rows,
        widths=[3.2, 2.3, 2.8, 1.3],
        numeric=[False] * 4,
        notes=[write("report.claims_note", alpha=write.number(write.alpha, 2))],
        small=True,
    )


def _claim_test(config: dict, test: dict, write: Writer) -> str:
    labels = write.labels
    if test["form"] == "level":
        if "about" in test:
            low, high = test["about"]
            return write(
                "report.test_level_about",
                wave=test["wave"],
                low=write.number(low, None),
                high=write.labels.texts.percent(high, None),
            )
        bound = "above" if "above" in test else "below"
        value = write.labels.texts.percent(test[bound], None)
        return write(f"report.test_level_{bound}", wave=test["wave"], value=value)
    direction = write(f"report.direction_{test['direction']}")
    breakdown = test.get("breakdown", "total")
    if test["form"] == "change" and "reference" not in test:
        first, last = test["waves"]
        return write("report.test_change", first=first, last=last, direction=direction)
    group = _in_sentence(labels, breakdown, test.get("group", "total"))
    if "indicator_reference" in test:
        group = labels.population(test["indicator"])
        reference = labels.population(test["indicator_reference"])
    else:
        reference = _reference_label(labels, breakdown, test["reference"], write)
    if test["form"] == "change":
        first, last = test["waves"]
        return write(
            "report.test_gap",
            group=group,
            reference=reference,
            first=first,
            last=last,
            direction=direction,
        )
    text = write(
        "report.test_difference",
        group=group,
        reference=reference,
        wave=test["wave"],
        direction=direction,
    )
    return _capitalised(text)


def _reference_label(labels: Labels, breakdown: str, reference: str, write: Writer) -> str:
    return write("rest") if reference == "rest" else _in_sentence(labels, breakdown, reference)


def _in_sentence(labels: Labels, breakdown: str, group: str) -> str:
    """A group's label inside a sentence: lower case, unless it names a place."""
    label = labels.group(breakdown, group)
    return label if breakdown in PLACE_NAMES else label[0].lower() + label[1:]


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _claim_evidence(row, write: Writer) -> str:
    if _missing(row.estimate):
        return "–"
    if row.form == "level":
        return write(
            "report.evidence_level",
            value=write.percent(100 * row.estimate),
            low=write.number(100 * row.estimate_ci_low),
            high=write.number(100 * row.estimate_ci_high),
        )
    gap = row.form == "change" and isinstance(row.reference, str) and row.reference != ""
    show = write.points if gap else (lambda v: write.percent(v))
    scale = 100
    return write(
        "report.evidence_difference",
        estimate=show(scale * row.estimate) if gap else write.percent(scale * row.estimate),
        reference=show(scale * row.estimate_reference)
        if gap
        else write.percent(scale * row.estimate_reference),
        difference=write.number(scale * row.difference, signed=True),
        low=write.number(scale * row.ci_low),
        high=write.number(scale * row.ci_high),
        p=write.p_value(row.p_adjusted),
    )


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _key_finding(config: dict, sources: Sources, write: Writer, theme: str) -> str:
    """The theme's first indicator, level and change, in one sentence."""
    name = next(n for n, spec in config["indicators"].items() if spec["theme"] == theme)
    return " ".join(_indicator_sentences(config, sources, write, name, named=True)[:2])


# Chapters -----------------------------------------------------------------------------------


def _chapter(config: dict, sources: Sources, write: Writer, theme: str) -> list:
    names = theme_indicators(config, theme)
    if not names:
        return []
    labels = write.labels
    count = labels.texts.plural("report.indicator_count", len(names), n=write.count(len(names)))
    blocks = [
        Heading(labels.theme(theme), anchor=f"theme-{theme}", new_page=True),
        Paragraph(write("report.chapter_intro", count=count)),
    ]
    for name in names:
        blocks += _indicator_section(config, sources, write, name)
    # The table first: it stays where it stands, the figures float to where they fit.
    blocks += _survey_contrasts(config, sources, write, names)
    for figure in theme_comparisons(config, theme):
        title = config["publication"]["figures"][figure]["title"][labels.language]
        blocks.append(Figure(str(sources.figures / f"{figure}.svg"), title))
    for model, spec in config.get("models", {}).items():
        if spec["indicators"][0] in names and model in sources.models:
            blocks.append(_model_table(config, model, sources.models[model], write))
    if theme in sources.distribution_themes:
        blocks += _distributions(config, sources, write, theme)
    return blocks


def _distributions(config: dict, sources: Sources, write: Writer, theme: str) -> list:
    """The theme's answer distributions: every answer of the items behind its indicators, in
    as many charts as it takes to print each at the text's width."""
    charts = distribution_figures(config, theme)
    numbers = [
        CROSS.format(kind="number", name=name, line=0, file="generated") for name, _ in charts
    ]
    figures = numbers[0] if len(charts) == 1 else _figure_range(numbers, write)
    intro = write.labels.texts.plural("report.distribution_intro", len(charts), figures=figures)
    blocks = []
    for k, (name, _) in enumerate(charts, start=1):
        caption_theme = write.labels.theme(theme)
        if len(charts) > 1:
            caption_theme = write("part_of", title=caption_theme, k=k, n=len(charts))
        blocks.append(
            Figure(
                str(sources.figures / f"{name}.svg"),
                write("report.distribution_caption", theme=caption_theme),
                floating=False,
            )
        )
    # Kept together: the first chart is most of a page, and its heading must not be left
    # behind; the others follow, each where it fits.
    heading = Heading(write("report.distribution_heading"), level=2, anchor=f"distribution-{theme}")
    return [Together((heading, Paragraph(intro), blocks[0])), *blocks[1:]]


def _figure_range(numbers: list[str], write: Writer) -> str:
    """ "15 og 16" for two charts, "39–42" for more (the numbers' tokens)."""
    if len(numbers) == 2:
        return write.labels.texts.join(numbers)
    return f"{numbers[0]}–{numbers[-1]}"


def _indicator_section(config: dict, sources: Sources, write: Writer, name: str) -> list:
    labels = write.labels
    blocks = [
        Heading(labels.indicator(name), level=2, anchor=f"indicator-{name}"),
        Paragraph(
            labels.definition(name)
            + " "
            + write("report.asked_in", survey=_survey_in_sentence(config, write, name))
        ),
        Paragraph(" ".join(_indicator_sentences(config, sources, write, name))),
        Figure(
            str(sources.figures / f"{name}.svg"),
            write("report.figure_caption", label=labels.indicator(name)),
        ),
        _indicator_table(config, sources, write, name),
    ]
    contrasts = _group_contrasts_table(config, sources, write, name)
    return blocks + ([contrasts] if contrasts else [])


def _survey_in_sentence(config: dict, write: Writer, name: str) -> str:
    """The survey's name inside a sentence, without its parenthesis: "kontorundersøkelsen"."""
    label = write.labels.survey(config["indicators"][name]["survey"]).split(" (")[0]
    return label[0].lower() + label[1:]


def _totals(sources: Sources, name: str) -> pd.DataFrame:
    table = sources.indicator_rows(name)
    rows = table[table["breakdown"] == "total"]
    return rows.sort_values("wave")


def _indicator_sentences(
    config: dict, sources: Sources, write: Writer, name: str, named: bool = False
) -> list[str]:
    """Level in the last wave with the change from the wave before, the change over the whole
    period where there are three waves or more, and the groups that differ clearly.
    `named`: the sentence names the indicator (the summary), rather than its section's heading."""
    totals = _totals(sources, name).dropna(subset=["percent"])
    labels = write.labels
    if totals.empty:
        return [labels.indicator(name) + ": " + write("report.suppressed_text") + "."]
    last = totals.iloc[-1]
    wave = int(last["wave"])
    changes = _total_changes(sources, name, wave)
    latest = changes[0] if changes else None
    level = {
        "value": write.percent(last["percent"]),
        "low": write.number(last["ci_low"]),
        "high": write.number(last["ci_high"]),
        "wave": wave,
        "n": write.number(last["n"], 0),
        "change": _change_text(latest, sources, write, name, "clause")
        if latest is not None
        else "",
    }
    if named:
        sentences = [write("report.sentence_level_named", label=labels.indicator(name), **level)]
    else:
        sentences = [write("report.sentence_level", **level)]
    if len(changes) > 1:
        sentences.append(_change_text(changes[-1], sources, write, name, "long"))
    survey = config["indicators"][name]["survey"]
    missing = [w for s, w in survey_waves(config) if s == survey and w not in set(totals["wave"])]
    if missing:
        sentences.append(
            write(
                "report.sentence_not_asked", waves=write.labels.texts.join(list(map(str, missing)))
            )
        )
    sentences += _group_sentences(config, sources, write, name, wave)
    return sentences


def _total_changes(sources: Sources, name: str, wave: int) -> list[pd.Series]:
    """The changes of the total to `wave`: from the wave before, then (with three waves or
    more) from the first wave."""
    changes = sources.changes
    hits = changes[
        (changes["indicator"] == name)
        & (changes["breakdown"] == "total")
        & (changes["wave_to"] == wave)
        & changes["change"].notna()
    ].sort_values("wave_from")
    if hits.empty:
        return []
    latest, first = hits.iloc[-1], hits.iloc[0]
    return [latest] if first["wave_from"] == latest["wave_from"] else [latest, first]


def _change_text(change: pd.Series, sources: Sources, write: Writer, name: str, form: str) -> str:
    """A change as a clause of the level sentence (`form` "clause") or a sentence of its own
    ("long"), worded by its verdict: clear after adjustment (up or down), clear on its own but
    not after adjusting for the family of tests, or not clear."""
    values = {
        "value": write.percent(change["percent_from"]),
        "wave": int(change["wave_from"]),
        "last": int(change["wave_to"]),
        "change": write("report.points_text", value=write.number(change["change"], signed=True)),
        "size": write("report.points_text", value=write.number(abs(change["change"]))),
        "low": write.number(change["ci_low"]),
        "high": write.number(change["ci_high"]),
        "tests": write.number(sources.tests or 0, 0),
    }
    return write(f"report.change_{form}_{change_verdict(change, sources, write, name)}", **values)


def change_verdict(change: pd.Series, sources: Sources, write: Writer, name: str) -> str:
    """up / down: clear after the Benjamini–Hochberg adjustment; unadjusted: the raw interval
    excludes zero but the adjusted p does not hold; unclear: the interval includes zero.
    Without the findings tables (no adjusted p) the interval decides."""
    raw = change["ci_low"] > 0 or change["ci_high"] < 0
    adjusted = _adjusted_p(sources, name, change)
    clear = raw if adjusted is None else adjusted < write.alpha
    if clear:
        return "up" if change["change"] > 0 else "down"
    return "unadjusted" if raw else "unclear"


def _adjusted_p(sources: Sources, name: str, change: pd.Series) -> float | None:
    contrasts = sources.contrasts
    if contrasts is None or not sources.tests:
        return None
    hit = contrasts[
        (contrasts["kind"] == "wave")
        & (contrasts["indicator"] == name)
        & (contrasts["breakdown"] == "total")
        & (contrasts["wave"] == change["wave_to"])
        & (contrasts["wave_reference"] == change["wave_from"])
    ]
    return None if hit.empty else float(hit["p_adjusted"].iloc[0])


def _group_sentences(config: dict, sources: Sources, write: Writer, name: str, wave: int) -> list:
    """Per breakdown, the groups that differ clearly from the rest (or from their reference
    group) after the adjustment for many tests; a group flagged as unreliable is never named.
    Where none does, the sentence says so."""
    table = sources.indicator_rows(name)
    sentences, unclear = [], []  # unclear: the breakdowns where no group stands apart
    for breakdown in config["indicators"][name]["breakdowns"]:
        if breakdown == "total":
            continue
        rows = table[(table["breakdown"] == breakdown) & (table["wave"] == wave)].dropna(
            subset=["percent"]
        )
        if len(rows) < 2:
            continue
        contrasts = _group_contrasts(sources, name, breakdown, wave)
        if len(rows) == 2 and len(contrasts) == 1:
            sentence = _pair_sentence(write, breakdown, rows, contrasts.iloc[0], wave)
        else:
            sentence = _spread_sentence(write, breakdown, rows, contrasts, wave)
        if sentence == _groups_unclear(write, [breakdown], wave):
            if not unclear:
                sentences.append(None)  # the place of the one sentence for them all
            unclear.append(breakdown)
        else:
            sentences.append(sentence)
    # "Etter kommunestørrelse og landsdel skiller ingen gruppe seg klart fra resten", once.
    merged = _groups_unclear(write, unclear, wave) if unclear else None
    return [merged if sentence is None else sentence for sentence in sentences]


def _groups_unclear(write: Writer, breakdowns: list[str], wave: int) -> str:
    named = write.labels.texts.join([_breakdown_text(write, b) for b in breakdowns])
    return write("report.groups_unclear", breakdown=named, wave=wave)


def _group_contrasts(sources: Sources, name: str, breakdown: str, wave: int) -> pd.DataFrame:
    contrasts = sources.contrasts
    if contrasts is None:
        return pd.DataFrame(columns=["group", "reference", "difference", "p_adjusted"])
    return contrasts[
        (contrasts["kind"] == "group")
        & (contrasts["indicator"] == name)
        & (contrasts["breakdown"] == breakdown)
        & (contrasts["wave"] == wave)
    ]


def _is_clear(contrast, write: Writer) -> bool:
    return bool(contrast["p_adjusted"] < write.alpha)


def _flagged(row) -> bool:
    return bool(row.get("flagged", False))


def _pair_sentence(write: Writer, breakdown: str, rows: pd.DataFrame, contrast, wave: int) -> str:
    """Two groups: the one higher than the other, where the difference holds."""
    by_group = {row["group"]: row for _, row in rows.iterrows()}
    pair = [by_group.get(contrast["group"]), by_group.get(contrast["reference"])]
    if any(row is None for row in pair):
        return _groups_unclear(write, [breakdown], wave)
    high, low = sorted(pair, key=lambda row: row["percent"], reverse=True)
    clear = _is_clear(contrast, write) and not (_flagged(high) or _flagged(low))
    values = {
        "high_group": write.labels.group_in_sentence(breakdown, high["group"]),
        "high": write.percent(high["percent"]),
        "low_group": write.labels.group_in_sentence(breakdown, low["group"]),
        "low": write.percent(low["percent"]),
        "wave": wave,
    }
    return write(f"report.pair_{'clear' if clear else 'unclear'}", **values)


def _spread_sentence(
    write: Writer, breakdown: str, rows: pd.DataFrame, contrasts: pd.DataFrame, wave: int
) -> str:
    """The highest and the lowest group, each named only where it is clearly above (below)
    the rest or its reference group."""
    by_group = {row.group: row for row in contrasts.itertuples(index=False)}
    ranked = rows.sort_values("percent", ascending=False)
    high, low = ranked.iloc[0], ranked.iloc[-1]

    def clear(row, sign: int) -> bool:
        contrast = by_group.get(row["group"])
        return (
            contrast is not None
            and not _flagged(row)
            and contrast.p_adjusted < write.alpha
            and sign * contrast.difference > 0
        )

    values = {
        "breakdown": _breakdown_text(write, breakdown),
        "wave": wave,
        "high_group": write.labels.group_in_sentence(breakdown, high["group"]),
        "high": write.percent(high["percent"]),
        "low_group": write.labels.group_in_sentence(breakdown, low["group"]),
        "low": write.percent(low["percent"]),
    }
    verdict = {
        (True, True): "both",
        (True, False): "high",
        (False, True): "low",
        (False, False): "unclear",
    }[(clear(high, 1), clear(low, -1))]
    return write(f"report.groups_{verdict}", **values)


def _breakdown_text(write: Writer, breakdown: str) -> str:
    return write.labels.breakdown(breakdown).lower()


def _indicator_table(config: dict, sources: Sources, write: Writer, name: str) -> Table:
    labels = write.labels
    table = sources.indicator_rows(name)
    survey = config["indicators"][name]["survey"]
    waves = [w for s, w in survey_waves(config) if s == survey]
    flagged = "flagged" in table and table["flagged"].fillna(False).astype(bool).any()
    rows = []
    for breakdown in config["indicators"][name]["breakdowns"]:
        cells = table[table["breakdown"] == breakdown]
        groups = sorted(set(cells["group"]), key=lambda g: labels.group_rank(breakdown, g))
        by_cell = {}
        for _, row in cells.iterrows():
            by_cell.setdefault((row["group"], row["wave"]), row)
        if breakdown != "total":
            rows.append([labels.breakdown(breakdown)] + [""] * (2 * len(waves)))
        for group in groups:
            row = [
                "  " + labels.group(breakdown, group)
                if breakdown != "total"
                else labels.group(breakdown, group)
            ]
            for wave in waves:
                row += _cell(by_cell.get((group, wave)), write)
            rows.append(row)
    notes = [labels.text("suppressed_note", minimum=config["publication"]["min_cell_size"])]
    if any(NOT_ASKED in row for row in rows):
        notes.append(write("not_asked_note"))
    if flagged:
        notes.append(write("report.flag_note"))
    notes.append(labels.source(waves, [survey]) + " " + labels.estimation_note(survey))
    header = [write("report.group_column")]
    for wave in waves:
        header += [write("report.share_ci", wave=wave), write("report.n_column")]
    return Table(
        caption=write("report.table_caption", label=labels.indicator(name)),
        header=header,
        rows=rows,
        widths=[3.0] + [2.0, 0.9] * len(waves),
        numeric=[False] + [True] * (2 * len(waves)),
        notes=notes,
    )


def _cell(row: pd.Series | None, write: Writer) -> list[str]:
    if row is None:
        return [NOT_ASKED, NOT_ASKED]
    if pd.isna(row["percent"]):
        return [SUPPRESSED, SUPPRESSED]
    flag = FLAG if bool(row.get("flagged", False)) else ""
    share = (
        f"{write.number(row['percent'])}{flag} ({write.interval(row['ci_low'], row['ci_high'])})"
    )
    return [share, write.number(row["n"], 0)]


def _shown(sources: Sources, name: str, breakdown: str, group: str, wave: int) -> bool:
    return (name, breakdown, group, wave) in sources.shown_cells


def _group_contrasts_table(config: dict, sources: Sources, write: Writer, name: str):
    """Each group against its reference in the last wave, where the findings tables hold them;
    contrasts touching a cell not shown are left out (disclosure control)."""
    if sources.contrasts is None:
        return None
    labels = write.labels
    contrasts = sources.contrasts
    rows = contrasts[(contrasts["kind"] == "group") & (contrasts["indicator"] == name)]
    if rows.empty:
        return None
    wave = rows["wave"].max()
    breakdowns = config["indicators"][name]["breakdowns"]
    latest = sorted(
        rows[rows["wave"] == wave].itertuples(index=False),
        key=lambda r: (breakdowns.index(r.breakdown), labels.group_rank(r.breakdown, r.group)),
    )
    body = []
    for row in latest:
        shown = _shown(sources, name, row.breakdown, row.group, wave) and (
            row.reference == "rest" or _shown(sources, name, row.breakdown, row.reference, wave)
        )
        if not shown:
            continue
        body.append(
            [
                labels.group(row.breakdown, row.group),
                _reference_label(labels, row.breakdown, row.reference, write),
                write.number(100 * row.difference, signed=True),
                write.difference_interval(100 * row.ci_low, 100 * row.ci_high),
                write.p_value(row.p_value).lstrip("= "),
                write.p_value(row.p_adjusted).lstrip("= "),
            ]
        )
    if not body:
        return None
    return Table(
        caption=write("report.contrasts_caption", label=labels.indicator(name), wave=wave),
        header=[
            write("report.contrasts_header_group"),
            write("report.contrasts_header_against"),
            write("report.contrasts_header_difference"),
            write("report.contrasts_header_ci"),
            write("report.contrasts_header_p"),
            write("report.contrasts_header_adjusted_p"),
        ],
        rows=body,
        widths=[2.6, 2.0, 1.2, 1.8, 1.0, 1.2],
        numeric=[False, False, True, True, True, True],
        small=True,
    )


def _survey_contrasts(config: dict, sources: Sources, write: Writer, names: list[str]) -> list:
    if sources.contrasts is None:
        return []
    contrasts = sources.contrasts
    rows = contrasts[(contrasts["kind"] == "survey") & contrasts["indicator"].isin(names)]
    labels = write.labels
    body = [
        [
            labels.population(row.indicator),
            labels.population(row.indicator_reference),
            str(row.wave),
            write.number(100 * row.difference, signed=True),
            write.difference_interval(100 * row.ci_low, 100 * row.ci_high),
            write.p_value(row.p_adjusted).lstrip("= "),
        ]
        for row in rows[rows["breakdown"] == "total"].itertuples(index=False)
        if _shown(sources, row.indicator, "total", "total", row.wave)
        and _shown(sources, row.indicator_reference, "total", "total", row.wave)
    ]
    if not body:
        return []
    return [
        Table(
            caption=write("report.survey_contrasts_caption"),
            header=[
                write("report.survey_contrasts_header_indicator"),
                write("report.survey_contrasts_header_against"),
                write("report.survey_contrasts_header_year"),
                write("report.survey_contrasts_header_difference"),
                write("report.survey_contrasts_header_ci"),
                write("report.survey_contrasts_header_adjusted_p"),
            ],
            rows=body,
            widths=[2.2, 2.2, 0.8, 1.3, 1.8, 1.3],
            numeric=[False, False, True, True, True, True],
            small=True,
        )
    ]


def _model_table(config: dict, model: str, table: pd.DataFrame, write: Writer) -> Table:
    spec = config["models"][model]
    ordered = table.iloc[term_order(table["term"], spec, write.labels)]
    rows = [
        [
            model_term_label(config, write.labels, row.term),
            write.number(row.odds_ratio, 2),
            f"{write.number(math.exp(row.conf_low), 2)}–{write.number(math.exp(row.conf_high), 2)}",
            write.p_value(row.p_value).lstrip("= "),
        ]
        for row in ordered.itertuples(index=False)
        if row.term != "intercept"
    ]
    reference = ", ".join(
        model_term_label(config, write.labels, f"{term}[{value}]")
        for term, value in spec.get("reference", {}).items()
    )
    return Table(
        caption=write("report.model_caption", label=spec["label"][write.labels.language]),
        header=[
            write("report.model_header_term"),
            write("report.model_header_odds_ratio"),
            write("report.model_header_ci"),
            write("report.model_header_p"),
        ],
        rows=rows,
        widths=[4.0, 1.3, 1.8, 1.0],
        numeric=[False, True, True, True],
        notes=[
            write(
                "report.model_note",
                n=write.number(table["n"].iloc[0], 0),
                clusters=write.number(table["clusters"].iloc[0], 0),
                reference=reference or write("report.none"),
            )
        ],
        small=True,
    )


# Appendices ---------------------------------------------------------------------------------


def _appendix_heading(write: Writer, letter: str, title: str, anchor: str) -> Heading:
    return Heading(f"{write('report.appendix')} {letter}: {title}", anchor=anchor, new_page=True)


def _method(config: dict, sources: Sources, write: Writer) -> list:
    labels = write.labels
    blocks = [
        _appendix_heading(write, "A", write("report.method"), "method"),
        Heading(write("report.method_data"), level=2),
        Paragraph(labels.text("methods.data_intro")),
        _data_table(config, sources, write),
    ]
    if sources.response_rates is not None:
        blocks += [
            Heading(write("report.method_response"), level=2),
            _response_table(config, sources, write),
        ]
    if sources.representativity is not None:
        blocks += [
            Paragraph(write("report.representativity_text")),
            _representativity_table(sources, write),
        ]
    blocks.append(Heading(write("report.method_weighting"), level=2))
    for survey in config["surveys"]:
        intro = methods.weighting_intro(config, survey, labels)
        blocks.append(Paragraph(f"{labels.survey(survey)}. {intro}"))
    blocks.append(_diagnostics_table(config, sources, write))
    blocks.append(Heading(write("report.method_estimation"), level=2))
    blocks += [Paragraph(text) for text in methods.estimation_paragraphs(config)]
    if "claims" in config:
        blocks += [
            Heading(write("report.method_claims"), level=2),
            Paragraph(write("report.method_claims_text")),
        ]
    return blocks


def _survey_wave(write: Writer, survey: str, wave) -> str:
    return f"{write.labels.survey(survey)} {wave}"


def _data_table(config: dict, sources: Sources, write: Writer) -> Table:
    labels = write.labels
    rows = []
    for audit in sorted(sources.harmonise_audits, key=lambda a: (a["survey"], a["wave"])):
        dropped = "; ".join(
            f"{labels.reason(d['reason'])}: {write.number(d['rows'], 0)}" for d in audit["dropped"]
        )
        rows.append(
            [
                _survey_wave(write, audit["survey"], audit["wave"]),
                audit.get("source_file_label", ""),
                write.number(audit["rows_in"], 0),
                dropped or "0",
                write.number(audit["rows_out"], 0),
            ]
        )
    return Table(
        caption=write("report.data_caption"),
        header=[
            write("report.data_header_survey_wave"),
            write("report.data_header_file_label"),
            write("report.data_header_rows_in"),
            write("report.data_header_left_out"),
            write("report.data_header_used"),
        ],
        rows=rows,
        widths=[2.6, 2.6, 1.0, 2.4, 1.0],
        numeric=[False, False, True, False, True],
        small=True,
    )


def _representativity_table(sources: Sources, write: Writer) -> Table:
    """Per survey wave: the R-indicator with its SE, and the weighting variable whose
    categories' response differs most (the largest unconditional partial indicator)."""
    table = sources.representativity
    rows = []
    for (survey, wave), part in table.groupby(["survey", "wave"], sort=True):
        overall = part[part["indicator"] == "R"].iloc[0]
        variables = part[(part["indicator"] != "R") & part["category"].isna()]
        largest = variables.loc[variables["value"].idxmax()]
        rows.append(
            [
                _survey_wave(write, survey, wave),
                write.number(overall["value"], 2),
                write.number(overall["se"], 2),
                write.labels.breakdown(largest["variable"]),
                write.number(largest["value"], 3),
            ]
        )
    return Table(
        caption=write("report.representativity_caption"),
        header=[
            write("report.response_header_survey_wave"),
            write("report.representativity_header_r"),
            write("report.representativity_header_se"),
            write("report.representativity_header_variable"),
            write("report.representativity_header_partial"),
        ],
        rows=rows,
        widths=[3.6, 1.1, 0.7, 1.8, 1.2],
        numeric=[False, True, True, False, True],
        small=True,
    )


def _response_table(config: dict, sources: Sources, write: Writer) -> Table:
    rates = sources.response_rates
    totals = rates[rates["variable"] == "total"].sort_values(["survey", "wave"])
    rows = [
        [
            _survey_wave(write, row.survey, row.wave),
            write.number(row.frame_count, 0),
            write.number(row.respondents, 0),
            write.percent(100 * row.response_rate),
        ]
        for row in totals.itertuples(index=False)
    ]
    return Table(
        caption=write("report.method_response"),
        header=[
            write("report.response_header_survey_wave"),
            write("report.response_header_population"),
            write("report.response_header_respondents"),
            write("report.response_header_response_rate"),
        ],
        rows=rows,
        widths=[3.5, 1.3, 1.3, 1.3],
        numeric=[False, True, True, True],
        small=True,
    )


def _diagnostics_table(config: dict, sources: Sources, write: Writer) -> Table:
    diagnostics = sources.diagnostics
    wanted = [name for name, _ in methods.DIAGNOSTICS]
    values = diagnostics[diagnostics["statistic"].isin(wanted)].pivot_table(
        index=["survey", "wave"], columns="statistic", values="value", aggfunc="first"
    )
    rows = [
        [_survey_wave(write, survey, wave)]
        + [write.number(row[name], decimals) for name, decimals in methods.DIAGNOSTICS]
        for (survey, wave), row in values.iterrows()
    ]
    header = [""] + [methods.statistic_name(write.labels, name) for name in wanted]
    return Table(
        caption=write("report.diagnostics_caption"),
        header=header,
        rows=rows,
        # Each column as wide as its header's longest word: table cells are not hyphenated.
        widths=[4.0] + [max(4, *map(len, head.split())) / 4 for head in header[1:]],
        numeric=[False] + [True] * len(wanted),
        small=True,
    )


def _questionnaire(config: dict, write: Writer) -> list:
    labels = write.labels
    blocks = [
        _appendix_heading(write, "B", write("report.questionnaire"), "questionnaire"),
        Paragraph(write("report.questionnaire_intro", dont_know=config["dont_know_code"])),
    ]
    for survey, spec in config["surveys"].items():
        waves = sorted(spec["waves"], key=int)
        rows = []
        for item in spec["items"]:
            scale = config["scales"][config["items"][item]["scale"]]
            first, last = min(scale, key=int), max(scale, key=int)
            scale_text = (
                f"{int(first)} {labels.scale_label(scale, first)} – "
                f"{int(last)} {labels.scale_label(scale, last)}"
            )
            row = [f"{labels.question(item)} ({item})", scale_text]
            row += [_source_text(spec["waves"][wave], item, write) for wave in waves]
            rows.append(row)
        notes = [
            write(
                "report.questionnaire_codes",
                wave=wave,
                dont_know=_codes(spec["waves"][wave].get("dont_know", []), write),
                missing=_codes(spec["waves"][wave].get("missing", []), write),
            )
            for wave in waves
        ]
        blocks.append(
            Table(
                caption=labels.survey(survey),
                header=[
                    write("report.questionnaire_header_question"),
                    write("report.questionnaire_header_scale"),
                ]
                + [str(w) for w in waves],
                rows=rows,
                widths=[4.2, 2.2] + [1.6] * len(waves),
                numeric=[False] * (2 + len(waves)),
                notes=notes,
                small=True,
            )
        )
    return blocks


def _codes(codes: list, write: Writer) -> str:
    return ", ".join(f"{code:g}" if isinstance(code, float) else str(code) for code in codes) or (
        write("report.none")
    )


def _source_text(wave: dict, item: str, write: Writer) -> str:
    if item in wave["absent"]:
        return write("not_asked")
    source = wave["items"][item]
    parts = [source["source"]]
    if source.get("reverse"):
        parts.append(write("report.reversed"))
    if source.get("codes"):
        mapping = ", ".join(f"{raw}→{value}" for raw, value in source["codes"].items())
        parts.append(write("report.recoded", codes=mapping))
    return ", ".join(parts)


def _provenance(config: dict, sources: Sources, write: Writer) -> list:
    files = [[path, digest] for path, digest in sorted(sources.checksums.items())]
    packages = [[name, version] for name, version in sources.packages.items()]
    return [
        _appendix_heading(write, "C", write("report.provenance"), "provenance"),
        Paragraph(write("report.provenance_intro")),
        Paragraph(f"{write('report.config_fingerprint')}: {sources.config_fingerprint}"),
        Table(
            caption=write("report.packages"),
            header=[
                write("report.packages_header_package"),
                write("report.packages_header_version"),
            ],
            rows=packages,
            widths=[2.0, 2.0],
            numeric=[False, False],
            small=True,
        ),
        Table(
            caption=write("report.provenance_inputs"),
            header=[
                write("report.provenance_files_header_file"),
                write("report.provenance_files_header_checksum"),
            ],
            rows=files,
            widths=[2.4, 4.2],
            numeric=[False, False],
            small=True,
        ),
    ]


def cross_referenced(blocks: list, write: Writer) -> list:
    """Cross-reference tokens replaced by the numbers Typst gives: chapters counted while
    numbering is on, figures and tables each in their own order."""
    numbers = {"chapter": {}, "figure": {}}
    numbering, chapter, figure = False, 0, 0
    for block in _flat(blocks):
        if isinstance(block, Numbering):
            numbering = block.on
        elif isinstance(block, Heading) and block.level == 1 and numbering:
            chapter += 1
            name = block.anchor.removeprefix("chapter-").removeprefix("theme-")
            numbers["chapter"][name] = chapter
        elif isinstance(block, Figure):
            figure += 1
            stem = Path(block.svg).stem
            numbers["figure"].setdefault(stem, figure)
            base, _, part = stem.rpartition("_")
            if part.isdigit() and stem.startswith(("change_", "distribution_")):
                numbers["figure"].setdefault(base, figure)  # a split chart: its first part

    def words(match) -> str:
        kind, name, line, file = match.groups()
        numbered = numbers["figure" if kind == "number" else kind]
        if name not in numbered:
            raise ProseError(file, f"{{{{ {kind} {name} }}}}: not in this document", line=int(line))
        number = numbered[name]
        if kind == "number":  # the number alone, where the message has the word
            return write.number(number, 0)
        text = write(f"prose.{kind}", n=number)
        before = match.string[: match.start()].rstrip()
        return text[:1].upper() + text[1:] if not before or before[-1] in ".:!?" else text

    def filled(text: str) -> str:
        return CROSS_TOKEN.sub(words, text)

    def fill(block):
        if isinstance(block, Paragraph):
            return Paragraph(filled(block.text))
        if isinstance(block, Bullets):
            return Bullets([filled(item) for item in block.items])
        if isinstance(block, Together):
            return Together(tuple(fill(part) for part in block.blocks))
        return block

    return [fill(block) for block in blocks]


def _flat(blocks: list):
    """The blocks in document order, those kept together one by one."""
    for block in blocks:
        if isinstance(block, Together):
            yield from _flat(list(block.blocks))
        else:
            yield block
