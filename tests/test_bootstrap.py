"""Replicate-weight variance (estimation.variance: bootstrap): the Rao-Wu factors, replicate
weights raked again and made in chunks, replicate SEs against R's survey package, and the
workflow's replicate jobs."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from navpartner.config.consistency import check_consistency
from navpartner.errors import ConfigError
from navpartner.estimate import (
    Replicates,
    replicate_domain_shares,
    replicate_variance,
)
from navpartner.indicators import (
    estimate_indicator,
    estimate_survey_wave,
    read_replicates,
    read_survey_wave,
    survey_design,
)
from navpartner.raking import WeightingError, rao_wu_factors
from navpartner.weighting import (
    build_margins,
    combine_replicates,
    psu_factors,
    read_margins,
    weight_replicates,
)
from numpy.testing import assert_allclose, assert_array_equal
from rscript import needs_r, run_r
from test_indicators import CHECKED_AGAINST_R
from test_weights import long_margins


def bootstrap_config(config, replicates=30, chunks=2, centre="replicate_mean"):
    changed = copy.deepcopy(config)
    changed["estimation"]["variance"] = "bootstrap"
    changed["estimation"]["bootstrap"] = {
        "replicates": replicates,
        "chunks": chunks,
        "seed": 5,
        "centre": centre,
    }
    return changed


def make_replicates(config, root, prepared, survey, wave, folder) -> str:
    """A survey wave's replicate weights, chunk by chunk and combined, as the workflow does."""
    harmonised, _ = prepared[survey, wave]
    margins = str(root / f"data_raw/margins/{survey}_{wave}.csv")
    chunks = []
    for chunk in range(config["estimation"]["bootstrap"]["chunks"]):
        path = str(folder / f"{survey}_{wave}_{chunk}.parquet")
        weight_replicates(config, survey, wave, harmonised, margins, chunk, path, root=root)
        chunks.append(path)
    output = str(folder / f"{survey}_{wave}.replicates.parquet")
    combine_replicates(config, chunks, output)
    return output


def test_rao_wu_factors_draw_n_minus_one_psus_per_stratum():
    stratum_of_psu = np.array([0, 0, 0, 1, 1, 1, 1, 1, 2, 2])
    factors = rao_wu_factors(stratum_of_psu, 400, np.random.default_rng(1))
    for stratum, n_h in ((0, 3), (1, 5), (2, 2)):
        rows = factors[stratum_of_psu == stratum]
        # n_h - 1 draws, each worth n_h / (n_h - 1): the stratum's factors add up to n_h.
        assert_allclose(rows.sum(axis=0), n_h)
        draws = rows * (n_h - 1) / n_h
        assert_allclose(draws, np.round(draws))
        assert_allclose(rows.mean(), 1.0, atol=0.05)  # each PSU drawn (n_h-1)/n_h on average
    assert (factors == 0).any()


def test_a_stratum_with_one_psu_is_named():
    with pytest.raises(WeightingError, match="stratum 1 has a single PSU"):
        rao_wu_factors(np.array([0, 0, 1]), 5, np.random.default_rng(1))


def test_replicate_variance_is_r_svrvar():
    replicates = Replicates.bootstrap(np.ones((3, 4)))  # scale 1/3
    estimates = np.array([[1.0], [2.0], [3.0], [4.0]])
    assert_allclose(replicate_variance(replicates, estimates, np.array([0.0])), [5 / 3])
    centred = Replicates.bootstrap(np.ones((3, 4)), full_sample_centre=True)
    assert_allclose(replicate_variance(centred, estimates, np.array([0.0])), [10.0])


def test_replicate_domain_shares_are_weighted_means():
    rng = np.random.default_rng(3)
    weights = rng.uniform(0, 2, size=(50, 6))
    positive = rng.integers(0, 2, 50).astype(float)
    domain = rng.integers(-1, 3, 50)
    shares = replicate_domain_shares(Replicates.bootstrap(weights), positive, domain, 3)
    for d in range(3):
        inside = domain == d
        expected = (weights[inside] * positive[inside, None]).sum(0) / weights[inside].sum(0)
        assert_allclose(shares[:, d], expected)


def test_replicate_weights_meet_the_margins_and_drop_undrawn_psus(config, prepared, root, tmp_path):
    cut = bootstrap_config(config, replicates=6, chunks=2)
    path = make_replicates(cut, root, prepared, "kommune", 2019, tmp_path)
    table = pd.read_parquet(path)
    harmonised = pd.read_parquet(prepared["kommune", 2019][0])
    assert list(table.columns) == ["respondent_id"] + [f"replicate_{i:04d}" for i in range(1, 7)]
    assert_array_equal(table["respondent_id"], harmonised["respondent_id"])
    factors = psu_factors(cut, "kommune", 2019, harmonised)
    weights = table.drop(columns="respondent_id").to_numpy()
    assert_array_equal(weights == 0, factors == 0)
    population = read_margins(root / "data_raw/margins/kommune_2019.csv")
    for margin in build_margins(harmonised, population, ["role", "region", "size_class"]):
        for column in weights.T:
            achieved = np.bincount(margin.codes, column, minlength=len(margin.levels))
            assert_allclose(achieved, margin.targets, rtol=1e-9)


