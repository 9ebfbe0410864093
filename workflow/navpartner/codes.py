"""Compact codes for non-negative integer keys: raking's cells and the design's PSUs and cells.

A bincount over the key range where that range is modest (one pass, no sort); a sort where the
keys are sparse in a large range. Either way the codes follow the keys' order, as
`np.unique(keys, return_inverse=True)` numbers them.
"""

from __future__ import annotations

import numpy as np


def compact(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 for non-negative integer keys (in key order), and a row of each code."""
    if len(keys) == 0 or keys.max() > 8 * len(keys) + 1_000_000:
        _, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        return first, codes.ravel()
    present = np.bincount(keys) > 0
    codes = (np.cumsum(present) - 1)[keys]
    return first_rows(codes, int(present.sum())), codes


def first_rows(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """For codes 0..n_codes-1 (each present), the first row holding each."""
    first = np.empty(n_codes, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first
