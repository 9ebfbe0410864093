"""Municipality frames and the stated geography (region, size class) across reforms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from navpartner.errors import InputError

FRAME_COLUMNS = ["kommunenummer", "kommune", "fylkesnummer", "fylke", "population"]


def read_municipality_frame(path: str | Path) -> pd.DataFrame:
    """The municipalities valid in one wave, codes as zero-padded strings."""
    frame = pd.read_csv(path, dtype={"kommunenummer": str, "fylkesnummer": str}, encoding="utf-8")
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(str(path), f"missing columns {missing}", expected=str(FRAME_COLUMNS))
    duplicated = frame["kommunenummer"].duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0]) + 2  # + header, 1-based
        raise InputError(
            str(path),
            "duplicate municipality number",
            variable="kommunenummer",
            row=row,
            expected="unique codes",
            found=frame["kommunenummer"][duplicated].iloc[0],
        )
    return frame[FRAME_COLUMNS].reset_index(drop=True)


def read_regions(path: str | Path) -> pd.DataFrame:
    """County code (any vintage 2011-2025) -> stable region key and name."""
    regions = pd.read_csv(path, dtype={"fylkesnummer": str}, encoding="utf-8")
    return regions[["fylkesnummer", "region", "region_name"]]


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