def test_replicates_do_not_depend_on_the_chunks(config, prepared, root, tmp_path):
    one = make_replicates(bootstrap_config(config, 7, 1), root, prepared, "kontor", 2011, tmp_path)
    (tmp_path / "three").mkdir()
    three = make_replicates(
        bootstrap_config(config, 7, 3), root, prepared, "kontor", 2011, tmp_path / "three"
    )
    pd.testing.assert_frame_equal(pd.read_parquet(one), pd.read_parquet(three))


def test_a_missing_chunk_is_named(config, prepared, root, tmp_path):
    cut = bootstrap_config(config, replicates=4, chunks=2)
    harmonised, _ = prepared["kommune", 2011]
    chunk = str(tmp_path / "chunk0.parquet")
    margins = str(root / "data_raw/margins/kommune_2011.csv")
    weight_replicates(cut, "kommune", 2011, harmonised, margins, 0, chunk, root=root)
    with pytest.raises(WeightingError, match=r"expected replicate_0001\.\.replicate_0004"):
        combine_replicates(cut, [chunk], str(tmp_path / "out.parquet"))


def test_bootstrap_settings_are_checked(config):
    missing = bootstrap_config(config)
    del missing["estimation"]["bootstrap"]
    with pytest.raises(ConfigError, match=r"estimation\.bootstrap is missing"):
        check_consistency(missing)
    with pytest.raises(ConfigError, match=r"chunks \(5\) exceeds replicates \(4\)"):
        check_consistency(bootstrap_config(config, replicates=4, chunks=5))


def test_bootstrap_estimates_need_the_replicates(config, prepared, tmp_path):
    harmonised, weights = prepared["kommune", 2011]
    with pytest.raises(ConfigError, match="replicate weights"):
        estimate_survey_wave(
            bootstrap_config(config),
            "kommune",
            2011,
            harmonised,
            weights,
            str(tmp_path / "e.parquet"),
            str(tmp_path / "a.json"),
        )


def test_bootstrap_ses_are_near_the_linearised_ones(config, prepared, root, tmp_path):
    """Two estimators of the same variance (raking-aware linearisation, bootstrap of raked
    replicates): with 200 replicates their SEs agree within the bootstrap's noise."""
    cut = bootstrap_config(config, replicates=200, chunks=1)
    path = make_replicates(cut, root, prepared, "kontor", 2019, tmp_path)
    data = read_survey_wave(*prepared["kontor", 2019])
    replicates = read_replicates(path, data, cut)
    booted, _ = estimate_indicator(
        cut, "team_blandet", data, survey_design(cut, "kontor", data), "x", replicates
    )
    linear, _ = estimate_indicator(
        config, "team_blandet", data, survey_design(config, "kontor", data), "x"
    )
    assert_allclose(booted["estimate"], linear["estimate"])
    ratio = booted["se"] / linear["se"]
    assert 0.85 <= ratio.median() <= 1.15, ratio.describe()


