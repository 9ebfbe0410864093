"""The weighting stage: harmonised respondents + frame margins -> a weight per respondent."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from navpartner.audit import RowAccount
from navpartner.config import group_values, wave_spec
from navpartner.errors import InputError
from navpartner.geo import read_regions
from navpartner.indicators import require_psus_within_strata
from navpartner.io import read_table, write_csv, write_parquet
from navpartner.margins import check_against_frame, frame_geography
from navpartner.raking import (
    Margin,
    WeightingError,
    rake,
    rake_replicate,
    rao_wu_factors,
    relative_bounds,
    summary,
)
from navpartner.representativity import cell_table, r_indicators

# A population count above this is a typo or an overflow, not people: Norway has under six
# million. Raking such a margin fails far from the file (blamed on the trim bounds).
MAX_COUNT = 100_000_000


def read_margins(
    path: str | Path,
    variables: list[str] | None = None,
    levels: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Population counts by the weighting variables (one row per cell, column `count`).

    Checked row by row, naming file, line and column: the variables' columns are there and
    every cell has a level (one cell table, so every margin then has the same total), each
    level is one the data's coding knows (`levels`), counts are finite numbers >= 0 and at
    most MAX_COUNT with a positive total, and no cell occurs twice.
    """
    table = read_table(path, [*(variables or []), "count"])
    for variable in variables or []:
        values = table.data[variable]
        known = (levels or {}).get(variable)
        bad = (values == "") | (~values.isin(known) if known is not None else False)
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            expected = f"one of {sorted(known)}" if known is not None else "a level"
            table.fail(index, variable, "unknown level", expected, values.iat[index])
    counts = table.numbers("count", at_most=MAX_COUNT)
    if variables:
        duplicated = table.data.duplicated(subset=variables)
        if duplicated.any():
            index = int(np.flatnonzero(duplicated.to_numpy())[0])
            cell = dict(table.data.loc[index, variables])
            table.fail(index, ", ".join(variables), "a cell occurs twice", "unique cells", cell)
    if not counts.sum() > 0:
        raise InputError(
            str(path), "no population", variable="count", expected="a positive total", found=0
        )
    population = table.data.assign(count=counts)
    population.attrs["lines"] = table.lines  # each row's file line, for later checks to name
    return population


def margin_levels(config: dict, survey: str, root: str | Path = ".") -> dict[str, list[str]]:
    """The levels each weighting variable can take in the harmonised data."""
    levels = group_values(config, config["surveys"][survey]["roles"])
    regions = read_regions(Path(root) / config["geography"]["regions"])
    return {**levels, "region": sorted(set(regions["region"]))}


def build_margins(
    respondents: pd.DataFrame, population: pd.DataFrame, variables: list[str]
) -> list[Margin]:
    """One margin per variable: population totals by level and each respondent's level."""
    margins = []
    for variable in variables:
        if variable not in population or variable not in respondents:
            raise WeightingError(
                f"margin '{variable}' is not in both the respondents and the margins file"
            )
        targets = population.groupby(variable)["count"].sum()
        values = respondents[variable]
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise WeightingError(
                f"margin '{variable}': respondent "
                f"{respondents['respondent_id'].iat[row]} has no value"
            )
        unknown = sorted(set(values) - set(targets.index))
        if unknown:
            raise WeightingError(
                f"margin '{variable}' level '{unknown[0]}' occurs among "
                "respondents but has no population count"
            )
        levels = tuple(targets.index)
        codes = pd.Categorical(values, categories=levels).codes.astype(np.intp)
        margins.append(Margin(variable, codes, levels, targets.to_numpy(float)))
    return margins


