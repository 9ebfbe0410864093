"""The findings stage on the default data: distributions, contrasts and tests against R's survey
package on the calibrated design, and the tables' structure (every category, both directions of
no contrast, waves paired, surveys paired, one family for the false discovery rate)."""

import copy

import numpy as np
import pandas as pd
import pytest
from navpartner.config import check_config
from navpartner.errors import ConfigError
from navpartner.findings import (
    CONTRAST_COLUMNS,
    distributions,
    group_contrasts,
    response_rates,
    survey_contrasts,
    wave_contrasts,
)
from navpartner.indicators import read_survey_wave, reliability_flags, survey_design
from navpartner.weighting import read_margins
from numpy.testing import assert_allclose
from rscript import needs_r, run_r
from test_weights import long_margins

# (survey, wave, indicator, breakdown): each group against the rest, and against a reference.
CHECKED_AGAINST_R = [
    ("kontor", 2019, "likeverdig_kontorledere", "size_class"),
    ("kontor", 2011, "team_blandet", "employer"),
    ("kommune", 2019, "statlig_dominans_radmenn", "region"),
]


def r_reference(config, survey, wave, indicator, breakdown, data, root, tmp_path):
    spec = config["indicators"][indicator]
    margins_vars = config["surveys"][survey]["weighting"]["margins"]
    answers = data[spec["item"]].astype("Float64")
    in_population = data["role"].isin(spec["respondents"]["role"])
    valid = in_population & answers.notna() & (answers != config["dont_know_code"])
    frame = pd.DataFrame(
        {
            "item": answers.where(in_population).astype("Int64"),
            "y": answers.isin(spec["positive"]).astype(float).where(valid),
            "domain": data[breakdown].where(in_population),
            "psu": data[config["surveys"][survey]["design"]["cluster"]],
            "stratum": "all",
            "w": data["base_weight"],
            **{v: data[v] for v in margins_vars},
        }
    )
    frame.to_csv(tmp_path / "data.csv", index=False)
    population = read_margins(root / f"data_raw/margins/{survey}_{wave}.csv")
    long_margins(population, margins_vars).to_csv(tmp_path / "margins.csv", index=False)
    reference = config["estimation"]["contrasts"]["reference"].get(breakdown, "-")
    run_r(
        "contrasts.R",
        tmp_path / "data.csv",
        tmp_path / "margins.csv",
        "fail",
        reference,
        tmp_path / "r_",
    )
    return [
        pd.read_csv(tmp_path / f"r_{name}.csv", dtype={"domain": str, "group": str})
        for name in ("distributions", "contrasts", "chisq")
    ]


@needs_r
@pytest.mark.parametrize(("survey", "wave", "indicator", "breakdown"), CHECKED_AGAINST_R)
def test_default_data_matches_r(
    config, prepared, root, tmp_path, survey, wave, indicator, breakdown
):
    data = read_survey_wave(*prepared[survey, wave])
    cut = copy.deepcopy(config)
    cut["indicators"][indicator]["breakdowns"] = [breakdown]
    design = survey_design(cut, survey, data)
    shares = distributions(cut, indicator, data, design, "x")
    contrasts, tests = group_contrasts(cut, indicator, data, design, "x")
    r_shares, r_contrasts, r_test = r_reference(
        config, survey, wave, indicator, breakdown, data, root, tmp_path
    )
    # R tabulates the categories that occur; ours lists the whole scale (zeros where none).
    ours = shares.merge(
        r_shares.rename(columns={"domain": "group"}), on=["group", "category"], how="right"
    )
    assert len(ours) == len(r_shares)
    assert (shares.loc[shares["n_category"] == 0, "estimate"] == 0).all()
    for column in ("estimate", "se"):
        assert_allclose(ours[f"{column}_x"], ours[f"{column}_y"], rtol=0, atol=1e-8)
    contrasts = contrasts.sort_values("group", ignore_index=True)
    r_contrasts = r_contrasts.sort_values("group", ignore_index=True)  # R sorts by locale
    assert list(contrasts["group"]) == list(r_contrasts["group"])
    assert list(contrasts["reference"]) == list(r_contrasts["reference"])
    for column in ("estimate", "estimate_reference", "difference", "se"):
        assert_allclose(contrasts[column], r_contrasts[column], rtol=0, atol=1e-8)
    assert_allclose(tests["statistic"], r_test["statistic"], rtol=1e-8)
    assert_allclose(tests["df_numerator"], r_test["df_numerator"], rtol=1e-8)
    assert_allclose(tests["df_denominator"] / tests["df_numerator"], r_test["df"])


