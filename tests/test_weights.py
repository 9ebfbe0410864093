"""Raking checked against closed forms and R's survey package; failures are named."""

import copy
import re

import numpy as np
import pandas as pd
import pytest
from navpartner.errors import InputError
from navpartner.raking import Margin, WeightingError, rake, summary
from navpartner.weighting import build_margins, read_margins, weight_survey_wave
from numpy.testing import assert_allclose
from rscript import needs_r, run_r

SURVEY_WAVES = [("kontor", 2011), ("kontor", 2019), ("kommune", 2011), ("kommune", 2019)]


def margin(name, values, targets):
    levels = tuple(sorted(targets))
    codes = np.searchsorted(levels, values)
    return Margin(name, codes, levels, np.array([targets[level] for level in levels], float))


def test_one_margin_is_post_stratification():
    values = np.array(["a", "a", "b", "b", "b"])
    result = rake(np.ones(5), [margin("x", values, {"a": 10.0, "b": 30.0})])
    assert_allclose(result.weights, [5, 5, 10, 10, 10], rtol=1e-12)


def test_two_margins_with_a_full_table_match_the_closed_form():
    """A 2x2 sample with proportional counts: the raked cell totals are row x column / N."""
    rows = np.repeat(["r1", "r1", "r2", "r2"], [10, 30, 20, 40])
    cols = np.repeat(["c1", "c2", "c1", "c2"], [10, 30, 20, 40])
    result = rake(
        np.ones(100),
        [
            margin("row", rows, {"r1": 300.0, "r2": 700.0}),
            margin("col", cols, {"c1": 400.0, "c2": 600.0}),
        ],
    )
    # Sample odds ratio 10*40/(30*20) = 2/3 is preserved by raking; solve the 2x2 exactly.
    cell = pd.Series(result.weights).groupby([rows, cols]).sum()
    assert_allclose(cell["r1"].sum(), 300) and assert_allclose(cell[:, "c1"].sum(), 400)
    assert_allclose(
        cell["r1", "c1"] * cell["r2", "c2"] / (cell["r1", "c2"] * cell["r2", "c1"]),
        2 / 3,
        rtol=1e-9,
    )


def test_cell_factors_apply_to_unequal_base_weights():
    values = np.array(["a", "a", "b"])
    result = rake(np.array([1.0, 3.0, 2.0]), [margin("x", values, {"a": 8.0, "b": 4.0})])
    assert_allclose(result.weights, [2, 6, 4])


def rake_in_r(respondents: pd.DataFrame, margins: pd.DataFrame, tmp_path) -> np.ndarray:
    respondents.to_csv(tmp_path / "respondents.csv", index=False)
    margins.to_csv(tmp_path / "margins.csv", index=False)
    run_r("rake.R", tmp_path / "respondents.csv", tmp_path / "margins.csv", tmp_path / "out.csv")
    return pd.read_csv(tmp_path / "out.csv")["weight"].to_numpy()


def long_margins(population: pd.DataFrame, variables) -> pd.DataFrame:
    return pd.concat(
        [
            population.groupby(v)["count"]
            .sum()
            .rename_axis("level")
            .reset_index()
            .assign(variable=v)
            for v in variables
        ]
    )[["variable", "level", "count"]]


@needs_r
def test_api_example_matches_r_survey_rake(root, tmp_path):
    api = pd.read_csv(root / "tests/data/api_clus1.csv", dtype={"cds": str})
    targets = pd.read_csv(root / "tests/data/api_clus1_margins.csv")
    respondents = api.rename(columns={"pw": "w", "sch.wide": "sch_wide"})
    margins = targets.replace({"variable": {"sch.wide": "sch_wide"}})
    expected = rake_in_r(respondents[["w", "stype", "sch_wide"]], margins, tmp_path)
    ours = rake(
        respondents["w"].to_numpy(),
        [
            margin(
                v,
                respondents[v].to_numpy(),
                dict(
                    zip(
                        margins.loc[margins.variable == v, "level"],
                        margins.loc[margins.variable == v, "count"],
                        strict=True,
                    )
                ),
            )
            for v in ("stype", "sch_wide")
        ],
    )
    assert_allclose(ours.weights, expected, rtol=1e-9)
    assert ours.weights.sum() == pytest.approx(6194)


@needs_r
@pytest.mark.parametrize(("survey", "wave"), SURVEY_WAVES)
def test_default_data_matches_r_survey_rake(root, config, tmp_path, survey, wave):
    respondents = pd.read_parquet(_harmonised(root, config, survey, wave, tmp_path))
    population = read_margins(root / f"data_raw/margins/{survey}_{wave}.csv")
    variables = config["surveys"][survey]["weighting"]["margins"]
    ours = rake(np.ones(len(respondents)), build_margins(respondents, population, variables))
    table = respondents[variables].astype(str).assign(w=1.0)
    expected = rake_in_r(table, long_margins(population, variables), tmp_path)
    assert_allclose(ours.weights, expected, rtol=1e-9)


