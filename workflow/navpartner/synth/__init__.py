"""Synthetic default data: population, vendor files, frame margins and the known truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from navpartner.geo import read_municipality_frame, read_regions, size_class
from navpartner.io import write_atomically
from navpartner.synth.population import Population, build_population
from navpartner.synth.truth import population_truth
from navpartner.synth.vendor import LAYOUTS, vendor_frame, write_vendor_file

PARAMETERS = Path(__file__).with_name("parameters.yaml")
WAVES = (2011, 2019)
# Office size classes of the office-survey margins (staff per office); config.yaml uses the same.
OFFICE_SIZE_BOUNDS = [0, 10, 25, 50]
OFFICE_SIZE_LABELS = ["under_10", "10_24", "25_49", "50_plus"]
SYNTHETIC_HEADER = (
    "# SYNTETISKE DATA / SYNTHETIC DATA - made by navpartner synth; not real figures\n"
)
MARGIN_VARIABLES = {
    "kontor": ["role", "employer", "region", "office_size"],
    "kommune": ["role", "region", "size_class"],
}


def load_parameters(path: Path = PARAMETERS, seed: int | None = None) -> dict:
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    if seed is not None:
        params["seed"] = seed
    return params


def populations(data_raw: Path, params: dict) -> dict[int, Population]:
    """The synthetic population of every wave, built on the frames under data_raw/frames."""
    regions = read_regions(data_raw / "frames" / "regions.csv")
    return {
        wave: build_population(
            wave,
            read_municipality_frame(data_raw / "frames" / f"municipalities_{wave}.csv"),
            regions,
            params,
        )
        for wave in WAVES
    }


def generate(root: Path, frames: Path, seed: int | None = None) -> list[Path]:
    """Write vendor files, margins and truth under root; frames come from `frames`/frames."""
    params = load_parameters(seed=seed)
    written = []
    truth = []
    for wave, population in populations(frames, params).items():
        population.staff["office_size"] = size_class(
            population.staff["staff"], OFFICE_SIZE_BOUNDS, OFFICE_SIZE_LABELS
        )
        for survey, frame in (("kontor", population.staff), ("kommune", population.leaders)):
            rng = np.random.default_rng([params["seed"], wave, len(survey)])
            respondents = frame[frame["responds"]]
            table, labels, value_labels, missing = vendor_frame(
                respondents, LAYOUTS[survey, wave], params["response"]["item_nonresponse"], rng
            )
            path = root / "data_raw" / f"{survey}_{wave}.sav"
            write_atomically(
                path,
                lambda tmp, t=table, lab=labels, v=value_labels, m=missing: write_vendor_file(
                    tmp, t, lab, v, m
                ),
            )
            written.append(path)
            counts = frame.groupby(MARGIN_VARIABLES[survey]).size().rename("count").reset_index()
            written.append(
                _write_synthetic_csv(counts, root / "data_raw" / "margins" / f"{survey}_{wave}.csv")
            )
            truth.append(population_truth(frame, survey, wave))
    written.append(
        _write_synthetic_csv(
            pd.concat(truth, ignore_index=True), root / "tests" / "data" / "synthetic_truth.csv"
        )
    )
    return written


def _write_synthetic_csv(frame: pd.DataFrame, path: Path) -> Path:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(SYNTHETIC_HEADER)
            frame.to_csv(handle, index=False, lineterminator="\n", float_format="%.10g")

    write_atomically(path, write)
    return path
