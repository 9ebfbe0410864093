"""Figures: shares with intervals by wave, side-by-side comparisons, and the change chart.

One drawing for all share figures: panels of rows, each row a group (or an indicator's
population), one marker and interval per wave, in the same colour for a wave everywhere.
The marks are seaborn's (its objects interface: Range and Dot for estimates with their
precomputed intervals, Bar with Stack for answer distributions); matplotlib beneath them lays
out what seaborn does not: the figure's header, legend and notes, and the notes in the margin.
"""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import seaborn
import seaborn.objects as so
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from navpartner.config import survey_waves
from navpartner.io import write_atomically
from navpartner.publish.labels import Labels

# seaborn maps series (waves, answer codes) through matplotlib's category units, which log a
# line at INFO for every name that looks like a number: not news for a step's log.
logging.getLogger("matplotlib.category").setLevel(logging.WARNING)

# The style of every figure: readable at report size (about 16 cm wide), colour-blind safe.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titley": 1.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.spines.left": False,
    "svg.hashsalt": "navpartner",  # fixed ids inside SVG files
    "svg.fonttype": "none",  # text stays text: searchable, editable, and scanned for privacy
}
WIDTH = 7.0  # inches
# The n beside each point: the report prints a figure at 6.5 of its 7 inches, so 7.5 pt here
# is 7 pt on paper, the least a reader can read in print.
N_LABEL_SIZE = 7.5
ROW_HEIGHT = 0.4  # inches per group row: room for one n label per wave at N_LABEL_SIZE
DPI = 150
MUTED = "#666666"
SYNTHETIC_COLOUR = "#B00020"


@dataclass(frozen=True)
class Panel:
    title: str
    rows: list[tuple[str, dict]]  # label -> {wave: row of the published table}


# seaborn's "colorblind" palette (Okabe-Ito): colour-blind safe, each colour clearly visible on
# white, the latest wave the darkest (blue); a marker shape per wave too, so the waves stay
# apart in greyscale print.
WAVE_COLOURS = seaborn.color_palette("colorblind").as_hex()
WAVE_MARKERS = ["o", "s", "D", "^", "v", "P"]
FLAG = "†"  # a fragile estimate (reliability flags), drawn hollow and marked


def wave_colours(config: dict) -> dict[int, str]:
    """One colour per wave, the same in every figure."""
    waves = sorted({wave for _, wave in survey_waves(config)}, reverse=True)
    return {wave: WAVE_COLOURS[i % len(WAVE_COLOURS)] for i, wave in enumerate(waves)}


def wave_markers(config: dict) -> dict[int, str]:
    waves = sorted({wave for _, wave in survey_waves(config)}, reverse=True)
    return {wave: WAVE_MARKERS[i % len(WAVE_MARKERS)] for i, wave in enumerate(waves)}


def indicator_panels(published: pd.DataFrame, indicator: str, labels: Labels) -> list[Panel]:
    """One panel per breakdown of an indicator, the total first."""
    table = published[published["indicator"] == indicator]
    panels = []
    for breakdown, rows in table.groupby("breakdown", sort=False):
        title = "" if breakdown == "total" else labels.breakdown(breakdown)
        panels.append(Panel(title, _rows(rows, "group_label")))
    return panels


def comparison_panels(published: pd.DataFrame, figure: dict, labels: Labels) -> list[Panel]:
    """The figure's indicators side by side (their totals), or each by one breakdown."""
    breakdown = figure.get("breakdown")
    chosen = published[published["indicator"].isin(figure["indicators"])]
    if breakdown is None:
        totals = chosen[chosen["breakdown"] == "total"].copy()
        totals["series"] = totals["indicator"].map(lambda i: labels.population(i).capitalize())
        order = {name: rank for rank, name in enumerate(figure["indicators"])}
        totals = totals.iloc[totals["indicator"].map(order).argsort(kind="stable")]
        return [Panel("", _rows(totals, "series"))]
    return [
        Panel(
            labels.indicator(name),
            _rows(
                chosen[(chosen["indicator"] == name) & (chosen["breakdown"] == breakdown)],
                "group_label",
            ),
        )
        for name in figure["indicators"]
    ]


def _rows(table: pd.DataFrame, label: str) -> list[tuple[str, dict]]:
    rows = []
    for name, cells in table.groupby(label, sort=False):
        rows.append((name, {int(row["wave"]): row for row in cells.to_dict("records")}))
    return rows


