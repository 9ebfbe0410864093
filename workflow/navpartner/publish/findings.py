"""Published findings beyond one share per cell: answer distributions (tables and diverging
stacked bar charts per theme), tested contrasts, response rates beside unweighted and weighted
shares, and the explanatory models (coefficient table, odds-ratio chart). Aggregates only;
small cells suppressed as in the indicator tables; fragile estimates flagged, never hidden.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
import pandas as pd

from navpartner.publish.labels import Labels
from navpartner.publish.sheets import html_document
from navpartner.publish.suppress import PRIMARY, SECONDARY, suppression_marks
from navpartner.publish.tables import listed_order, row_labels

FLAG = "†"  # the marker of an estimate flagged as fragile, in tables and figures


# Disclosure control and labels -----------------------------------------------------------


def suppress_sets(table: pd.DataFrame, keys: list[str], minimum: int) -> pd.Series:
    """Primary and secondary marks of each group's n within every additive set of groups
    (the rows of one set that share `keys`; a group's n is that of its first row)."""
    firsts = table.drop_duplicates([*keys, "group"])
    sets = firsts.groupby(keys, sort=False, dropna=False)["n"]
    marks = firsts[[*keys, "group"]].assign(
        mark=sets.transform(lambda n: suppression_marks(n.to_numpy(), minimum))
    )
    marked = table[[*keys, "group"]].merge(marks, on=[*keys, "group"], how="left")
    return pd.Series(marked["mark"].to_numpy(), index=table.index, dtype=object)


def category_label(config: dict, labels: Labels, scale: str, code: int) -> str:
    if code == config["dont_know_code"]:
        return config["publication"]["answers"]["dont_know"][labels.language]
    return labels.scale_label(config["scales"][scale], code)


def p_text(labels: Labels, p: float) -> str:
    """A p-value as printed: three decimals, "< 0,001" below that, never "0,000"."""
    if pd.isna(p):
        return ""
    if p < 0.001:
        return "< " + labels.number(0.001, 3)
    return labels.number(p, 3)


def published_distributions(distributions: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Distributions in percent with labels; a group with fewer than min_cell_size answers is
    hidden (primary), and one more where a breakdown would hide exactly one (secondary)."""
    labels = Labels(config)
    minimum = config["publication"]["min_cell_size"]
    rows = distributions.copy()
    rows["suppressed"] = suppress_sets(rows, ["indicator", "wave", "breakdown"], minimum)
    scale = rows["indicator"].map(
        lambda name: config["items"][config["indicators"][name]["item"]]["scale"]
    )
    table = pd.DataFrame(
        {
            **row_labels(rows, config, labels),
            "category": rows["category"].astype(int),
            "category_label": [
                category_label(config, labels, s, int(c))
                for s, c in zip(scale, rows["category"], strict=True)
            ],
            "n": rows["n"].astype("Int64"),
            "percent": (100 * rows["estimate"]).round(1),
            "ci_low": (100 * rows["ci_low"]).round(1),
            "ci_high": (100 * rows["ci_high"]).round(1),
            "unanswered": rows["unanswered"].astype("Int64"),
            "flagged": rows["flagged"].astype(bool),
            "suppressed": rows["suppressed"],
        }
    )
    hidden = ["n", "percent", "ci_low", "ci_high", "unanswered"]
    table[hidden] = table[hidden].astype("Float64")
    table.loc[table["suppressed"] != "", hidden] = pd.NA
    table.loc[table["suppressed"] != "", "flagged"] = False
    order = _order(table, config)
    return table.iloc[order].reset_index(drop=True)


def _order(table: pd.DataFrame, config: dict) -> np.ndarray:
    keys = [
        *listed_order(table, config, Labels(config)),
        table["wave"].to_numpy(),
        table["category"].to_numpy(),
    ]
    return np.lexsort(keys[::-1])


def read_published_distributions(path: str) -> pd.DataFrame:
    return pd.read_csv(
        path,
        dtype={"group": str, "suppressed": str, "breakdown": str},
        keep_default_na=False,
        na_values={c: [""] for c in ("n", "percent", "ci_low", "ci_high", "unanswered")},
    )


# The diverging stacked bar chart -----------------------------------------------------------

# ColorBrewer PuOr (colour-blind safe): the two sides differ in hue and position, strong and
# mild answers in lightness, so the chart also reads in greyscale. Neutral light grey; "vet
# ikke" a mid grey with hatching, in a panel of its own.
SIDE_COLOURS = {
    "low": ["#b35806", "#f1a340"],  # strongest first
    "high": ["#542788", "#998ec3"],
}
NEUTRAL = "#d9d9d9"
DARK_COLOURS = (SIDE_COLOURS["low"][0], SIDE_COLOURS["high"][0])  # white labels on them
DONT_KNOW_COLOUR = "#969696"


def scale_layout(codes: list[int]) -> tuple[list[int], int | None, list[int]]:
    """The scale's codes left of 0 (strongest first), its neutral middle, and right of 0 (in
    order from the middle)."""
    codes = sorted(codes)
    half = len(codes) // 2
    neutral = codes[half] if len(codes) % 2 else None
    return codes[:half], neutral, codes[len(codes) - half :]


def _segment_colours(low: list[int], high: list[int]) -> dict[int, str]:
    colours = {}
    for side, codes in (("low", low), ("high", list(reversed(high)))):
        palette = SIDE_COLOURS[side] if len(codes) > 1 else SIDE_COLOURS[side][:1]
        for code, colour in zip(codes, palette[: len(codes)], strict=True):
            colours[code] = colour
    return colours


def distribution_figure(
    published: pd.DataFrame,
    theme: str,
    config: dict,
    synthetic: bool,
    indicators: list[str],
    part: tuple[int, int] = (1, 1),
):
    """Per indicator (of the theme's chart `part`, k of n), its totals by wave as a diverging
    stacked bar. Laid out in inches, panel by panel: each panel's title (wrapped to its bars)
    and legend (where its scale differs from the panel above) get the room they take, so
    nothing overlaps however long a title is."""
    import matplotlib

    from navpartner.publish import figures  # matplotlib: figure steps only

    labels = Labels(config)
    rows = published[(published["theme"] == theme) & (published["breakdown"] == "total")]
    present = set(rows["indicator"])
    indicators = [name for name in indicators if name in present]
    rows = rows[rows["indicator"].isin(indicators)]
    waves = sorted(rows["wave"].unique())
    notes = [
        labels.source(waves, rows["survey"]),
        labels.text("findings.distribution_note"),
        *_estimation_notes(labels, list(dict.fromkeys(rows["survey"]))),
    ]
    # The † and ":" notes only where the chart shows a † or a hidden row.
    if rows["flagged"].astype(bool).any():
        notes.append(labels.flag_note())
    if (rows["suppressed"] != "").any():
        minimum = config["publication"]["min_cell_size"]
        notes.append(labels.text("suppressed_note", minimum=minimum))
    panels = _distribution_panels(config, labels, indicators, len(waves))
    # The panels from a little above the top _frame leaves (it allows for a heading-less
    # axes), down to the bottom it leaves for the axis label; no gap after the last.
    height = sum(panel.height for panel in panels) - PANEL_GAP - PANEL_RAISE
    with matplotlib.rc_context(figures.STYLE):
        fig, axes = figures.new_figure(
            (figures.WIDTH, FRAME + height + figures._notes_height(notes)),
            len(indicators),
            2,
            squeeze=False,
            gridspec_kw={"width_ratios": [5, 1], "wspace": 0.08},
        )
        for (bars, dont_know), panel in zip(axes, panels, strict=True):
            _draw_distribution(
                bars,
                dont_know,
                rows[rows["indicator"] == panel.indicator],
                panel,
                config,
                waves,
                labels,
            )
        for bars, dont_know in axes[:-1]:
            bars.tick_params(axis="x", labelbottom=False)
            dont_know.tick_params(axis="x", labelbottom=False)
        axes[-1, 0].set_xlabel(labels.text("findings.distribution_axis"))
        axes[-1, 1].set_xlabel("%")
        title = labels.text("findings.distribution_title", theme=labels.theme(theme))
        if part[1] > 1:
            title = labels.text("part_of", title=title, k=part[0], n=part[1])
        figures._frame(fig, title, "", notes, synthetic, labels, left=0.2, right=0.97)
        _place_panels(fig, axes, panels)
    return fig


PANEL_TITLE_CHARACTERS = 54  # of a panel's bold title across its bars (DejaVu Sans 9 pt)
PANEL_TITLE_LINE = 0.16  # inches
PANEL_LEGEND_LINE = 0.15  # inches per row of the answer labels
PANEL_ROW = 0.3  # inches per wave
PANEL_GAP = 0.2  # inches below a panel's bars, before the next panel's title
PANEL_RAISE = 0.25  # inches the first panel's title goes above the top _frame leaves
FRAME = 1.6  # inches _frame takes above the axes (title, synthetic notice) and below them


@dataclass(frozen=True)
class _Panel:
    indicator: str
    title: str  # wrapped
    legend_rows: int  # 0: the panel above has the same scale and shows its legend
    bars: float  # inches

    @property
    def header(self) -> float:
        lines = self.title.count("\n") + 1
        return PANEL_TITLE_LINE * lines + PANEL_LEGEND_LINE * self.legend_rows + 0.06

    @property
    def height(self) -> float:
        return self.header + self.bars + PANEL_GAP


def _distribution_panels(config, labels: Labels, indicators: list[str], waves: int) -> list:
    panels, scale_above = [], None
    for name in indicators:
        scale = config["items"][config["indicators"][name]["item"]]["scale"]
        legend = 0
        if scale != scale_above:
            low, neutral, high = scale_layout([int(c) for c in config["scales"][scale]])
            colours = _segment_colours(low, high)
            legend = _legend_rows(
                _legend_handles(config, labels, scale, low, neutral, high, colours)
            )
        title = textwrap.fill(labels.indicator(name), PANEL_TITLE_CHARACTERS)
        panels.append(_Panel(name, title, legend, bars=PANEL_ROW * waves))
        scale_above = scale
    return panels


def _place_panels(fig, axes, panels: list) -> None:
    """Each panel's bars and "vet ikke" axes from the top of the area _frame leaves, in
    inches: the header above the bars, the gap below them."""
    inches = fig.get_figheight()
    top = fig.subplotpars.top * inches + PANEL_RAISE
    for (bars, dont_know), panel in zip(axes, panels, strict=True):
        top -= panel.header
        for ax in (bars, dont_know):
            box = ax.get_position()
            ax.set_position([box.x0, (top - panel.bars) / inches, box.width, panel.bars / inches])
        top -= panel.bars + PANEL_GAP


def _estimation_notes(labels: Labels, surveys: list[str]) -> list[str]:
    """How each survey's estimates were made; named by survey when there are several."""
    notes = [labels.estimation_note(survey) for survey in surveys]
    if len(surveys) == 1:
        return notes
    return [f"{labels.survey(s)}: {n}" for s, n in zip(surveys, notes, strict=True)]


def _draw_distribution(ax, side_ax, rows, panel, config, waves, labels: Labels) -> None:
    from navpartner.publish import figures  # matplotlib: figure steps only

    name = panel.indicator
    scale = config["items"][config["indicators"][name]["item"]]["scale"]
    codes = [int(c) for c in config["scales"][scale]]
    low, neutral, high = scale_layout(codes)
    colours = _segment_colours(low, high)
    dont_know = config["dont_know_code"]
    minimum = config["publication"]["min_cell_size"]
    ytick = []
    bars, texts, dont_knows = [], [], []
    for position, wave in enumerate(waves):
        cells = rows[rows["wave"] == wave].set_index("category")
        if cells.empty:
            ytick.append(str(wave))
            ax.text(
                0,
                position,
                labels.text("not_both_waves", wave=wave),
                ha="center",
                va="center",
                fontsize=7,
                color=figures.MUTED,
                style="italic",
            )
            continue
        mark = cells["suppressed"].iloc[0]
        if mark:
            ytick.append(str(wave))
            ax.text(
                0,
                position,
                labels.text(f"findings.suppressed_{mark}", minimum=minimum),
                ha="center",
                va="center",
                fontsize=7,
                color=figures.MUTED,
                style="italic",
            )
            continue
        n = int(cells["n"].iloc[0])
        ytick.append(f"{wave}\n{labels.text('findings.n_label', n=labels.number(n, 0))}")
        share = cells["percent"].to_dict()
        flagged = cells["flagged"].to_dict()
        middle = share.get(neutral, 0.0) / 2 if neutral is not None else 0.0
        # Each side from the middle outwards, the neutral answer halved across 0.
        for side, codes in (("low", list(reversed(low))), ("high", high)):
            sign = -1 if side == "low" else 1
            for code in [*([neutral] if neutral is not None else []), *codes]:
                width = middle if code == neutral else share.get(code, 0.0)
                bars.append((side, position, sign * width, str(code)))
        left = -middle - sum(share.get(code, 0.0) for code in low)
        segments = [*low, *([neutral] if neutral is not None else []), *high]
        widths = [share.get(code, 0.0) for code in segments]
        for code, start, width in zip(
            segments, accumulate(widths[:-1], initial=left), widths, strict=True
        ):
            if width >= 6:  # the share inside its segment where it fits
                marker = FLAG if flagged.get(code) else ""
                label = f"{labels.number(width, 0)}{marker}"
                dark = code != neutral and colours[code] in DARK_COLOURS
                colour = "white" if dark else "#1a1a1a"
                texts.append((start + width / 2, position, label, colour, 6.5, "center"))
        width = share.get(dont_know, 0.0)
        marker = FLAG if flagged.get(dont_know) else ""
        dont_knows.append((position, width, f"{labels.number(width, 0)}{marker}"))
    segment_colours = {str(code): colour for code, colour in colours.items()}
    if neutral is not None:
        segment_colours[str(neutral)] = NEUTRAL
    bars = pd.DataFrame(bars, columns=["side", "y", "x", "segment"])
    texts = pd.DataFrame(texts, columns=figures.TEXT_COLUMNS)
    figures.stacked_bars(ax, bars, texts, segment_colours, 0.62)
    _dont_know_bars(side_ax, dont_knows)
    limit = 100
    ax.set_xlim(-limit, limit)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100", "50", "0", "50", "100"])
    ax.set_yticks(range(len(waves)), ytick)
    ax.set_ylim(len(waves) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.grid(axis="x", color="#eeeeee", lw=0.6)
    ax.set_axisbelow(True)
    # The title above the legend (where the panel has one), each line taking its room.
    pad = 3 + 72 * PANEL_LEGEND_LINE * panel.legend_rows
    ax.set_title(panel.title, fontsize=9, loc="left", pad=pad, linespacing=1.15)
    if panel.legend_rows:
        handles = _legend_handles(config, labels, scale, low, neutral, high, colours)
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=-(-len(handles) // panel.legend_rows),
            frameon=False,
            fontsize=6.5,
            handlelength=1.2,
            columnspacing=0.8,
            borderaxespad=0.1,
            borderpad=0.1,
        )
    side_ax.set_xlim(0, 40)
    side_ax.set_ylim(len(waves) - 0.5, -0.5)
    side_ax.set_yticks([])
    side_ax.set_title(labels.text("findings.dont_know_bar"), fontsize=8, loc="center")
    side_ax.spines["left"].set_visible(True)
    side_ax.tick_params(axis="x", labelsize=7)


def _dont_know_bars(ax, shares: list[tuple]) -> None:
    """The "vet ikke" shares (row, percent, label): grey bars, hatched (matplotlib's: seaborn's
    bars have no pattern), each with its share beside it."""
    from navpartner.publish import figures  # matplotlib: figure steps only

    bars = [("high", y, x, "dont_know") for y, x, _ in shares]
    texts = [(x + 1, y, label, "black", figures.N_LABEL_SIZE, "left") for y, x, label in shares]
    figures.stacked_bars(
        ax,
        pd.DataFrame(bars, columns=["side", "y", "x", "segment"]),
        pd.DataFrame(texts, columns=figures.TEXT_COLUMNS),
        {"dont_know": DONT_KNOW_COLOUR},
        0.62,
    )
    for bar in ax.patches:
        bar.set_hatch("////")


LEGEND_LINE = 72  # characters of answer labels that fit in one row above a panel


def _legend_rows(handles) -> int:
    return 1 if sum(len(h.get_label()) + 4 for h in handles) <= LEGEND_LINE else 2


def _legend_handles(config, labels, scale, low, neutral, high, colours):
    from matplotlib.patches import Patch

    codes = [*low, *([neutral] if neutral is not None else []), *high]
    return [
        Patch(
            facecolor=NEUTRAL if code == neutral else colours[code],
            edgecolor="white",
            label=category_label(config, labels, scale, code),
        )
        for code in codes
    ]


# Tables ------------------------------------------------------------------------------------


def distribution_table_html(
    published: pd.DataFrame, theme: str, config: dict, synthetic: bool
) -> str:
    """Per indicator of the theme: groups and waves down, categories across (percent)."""
    labels = Labels(config)
    rows = published[published["theme"] == theme]
    title = labels.text("findings.distribution_title", theme=labels.theme(theme))
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if synthetic:
        parts.append(f'<p class="synthetic">{html.escape(labels.text("synthetic"))}</p>')
    minimum = config["publication"]["min_cell_size"]
    for name in [i for i in config["indicators"] if i in set(rows["indicator"])]:
        cells = rows[rows["indicator"] == name]
        categories = list(
            dict.fromkeys(zip(cells["category"], cells["category_label"], strict=True))
        )
        head = [
            labels.text("group"),
            labels.text("wave"),
            labels.text("findings.n"),
            *(lbl for _, lbl in categories),
            labels.text("findings.unanswered"),
        ]
        body = []
        for (breakdown, group, wave), row in cells.groupby(
            ["breakdown_label", "group_label", "wave"], sort=False
        ):
            first = row.iloc[0]
            if first["suppressed"]:
                values = [":"] * (len(categories) + 2)
            else:
                shown = zip(row["percent"], row["flagged"], strict=True)
                by_code = dict(zip(row["category"], shown, strict=True))
                values = [labels.number(first["n"], 0)]
                for code, _ in categories:
                    percent, flagged = by_code[code]
                    values.append(labels.number(percent) + (FLAG if flagged else ""))
                values.append(labels.number(first["unanswered"], 0))
            label = group if breakdown == group else f"{breakdown}: {group}"
            body.append(
                f"<tr><th>{html.escape(label)}</th><td>{wave}</td>"
                + "".join(f"<td>{v}</td>" for v in values)
                + "</tr>"
            )
        parts.append(f"<h2>{html.escape(labels.indicator(name))}</h2>")
        parts.append(_table(head, body))
    notes = [
        labels.source(sorted(rows["wave"].unique()), rows["survey"]),
        labels.text("findings.distribution_note"),
        labels.flag_note(),
        labels.text("suppressed_note", minimum=minimum),
    ]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in notes]
    title = labels.text("findings.distribution_title", theme=labels.theme(theme))
    return html_document(title, "\n".join(parts) + "\n", config)


def _table(head: list[str], rows: list[str]) -> str:
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# Contrasts ---------------------------------------------------------------------------------

CONTRAST_PUBLISHED = [
    "kind",
    "theme",
    "indicator",
    "indicator_label",
    "indicator_reference",
    "survey",
    "wave",
    "wave_reference",
    "breakdown",
    "breakdown_label",
    "group",
    "group_label",
    "reference",
    "reference_label",
    "percent",
    "percent_reference",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "method",
    "suppressed",
]


def published_contrasts(contrasts: pd.DataFrame, published: pd.DataFrame, config: dict):
    """Contrasts in percentage points, labelled; hidden where a cell they compare is hidden."""
    labels = Labels(config)
    marks = published.set_index(["indicator", "wave", "breakdown", "group"])["suppressed"]

    def mark(indicator, wave, breakdown, group):
        return marks.get((indicator, wave, breakdown, group), "")

    own = [
        mark(i, w, b, g)
        for i, w, b, g in zip(
            contrasts["indicator"],
            contrasts["wave"],
            contrasts["breakdown"],
            contrasts["group"],
            strict=True,
        )
    ]
    other = [
        "" if r == "rest" else mark(i, w, b, r if k == "group" else g)
        for k, i, w, b, g, r in zip(
            contrasts["kind"],
            contrasts["indicator_reference"],
            contrasts["wave_reference"],
            contrasts["breakdown"],
            contrasts["group"],
            contrasts["reference"],
            strict=True,
        )
    ]
    suppressed = [
        PRIMARY if PRIMARY in (a, b) else (SECONDARY if (a or b) else "")
        for a, b in zip(own, other, strict=True)
    ]
    table = pd.DataFrame(
        {
            "kind": contrasts["kind"],
            "theme": contrasts["indicator"].map(lambda n: config["indicators"][n]["theme"]),
            "indicator": contrasts["indicator"],
            "indicator_label": contrasts["indicator"].map(labels.indicator),
            "indicator_reference": contrasts["indicator_reference"],
            "survey": contrasts["survey"],
            "wave": contrasts["wave"],
            "wave_reference": contrasts["wave_reference"],
            "breakdown": contrasts["breakdown"],
            "breakdown_label": contrasts["breakdown"].map(labels.breakdown),
            "group": contrasts["group"],
            "group_label": [
                labels.group(b, g)
                for b, g in zip(contrasts["breakdown"], contrasts["group"], strict=True)
            ],
            "reference": contrasts["reference"],
            "reference_label": [
                labels.text("rest") if r == "rest" else labels.group(b, r)
                for b, r in zip(contrasts["breakdown"], contrasts["reference"], strict=True)
            ],
            "percent": (100 * contrasts["estimate"]).round(1),
            "percent_reference": (100 * contrasts["estimate_reference"]).round(1),
            "difference": (100 * contrasts["difference"]).round(1),
            "ci_low": (100 * contrasts["ci_low"]).round(1),
            "ci_high": (100 * contrasts["ci_high"]).round(1),
            "p_value": contrasts["p_value"],
            "p_adjusted": contrasts["p_adjusted"],
            "method": contrasts["method"],
            "suppressed": suppressed,
        }
    )[CONTRAST_PUBLISHED]
    hidden = [
        "percent",
        "percent_reference",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
    ]
    table[hidden] = table[hidden].astype("Float64")
    table.loc[table["suppressed"] != "", hidden] = pd.NA
    kinds = ["group", "survey", "wave"]
    keys = [
        table["kind"].map(kinds.index).to_numpy(),
        *listed_order(table, config, labels),
        table["wave"].to_numpy(),
        table["wave_reference"].to_numpy(),
    ]
    return table.iloc[np.lexsort(keys[::-1])].reset_index(drop=True)


NUMBERS_STYLE = (
    "<style>td { white-space: nowrap; } tbody td:first-child { text-align: left; }</style>"
)


def contrasts_html(table: pd.DataFrame, config: dict, synthetic: bool) -> str:
    """Per kind of contrast and indicator: what is compared, the difference, interval and
    both p-values."""
    labels = Labels(config)
    parts = [NUMBERS_STYLE, f"<h1>{html.escape(labels.text('findings.contrasts'))}</h1>"]
    if synthetic:
        parts.append(f'<p class="synthetic">{html.escape(labels.text("synthetic"))}</p>')
    interval = labels.text("findings.interval")
    head = [
        labels.text("findings.compared"),
        labels.text("findings.reference"),
        labels.text("wave"),
        labels.text("findings.difference"),
        interval,
        labels.text("findings.p_value"),
        labels.text("findings.p_adjusted"),
    ]
    for kind in ("group", "survey", "wave"):
        rows = table[table["kind"] == kind]
        if rows.empty:
            continue
        heading = labels.text(f"findings.kind_{kind}")
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for name, cells in rows.groupby("indicator", sort=False):
            body = []
            for row in cells.itertuples():
                compared, against, wave = _contrast_sides(row, labels)
                values = [":"] * 4
                if not row.suppressed:
                    values = [
                        labels.number(row.difference),
                        f"{labels.number(row.ci_low)} – {labels.number(row.ci_high)}",
                        p_text(labels, row.p_value),
                        p_text(labels, row.p_adjusted),
                    ]
                cells_html = [html.escape(compared), html.escape(against), wave, *values]
                body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells_html) + "</tr>")
            parts.append(f"<h3>{html.escape(labels.indicator(name))}</h3>")
            parts.append(_table(head, body))
    note = labels.text("findings.contrast_note")
    parts.append(f'<p class="note">{html.escape(note)}</p>')
    minimum = config["publication"]["min_cell_size"]
    suppressed = labels.text("suppressed_note", minimum=minimum)
    parts.append(f'<p class="note">{html.escape(suppressed)}</p>')
    return html_document(labels.text("findings.contrasts"), "\n".join(parts) + "\n", config)


