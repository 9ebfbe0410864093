import sys
from pathlib import Path

import pandas as pd
import pytest
from navpartner.config import read_config

ROOT = Path(__file__).resolve().parents[1]
# The coverage study (validation, not the product) is imported by its tests from beside them.
sys.path.insert(0, str(ROOT / "tests" / "validation"))


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


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A temporary copy of the project that the workflow tests run in."""
    from workflow_run import copy_project

    return copy_project(ROOT, tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="session")
def full_run(project) -> dict:
    """The whole workflow and its report on the default data; data_raw/ digests before it."""
    from workflow_run import digests, snakemake

    before = digests(project / "data_raw")
    result = snakemake(project, "--report", "results/report.html", "--report-after-run")
    assert result.returncode == 0, result.stderr[-3000:]
    return before
