"""Replicate-weight variance for every published statistic beyond the indicators' shares: the
answer distributions, group contrasts, the Rao-Scott test and the models' coefficients, against
R's survey package on a replicate design built from the replicate weights we export."""

import numpy as np
import pandas as pd
import pytest
from navpartner.estimate import (
    Replicates,
    differences_from_rest,
    make_design,
    replicate_contrast,
)
from navpartner.findings import WITHIN_REPLICATES, distributions, group_contrasts
from navpartner.indicators import (
    classify_answers,
    read_replicates,
    read_survey_wave,
    survey_design,
)
from navpartner.model import fit_model, fit_model_files, model_data
from numpy.testing import assert_allclose
from rscript import needs_r, run_r
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.generalized_linear_model import GLM
from test_bootstrap import bootstrap_config, make_replicates

# (survey, wave, indicator, breakdown): a two-group breakdown (the other group as reference)
# and a many-group one (each group against the rest).
CHECKED = [
    ("kontor", 2011, "team_blandet", "employer"),
    ("kommune", 2019, "likeverdig_radmenn", "size_class"),
]


def r_results(frame: pd.DataFrame, replicate_weights: np.ndarray, centre: str, folder):
    frame.to_csv(folder / "data.csv", index=False)
    pd.DataFrame(replicate_weights).to_csv(folder / "repweights.csv", index=False)
    run_r("replicates.R", folder / "data.csv", folder / "repweights.csv", centre, folder / "o")
    return pd.read_csv(folder / "o", dtype={"domain": str})


@needs_r
@pytest.mark.parametrize("centre", ["replicate_mean", "full_sample"])
@pytest.mark.parametrize(("survey", "wave", "indicator", "breakdown"), CHECKED)
def test_findings_match_r_on_the_exported_replicate_weights(
    config, prepared, root, tmp_path, survey, wave, indicator, breakdown, centre
):
    cut = bootstrap_config(config, replicates=30, chunks=1, centre=centre)
    cut["indicators"][indicator]["breakdowns"] = [breakdown]
    cut["estimation"]["contrasts"] = {}  # every group against the rest
    path = make_replicates(cut, root, prepared, survey, wave, tmp_path)
    data = read_survey_wave(*prepared[survey, wave])
    replicates = read_replicates(path, data, cut)
    design = survey_design(cut, survey, data)
    shares = distributions(cut, indicator, data, design, "x", replicates)
    contrasts, tests = group_contrasts(cut, indicator, data, design, "x", replicates)

    answers = classify_answers(cut, indicator, data, "x")
    item = data[cut["indicators"][indicator]["item"]].astype("Float64")
    frame = pd.DataFrame(
        {
            "weight": data["weight"],
            "y": pd.Series(answers.positive.astype(float)).where(answers.valid),
            "category": item.where(answers.answered),
            "domain": data[breakdown].astype(str).where(data[breakdown].notna()),
        }
    )
    expected = r_results(frame, replicates.weights, centre, tmp_path)

    r_shares = expected[expected["what"] == "share"].astype({"category": float})
    merged = shares.merge(
        r_shares, left_on=["group", "category"], right_on=["domain", "category"], how="right"
    )
    assert len(merged) == len(r_shares) > 0 and merged["se_x"].notna().all()
    assert_allclose(merged["estimate_x"], merged["estimate_y"], rtol=0, atol=1e-8)
    assert_allclose(merged["se_x"], merged["se_y"], rtol=0, atol=1e-8)

    # with two groups the second is compared with the first: that is, with the rest
    r_rest = expected[expected["what"] == "against_rest"].set_index("domain")
    ours = contrasts.set_index("group")
    assert (ours["method"] == WITHIN_REPLICATES).all() and len(ours) > 0
    compared = r_rest.loc[ours.index]
    assert_allclose(ours["difference"], compared["estimate"], rtol=0, atol=1e-8)
    assert_allclose(ours["se"], compared["se"], rtol=0, atol=1e-8)

    r_test = expected[expected["what"] == "rao_scott"].iloc[0]
    assert_allclose(tests["statistic"].iat[0], r_test["estimate"], rtol=1e-8)
    assert_allclose(tests["df_numerator"].iat[0], r_test["se"], rtol=1e-8)


@needs_r
@pytest.mark.parametrize("centre", ["replicate_mean", "full_sample"])
def test_model_matches_r_svyglm_on_a_replicate_design(config, prepared, root, tmp_path, centre):
    """A model pooling two waves: their replicates stacked column by column."""
    name = "likeverdig_kontorledere"
    cut = bootstrap_config(config, replicates=30, chunks=1, centre=centre)
    files = {}
    for wave in (2011, 2019):
        path = make_replicates(cut, root, prepared, "kontor", wave, tmp_path)
        files["kontor", wave] = (*prepared["kontor", wave], path)
    ours = fit_model_files(cut, name, files, str(tmp_path / "model.csv"))
    linearised = fit_model_files(
        config, name, {k: (*v[:2], None) for k, v in files.items()}, str(tmp_path / "lin.csv")
    )

    def read(survey, wave):
        data = read_survey_wave(*files[survey, wave][:2])
        matrix = read_replicates(files[survey, wave][2], data, cut).weights
        return data.assign(**{f"replicate_{i + 1:04d}": matrix[:, i] for i in range(30)})

    frame = model_data(cut, name, read)
    columns = {"weight": frame["weight"], "y": frame["y"], "category": np.nan, "domain": np.nan}
    for number, term in enumerate(ours["term"], start=1):
        columns[f"x{number}"] = 1.0 if term == "intercept" else _dummy(frame, term)
    replicate_weights = frame.filter(like="replicate_").to_numpy()
    expected = r_results(pd.DataFrame(columns), replicate_weights, centre, tmp_path)
    expected = expected[expected["what"] == "model"]
    assert_allclose(ours["estimate"], expected["estimate"], rtol=0, atol=1e-8)
    assert_allclose(ours["std_error"], expected["se"], rtol=0, atol=1e-8)
    assert_allclose(ours["estimate"], linearised["estimate"], rtol=0, atol=1e-12)
    assert (ours["df"] == linearised["df"]).all()  # the design's df under both variances
    assert not np.allclose(ours["std_error"], linearised["std_error"])