def _harmonised(root, config, survey, wave, tmp_path):
    from navpartner.harmonise import harmonise_survey_wave

    path = tmp_path / f"{survey}_{wave}.parquet"
    harmonise_survey_wave(config, survey, wave, str(path), str(tmp_path / "a.json"), root=root)
    return path


@pytest.fixture(scope="module")
def kontor_2019(root, config, tmp_path_factory):
    return _harmonised(root, config, "kontor", 2019, tmp_path_factory.mktemp("h"))


def run_stage(config, harmonised, margins_file, tmp_path):
    return weight_survey_wave(
        config,
        "kontor",
        2019,
        str(harmonised),
        str(margins_file),
        str(tmp_path / "w.parquet"),
        str(tmp_path / "d.csv"),
        str(tmp_path / "a.json"),
    )


def test_stage_writes_weights_and_diagnostics(config, kontor_2019, root, tmp_path):
    run_stage(config, kontor_2019, root / "data_raw/margins/kontor_2019.csv", tmp_path)
    weights = pd.read_parquet(tmp_path / "w.parquet")
    diagnostics = pd.read_csv(tmp_path / "d.csv")
    stat = diagnostics.set_index("statistic")["value"]
    assert stat["sum_weights"] == pytest.approx(stat["frame_total"], rel=1e-9)
    assert stat["n"] == len(weights)
    assert stat["effective_n"] == pytest.approx(stat["n"] / stat["deff_kish"])
    levels = diagnostics[diagnostics["statistic"] == "margin"]
    assert_allclose(levels["achieved"], levels["target"], rtol=1e-9)
    assert set(levels["margin"]) == {"role", "employer", "region", "office_size"}
    lower, upper = weights["weight"].min(), weights["weight"].max()
    median = stat["median_weight"]
    assert lower >= 0.3 * median * (1 - 1e-6) or stat["trimmed"] > 0
    assert upper <= 3.0 * median * 1.5


def test_trimming_holds_bounds_and_margins():
    rng = np.random.default_rng(3)
    base = rng.lognormal(0.0, 0.6, 400)  # unequal selection weights: trimming has work to do
    group = rng.choice(["a", "b", "c"], 400, p=[0.6, 0.3, 0.1])
    other = rng.choice(["x", "y"], 400)
    margins = [
        margin("g", group, {"a": 450.0, "b": 400.0, "c": 150.0}),
        margin("o", other, {"x": 500.0, "y": 500.0}),
    ]
    untrimmed = rake(base, margins)
    median = np.median(untrimmed.weights)
    bounds = (0.3 * median, 3.0 * median)
    assert untrimmed.weights.max() > bounds[1]
    trimmed = rake(base, margins, bounds=bounds)
    assert trimmed.trimmed > 0
    assert trimmed.weights.max() <= bounds[1] and trimmed.weights.min() >= bounds[0]
    assert trimmed.max_relative_error < 1e-10
    assert summary(trimmed.weights)["deff_kish"] < summary(untrimmed.weights)["deff_kish"]


def test_bounds_that_cannot_hold_stop_the_run():
    group = np.array(["a"] * 9 + ["b"])
    with pytest.raises(WeightingError, match="margin 'g' level 'b': every respondent is held"):
        rake(np.ones(10), [margin("g", group, {"a": 10.0, "b": 90.0})], bounds=(0.1, 5.0))


def test_every_respondent_at_a_bound_stops_the_run():
    group = np.array(["a", "a", "b", "b"])
    with pytest.raises(WeightingError, match="margin 'g' level 'a': every respondent is held"):
        rake(np.ones(4), [margin("g", group, {"a": 50.0, "b": 50.0})], bounds=(0.1, 5.0))


def changed_margins(root, tmp_path, change):
    population = read_margins(root / "data_raw/margins/kontor_2019.csv")
    change(population).to_csv(tmp_path / "m.csv", index=False)
    return tmp_path / "m.csv"


@pytest.mark.bad_input
def test_level_without_respondents_is_named(config, kontor_2019, root, tmp_path):
    data = pd.read_parquet(kontor_2019)
    data[data["region"] != "nord_norge"].to_parquet(tmp_path / "h.parquet")
    margins_file = root / "data_raw/margins/kontor_2019.csv"
    with pytest.raises(
        WeightingError, match="kontor 2019: margin 'region' level 'nord_norge' has no"
    ) as error:
        run_stage(config, tmp_path / "h.parquet", margins_file, tmp_path)
    assert str(margins_file) in str(error.value)


