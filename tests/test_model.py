"""The explanatory model against R's svyglm on the default data."""

import copy

import numpy as np
import pandas as pd
import pytest
from navpartner.indicators import read_survey_wave
from navpartner.model import fit_model, model_data
from numpy.testing import assert_allclose
from rscript import needs_r, run_r


@pytest.fixture(scope="module")
def frames(config, prepared):
    def read(survey, wave):
        return read_survey_wave(*prepared[survey, wave])

    return {name: model_data(config, name, read) for name in config["models"]}


@needs_r
@pytest.mark.parametrize("name", ["likeverdig_kontorledere", "likeverdig_grupper"])
def test_model_matches_r_svyglm(config, frames, name, tmp_path):
    compare_with_r(config, name, frames[name], tmp_path)


@needs_r
def test_model_honours_strata_as_r_svyglm(config, frames, tmp_path):
    """A design with strata (here: municipality size within each survey wave) as svyglm."""
    frame = frames["likeverdig_kontorledere"]
    stratified = frame.assign(stratum=frame["stratum"] + ":" + frame["size_class"].astype(str))
    ours = compare_with_r(config, "likeverdig_kontorledere", stratified, tmp_path)
    unstratified = fit_model(config, "likeverdig_kontorledere", frame)
    assert ours["strata"].iat[0] > unstratified["strata"].iat[0]
    assert not np.allclose(ours["std_error"], unstratified["std_error"])


@needs_r
def test_model_with_the_frame_correction_matches_r_svyglm_with_fpc(
    config, prepared, root, tmp_path, monkeypatch
):
    """estimation.fpc: frame corrects the model's SEs as it does the shares': svyglm on a
    design with fpc (each wave's municipalities in its frame), to 1e-8."""
    monkeypatch.chdir(root)
    corrected = copy.deepcopy(config)
    corrected["estimation"]["fpc"] = "frame"
    name = "likeverdig_grupper"
    frame = model_data(
        corrected, name, lambda survey, wave: read_survey_wave(*prepared[survey, wave])
    )
    counts = frame.groupby("stratum")["cluster"].nunique()
    assert (counts < frame.groupby("stratum")["fpc"].first()).all()
    ours = compare_with_r(corrected, name, frame, tmp_path)
    plain = fit_model(config, name, frame.drop(columns="fpc"))
    assert (ours["std_error"] < plain["std_error"]).all()


def compare_with_r(config, name, frame, tmp_path) -> pd.DataFrame:
    ours = fit_model(config, name, frame)
    design = pd.DataFrame(
        {
            "y": frame["y"],
            "weight": frame["weight"],
            "cluster": frame["cluster"],
            "stratum": frame["stratum"],
            **({"fpc": frame["fpc"]} if "fpc" in frame else {}),
        }
    )
    for term in ours["term"]:
        design[term] = 1.0 if term == "intercept" else _column(frame, term)
    design.to_csv(tmp_path / "data.csv", index=False)
    run_r("svyglm.R", tmp_path / "data.csv", tmp_path / "o")
    expected = pd.read_csv(tmp_path / "o")
    assert list(expected["term"]) == list(ours["term"])
    assert_allclose(ours["estimate"], expected["estimate"], rtol=0, atol=1e-8)
    assert_allclose(ours["std_error"], expected["std_error"], rtol=0, atol=1e-8)
    assert (ours["df"] == expected["df"]).all()
    assert_allclose(ours["p_value"], expected["p_value"], rtol=1e-6, atol=1e-12)
    return ours


def _column(frame: pd.DataFrame, term: str) -> pd.Series:
    variable, level = term.rstrip("]").split("[")
    return (frame[variable].astype(str) == level).astype(float)


def test_model_pools_waves_and_groups(config, frames):
    frame = frames["likeverdig_grupper"]
    assert set(frame["respondent_group"]) == {"likeverdig_radmenn", "likeverdig_kontorledere"}
    assert set(frame["wave"]) == {"2011", "2019"}
    table = fit_model(config, "likeverdig_grupper", frame)
    assert table.loc[0, "term"] == "intercept"
    assert "respondent_group[likeverdig_kontorledere]" in set(table["term"])
    assert table["clusters"].iloc[0] == frame["cluster"].nunique()
