"""Indicators on the default data: checked against R's survey package, added and misdeclared
by config alone."""

import copy
import re

import numpy as np
import pandas as pd
import pytest
from navpartner.config import check_config
from navpartner.errors import ConfigError, InputError
from navpartner.indicators import (
    combine_estimates,
    estimate_indicator,
    estimate_survey_wave,
    read_survey_wave,
    survey_design,
)
from navpartner.model import model_data
from navpartner.weighting import psu_factors, read_margins
from numpy.testing import assert_allclose
from rscript import needs_r
from test_estimate import COMPARED, reference
from test_weights import long_margins

# (survey, wave, indicator, breakdown): every survey wave, totals and domains.
CHECKED_AGAINST_R = [
    ("kontor", 2011, "team_blandet", "employer"),
    ("kontor", 2019, "likeverdig_kontorledere", "leadership"),
    ("kommune", 2011, "statlig_dominans_radmenn", "total"),
    ("kommune", 2019, "likeverdig_radmenn", "size_class"),
]


def r_reference(config, survey, wave, indicator, breakdown, data, root, tmp_path):
    """R's calibrate(calfun = "raking") from base weight 1, then svymean/svyciprop by domain."""
    spec = config["indicators"][indicator]
    margins_vars = config["surveys"][survey]["weighting"]["margins"]
    answers = data[spec["item"]].astype("Float64")
    in_population = data["role"].isin(spec["respondents"]["role"])
    valid = in_population & answers.notna() & (answers != config["dont_know_code"])
    frame = pd.DataFrame(
        {
            "y": answers.isin(spec["positive"]).astype(float).where(valid),
            "domain": "total" if breakdown == "total" else data[breakdown],
            "psu": data[config["surveys"][survey]["design"]["cluster"]],
            "stratum": "all",
            "w": data["base_weight"],
            **{v: data[v] for v in margins_vars},
        }
    )
    population = read_margins(root / f"data_raw/margins/{survey}_{wave}.csv")
    return reference(frame, long_margins(population, margins_vars), "fail", tmp_path)


@needs_r
@pytest.mark.parametrize(("survey", "wave", "indicator", "breakdown"), CHECKED_AGAINST_R)
def test_default_data_matches_r(
    config, prepared, root, tmp_path, survey, wave, indicator, breakdown
):
    data = read_survey_wave(*prepared[survey, wave])
    cut = copy.deepcopy(config)
    cut["indicators"][indicator]["breakdowns"] = [breakdown]
    table, _ = estimate_indicator(cut, indicator, data, survey_design(cut, survey, data), "x")
    got = {method: rows.set_index("group").sort_index() for method, rows in table.groupby("method")}
    expected = r_reference(config, survey, wave, indicator, breakdown, data, root, tmp_path)
    expected = expected.set_index("domain").sort_index()
    assert list(got["logit"].index) == list(expected.index)
    ours = got["logit"].assign(
        logit_low=got["logit"]["ci_low"],
        logit_high=got["logit"]["ci_high"],
        beta_low=got["beta"]["ci_low"],
        beta_high=got["beta"]["ci_high"],
    )
    for column in COMPARED:
        assert_allclose(ours[column], expected[column], rtol=0, atol=1e-8, err_msg=column)