def share_figure(
    panels: list[Panel],
    waves: list[int],
    title: str,
    subtitle: str,
    labels: Labels,
    notes: list[str],
    synthetic: bool,
):
    """Horizontal dot-and-interval chart, 0-100 %, one colour per wave; a wave a row lacks
    (not asked, or suppressed) is named where its point would be."""
    colours = wave_colours(labels.config)
    heights = [len(panel.rows) + (0.9 if panel.title else 0.3) for panel in panels]
    with matplotlib.rc_context(STYLE):
        fig, axes = new_figure(
            (WIDTH, 2.2 + ROW_HEIGHT * sum(heights) + _notes_height(notes)),
            len(panels),
            1,
            squeeze=False,
            gridspec_kw={"height_ratios": heights},
        )
        for ax, panel in zip(axes[:, 0], panels, strict=True):
            _draw_panel(ax, panel, waves, colours, labels)
        for ax in axes[:-1, 0]:
            ax.tick_params(axis="x", labelbottom=False)
        axes[-1, 0].set_xlabel(labels.text("share"))
        markers = wave_markers(labels.config)
        handles = [
            Line2D([], [], color=colours[w], marker=markers[w], lw=1.5, label=str(w)) for w in waves
        ]
        # room on the right for each point's n
        _frame(fig, title, subtitle, notes, synthetic, labels, legend=handles, right=0.87)
    return fig