def weight_survey_wave(
    config: dict,
    survey: str,
    wave: int,
    harmonised: str,
    margins_file: str,
    output: str,
    diagnostics: str,
    audit: str,
    root: str | Path = ".",
    representativity: str | None = None,
) -> RowAccount:
    """Rake one survey wave to its frame margins; write the weights, their diagnostics, the
    row account and, where a path is given, the response's R-indicators."""
    where = f"{margins_file}: {survey} {wave}"
    settings = config["weighting"]
    variables = config["surveys"][survey]["weighting"]["margins"]
    respondents = pd.read_parquet(harmonised)
    population = read_margins(margins_file, variables, margin_levels(config, survey, root))
    frame_file = wave_spec(config, survey, wave).municipalities
    municipalities = frame_geography(config, frame_file, root)
    check_against_frame(
        population, config["surveys"][survey], municipalities, str(margins_file), frame_file
    )
    account = RowAccount(step="survey_weight", rows_in=len(respondents))
    account.add_input(harmonised)
    account.add_input(margins_file)
    try:
        margins = build_margins(respondents, population, variables)
        base = np.ones(len(respondents))
        result = rake(
            base,
            margins,
            settings["tolerance"],
            settings["max_iterations"],
            bounds=_bounds(settings.get("trim"), base, margins),
        )
    except WeightingError as err:
        raise WeightingError(f"{where}: {err}") from err
    cells = cell_table(population, respondents, variables, where)
    weights = pd.DataFrame(
        {
            "respondent_id": respondents["respondent_id"],
            "base_weight": base,
            "weight": result.weights,
        }
    )
    account.rows_out = len(weights)
    indicators = (
        representativity_table(survey, wave, cells, variables) if representativity else None
    )
    write_parquet(weights, output)
    write_csv(
        diagnostics_table(survey, wave, result, margins, population["count"].sum()), diagnostics
    )
    if indicators is not None:
        write_csv(indicators, representativity)
    account.write(audit, survey=survey, wave=wave, output=str(output))
    return account


def representativity_table(survey, wave, cells, variables):
    """The R-indicator and the partial indicators of one survey wave's response, from the
    frame counts and respondents of each cell (representativity.cell_table)."""
    rows = r_indicators(
        cells["count"].to_numpy(),
        cells["respondents"].to_numpy(),
        {variable: cells[variable].to_numpy(str) for variable in variables},
    )
    table = pd.DataFrame(rows)
    table.insert(0, "survey", survey)
    table.insert(1, "wave", wave)
    return table.assign(
        frame_count=int(cells["count"].sum()), respondents=int(cells["respondents"].sum())
    )


def _bounds(trim: dict | None, base: np.ndarray, margins: list[Margin]):
    """Trimming bounds in weight units; relative bounds refer to the median untrimmed weight."""
    if not trim:
        return None
    if trim["relative_to"] == "absolute":
        return trim["lower"], trim["upper"]
    untrimmed = rake(base, margins).weights
    return relative_bounds(untrimmed, trim["lower"], trim["upper"])


def diagnostics_table(
    survey: str, wave: int, result, margins: list[Margin], frame_total: float
) -> pd.DataFrame:
    """One row per statistic: the distribution of the weights, then each margin level."""
    stats = summary(result.weights)
    rows = [{"statistic": name, "value": value} for name, value in stats.items()]
    rows += [
        {"statistic": "frame_total", "value": frame_total},
        {"statistic": "iterations", "value": result.iterations},
        {"statistic": "trimmed", "value": result.trimmed},
        {"statistic": "max_relative_margin_error", "value": result.max_relative_error},
    ]
    table = pd.DataFrame(rows)
    levels = []
    for margin in margins:
        achieved = np.bincount(margin.codes, result.weights, minlength=len(margin.levels))
        respondents = np.bincount(margin.codes, minlength=len(margin.levels))
        for level, target, got, n in zip(
            margin.levels, margin.targets, achieved, respondents, strict=True
        ):
            levels.append(
                {
                    "statistic": "margin",
                    "margin": margin.name,
                    "level": level,
                    "respondents": int(n),
                    "target": target,
                    "achieved": got,
                }
            )
    table = pd.concat([table, pd.DataFrame(levels)], ignore_index=True)
    return table.assign(survey=survey, wave=wave)[
        [
            "survey",
            "wave",
            "statistic",
            "value",
            "margin",
            "level",
            "respondents",
            "target",
            "achieved",
        ]
    ]


def replicate_columns(replicates: int) -> list[str]:
    return [f"replicate_{number:04d}" for number in range(1, replicates + 1)]


def chunk_replicates(bootstrap: dict, chunk: int) -> np.ndarray:
    """The replicate numbers (0-based) made by one chunk (0-based) of the configured chunks."""
    if not 0 <= chunk < bootstrap["chunks"]:
        raise WeightingError(f"chunk {chunk} is not one of 0..{bootstrap['chunks'] - 1}")
    return np.array_split(np.arange(bootstrap["replicates"]), bootstrap["chunks"])[chunk]