def test_distributions_cover_the_scale_and_sum_to_one(config, prepared):
    data = read_survey_wave(*prepared["kontor", 2019])
    design = survey_design(config, "kontor", data)
    table = distributions(config, "andre_parts_oppgaver", data, design, "x")
    assert set(table["category"]) == {1, 2, 3, 4, 5, 9}
    sums = table.groupby(["breakdown", "group"])["estimate"].sum()
    assert_allclose(sums, 1.0, atol=1e-12)
    counted = table.groupby(["breakdown", "group"]).agg(n=("n", "first"), k=("n_category", "sum"))
    assert (counted["n"] == counted["k"]).all()
    advisers = data["role"] == "veileder"
    total = table[table["breakdown"] == "total"].iloc[0]
    assert total["n"] == (advisers & data["andre_parts_oppgaver"].notna()).sum()
    assert total["unanswered"] == (advisers & data["andre_parts_oppgaver"].isna()).sum()


def test_contrasts_against_rest_or_reference_as_configured(config, prepared):
    data = read_survey_wave(*prepared["kontor", 2019])
    design = survey_design(config, "kontor", data)
    contrasts, tests = group_contrasts(config, "likeverdig_kontorledere", data, design, "x")
    by = contrasts.groupby("breakdown")
    assert set(by.get_group("employer")["reference"]) == {"stat"}  # configured
    assert set(by.get_group("leadership")["group"]) == {"todelt"}  # two groups: one test
    assert set(by.get_group("size_class")["reference"]) == {"rest"}
    assert "total" not in set(contrasts["breakdown"])
    assert set(tests["breakdown"]) == {"employer", "leadership", "size_class"}
    # With two groups the Rao-Scott F is the square of the contrast's t (the same Wald test,
    # up to R's design-effect scaling: F = X^2 / tr(Delta) on 1 df).
    employer = contrasts[contrasts["breakdown"] == "employer"].iloc[0]
    f = tests.set_index("breakdown").loc["employer", "statistic"]
    assert_allclose(f, (employer["difference"] / employer["se"]) ** 2, rtol=0.05)


def estimates_table(waves: dict[int, tuple[float, float, float]], **keys) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "a",
                "survey": "s",
                "breakdown": "total",
                "group": "total",
                "method": "korn_graubard",
                "wave": wave,
                "estimate": p,
                "variance": v,
                "df": df,
                **keys,
            }
            for wave, (p, v, df) in waves.items()
        ]
    )


def test_wave_contrasts_pair_consecutive_waves_and_first_to_last(config):
    table = estimates_table(
        {2011: (0.4, 0.001, 50), 2019: (0.5, 0.002, 60), 2023: (0.45, 0.0015, 40)}
    )
    result = wave_contrasts(config, table)
    assert list(result.columns) == CONTRAST_COLUMNS
    pairs = list(zip(result["wave_reference"], result["wave"], strict=True))
    assert pairs == [(2011, 2019), (2019, 2023), (2011, 2023)]
    first_last = result.iloc[2]
    assert_allclose(first_last["difference"], 0.05)
    assert_allclose(first_last["se"], np.sqrt(0.0025))
    assert_allclose(first_last["df"], 0.0025**2 / (0.001**2 / 50 + 0.0015**2 / 40))
    assert (result["kind"] == "wave").all()


