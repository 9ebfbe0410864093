"""The toolkit's crosstab on the standard data set (10^6 respondents by default): a run's
harmonised data and raked weights written as the workflow writes them, opened through the API
(read, weights joined, design with calibration), then one crosstab after another with
raking-aware SEs.

    python tests/benchmarks/crosstab.py [--respondents N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from navpartner.api import Run
from navpartner.config import read_config
from navpartner.raking import Margin, rake
from standard import MARGIN_LEVELS, OUTCOMES, build

ROOT = Path(__file__).resolve().parents[2]


def write_run(folder: Path, respondents: int) -> dict:
    """The standard data set as a finished run's files; its config, as the API reads it."""
    data = build(respondents, respondents // 10, respondents // 1000)
    columns = data.columns
    margins = [
        Margin(name, columns[name], tuple(map(str, range(levels))), data.targets[name])
        for name, levels in MARGIN_LEVELS.items()
    ]
    weights = rake(columns["w"], margins, tolerance=1e-10).weights
    ids = pd.Series(np.arange(respondents)).map("r{:07d}".format)
    harmonised = pd.DataFrame(
        {
            "respondent_id": ids,
            "stratum": pd.Series(columns["stratum"]).astype(str),
            "psu": pd.Series(columns["psu"]).astype(str),
            **{name: pd.Series(columns[name]).astype(str) for name in MARGIN_LEVELS},
            **{name: pd.array(columns[name], dtype="Int8") for name in OUTCOMES},
        }
    )
    (folder / "harmonised").mkdir(parents=True)
    (folder / "weights").mkdir()
    harmonised.to_parquet(folder / "harmonised/standard_1.parquet")
    pd.DataFrame({"respondent_id": ids, "base_weight": columns["w"], "weight": weights}).to_parquet(
        folder / "weights/standard_1.parquet"
    )
    shipped = read_config(ROOT / "config.yaml", root=ROOT)
    return {
        "surveys": {
            "standard": {
                "waves": {1: {}},
                "design": {"cluster": "psu", "strata": "stratum"},
                "weighting": {"margins": list(MARGIN_LEVELS)},
            }
        },
        "items": {name: {"scale": "binary"} for name in OUTCOMES},
        "scales": {"binary": {0: {}, 1: {}}},
        "dont_know_code": 9,
        "estimation": {**shipped["estimation"], "variance": "calibrated"},
        "publication": shipped["publication"],
    }


def timed(what: str, work):
    started = time.perf_counter()
    answer = work()
    rows = f"  ({len(answer)} rows)" if isinstance(answer, pd.DataFrame) else ""
    print(f"  {what:<52} {time.perf_counter() - started:7.3f} s{rows}")
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10**6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = write_run(Path(folder), args.respondents)
        print(
            f"crosstab: {args.respondents:,} respondents in {args.respondents // 10:,} PSUs, "
            f"{args.respondents // 1000:,} strata, raked on {len(MARGIN_LEVELS)} margins"
        )
        run = Run(config, Path(folder), manifest=None)
        wave = timed("open the wave (read, join weights, design)", lambda: run.wave("standard", 1))
        timed("share of y1 by region (5 groups)", lambda: wave.shares("y1", "region", positive=[1]))
        timed(
            "share of y1 by sector (20 groups)", lambda: wave.shares("y1", "sector", positive=[1])
        )
        timed(
            "share of y1 by region x age (60 groups)",
            lambda: wave.shares("y1", ["region", "age"], positive=[1]),
        )
        timed(
            "share of y2 by sector where region=1",
            lambda: wave.shares("y2", "sector", {"region": "1"}, positive=[1]),
        )
        timed("distribution of y3 by age (12 groups)", lambda: wave.distribution("y3", "age"))
        timed(
            "contrasts of y1 by region against the rest",
            lambda: wave.contrasts("y1", "region", positive=[1]),
        )


if __name__ == "__main__":
    main()