@needs_r
@pytest.mark.parametrize("centre", ["replicate_mean", "full_sample"])
@pytest.mark.parametrize(("survey", "wave", "indicator", "breakdown"), CHECKED_AGAINST_R)
def test_default_data_matches_r_with_the_same_replicate_factors(
    config, prepared, root, tmp_path, survey, wave, indicator, breakdown, centre
):
    """R: svrepdesign(type = "subbootstrap") with our factors, calibrate(calfun = "raking"),
    which rakes every replicate again; svyby(svymean) on the domain; mse for the centre."""
    cut = bootstrap_config(config, replicates=30, chunks=2, centre=centre)
    cut["indicators"][indicator]["breakdowns"] = [breakdown]
    path = make_replicates(cut, root, prepared, survey, wave, tmp_path)
    data = read_survey_wave(*prepared[survey, wave])
    table, _ = estimate_indicator(
        cut,
        indicator,
        data,
        survey_design(cut, survey, data),
        "x",
        read_replicates(path, data, cut),
    )
    ours = table[table["method"] == "logit"].set_index("group").sort_index()

    spec = config["indicators"][indicator]
    variables = config["surveys"][survey]["weighting"]["margins"]
    answers = data[spec["item"]].astype("Float64")
    valid = data["role"].isin(spec["respondents"]["role"]) & answers.notna()
    valid &= answers != config["dont_know_code"]
    frame = pd.DataFrame(
        {
            "y": answers.isin(spec["positive"]).astype(float).where(valid),
            "domain": "total" if breakdown == "total" else data[breakdown],
            "w": data["base_weight"],
            **{v: data[v] for v in variables},
        }
    )
    frame.to_csv(tmp_path / "data.csv", index=False)
    population = read_margins(root / f"data_raw/margins/{survey}_{wave}.csv")
    long_margins(population, variables).to_csv(tmp_path / "margins.csv", index=False)
    factors = psu_factors(cut, survey, wave, pd.read_parquet(prepared[survey, wave][0]))
    pd.DataFrame(factors).to_csv(tmp_path / "factors.csv", index=False)
    run_r(
        "bootstrap.R",
        tmp_path / "data.csv",
        tmp_path / "margins.csv",
        tmp_path / "factors.csv",
        tmp_path / "out.csv",
    )
    expected = pd.read_csv(tmp_path / "out.csv", dtype={"domain": str})
    expected = expected[expected["centre"] == centre].set_index("domain").sort_index()
    assert list(ours.index) == list(expected.index)
    assert_allclose(ours["estimate"], expected["estimate"], rtol=0, atol=1e-8)
    assert_allclose(ours["se"], expected["se"], rtol=0, atol=1e-8)


BOOTSTRAP_DRAWS, BOOTSTRAP_REPLICATES = 60, 60


@pytest.fixture(scope="module")
def bootstrap_study(config, populations):
    from navpartner.synth import load_parameters
    from study import DEFAULT_TARGETS, coverage

    clusters = {s: spec["design"]["cluster"] for s, spec in config["surveys"].items()}
    return coverage(
        populations[2019],
        load_parameters(),
        list(DEFAULT_TARGETS),
        clusters,
        BOOTSTRAP_DRAWS,
        13,
        replicates=BOOTSTRAP_REPLICATES,
    )


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_synthetic_truth(bootstrap_study):
    """17 groups x 60 redraws of the synthetic model, SEs from 60 raked replicates each
    (tests/validation/coverage.py --replicates runs more). Bounds as for the linearised
    study in test_coverage.py: about 3 SEs of one group's rate on the mean, 5 on any group."""
    for method in ("korn_graubard", "logit"):
        assert 0.91 <= bootstrap_study[method].mean() <= 0.99, bootstrap_study
        assert bootstrap_study[method].min() >= 0.80, bootstrap_study
    ratio = bootstrap_study["mean_se"] / bootstrap_study["sd_estimate"]
    assert 0.8 <= ratio.median() <= 1.25, bootstrap_study


def test_a_replicate_that_empties_a_margin_level_is_named(config, prepared, root):
    from navpartner.raking import rake_replicate

    harmonised = pd.read_parquet(prepared["kommune", 2019][0])
    population = read_margins(root / "data_raw/margins/kommune_2019.csv")
    margins = build_margins(harmonised, population, ["role", "region", "size_class"])
    factor = np.where(harmonised["size_class"] == "50000_plus", 0.0, 1.0)
    with pytest.raises(WeightingError, match="'size_class' level '50000_plus' has no respondents"):
        rake_replicate(np.ones(len(harmonised)), factor, margins)


def test_the_estimate_step_records_the_replicate_weights_it_used(
    config, prepared, root, tmp_path, monkeypatch
):
    import json

    import yaml
    from navpartner import cli
    from navpartner.io import sha256_of

    cut = bootstrap_config(config, replicates=4, chunks=1)
    replicates = make_replicates(cut, root, prepared, "kommune", 2011, tmp_path)
    config_file = tmp_path / "bootstrap.yaml"
    config_file.write_text(yaml.safe_dump(cut, allow_unicode=True, sort_keys=False))
    monkeypatch.chdir(root)  # the config's paths are relative to the project
    harmonised, weights = prepared["kommune", 2011]
    out = {name: str(tmp_path / name) for name in ("e.parquet", "a.json", "d", "c", "t")}
    argv = ["estimate", "--config", str(config_file), "--survey", "kommune", "--wave", "2011"]
    argv += ["--harmonised", harmonised, "--weights", weights, "--replicates", replicates]
    argv += ["--output", out["e.parquet"], "--audit", out["a.json"]]
    argv += ["--distributions", out["d"], "--contrasts", out["c"], "--associations", out["t"]]
    assert cli.main(argv) == 0
    inputs = json.loads(Path(out["a.json"]).read_text())["inputs"]
    assert inputs[replicates] == sha256_of(replicates)  # the audit card shows it
