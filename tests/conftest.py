from pathlib import Path

import pandas as pd
import pytest
from navpartner.config import read_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def config() -> dict:
    return read_config(ROOT / "config.yaml")


@pytest.fixture(scope="session")
def truth() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "data" / "synthetic_truth.csv", comment="#")


@pytest.fixture(scope="session")
def populations():
    from navpartner.synth import load_parameters
    from navpartner.synth import populations as build

    return build(ROOT / "data_raw", load_parameters())


@pytest.fixture(scope="session")
def prepared(config, tmp_path_factory) -> dict:
    """Harmonised and weighted default data of every survey wave, made once per session:
    (survey, wave) -> (harmonised file, weights file)."""
    from navpartner.config import survey_waves, wave_spec
    from navpartner.harmonise import harmonise_survey_wave
    from navpartner.weighting import weight_survey_wave

    folder = tmp_path_factory.mktemp("prepared")
    files = {}
    for survey, wave in survey_waves(config):
        stem = folder / f"{survey}_{wave}"
        harmonised, weights = f"{stem}.parquet", f"{stem}.weights.parquet"
        harmonise_survey_wave(config, survey, wave, harmonised, f"{stem}.h.json", root=ROOT)
        weight_survey_wave(
            config,
            survey,
            wave,
            harmonised,
            str(ROOT / wave_spec(config, survey, wave).margins),
            weights,
            f"{stem}.diagnostics.csv",
            f"{stem}.w.json",
        )
        files[survey, wave] = (harmonised, weights)
    return files
