"""A wave's population margins and its municipality frame: the counts the frame gives (the
municipal survey: one holder of each role per municipality), a template for the counts it
does not give (the office survey's staff), and the check that a margins file agrees with the
wave's frame (regions and size classes as they are in that wave's year)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from navpartner.config import group_values
from navpartner.errors import InputError
from navpartner.geo import read_municipality_frame, read_regions, region_of, size_class
from navpartner.io import write_text

FRAME_VARIABLES = ("region", "size_class")
TEMPLATE_NOTE = (
    "# TEMPLATE (navpartner frame-margins): fill in each cell's count (0 where there is nobody); "
    "a blank count stops the run naming its line\n"
)


def frame_geography(config: dict, frame_file: str | Path, root: str | Path = ".") -> pd.DataFrame:
    """The wave's municipalities with their region and size class as of the frame's year."""
    frame = read_municipality_frame(Path(root) / frame_file)
    regions = region_of(
        frame["fylkesnummer"], read_regions(Path(root) / config["geography"]["regions"])
    )
    if regions.isna().any():
        county = frame["fylkesnummer"][regions.isna()].iat[0]
        raise InputError(str(frame_file), f"county {county} has no region in the regions frame")
    size = config["geography"]["municipality_size"]
    return frame.assign(
        region=regions.to_numpy(),
        size_class=size_class(frame["population"], size["lower_bounds"], size["labels"]),
    )


def counted_by_frame(survey_spec: dict) -> bool:
    """Whether the frame gives the survey's margins: every role has one holder per
    municipality, and the margins are of role, region and size class only."""
    return set(survey_spec["roles"]) <= set(survey_spec.get("one_per_municipality", [])) and set(
        survey_spec["weighting"]["margins"]
    ) <= {"role", *FRAME_VARIABLES}


def frame_counts(survey_spec: dict, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Per role and cell of the frame: its number of municipalities, as a margins table."""
    variables = survey_spec["weighting"]["margins"]
    holders = pd.concat([municipalities.assign(role=role) for role in survey_spec["roles"]])
    return holders.groupby(variables).size().rename("count").reset_index()


def margins_template(config: dict, survey: str, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Every cell of the survey's margins with a blank count: roles and categories from the
    config, regions and size classes from the wave's frame."""
    survey_spec = config["surveys"][survey]
    levels = group_values(config, survey_spec["roles"])
    for variable in FRAME_VARIABLES:
        present = set(municipalities[variable])
        levels[variable] = (
            [level for level in levels[variable] if level in present]
            if (variable in levels)
            else sorted(present)
        )
    variables = survey_spec["weighting"]["margins"]
    cells = list(itertools.product(*(levels[variable] for variable in variables)))
    return pd.DataFrame(cells, columns=variables).assign(count="")


def write_frame_margins(
    config: dict, survey: str, wave: int, frame_file: str, output: str, root: str | Path = "."
) -> bool:
    """Write the survey's margins for a wave from its frame: counts where the frame gives
    them, else a template to fill in. Returns whether the counts are filled in."""
    if survey not in config["surveys"]:
        raise InputError(str(output), f"no survey '{survey}' in the config")
    survey_spec = config["surveys"][survey]
    municipalities = frame_geography(config, frame_file, root)
    if counted_by_frame(survey_spec):
        table = frame_counts(survey_spec, municipalities)
        note = (
            f"# Margins of survey {survey}, wave {wave}, from {frame_file} (navpartner "
            "frame-margins): one respondent of each role per municipality\n"
        )
    else:
        table, note = margins_template(config, survey, municipalities), TEMPLATE_NOTE
    write_text(note + table.to_csv(index=False, lineterminator="\n"), output)
    return counted_by_frame(survey_spec)


def check_against_frame(
    population: pd.DataFrame,
    survey_spec: dict,
    municipalities: pd.DataFrame,
    margins_file: str,
    frame_file: str,
) -> None:
    """The margins' regions and size classes are those of the wave's frame (a margins file
    copied from another wave puts people in the regions of another year); where the frame
    gives the counts, each equals it. `population` is read_margins' table (lines in attrs)."""
    lines = population.attrs.get("lines", [None] * len(population))
    for variable in FRAME_VARIABLES:
        if variable not in population:
            continue
        counted = population[population["count"] > 0]
        in_frame = set(municipalities[variable])
        stray = counted[~counted[variable].isin(in_frame)]
        if len(stray):
            raise InputError(
                margins_file,
                f"{variable} '{stray[variable].iat[0]}' has a count, but no municipality of the "
                f"wave's frame ({frame_file}) is there: margins of another wave?",
                variable=variable,
                line=lines[population.index.get_loc(stray.index[0])],
                expected=f"one of {sorted(in_frame)}",
                found=stray[variable].iat[0],
            )
        uncounted = sorted(in_frame - set(counted[variable]))
        if uncounted:
            raise InputError(
                margins_file,
                f"the wave's frame ({frame_file}) has municipalities in {variable} "
                f"'{uncounted[0]}', but the margins give it no count: margins of another wave?",
                variable=variable,
            )
    if counted_by_frame(survey_spec):
        _check_frame_counts(population, survey_spec, municipalities, margins_file, frame_file)


def _check_frame_counts(population, survey_spec, municipalities, margins_file, frame_file):
    variables = survey_spec["weighting"]["margins"]
    expected = frame_counts(survey_spec, municipalities).set_index(variables)["count"]
    lines = population.attrs.get("lines", [None] * len(population))
    for position, (cell, count) in enumerate(
        zip(population[variables].itertuples(index=False), population["count"], strict=True)
    ):
        wanted = int(expected.get(tuple(cell), 0))
        if count != wanted:
            where = ", ".join(f"{v} {c}" for v, c in zip(variables, cell, strict=True))
            raise InputError(
                margins_file,
                f"{where}: the wave's frame ({frame_file}) has {wanted} municipalities there, "
                "one respondent of each role per municipality (navpartner frame-margins "
                "writes these margins)",
                variable="count",
                line=lines[position],
                expected=wanted,
                found=int(count) if float(count).is_integer() else count,
            )
    given = set(population[variables].itertuples(index=False, name=None))
    missing = [cell for cell in expected.index if cell not in given]
    if missing:
        raise InputError(
            margins_file,
            f"no line for {dict(zip(variables, missing[0], strict=True))}, where the wave's "
            f"frame ({frame_file}) has {expected[missing[0]]} municipalities",
            variable="count",
        )
