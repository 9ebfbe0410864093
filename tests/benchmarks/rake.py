"""Raking on the cell table: the standard data set's three margins (5, 12 and 20 levels) at
10^6 respondents, to a relative margin error below 1e-10.

    python tests/benchmarks/rake.py [--respondents N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from navpartner.raking import Margin, rake
from standard import MARGIN_LEVELS, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10**6)
    args = parser.parse_args()
    n = args.respondents
    data = build(n, n // 10, n // 1000)
    margins = [
        Margin(name, data.columns[name], tuple(map(str, range(levels))), data.targets[name])
        for name, levels in MARGIN_LEVELS.items()
    ]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        result = rake(data.columns["w"], margins, tolerance=1e-10)
        times.append(time.perf_counter() - started)
    print(
        f"rake: {n:,} respondents, margins of {', '.join(map(str, MARGIN_LEVELS.values()))} "
        f"levels: {result.iterations} iterations, largest relative margin error "
        f"{result.max_relative_error:.1e}, best of 5 {min(times):.3f} s (median "
        f"{np.median(times):.3f} s)"
    )


if __name__ == "__main__":
    main()
