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