def test_every_indicator_wave_and_breakdown_is_estimated(config, prepared, tmp_path):
    outputs = []
    for (survey, wave), (harmonised, weights) in prepared.items():
        out = str(tmp_path / f"{survey}_{wave}.parquet")
        estimate_survey_wave(
            config, survey, wave, harmonised, weights, out, str(tmp_path / "a.json")
        )
        outputs.append(out)
    table = combine_estimates(
        config, outputs, *(str(tmp_path / f) for f in ("e.parquet", "e.csv", "d.csv"))
    )
    seen = set(zip(table["indicator"], table["wave"], table["breakdown"], strict=True))
    only_2019 = {"teammal_klare", "fornoyd_teamarbeid", "tettere_samarbeid"}  # not in 2011's form
    for name, spec in config["indicators"].items():
        for wave in (2011, 2019):
            asked = not (name in only_2019 and wave == 2011)
            for breakdown in spec["breakdowns"]:
                assert ((name, wave, breakdown) in seen) == asked, (name, wave, breakdown)
    assert set(table["method"]) == {"korn_graubard", "beta", "logit"}
    assert (table["ci_low"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["ci_high"]).all()
    differences = pd.read_csv(tmp_path / "d.csv")
    assert set(differences["wave_from"]) == {2011}
    assert not only_2019 & set(differences["indicator"])


def test_estimates_are_near_the_synthetic_truth(config, prepared, truth):
    """Totals within four standard errors of the population value they estimate."""
    data = read_survey_wave(*prepared["kontor", 2019])
    design = survey_design(config, "kontor", data)
    table, _ = estimate_indicator(config, "team_blandet", data, design, "x")
    row = table[(table["breakdown"] == "total") & (table["method"] == "logit")].iloc[0]
    true = truth.query(
        "survey == 'kontor' and wave == 2019 and item == 'team_blandet' and role == 'veileder' "
        "and breakdown == 'total'"
    )["share_positive"].iloc[0]
    assert abs(row["estimate"] - true) < 4 * row["se"]


def test_an_indicator_is_added_by_config_alone(config, prepared, tmp_path):
    config = copy.deepcopy(config)
    config["indicators"]["samarbeid_stat_ordforere_helt_enig"] = {
        "label": {"nb": "Ordførere: samarbeidet med staten fungerer", "en": "Mayors: works"},
        "population": {"nb": "ordførere", "en": "mayors"},
        "theme": "samarbeid",
        "survey": "kommune",
        "respondents": {"role": ["ordforer"]},
        "item": "samarbeid_stat_fungerer",
        "positive": [5],
        "dont_know": "negative",
        "breakdowns": ["total", "region"],
    }
    check_config(config)  # a new name: the default config has ordførere "litt" or "helt" enig
    out = tmp_path / "e.parquet"
    estimate_survey_wave(
        config, "kommune", 2019, *prepared["kommune", 2019], str(out), str(tmp_path / "a.json")
    )
    table = pd.read_parquet(out).query("indicator == 'samarbeid_stat_ordforere_helt_enig'")
    assert set(table["breakdown"]) == {"total", "region"}
    data = read_survey_wave(*prepared["kommune", 2019])
    mayors = data[data["role"] == "ordforer"]
    answered = mayors["samarbeid_stat_fungerer"].notna()
    total = table[(table["breakdown"] == "total") & (table["method"] == "logit")].iloc[0]
    assert total["n"] == answered.sum()  # "vet ikke" stays in the denominator
    expected = np.average(
        mayors.loc[answered, "samarbeid_stat_fungerer"] == 5, weights=mayors.loc[answered, "weight"]
    )
    assert_allclose(total["estimate"], expected)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.update(item="likeverdighet"), ["indicators.x.item", "likeverdighet"]),
        (lambda s: s.update(positive=[4, 6]), ["indicators.x.positive", "6", "likeverdig"]),
        (
            lambda s: s.update(respondents={"role": ["borgermester"]}),
            ["indicators.x.respondents.role", "'borgermester' is not a value of role"],
        ),
        (lambda s: s.update(breakdowns=["total", "office_size"]), ["kommune", "office_size"]),
        (lambda s: s.update(dont_know="ignore"), ["indicators.x.dont_know"]),
    ],
)
def test_a_misdeclared_indicator_is_named(config, change, words):
    config = copy.deepcopy(config)
    spec = copy.deepcopy(config["indicators"]["likeverdig_radmenn"])
    change(spec)
    config["indicators"]["x"] = spec
    with pytest.raises(ConfigError) as error:
        check_config(config)
    for word in words:
        assert word in str(error.value)


def test_a_population_empty_in_the_data_stops_with_a_named_error(config, prepared):
    config = copy.deepcopy(config)
    config["indicators"]["likeverdig_radmenn"]["respondents"]["region"] = ["atlantis"]
    data = read_survey_wave(*prepared["kommune", 2011])
    design = survey_design(config, "kommune", data)
    with pytest.raises(InputError, match=r"likeverdig_radmenn.*empty population"):
        estimate_indicator(config, "likeverdig_radmenn", data, design, "kommune_2011.parquet")


