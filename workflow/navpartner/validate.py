"""Checks on harmonised records; each failure names the file, variable, row and expectation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from navpartner.errors import InputError


def first_row(mask: pd.Series | np.ndarray) -> int:
    """1-based data row of the first True (the row as a reader of the vendor file counts it)."""
    return int(np.flatnonzero(np.asarray(mask))[0]) + 1


def require_columns(data: pd.DataFrame, columns: list[str], file: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(
            file,
            f"variable(s) {missing} not in the file",
            variable=missing[0],
            expected=f"the variables the crosswalk names (the file has {len(data.columns)})",
        )


def require_values(values: pd.Series, file: str, variable: str, rows: pd.Series) -> None:
    """Fail on the first missing value of a required field."""
    missing = values.isna().to_numpy()
    if missing.any():
        raise InputError(
            file,
            "required value is missing",
            variable=variable,
            row=rows.iat[first_row(missing) - 1],
            expected="a value",
        )


def require_unique(values: pd.Series, file: str, variable: str, rows: pd.Series) -> None:
    reject(
        values.duplicated(keep="first"),
        values,
        file,
        variable,
        rows,
        expected="unique ids",
        problem="respondent id occurs twice",
    )


def require_in(
    values: pd.Series, allowed, file: str, variable: str, rows: pd.Series, expected: str
) -> None:
    """Fail on the first non-missing value outside `allowed`."""
    reject(values.notna() & ~values.isin(list(allowed)), values, file, variable, rows, expected)


def reject(
    bad: pd.Series,
    values: pd.Series,
    file: str,
    variable: str,
    rows: pd.Series,
    expected: str,
    problem: str = "value not allowed",
) -> None:
    """Fail on the first row where `bad` holds, quoting its value."""
    bad = bad.fillna(False).to_numpy(bool) if hasattr(bad, "fillna") else np.asarray(bad)
    if bad.any():
        index = first_row(bad) - 1
        raise InputError(
            file,
            problem,
            variable=variable,
            row=rows.iat[index],
            expected=expected,
            found=plain(values.iat[index]),
        )


def plain(value):
    """A value as a reader writes it: a numpy scalar as its number, a whole float as an int
    (a code read as 2.0 is shown as 2)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