def _contrast_sides(row, labels: Labels) -> tuple[str, str, str]:
    if row.kind == "group":
        prefix = f"{row.breakdown_label}: " if row.breakdown != "total" else ""
        return prefix + row.group_label, row.reference_label, str(row.wave)
    if row.kind == "survey":
        return (
            labels.population(row.indicator).capitalize() + f" ({row.group_label})",
            labels.population(row.indicator_reference).capitalize(),
            str(row.wave),
        )
    return row.group_label, str(row.wave_reference), f"{row.wave_reference}–{row.wave}"


# Response rates and the weighting's effect --------------------------------------------------


def response_section(rates: pd.DataFrame, estimates: pd.DataFrame, config: dict) -> str:
    """The methods page's section: response rates, and unweighted beside weighted totals."""
    labels = Labels(config)
    return "\n".join(
        [
            f"<h2>{html.escape(labels.text('findings.response'))}</h2>",
            f"<p>{html.escape(labels.text('findings.response_intro'))}</p>",
            response_rate_tables(rates, labels),
            weighting_effect_table(estimates, labels),
        ]
    )


def response_rate_tables(rates: pd.DataFrame, labels: Labels) -> str:
    head = [
        labels.text("findings.variable"),
        labels.text("findings.level"),
        labels.text("findings.frame_count"),
        labels.text("findings.respondents"),
        labels.text("findings.response_rate"),
    ]
    parts = []
    for (survey, wave), rows in rates.groupby(["survey", "wave"], sort=False):
        body = []
        rank = [
            _level_rank(labels, v, str(level))
            for v, level in zip(rows["variable"], rows["level"], strict=True)
        ]
        for row in rows.iloc[np.argsort(rank, kind="stable")].itertuples():
            total = row.variable == "total"
            variable = labels.text("findings.total") if total else labels.breakdown(row.variable)
            level = "" if total else _level_label(labels, row.variable, str(row.level))
            cells = [
                html.escape(variable),
                html.escape(level),
                labels.number(row.frame_count, 0),
                labels.number(row.respondents, 0),
                labels.number(100 * row.response_rate),
            ]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        label = labels.survey(survey)
        parts.append(f"<h3>{html.escape(label)} {wave}</h3>")
        parts.append(_table(head, body))
    return "\n".join(parts)