def psu_factors(config: dict, survey: str, wave: int, respondents: pd.DataFrame) -> np.ndarray:
    """Every replicate's Rao-Wu factor per respondent (respondents x replicates).

    The PSUs and strata are the survey's design; the draws depend on the seed, survey and wave
    only, so every chunk (and any number of chunks) sees the same replicates."""
    bootstrap = config["estimation"]["bootstrap"]
    design = config["surveys"][survey].get("design", {})
    n = len(respondents)
    require_psus_within_strata(config, survey, respondents)
    strata = respondents[design["strata"]] if "strata" in design else pd.Series([""] * n)
    psus = respondents[design["cluster"]] if "cluster" in design else pd.Series(np.arange(n))
    strata, psus = np.asarray(strata, dtype=str), np.asarray(psus, dtype=str)
    # PSU labels are nested in strata: the same label in two strata names two PSUs.
    psu_codes, _ = pd.factorize(
        pd.Series(np.char.add(np.char.add(strata, "\x1f"), psus)), sort=True
    )
    first = np.unique(psu_codes, return_index=True)[1]
    stratum_of_psu = pd.factorize(pd.Series(strata[first]), sort=True)[0]
    rng = np.random.default_rng([bootstrap["seed"], zlib.crc32(survey.encode()), int(wave)])
    try:
        factors = rao_wu_factors(stratum_of_psu, bootstrap["replicates"], rng)
    except WeightingError as err:
        raise WeightingError(f"{survey} {wave}: {err}") from err
    return factors[psu_codes]


def weight_replicates(
    config: dict,
    survey: str,
    wave: int,
    harmonised: str,
    margins_file: str,
    chunk: int,
    output: str,
    root: str | Path = ".",
) -> pd.DataFrame:
    """One chunk of replicate weights: the weighting redone on each replicate's base weights."""
    settings = config["weighting"]
    variables = config["surveys"][survey]["weighting"]["margins"]
    respondents = pd.read_parquet(harmonised)
    population = read_margins(margins_file, variables, margin_levels(config, survey, root))
    bootstrap = config["estimation"]["bootstrap"]
    numbers = chunk_replicates(bootstrap, chunk)
    names = [replicate_columns(bootstrap["replicates"])[number] for number in numbers]
    try:
        margins = build_margins(respondents, population, variables)
        base = np.ones(len(respondents))
        factors = psu_factors(config, survey, wave, respondents)[:, numbers]
        columns = {}
        for name, factor in zip(names, factors.T, strict=True):
            try:
                columns[name] = rake_replicate(
                    base,
                    factor,
                    margins,
                    settings["tolerance"],
                    settings["max_iterations"],
                )
            except WeightingError as err:
                raise WeightingError(
                    f"{name}: {err} (this replicate left out every PSU with respondents in "
                    "that level; making the level a stratum of the design also avoids it)"
                ) from err
    except WeightingError as err:
        raise WeightingError(f"{survey} {wave}: {err}") from err
    table = pd.DataFrame({"respondent_id": respondents["respondent_id"], **columns})
    write_parquet(table, output)
    return table


def combine_replicates(config: dict, inputs: list[str], output: str) -> pd.DataFrame:
    """One survey wave's replicate weights from its chunks, every configured replicate once."""
    chunks = [pd.read_parquet(path) for path in inputs]
    first = chunks[0]["respondent_id"]
    for path, chunk in zip(inputs, chunks, strict=True):
        if not chunk["respondent_id"].equals(first):
            raise WeightingError(f"{path}: respondents differ from {inputs[0]}")
    table = pd.concat(
        [chunks[0][["respondent_id"]], *(c.drop(columns="respondent_id") for c in chunks)],
        axis=1,
    )
    expected = replicate_columns(config["estimation"]["bootstrap"]["replicates"])
    if sorted(table.columns[1:]) != expected:
        raise WeightingError(
            f"{output}: the chunks hold replicates {list(table.columns[1:3])}..., expected "
            f"{expected[0]}..{expected[-1]} once each"
        )
    table = table[["respondent_id", *expected]]
    write_parquet(table, output)
    return table
