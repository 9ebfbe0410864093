"""Coverage study: how often the 95 % intervals cover the synthetic model's true shares.

Usage: python tests/validation/coverage.py [--draws 500] [--wave 2019] [--seed 1]
                                          [--replicates 0]
Prints, per indicator and group, the expected share, the mean SE next to the SD of the
estimates over draws, and the coverage of the Korn-Graubard and logit intervals; once with the
clusters of config.yaml and once with offices as clusters, for comparison. Then the coverage of
the intervals of each group's difference from the rest of its population (group contrasts),
with the clusters of config.yaml. With --replicates N, also the coverage of the intervals from
bootstrap SEs (estimation.variance: bootstrap, N Rao-Wu replicates raked again).
"""

import argparse
from pathlib import Path

import pandas as pd
from navpartner.config import read_config
from navpartner.synth import load_parameters, populations
from study import DEFAULT_TARGETS, contrast_coverage, coverage

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--wave", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replicates", type=int, default=0, help="bootstrap replicates")
    args = parser.parse_args()
    config = read_config(ROOT / "config.yaml")
    params = load_parameters()
    population = populations(ROOT / "data_raw", params)[args.wave]
    configured = {s: spec["design"]["cluster"] for s, spec in config["surveys"].items()}
    pd.set_option("display.width", 200)
    for label, clusters in (
        ("clusters as configured", configured),
        ("offices as clusters", {**configured, "kontor": "office_id"}),
    ):
        table = coverage(population, params, list(DEFAULT_TARGETS), clusters, args.draws, args.seed)
        print(f"\n{args.draws} draws, wave {args.wave}, {label}: {clusters}")
        print(table.round(4).to_string(index=False))
        print(
            f"mean coverage: Korn-Graubard {table['korn_graubard'].mean():.3f}, "
            f"logit {table['logit'].mean():.3f}"
        )
    table = contrast_coverage(
        population, params, list(DEFAULT_TARGETS), configured, args.draws, args.seed
    )
    print(f"\n{args.draws} draws, wave {args.wave}, group against rest, {configured}")
    print(table.round(4).to_string(index=False))
    print(f"mean coverage of contrast intervals: {table['coverage'].mean():.3f}")
    if args.replicates:
        table = coverage(
            population,
            params,
            list(DEFAULT_TARGETS),
            configured,
            args.draws,
            args.seed,
            replicates=args.replicates,
        )
        print(f"\n{args.draws} draws, {args.replicates} bootstrap replicates each, {configured}")
        print(table.round(4).to_string(index=False))
        print(
            f"mean coverage: Korn-Graubard {table['korn_graubard'].mean():.3f}, "
            f"logit {table['logit'].mean():.3f}"
        )


if __name__ == "__main__":
    main()