def weighting_effect_table(estimates: pd.DataFrame, labels: Labels) -> str:
    """Each indicator's total, unweighted and weighted, where its cell is published."""
    config = labels.config
    totals = estimates[
        (estimates["breakdown"] == "total")
        & (estimates["method"] == config["estimation"]["interval"])
        & (estimates["n"] >= config["publication"]["min_cell_size"])
    ]
    head = [
        labels.text("indicator"),
        labels.text("wave"),
        labels.text("findings.unweighted"),
        labels.text("findings.weighted"),
        labels.text("findings.weighting_change"),
    ]
    body = []
    for row in totals.itertuples():
        cells = [
            html.escape(labels.indicator(row.indicator)),
            row.wave,
            labels.number(100 * row.estimate_unweighted),
            labels.number(100 * row.estimate),
            labels.number(100 * (row.estimate - row.estimate_unweighted)),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return _table(head, body)


def _level_rank(labels: Labels, variable: str, level: str) -> int:
    """Levels within a variable in the order tables show groups (unlabelled ones last)."""
    groups = labels.config["publication"]["breakdowns"].get(variable, {}).get("groups", {})
    return list(groups).index(level) if level in groups else len(groups)


def _level_label(labels: Labels, variable: str, level: str) -> str:
    groups = labels.config["publication"]["breakdowns"].get(variable, {}).get("groups", {})
    return groups[level][labels.language] if level in groups else level


def response_table(rates: pd.DataFrame, config: dict, synthetic: bool) -> str:
    """Response rates as a page of their own (the report's table)."""
    labels = Labels(config)
    banner = (
        f'<p class="synthetic">{html.escape(labels.text("synthetic"))}</p>' if synthetic else ""
    )
    title = labels.text("findings.response")
    body = f"<h1>{html.escape(title)}</h1>\n{banner}" + response_rate_tables(rates, labels)
    return html_document(title, body + "\n", config)


# Models ------------------------------------------------------------------------------------


def model_term_label(config: dict, labels: Labels, term: str) -> str:
    """ "employer[kommune]" -> "Arbeidsgiver: Kommunalt ansatte"; wave and pooled indicators."""
    if term == "intercept":
        return labels.text("findings.intercept")
    variable, level = term.rstrip("]").split("[")
    if variable == "wave":
        return f"{labels.text('wave')}: {level}"
    if variable == "respondent_group":
        population = labels.population(level)
        return population[0].upper() + population[1:]  # not capitalize(): it lowers "Nav"
    return f"{labels.breakdown(variable)}: {labels.group(variable, level)}"


def model_html(table: pd.DataFrame, name: str, config: dict, synthetic: bool) -> str:
    labels = Labels(config)
    spec = config["models"][name]
    title = labels.text("findings.model_title", label=spec["label"][labels.language])
    interval = labels.text("findings.interval")
    head = [
        labels.text("findings.term"),
        labels.text("findings.log_odds"),
        labels.text("findings.se"),
        labels.text("findings.odds_ratio"),
        interval,
        labels.text("findings.p_value"),
    ]
    body = []
    for row in table.iloc[term_order(table["term"], spec, labels)].itertuples():
        cells = [
            html.escape(model_term_label(config, labels, row.term)),
            labels.number(row.estimate, 3),
            labels.number(row.std_error, 3),
            labels.number(row.odds_ratio, 2),
            f"{labels.number(row.odds_ratio_low, 2)} – {labels.number(row.odds_ratio_high, 2)}",
            p_text(labels, row.p_value),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    banner = (
        f'<p class="synthetic">{html.escape(labels.text("synthetic"))}</p>' if synthetic else ""
    )
    note = _model_note(table, name, config, labels)
    return html_document(
        title,
        f"<h1>{html.escape(title)}</h1>\n{banner}{_table(head, body)}\n"
        f'<p class="note">{html.escape(note)}</p>\n',
        config,
    )


def _model_note(table, name, config, labels: Labels) -> str:
    spec = config["models"][name]
    surveys = dict.fromkeys(config["indicators"][i]["survey"] for i in spec["indicators"])
    reference = ", ".join(
        f"{labels.breakdown(term)}: {labels.group(term, level)}"
        if term in config["publication"]["breakdowns"]
        else labels.population(level)
        for term, level in spec.get("reference", {}).items()
    )
    note = labels.text(
        "findings.model_note",
        clusters="; ".join(dict.fromkeys(labels.cluster(s) for s in surveys)),
        df=labels.number(table["df"].iat[0], 0),
        n=labels.number(table["n"].iat[0], 0),
        psus=labels.number(table["clusters"].iat[0], 0),
        reference=reference or "-",
    )
    if config["estimation"]["variance"] != "bootstrap":
        return note
    bootstrap = labels.text(
        "findings.model_note_bootstrap",
        replicates=labels.number(config["estimation"]["bootstrap"]["replicates"], 0),
        dropped=labels.number(table["replicates_dropped"].iat[0], 0),
    )
    return f"{note} {bootstrap}"


def term_order(terms: pd.Series, spec: dict, labels: Labels) -> np.ndarray:
    """Terms as the model lists them, each term's levels in the order tables show groups."""

    def key(term: str) -> tuple:
        if term == "intercept":
            return (-1, 0, "")
        variable, level = term.rstrip("]").split("[")
        breakdowns = labels.config["publication"]["breakdowns"]
        rank = labels.group_rank(variable, level) if variable in breakdowns else 0
        return (spec["terms"].index(variable), rank, level)

    return np.array(sorted(range(len(terms)), key=lambda i: key(terms.iat[i])))


def odds_ratio_figure(table: pd.DataFrame, name: str, config: dict, synthetic: bool):
    import matplotlib

    from navpartner.publish import figures  # matplotlib: figure steps only

    labels = Labels(config)
    spec = config["models"][name]
    terms = table.iloc[term_order(table["term"], spec, labels)]
    terms = terms[terms["term"] != "intercept"]
    notes = [_model_note(table, name, config, labels)]
    colour = "#0072B2"
    with matplotlib.rc_context(figures.STYLE):
        fig, ax = figures.new_figure(
            (figures.WIDTH, 1.9 + 0.34 * len(terms) + figures._notes_height(notes))
        )
        ax.axvline(1, color="#444444", lw=0.8)
        points = []
        for position, row in enumerate(terms.itertuples()):
            ratio = figures.Point(
                row.odds_ratio, row.odds_ratio_low, row.odds_ratio_high, position, "odds"
            )
            points.append(ratio)
            ax.annotate(
                f"{labels.number(row.odds_ratio, 2)} (p {p_text(labels, row.p_value)})",
                (1.0, position),
                xycoords=("axes fraction", "data"),
                ha="left",
                va="center",
                fontsize=7,
                color=figures.MUTED,
            )
        figures.dots_with_intervals(ax, points, {"odds": colour})
        ax.set_xscale("log")
        ax.set_yticks(
            range(len(terms)),
            [textwrap.fill(model_term_label(config, labels, t), 34) for t in terms["term"]],
        )
        ax.set_ylim(len(terms) - 0.5, -0.5)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(labels.text("findings.odds_axis"))
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda v, _: labels.number(v, 1 if v < 1 else 0))
        )
        title = labels.text(
            "findings.model_title", label=labels.text("findings.odds_ratio").lower()
        )
        subtitle = spec["label"][labels.language]
        figures._frame(fig, title, subtitle, notes, synthetic, labels, left=0.4, right=0.84)
    return fig