def _draw_panel(ax, panel: Panel, waves, colours, labels: Labels) -> None:
    offsets = {w: (i - (len(waves) - 1) / 2) * 0.3 for i, w in enumerate(waves)}
    points = []
    for position, (_, cells) in enumerate(panel.rows):
        marks = _cell_marks(cells, waves, labels)
        if marks:  # where the points would be: never silently left out
            lacking = [w for w in waves if w not in cells or cells[w]["suppressed"]]
            y = position + (offsets[lacking[0]] if len(lacking) < len(waves) else 0)
            ax.text(1, y, marks, va="center", fontsize=7, color=MUTED, style="italic")
        for wave, row in cells.items():
            if row["suppressed"]:
                continue
            flagged = bool(row.get("flagged", False))
            points.append(
                Point(
                    row["percent"],
                    row["ci_low"],
                    row["ci_high"],
                    position + offsets[wave],
                    str(wave),
                    flagged,
                )
            )
            n = f"n = {labels.number(row['n'], 0)}{FLAG if flagged else ''}"
            _in_margin(
                ax, 1.01, position + offsets[wave], n, fontsize=N_LABEL_SIZE, color=colours[wave]
            )
    markers = wave_markers(labels.config)
    dots_with_intervals(
        ax,
        points,
        {str(w): colours[w] for w in waves},
        {str(w): markers[w] for w in waves},
    )
    ax.set_yticks(range(len(panel.rows)), [textwrap.fill(r[0], 34) for r in panel.rows])
    ax.set_ylim(len(panel.rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.tick_params(axis="y", length=0)
    ax.set_title(panel.title, fontsize=9)


@dataclass(frozen=True)
class Point:
    """An estimate with its interval, drawn at `y` in its series' colour and marker."""

    x: float
    low: float
    high: float
    y: float
    series: str
    flagged: bool = False  # fragile (reliability flags): drawn hollow


def dots_with_intervals(ax, points: list[Point], colours: dict, markers: dict | None = None):
    """seaborn's Range (the precomputed interval) and Dot (the estimate) for each point, a
    colour and marker per series; a flagged point hollow, white inside."""
    if not points:
        return
    frame = pd.DataFrame(points)
    markers = markers or dict.fromkeys(colours, "o")
    at = {"x": "x", "y": "y", "legend": False}
    above = {"zorder": 2}  # with the intervals' lines (a collection's default is below them)
    interval = so.Range(linewidth=1.6)
    plot = (
        so.Plot()
        .add(interval, data=frame, xmin="low", xmax="high", color="series", orient="y", **at)
        .scale(
            color=so.Nominal(colours),
            edgecolor=so.Nominal(colours),
            marker=so.Nominal(markers),
        )
    )
    for flagged, dots in frame.groupby("flagged"):
        if flagged:
            hollow = so.Dot(pointsize=5, color="white", edgewidth=1.0, artist_kws=above)
            plot = plot.add(hollow, data=dots, edgecolor="series", marker="series", **at)
        else:
            solid = so.Dot(pointsize=5, edgecolor="white", edgewidth=0.6, artist_kws=above)
            plot = plot.add(solid, data=dots, color="series", marker="series", **at)
    _draw(plot, ax)


TEXT_COLUMNS = ["x", "y", "text", "colour", "size", "align"]


def stacked_bars(ax, bars: pd.DataFrame, texts: pd.DataFrame, colours: dict, height: float):
    """seaborn's Bar with Stack, then its Text, in one plot (each plot costs a fixed time to
    compile): the bars of each `side` (`x` the signed length, `y` the row, `segment` the
    colour's key) stacked from 0 in their order, as in a diverging bar chart; each text at
    (`x`, `y`) in its `colour` and `size`, `align`ed "center" on it or starting there ("left")."""
    plot = so.Plot().scale(color=so.Nominal(colours))
    bar = so.Bar(alpha=1, edgecolor="white", edgewidth=0.6, width=height)
    for _, side in bars.groupby("side", sort=False):
        stacked = {"x": "x", "y": "y", "color": "segment", "orient": "y", "legend": False}
        plot = plot.add(bar, so.Stack(), data=side, **stacked)
    for (colour, size, align), part in texts.groupby(["colour", "size", "align"], sort=False):
        text = so.Text(color=colour, fontsize=size, halign=align, valign="center", offset=0)
        plot = plot.add(text, data=part, x="x", y="y", text="text", legend=False)
    _draw(plot, ax)


def _draw(plot: so.Plot, ax) -> None:
    """Draw seaborn's marks onto the axes in the figures' own style (not seaborn's theme),
    leaving the axes' labels to the caller."""
    style = {key: matplotlib.rcParams[key] for key in so.Plot.config.theme}
    plot.label(x="", y="").theme(style).on(ax).plot()


def _in_margin(ax, x: float, y: float, text: str, **style) -> None:
    """Text beside the axes (x in axes fraction, y in data): where seaborn's marks cannot go."""
    ax.annotate(text, (x, y), xycoords=("axes fraction", "data"), ha="left", va="center", **style)


def _cell_marks(cells: dict, waves, labels: Labels) -> str:
    """Why a row lacks points: suppressed (n below the minimum), not asked that wave, or its
    survey not run that wave (a figure comparing two surveys spans the waves of both)."""
    minimum = labels.config["publication"]["min_cell_size"]
    missing = [wave for wave in waves if wave not in cells]
    surveys = {row.get("survey") for row in cells.values()} - {None}  # rows may not say
    run = {wave for survey, wave in survey_waves(labels.config) if survey in surveys or not surveys}
    marks = []
    for kind, reason in (("primary", f"n < {minimum}"), ("secondary", labels.text("secondary"))):
        hidden = [wave for wave, row in cells.items() if row["suppressed"] == kind]
        if hidden:
            which = "" if len(hidden) == len(waves) else ", ".join(map(str, hidden)) + ": "
            marks.append(f"{which}{labels.text('suppressed_short')} – {reason}")
    not_asked = [wave for wave in missing if wave in run]
    if not_asked:
        marks.append(labels.text("not_both_waves", wave=", ".join(map(str, not_asked))))
    not_run = [wave for wave in missing if wave not in run]
    if not_run:
        marks.append(labels.text("survey_not_run", wave=", ".join(map(str, not_run))))
    return "; ".join(marks)


def change_figure(
    changes: pd.DataFrame,
    published: pd.DataFrame,
    config: dict,
    synthetic: bool,
    shown: list[str] | None = None,
    part: tuple[int, int] = (1, 1),
):
    """Each indicator's total, change between the two configured waves, with its interval:
    those `shown` (all by default), the chart `part` k of n, on the scale of them all."""
    labels = Labels(config)
    first, last = config["publication"]["change"]["from"], config["publication"]["change"]["to"]
    totals = changes[
        (changes["breakdown"] == "total")
        & (changes["wave_from"] == first)
        & (changes["wave_to"] == last)
    ].set_index("indicator")
    indicators = list(published["indicator"].drop_duplicates())
    limit = max(5.0, totals[["ci_low", "ci_high"]].abs().max().max() * 1.1)
    if shown is not None:
        indicators = [name for name in indicators if name in shown]
    colour = wave_colours(config)[last]
    with matplotlib.rc_context(STYLE):
        fig, ax = new_figure((WIDTH, 1.9 + 0.42 * len(indicators) + 0.3))
        ax.axvline(0, color="#444444", lw=0.8)
        points = []
        for position, name in enumerate(indicators):
            if name not in totals.index:
                missing = " " + _missing_wave(published, name, first, last, labels)
                ax.text(0, position, missing, va="center", fontsize=7, color=MUTED, style="italic")
                continue
            row = totals.loc[name]
            if row["suppressed"]:
                hidden = " " + labels.text("suppressed_short")
                ax.text(0, position, hidden, va="center", fontsize=7, color=MUTED, style="italic")
                continue
            points.append(Point(row["change"], row["ci_low"], row["ci_high"], position, "change"))
            shares = f"{labels.number(row['percent_from'])} → {labels.number(row['percent_to'])} %"
            _in_margin(ax, 1.0, position, shares, fontsize=7, color=MUTED)
        dots_with_intervals(ax, points, {"change": colour})
        ax.set_yticks(
            range(len(indicators)), [textwrap.fill(labels.indicator(i), 40) for i in indicators]
        )
        ax.set_ylim(len(indicators) - 0.5, -0.5)
        for tick in ax.get_yticklabels():  # a wrapped label's lines flush with the axis
            tick.set_multialignment("right")
        ax.set_xlim(-limit, limit)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(labels.text("change_axis", first=first, last=last))
        notes = [
            labels.source([first, last], published["survey"]),
            labels.text("change_note"),
            labels.text("suppressed_note", minimum=config["publication"]["min_cell_size"]),
        ]
        title = labels.text("change", first=first, last=last)
        if part[1] > 1:
            title = labels.text("part_of", title=title, k=part[0], n=part[1])
        _frame(
            fig,
            title,
            "",
            notes,
            synthetic,
            labels,
            left=0.46,
            right=0.86,
        )
    return fig


def _missing_wave(published, name, first, last, labels: Labels) -> str:
    waves = set(published.loc[published["indicator"] == name, "wave"])
    return labels.text("not_both_waves", wave=first if first not in waves else last)


NOTE_WIDTH = 135  # characters per line of a note at its font size
NOTE_LINE = 0.13  # inches


def _notes_height(notes: list[str]) -> float:
    """Inches the wrapped notes take below the axes."""
    lines = sum(textwrap.fill(note, NOTE_WIDTH).count("\n") + 1 for note in notes)
    return NOTE_LINE * lines + 0.05 * len(notes)


TITLE_CHARACTERS = 68
TITLE_LINE = 0.19  # inches


def _frame(
    fig,
    title,
    subtitle,
    notes,
    synthetic,
    labels: Labels,
    legend: list | None = None,
    left: float = 0.34,
    right: float = 0.98,
) -> None:
    """Title, subtitle, synthetic notice and legend above the axes; the notes below them."""
    # Wrapped to the figure's width (11 pt bold: about 70 characters of 7 inches); each
    # further line makes the figure taller, so the axes keep their room.
    wrapped = textwrap.fill(title, TITLE_CHARACTERS)
    extra = TITLE_LINE * wrapped.count("\n")
    fig.set_figheight(fig.get_figheight() + extra)
    height = fig.get_figheight()
    header = [(wrapped, {"fontsize": 11, "weight": "bold"}, 0.3 + extra)]
    if subtitle:
        header.append((subtitle, {"fontsize": 8.5, "color": MUTED}, 0.2))
    if synthetic:
        style = {"fontsize": 7.5, "color": SYNTHETIC_COLOUR, "weight": "bold"}
        header.append((labels.text("synthetic"), style, 0.2))
    y = 0.12
    for text, style, step in header:
        fig.text(0.01, 1 - y / height, text, va="top", **style)
        y += step
    if legend:
        fig.legend(
            handles=legend,
            loc="upper left",
            ncols=len(legend) + 1,
            frameon=False,
            fontsize=8,
            title=labels.text("interval") + ":",
            title_fontsize=8,
            alignment="left",
            bbox_to_anchor=(0.0, 1 - (y + 0.02) / height),
        )
        y += 0.45
    lines = [textwrap.fill(note, NOTE_WIDTH) for note in notes]
    note_height = _notes_height(notes)
    top = 1 - (y + 0.35) / height
    bottom = (0.55 + note_height) / height
    fig.subplots_adjust(left=left, right=right, top=top, bottom=bottom, hspace=0.6)
    y = 0.08
    for text in reversed(lines):
        fig.text(0.01, y / height, text, fontsize=6.5, color=MUTED, va="bottom")
        y += NOTE_LINE * (text.count("\n") + 1) + 0.05


def new_figure(size: tuple[float, float], rows: int = 1, columns: int = 1, **grid):
    """A figure and its axes (as pyplot.subplots makes them), without pyplot: no figure
    manager to close, and no redraw check each time an artist changes (a twentieth of the
    time a figure takes)."""
    fig = Figure(figsize=size)
    return fig, fig.subplots(rows, columns, **grid)


def save_figure(fig, png: str, svg: str) -> None:
    """PNG and SVG without dates or random ids, so reruns give identical bytes. The PNG is
    compressed at zlib level 3: for these flat-coloured charts as small as the default 6, in
    two thirds of the time."""
    _unplaced_axis_labels(fig)
    write_atomically(
        png,
        lambda tmp: fig.savefig(
            tmp,
            format="png",
            dpi=DPI,
            metadata={"Software": None},
            pil_kwargs={"compress_level": 3},
        ),
    )
    with matplotlib.rc_context(STYLE):
        write_atomically(svg, lambda tmp: fig.savefig(tmp, format="svg", metadata={"Date": None}))


def _unplaced_axis_labels(fig) -> None:
    """Axes without a label keep it where it is: matplotlib otherwise measures every tick
    label of the axis and of those sharing it on each draw, to place a label that is empty."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.set_label_coords(0, 0)
