"""Municipality frames and the stated geography (region, size class) across reforms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from navpartner.io import Table, read_table

FRAME_COLUMNS = ["kommunenummer", "kommune", "fylkesnummer", "fylke", "population"]
REGION_COLUMNS = ["fylkesnummer", "region", "region_name"]


def read_municipality_frame(path: str | Path) -> pd.DataFrame:
    """The municipalities valid in one wave, codes as zero-padded strings; each row checked."""
    table = read_table(path, FRAME_COLUMNS)
    _require_codes(table, "kommunenummer", 4)
    _require_codes(table, "fylkesnummer", 2)
    _require_unique(table, "kommunenummer")
    population = table.numbers("population", positive=True)
    if (population == population.round()).all():
        population = population.astype("int64")
    return table.data[FRAME_COLUMNS].assign(population=population).reset_index(drop=True)


def read_regions(path: str | Path) -> pd.DataFrame:
    """County code (any vintage 2011-2025) -> stable region key and name."""
    table = read_table(path, REGION_COLUMNS)
    _require_codes(table, "fylkesnummer", 2)
    _require_unique(table, "fylkesnummer")
    blank = table.data["region"] == ""
    if blank.any():
        table.fail(int(np.flatnonzero(blank)[0]), "region", "no region", "a region key", "")
    return table.data[REGION_COLUMNS].reset_index(drop=True)


def _require_codes(table: Table, column: str, digits: int) -> None:
    bad = ~table.data[column].str.fullmatch(rf"\d{{{digits}}}")
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        table.fail(index, column, "not a code", f"{digits} digits", table.data[column].iat[index])


def _require_unique(table: Table, column: str) -> None:
    duplicated = table.data[column].duplicated()
    if duplicated.any():
        index = int(np.flatnonzero(duplicated)[0])
        table.fail(index, column, "occurs twice", "unique codes", table.data[column].iat[index])


def region_of(county_codes: pd.Series, regions: pd.DataFrame) -> pd.Series:
    """Region key for each county code; NA where the code is unknown."""
    lookup = dict(zip(regions["fylkesnummer"], regions["region"], strict=True))
    return county_codes.map(lookup)


def size_class(values: pd.Series | np.ndarray, lower_bounds: list[int], labels: list[str]):
    """Class label for each value: class i covers [lower_bounds[i], lower_bounds[i+1])."""
    values = np.asarray(values, dtype=float)
    index = np.searchsorted(np.asarray(lower_bounds, dtype=float), values, side="right") - 1
    if (index < 0).any():
        raise ValueError(f"value below the first class bound {lower_bounds[0]}")
    return np.asarray(labels, dtype=object)[index]