def test_weights_that_do_not_match_the_respondents_are_named(prepared, tmp_path):
    harmonised, weights = prepared["kommune", 2011]
    short = tmp_path / "w.parquet"
    pd.read_parquet(weights).iloc[1:].to_parquet(short)
    with pytest.raises(InputError, match="respondent_id"):
        read_survey_wave(harmonised, str(short))


def test_the_frame_correction_counts_the_waves_municipalities(config, prepared, root, monkeypatch):
    """estimation.fpc: frame multiplies the variance by 1 - n/N, N the municipalities of the
    wave's frame (no strata: one count), n those with respondents; points do not move."""
    monkeypatch.chdir(root)
    data = read_survey_wave(*prepared["kommune", 2019])
    corrected = copy.deepcopy(config)
    corrected["estimation"]["fpc"] = "frame"
    plain = estimate_indicator(
        config, "likeverdig_radmenn", data, survey_design(config, "kommune", data), "x"
    )[0]
    fpc = estimate_indicator(
        corrected, "likeverdig_radmenn", data, survey_design(corrected, "kommune", data), "x"
    )[0]
    frame = pd.read_csv(root / "data_raw/frames/municipalities_2019.csv")
    factor = 1 - data["kommunenummer"].nunique() / len(frame)
    assert 0 < factor < 1
    assert_allclose(fpc["estimate"], plain["estimate"], rtol=0, atol=0)
    assert_allclose(fpc["variance"], plain["variance"] * factor, rtol=1e-12)


@pytest.mark.bad_input
def test_a_stratum_with_more_municipalities_than_its_frame_is_named(
    config, prepared, root, monkeypatch
):
    monkeypatch.chdir(root)
    data = read_survey_wave(*prepared["kommune", 2019])
    corrected = copy.deepcopy(config)
    corrected["estimation"]["fpc"] = "frame"
    corrected["surveys"]["kommune"]["design"]["strata"] = "region"
    data.loc[data["kommunenummer"].isin(data["kommunenummer"][:3]), "region"] = "atlantis"
    with pytest.raises(InputError, match="kommune 2019: stratum 'atlantis' of 'region'"):
        survey_design(corrected, "kommune", data)


@pytest.mark.bad_input
def test_strata_that_cut_through_clusters_are_refused(config, prepared):
    """strata: employer beside cluster: kommunenummer puts a municipality's staff in two strata.
    R's svydesign refuses that unless nest = TRUE, which the config has no option for: counting
    each part as a PSU of its own understates the SEs. Every step that builds the design stops."""
    data = read_survey_wave(*prepared["kontor", 2019])
    crossed = copy.deepcopy(config)
    crossed["surveys"]["kontor"]["design"]["strata"] = "employer"
    by_employer = data.groupby("kommunenummer")["employer"].nunique()
    example = by_employer.index[by_employer > 1][0]  # the municipalities come sorted
    nesting = "the clusters (kommunenummer) are not nested in the strata (employer)"
    for build in (
        lambda: survey_design(crossed, "kontor", data),
        lambda: psu_factors(crossed, "kontor", 2019, data),
    ):
        with pytest.raises(ConfigError) as error:
            build()
        for words in [
            f"surveys.kontor.design: in kontor 2019 {nesting}",
            f"{(by_employer > 1).sum()} of {len(by_employer)}, e.g. kommunenummer {example} in "
            "employer ['kommune', 'stat']",
        ]:
            assert words in str(error.value), str(error.value)
    with pytest.raises(ConfigError, match=re.escape(f"in kontor 2011 {nesting}")):  # pools waves
        model_data(
            crossed, "likeverdig_kontorledere", lambda s, w: read_survey_wave(*prepared[s, w])
        )
    nested = copy.deepcopy(config)
    nested["surveys"]["kontor"]["design"]["strata"] = "size_class"  # one per municipality
    assert survey_design(nested, "kontor", data).psus_in_stratum.sum() == len(by_employer)
