"""Answer distributions, domain contrasts and the Rao-Scott test of the estimation core against
R's survey package (svymean(~factor(item)) in domains, svyby(covmat = TRUE) + svycontrast,
svychisq(statistic = "F")) to 1e-8, and Benjamini-Hochberg against its definition."""

import numpy as np
import pandas as pd
import pytest
from navpartner.estimate import (
    benjamini_hochberg,
    differences_from_reference,
    differences_from_rest,
    domain_shares,
    make_design,
    rao_scott_f,
)
from numpy.testing import assert_allclose
from rscript import needs_r, run_r
from test_estimate import raked_weights


def with_item(data: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A five-point item with "vet ikke" (9) and unanswered rows, related to the domain, and its
    indicator (4, 5 positive; 9 not valid)."""
    rng = np.random.default_rng(seed)
    shift = data["domain"].map({g: i for i, g in enumerate(sorted(data["domain"].unique()))})
    item = np.clip(rng.integers(1, 6, len(data)) + (rng.random(len(data)) < 0.3) * shift, 1, 5)
    item = np.where(rng.random(len(data)) < 0.08, 9, item).astype(float)
    item[rng.random(len(data)) < 0.05] = np.nan
    y = np.where(np.isnan(item) | (item == 9), np.nan, (item >= 4).astype(float))
    return data.assign(item=item, y=y)


def ours(data: pd.DataFrame, margins: pd.DataFrame | None, reference: str | None, lonely="fail"):
    """Distributions, contrasts and the test in the layouts contrasts.R writes."""
    groups = sorted(data["domain"].dropna().unique())
    code = data["domain"].map({g: i for i, g in enumerate(groups)}).fillna(-1).to_numpy(int)
    calibration = None
    if margins is not None:
        calibration = [
            pd.Categorical(
                data[v], categories=sorted(margins.loc[margins.variable == v, "level"])
            ).codes.astype(np.intp)
            for v in margins["variable"].unique()
        ]
    design = make_design(
        data["w"].to_numpy() if margins is None else raked_weights(data, margins),
        psu=data["psu"].to_numpy(),
        strata=data["stratum"].to_numpy(),
        margins=calibration,
        base_weights=data["w"].to_numpy(),
        lonely_psu=lonely,
    )
    item = data["item"].to_numpy()
    answered = ~np.isnan(item) & (code >= 0)
    categories = np.unique(item[answered]).astype(int)
    category = np.searchsorted(categories, np.nan_to_num(item))
    domain = np.where(answered, code, -1)
    shares = domain_shares(design, category, domain, len(groups), len(categories))
    distributions = pd.DataFrame(
        {
            "domain": np.repeat(groups, len(categories)),
            "category": np.tile(categories, len(groups)),
            "estimate": shares.estimate.ravel(),
            "se": shares.se.ravel(),
        }
    )
    valid = ~np.isnan(data["y"].to_numpy()) & (code >= 0)
    y = np.nan_to_num(data["y"].to_numpy()).astype(int)
    indicator = (design, y, np.where(valid, code, -1), len(groups), 2, 1)
    if reference is None:
        compared = np.arange(len(groups))
        contrast = differences_from_rest(*indicator)
    else:
        compared = np.array([i for i, g in enumerate(groups) if g != reference])
        contrast = differences_from_reference(*indicator, groups.index(reference))
    contrasts = pd.DataFrame(
        {
            "group": np.array(groups)[compared],
            "estimate": contrast.estimate[compared],
            "estimate_reference": contrast.estimate_reference[compared],
            "difference": contrast.difference.estimate[compared],
            "se": contrast.difference.se[compared],
        }
    )
    test = rao_scott_f(design, y, 2, np.maximum(code, 0), len(groups), valid)
    return distributions, contrasts, test


def reference_results(data, margins, reference, tmp_path, lonely="fail"):
    columns = ["item", "y", "domain", "psu", "stratum", "w"]
    extra = [] if margins is None else list(margins["variable"].unique())
    data[columns + extra].astype({"item": "Int64"}).to_csv(tmp_path / "data.csv", index=False)
    margins_arg = "-"
    if margins is not None:
        margins_arg = tmp_path / "margins.csv"
        margins.to_csv(margins_arg, index=False)
    run_r(
        "contrasts.R", tmp_path / "data.csv", margins_arg, lonely, reference or "-", tmp_path / "r_"
    )
    return [
        pd.read_csv(tmp_path / f"r_{name}.csv", dtype={"domain": str, "group": str})
        for name in ("distributions", "contrasts", "chisq")
    ]


def compare(data, margins, reference, tmp_path, lonely="fail"):
    distributions, contrasts, test = ours(data, margins, reference, lonely)
    r_distributions, r_contrasts, r_test = reference_results(
        data, margins, reference, tmp_path, lonely
    )
    for ours_table, r_table, keys in (
        (distributions, r_distributions, ["domain", "category"]),
        (contrasts, r_contrasts, ["group"]),
    ):
        assert list(ours_table[keys].astype(str).itertuples(index=False)) == list(
            r_table[keys].astype(str).itertuples(index=False)
        )
        for column in ours_table.columns.difference(keys):
            assert_allclose(ours_table[column], r_table[column], rtol=0, atol=1e-8, err_msg=column)
    assert_allclose(test.statistic, r_test["statistic"][0], rtol=1e-8)
    assert_allclose(test.df_numerator, r_test["df_numerator"][0], rtol=1e-8)
    return test, r_test


@pytest.fixture(scope="module")
def clus1(root) -> pd.DataFrame:
    api = pd.read_csv(root / "tests/data/api_clus1.csv", dtype=str)
    data = pd.DataFrame(
        {
            "domain": api["stype"],
            "psu": api["dnum"],
            "stratum": "all",
            "w": api["pw"].astype(float),
            "stype": api["stype"],
            "sch_wide": api["sch.wide"],
        }
    )
    return with_item(data, seed=3)


@pytest.fixture(scope="module")
def clus1_margins(root) -> pd.DataFrame:
    margins = pd.read_csv(root / "tests/data/api_clus1_margins.csv")
    return margins.replace({"variable": {"sch.wide": "sch_wide"}})


@pytest.fixture(scope="module")
def strat(root) -> pd.DataFrame:
    api = pd.read_csv(root / "tests/data/api_strat.csv", dtype=str)
    data = pd.DataFrame(
        {
            "domain": api["sch.wide"],
            "psu": api["cds"],
            "stratum": api["stype"],
            "w": api["pw"].astype(float),
        }
    )
    return with_item(data, seed=4)


@needs_r
@pytest.mark.parametrize("reference", [None, "E"])
def test_cluster_sample_matches_r(clus1, reference, tmp_path):
    test, r_test = compare(clus1, None, reference, tmp_path)
    # Without calibration R's subset keeps only the domain's PSUs: the same df as ours.
    assert_allclose(test.df_denominator, r_test["df_denominator"][0], rtol=1e-8)
    assert_allclose(test.p_value, r_test["p_value"][0], rtol=1e-7)


@needs_r
@pytest.mark.parametrize("reference", [None, "H"])
def test_raked_cluster_sample_matches_r_calibrate(clus1, clus1_margins, reference, tmp_path):
    test, r_test = compare(clus1, clus1_margins, reference, tmp_path)
    # A calibrated subset keeps every PSU in R, whose svychisq then counts all of them in nu;
    # ours is the domain's df (PSUs with members less strata), R's degf of the same subset.
    assert_allclose(test.df_denominator / test.df_numerator, r_test["df"][0], rtol=1e-12)


@needs_r
def test_stratified_sample_matches_r(strat, tmp_path):
    test, r_test = compare(strat, None, None, tmp_path)
    assert_allclose(test.p_value, r_test["p_value"][0], rtol=1e-7)


def test_group_against_rest_of_two_groups_is_the_other_group():
    rng = np.random.default_rng(8)
    n = 400
    design = make_design(rng.uniform(1, 4, n), psu=rng.integers(0, 40, n))
    y, group = rng.integers(0, 2, n), rng.integers(0, 2, n)
    against_rest = differences_from_rest(design, y, group, 2, 2, 1).difference
    against_other = differences_from_reference(design, y, group, 2, 2, 1, 0).difference
    assert_allclose(against_rest.estimate[1], against_other.estimate[1], atol=1e-15)
    assert_allclose(against_rest.se[1], against_other.se[1], atol=1e-15)
    assert against_other.estimate[0] == 0


def test_difference_of_independent_psus_has_additive_variance():
    """Two groups that never share a PSU: the covariance is zero, var = var1 + var2."""
    rng = np.random.default_rng(9)
    n = 600
    psu = rng.integers(0, 60, n)
    group = (psu >= 30).astype(int)
    design = make_design(rng.uniform(1, 3, n), psu=psu)
    y = rng.integers(0, 2, n)
    diff = differences_from_reference(design, y, group, 2, 2, 1, 0).difference
    single = domain_shares(design, y, group, 2, 2, categories=[1])
    assert_allclose(diff.se[1] ** 2, single.variance.sum(), rtol=1e-12)
    # Welch-Satterthwaite from each side's variance and df (29 each: 30 PSUs, one stratum)
    v1, v2 = single.variance[:, 0]
    assert_allclose(diff.df[1], (v1 + v2) ** 2 / (v1**2 / 29 + v2**2 / 29), rtol=1e-12)
    assert 29 < diff.df[1] < 59


def test_benjamini_hochberg_follows_its_definition():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan, 0.5])
    # m = 5 tested, sorted 0.005, 0.01, 0.03, 0.04, 0.5: p * m / rank, then cumulative minimum
    # from the largest.
    expected = np.array([0.025, 0.05, 0.05, 0.025, np.nan, 0.5])
    assert_allclose(benjamini_hochberg(p), expected)