def test_two_waves_give_one_pair(config):
    result = wave_contrasts(
        config, estimates_table({2011: (0.4, 0.001, 50), 2019: (0.5, 0.002, 60)})
    )
    assert len(result) == 1


def test_survey_contrasts_pair_indicators_sharing_theme_and_item(config):
    rows = []
    for name in config["indicators"]:
        rows.append(
            estimates_table({2019: (0.5, 0.001, 30)}).assign(
                indicator=name, survey=config["indicators"][name]["survey"]
            )
        )
    result = survey_contrasts(config, pd.concat(rows, ignore_index=True))
    pairs = set(zip(result["indicator_reference"], result["indicator"], strict=True))
    assert pairs == {
        ("samarbeid_kommunale_tjenester", "samarbeid_kommunale_radmenn"),
        ("samarbeid_kommunale_tjenester", "samarbeid_kommunale_ordforere"),
        ("samarbeid_kommunale_tjenester", "samarbeid_kommunale_kommunene"),
        ("likeverdig_radmenn", "likeverdig_kontorledere"),
        ("statlig_dominans_radmenn", "statlig_dominans_kontorledere"),
        ("flere_i_arbeid_radmenn", "flere_i_arbeid"),
        ("flere_i_arbeid_ordforere", "flere_i_arbeid"),
        ("tilpassede_tjenester_radmenn", "tilpassede_tjenester"),
        ("tilpassede_tjenester_ordforere", "tilpassede_tjenester"),
        ("sosiale_tjenester_radmenn", "sosiale_tjenester_ivaretatt"),
        ("sosiale_tjenester_ordforere", "sosiale_tjenester_ivaretatt"),
    }  # the one listed first in config.yaml is the reference
    surveys = {name: spec["survey"] for name, spec in config["indicators"].items()}
    assert (result["survey"] == result["indicator"].map(surveys)).all()
    assert (result["survey"] != result["indicator_reference"].map(surveys)).all()
    assert (result["reference"] == result["group"]).all()


def test_reliability_flags_follow_the_thresholds(config):
    thresholds = config["estimation"]["reliability"]
    table = pd.DataFrame(
        {
            "estimate": [0.5, 0.5, 0.5, 0.0],
            "variance": [0.25 / 100, 0.25 / 20, 0.25 / 100, 0.0],
            "df": [50, 50, 5, 50],
            "n": [100, 100, 100, 12],
            "ci_low": [0.4, 0.3, 0.45, 0.0],
            "ci_high": [0.6, 0.7, 0.55, 0.26],
        }
    )
    flagged = reliability_flags(table, thresholds)
    assert_allclose(flagged["n_effective"], [100, 20, 100, 12])
    assert list(flagged["flag_low_n_effective"]) == [False, True, False, True]
    assert list(flagged["flag_low_df"]) == [False, False, True, False]
    assert list(flagged["flag_wide_interval"]) == [False, True, False, False]
    assert list(flagged["flagged"]) == [False, True, True, True]


def test_response_rates_are_respondents_over_the_frame(tmp_path):
    diagnostics = pd.DataFrame(
        {
            "survey": "s",
            "wave": 2019,
            "statistic": ["n", "frame_total", "margin", "margin"],
            "value": [30, 100, None, None],
            "margin": [None, None, "role", "role"],
            "level": [None, None, "a", "b"],
            "respondents": [None, None, 10, 20],
            "target": [None, None, 40, 60],
            "achieved": [None, None, 40, 60],
        }
    )
    diagnostics.to_csv(tmp_path / "d.csv", index=False)
    table = response_rates(tmp_path / "d.csv", tmp_path / "r.csv")
    assert list(table["variable"]) == ["total", "role", "role"]
    assert_allclose(table["response_rate"], [0.3, 0.25, 20 / 60])


def test_unknown_reference_group_is_named(config):
    broken = copy.deepcopy(config)
    broken["estimation"]["contrasts"]["reference"]["employer"] = "staten"
    with pytest.raises(ConfigError, match=r"estimation.contrasts.reference.employer: 'staten'"):
        check_config(broken)
