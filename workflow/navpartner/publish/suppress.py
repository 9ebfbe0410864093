"""Disclosure control: primary suppression of small cells, secondary where a total reveals one.

A cell is an estimate for one group; its size is the number of respondents behind it. The
groups of a breakdown add up to the total published beside them, so a single hidden group
could be recovered by subtraction: one more group (the smallest shown) is hidden with it.
"""

from __future__ import annotations

import numpy as np

PRIMARY = "primary"
SECONDARY = "secondary"


def suppression_marks(counts, minimum: int) -> np.ndarray:
    """'primary', 'secondary' or '' for each cell of one additive set (parts of a shown total)."""
    counts = np.asarray(counts, dtype=float)
    marks = np.where(counts < minimum, PRIMARY, "").astype(object)
    if (marks == PRIMARY).sum() == 1 and len(counts) > 1:
        shown = np.where(marks == "", counts, np.inf)
        marks[np.argmin(shown)] = SECONDARY
    return marks


def suppress_counts(counts: dict[str, int], minimum: int) -> dict[str, int | None]:
    """Counts that add up to a shown total, with the suppressed ones set to None."""
    marks = suppression_marks(list(counts.values()), minimum)
    return {
        key: None if mark else value
        for (key, value), mark in zip(counts.items(), marks, strict=True)
    }