@pytest.mark.bad_input
def test_respondent_level_missing_from_margins_is_named(config, kontor_2019, root, tmp_path):
    path = changed_margins(root, tmp_path, lambda p: p[p["office_size"] != "under_10"])
    with pytest.raises(
        WeightingError, match="kontor 2019: margin 'office_size' level 'under_10' occurs"
    ):
        run_stage(config, kontor_2019, path, tmp_path)


@pytest.mark.bad_input
def test_a_count_that_is_no_whole_number_is_named(root, tmp_path):
    # A population count of 9.4 people is a typing slip, not a count.
    def fractional(population):
        population["count"] = population["count"].astype(object)
        population.loc[1, "count"] = "9.4"
        return population

    path = changed_margins(root, tmp_path, fractional)
    with pytest.raises(InputError, match=r"line 3.*count.*a whole number >= 0.*9\.4"):
        read_margins(path)


@pytest.mark.bad_input
def test_margins_the_respondents_cannot_meet_name_the_level_furthest_off():
    # Both margins split the respondents the same way but ask for different shares: the
    # cells were counted with other classes than the data's (e.g. other size bounds).
    with pytest.raises(WeightingError) as error:
        rake(
            np.ones(4),
            [
                margin("x", np.array(["a", "a", "b", "b"]), {"a": 10.0, "b": 10.0}),
                margin("y", np.array(["c", "c", "d", "d"]), {"c": 5.0, "d": 15.0}),
            ],
            max_iterations=50,
        )
    message = str(error.value)
    assert "did not converge in 50 iterations: margin '" in message
    assert re.search(r"level '[a-d]' reaches [0-9.]+ against its target (10|5|15)\.0", message)


def test_disagreeing_totals_are_named():
    values = np.array(["a", "b"])
    with pytest.raises(WeightingError, match=r"margin 'y' totals 20.*'x' totals 10"):
        rake(
            np.ones(2),
            [
                margin("x", values, {"a": 5.0, "b": 5.0}),
                margin("y", values, {"a": 10.0, "b": 10.0}),
            ],
        )


@pytest.mark.bad_input
def test_missing_margin_value_is_named(config, kontor_2019, root, tmp_path):
    data = pd.read_parquet(kontor_2019)
    data.loc[4, "region"] = pd.NA
    data.to_parquet(tmp_path / "h.parquet")
    with pytest.raises(
        WeightingError, match=f"margin 'region': respondent {data.respondent_id[4]}"
    ):
        run_stage(
            config, tmp_path / "h.parquet", root / "data_raw/margins/kontor_2019.csv", tmp_path
        )


@pytest.mark.bad_input
def test_no_convergence_is_named(config, kontor_2019, root, tmp_path):
    strict = copy.deepcopy(config)
    strict["weighting"]["max_iterations"] = 2
    with pytest.raises(WeightingError, match="kontor 2019: raking did not converge in 2"):
        run_stage(strict, kontor_2019, root / "data_raw/margins/kontor_2019.csv", tmp_path)


@pytest.mark.parametrize("wave", [2011, 2019])
@pytest.mark.parametrize(
    ("item", "positive_codes"), [("team_blandet", [1]), ("samarbeid_kommunale_tjenester", [4, 5])]
)
def test_weighting_removes_nonresponse_bias_on_the_synthetic_truth(
    config, root, truth, tmp_path, wave, item, positive_codes
):
    """Advisers' answers depend on office size and employer, and so does their response:
    the raw share is visibly off the known truth and the raked share is nearer to it."""
    data = pd.read_parquet(_harmonised(root, config, "kontor", wave, tmp_path))
    population = read_margins(root / f"data_raw/margins/kontor_{wave}.csv")
    margins = build_margins(data, population, config["surveys"]["kontor"]["weighting"]["margins"])
    weights = rake(np.ones(len(data)), margins).weights
    answered = ((data["role"] == "veileder") & data[item].notna() & (data[item] != 9)).to_numpy()
    positive = data[item].isin(positive_codes).to_numpy() & answered
    true = truth.query(
        "wave == @wave and item == @item and role == 'veileder' and breakdown == 'total'"
    )["share_positive"].item()
    unweighted_error = abs(positive.sum() / answered.sum() - true)
    weighted_error = abs(weights[positive].sum() / weights[answered].sum() - true)
    assert unweighted_error > 0.01, "nonresponse should be informative here"
    assert weighted_error < unweighted_error