@needs_r
def test_a_replicate_that_leaves_a_term_without_weight_is_dropped_as_r_does(
    config, prepared, root, tmp_path
):
    """R's svyglm gives NA for the aliased term in such a replicate and svrVar drops it
    (scale still 1/(R-1)); ours drops it too and counts it, instead of stopping."""
    name = "likeverdig_kontorledere"
    cut = bootstrap_config(config, replicates=30, chunks=1)
    matrices = {}
    for wave in (2011, 2019):
        path = make_replicates(cut, root, prepared, "kontor", wave, tmp_path)
        data = read_survey_wave(*prepared["kontor", wave])
        matrix = read_replicates(path, data, cut).weights.copy()
        matrix[(data["leadership"] == "todelt").to_numpy(), :2] = 0.0  # replicates 1 and 2
        matrices[wave] = data, matrix

    def read(survey, wave):
        data, matrix = matrices[wave]
        return data.assign(**{f"replicate_{i + 1:04d}": matrix[:, i] for i in range(30)})

    frame = model_data(cut, name, read)
    ours = fit_model(cut, name, frame)
    assert (ours["replicates_dropped"] == 2).all()
    columns = {"weight": frame["weight"], "y": frame["y"], "category": np.nan, "domain": np.nan}
    for number, term in enumerate(ours["term"], start=1):
        columns[f"x{number}"] = 1.0 if term == "intercept" else _dummy(frame, term)
    replicate_weights = frame.filter(like="replicate_").to_numpy()
    expected = r_results(pd.DataFrame(columns), replicate_weights, "replicate_mean", tmp_path)
    expected = expected[expected["what"] == "model"]
    assert_allclose(ours["std_error"], expected["se"], rtol=0, atol=1e-8)


def test_a_replicate_with_separation_is_dropped_and_counted():
    """A replicate in which every respondent of a level answers alike has no finite maximum;
    the SEs are then the svrVar of the other replicates' refits (statsmodels' GLM here)."""
    rng = np.random.default_rng(4)
    n = 400
    group = rng.integers(0, 2, n)
    y = rng.binomial(1, np.where(group == 1, 0.6, 0.3)).astype(float)
    factors = rng.poisson(1.0, (n, 20)).astype(float) + 0.5
    factors[(group == 1) & (y == 0), 0] = 0.0  # replicate 1: group 1 answers yes, all of them
    frame = pd.DataFrame(
        {"y": y, "weight": 1.0, "cluster": np.arange(n), "stratum": "s", "g": group.astype(str)}
    ).assign(**{f"replicate_{i + 1:04d}": factors[:, i] for i in range(20)})
    config = {
        "estimation": {
            "confidence_level": 0.95,
            "lonely_psu": "fail",
            "variance": "bootstrap",
            "bootstrap": {"replicates": 20, "centre": "replicate_mean"},
        },
        "models": {"m": {"terms": ["g"], "reference": {}}},
    }
    ours = fit_model(config, "m", frame)
    assert (ours["replicates_dropped"] == 1).all()
    x = np.column_stack([np.ones(n), group])
    refits = np.array(
        [
            GLM(y, x, family=sm_families.Binomial(), var_weights=factors[:, i])
            .fit(tol=1e-13)
            .params
            for i in range(1, 20)
        ]
    )
    variance = ((refits - refits.mean(axis=0)) ** 2).sum(axis=0) / 19  # scale 1/(R-1), R = 20
    assert_allclose(ours["std_error"], np.sqrt(variance), rtol=1e-8)


def _dummy(frame: pd.DataFrame, term: str) -> pd.Series:
    variable, level = term.rstrip("]").split("[")
    return (frame[variable].astype(str) == level).astype(float)


def test_replicate_contrast_is_the_replicates_spread_of_the_difference():
    """Closed form on a toy: two domains, three replicates, against the rest."""
    positive = np.array([1, 0, 1, 1, 0, 0])
    domain = np.array([0, 0, 0, 1, 1, -1])
    weights = np.array([[1.0, 2, 1], [1, 1, 2], [2, 1, 1], [1, 3, 1], [1, 1, 1], [5, 5, 5]])
    replicates = Replicates.bootstrap(weights)
    design = make_design(np.ones(6))
    full = differences_from_rest(design, positive, domain, 2, 2, 1)
    ours = replicate_contrast(full, replicates, positive, domain, 2, None)
    diffs = []
    for w in weights.T:
        first = (w[:3] * positive[:3]).sum() / w[:3].sum()
        second = (w[3:5] * positive[3:5]).sum() / w[3:5].sum()
        diffs.append([first - second, second - first])
    diffs = np.array(diffs)
    expected = ((diffs - diffs.mean(axis=0)) ** 2).sum(axis=0) / 2
    assert_allclose(ours.difference.se**2, expected, rtol=1e-12)
    assert_allclose(ours.difference.estimate, full.difference.estimate)
    assert_allclose(ours.difference.df, full.difference.df)
