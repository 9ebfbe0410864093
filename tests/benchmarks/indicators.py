"""Ten indicators by three breakdowns with raking-aware SEs: the standard data set's ten
outcomes, each by its three margin variables (5, 12 and 20 groups), one call of the core per
breakdown, with the design (calibration included) made once; 10^6 respondents by default.
One BLAS thread, as Snakemake gives a rule of `threads: 1` (see findings.py).

    python tests/benchmarks/indicators.py [--respondents N]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import numpy as np
from navpartner.estimate import domain_proportions, make_design
from navpartner.raking import Margin, rake
from standard import MARGIN_LEVELS, OUTCOMES, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10**6)
    args = parser.parse_args()
    n = args.respondents
    data = build(n, n // 10, n // 1000)
    columns = data.columns
    margins = [
        Margin(name, columns[name], tuple(map(str, range(levels))), data.targets[name])
        for name, levels in MARGIN_LEVELS.items()
    ]
    weights = rake(columns["w"], margins, tolerance=1e-10).weights
    outcomes = np.column_stack([columns[name] for name in OUTCOMES])
    started = time.perf_counter()
    design = make_design(
        weights,
        psu=columns["psu"],
        strata=columns["stratum"],
        margins=[m.codes for m in margins],
        base_weights=columns["w"],
    )
    made = time.perf_counter()
    estimates = sum(
        domain_proportions(design, outcomes, columns[name], levels).estimate.size
        for name, levels in MARGIN_LEVELS.items()
    )
    done = time.perf_counter()
    print(
        f"indicators: {n:,} respondents, {len(OUTCOMES)} outcomes x {len(MARGIN_LEVELS)} "
        f"breakdowns = {estimates} domain estimates with raking-aware SEs: design "
        f"{made - started:.3f} s, estimates {done - made:.3f} s, total {done - started:.3f} s"
    )


if __name__ == "__main__":
    main()
