"""Answer distributions and group contrasts at scale: ten five-point items (with "vet ikke")
by three breakdowns (5, 12 and 20 groups) on the standard data set, with raking-aware SEs;
10^6 respondents in 10^5 PSUs by default. Per breakdown: every item's full distribution, each
group against the rest for every item (the covariance of the two domains), and each item's
Rao-Scott test. Each item is a call of its own, as the pipeline makes them (an indicator at a
time, its codes one array). Prints the times (wall clock and CPU) and the peak memory.

One BLAS thread, as Snakemake gives a rule of `threads: 1` (OPENBLAS_NUM_THREADS): on a
shared machine, idle BLAS threads spinning between calls would count as the benchmark's CPU.

    python tests/benchmarks/findings.py [--respondents N]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import numpy as np
from navpartner.estimate import (
    differences_from_rest,
    domain_shares,
    make_design,
    rao_scott_f,
)
from navpartner.raking import Margin, rake
from standard import MARGIN_LEVELS, OUTCOMES, build

CATEGORIES = 6  # five answers and "vet ikke"


def items(columns: dict, seed: int = 12) -> np.ndarray:
    """Five-point answers (codes 0-4) that lean on the binary outcomes, 5 for "vet ikke":
    items x respondents, each item's codes one contiguous array."""
    rng = np.random.default_rng(seed)
    answers = []
    for name in OUTCOMES:
        lean = 2 * columns[name] + rng.integers(0, 3, len(columns[name]))
        answers.append(np.where(rng.random(len(lean)) < 0.05, 5, np.minimum(lean, 4)))
    return np.stack(answers).astype(np.intp)


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
    answers = items(columns)
    positive = ((answers >= 3) & (answers < 5)).astype(np.intp)
    started, cpu = time.perf_counter(), time.process_time()
    design = make_design(
        weights,
        psu=columns["psu"],
        strata=columns["stratum"],
        margins=[m.codes for m in margins],
        base_weights=columns["w"],
    )
    times = {"design": time.perf_counter() - started}
    counts = {"shares": 0, "contrasts": 0, "tests": 0}
    cpu_times = dict.fromkeys(("distributions", "contrasts", "tests"), 0.0)
    cpu_times["design"] = time.process_time() - cpu
    for stage in ("distributions", "contrasts", "tests"):
        times[stage] = 0.0
    for name, levels in MARGIN_LEVELS.items():
        group = columns[name].astype(np.intp)
        clock, cpu_clock = time.perf_counter(), time.process_time()
        for item in range(len(OUTCOMES)):  # one item a call, as the pipeline makes them
            shares = domain_shares(
                design, answers[item], group, levels, CATEGORIES, keep_totals=False
            )
            counts["shares"] += shares.estimate.size
        times["distributions"] += time.perf_counter() - clock
        cpu_times["distributions"] += time.process_time() - cpu_clock
        clock, cpu_clock = time.perf_counter(), time.process_time()
        for item in range(len(OUTCOMES)):
            contrast = differences_from_rest(design, positive[item], group, levels, 2, 1)
            counts["contrasts"] += contrast.difference.estimate.size
        times["contrasts"] += time.perf_counter() - clock
        cpu_times["contrasts"] += time.process_time() - cpu_clock
        clock, cpu_clock = time.perf_counter(), time.process_time()
        everyone = np.ones(n, dtype=bool)
        for item in range(len(OUTCOMES)):
            rao_scott_f(design, positive[item], 2, group, levels, everyone)
            counts["tests"] += 1
        times["tests"] += time.perf_counter() - clock
        cpu_times["tests"] += time.process_time() - cpu_clock
    cpu = time.process_time() - cpu  # apart from the wall clock on a shared machine
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(times.values())
    print(
        f"findings: {n:,} respondents, {design.n_psu:,} PSUs, {len(OUTCOMES)} items x "
        f"{len(MARGIN_LEVELS)} breakdowns, raking-aware SEs\n"
        f"  design {times['design']:.2f} s, {cpu_times['design']:.2f} CPU-s\n"
        f"  distributions ({counts['shares']:,} shares) {times['distributions']:.2f} s, "
        f"{cpu_times['distributions']:.2f} CPU-s\n"
        f"  group against rest ({counts['contrasts']:,} contrasts) {times['contrasts']:.2f} s, "
        f"{cpu_times['contrasts']:.2f} CPU-s (one pass per breakdown; 70 CPU-s with a pass "
        "per group, before 2026-12)\n"
        f"  Rao-Scott tests ({counts['tests']}) {times['tests']:.2f} s, "
        f"{cpu_times['tests']:.2f} CPU-s\n"
        f"  total {total:.2f} s wall clock, {cpu:.2f} s CPU (target 5; 30 CPU-s with PSUs x "
        f"columns arrays, before the blocks of strata); peak memory {peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
