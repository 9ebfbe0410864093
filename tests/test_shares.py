"""Many items and every answer category in one call of the core, with the covariance of any
two estimates, against R's survey package (svyratio with covmat = TRUE): estimates and SEs to
1e-8, covariances to 1e-8 relative."""

import numpy as np
import pandas as pd
import pytest
from navpartner.estimate import (
    DesignError,
    covariance_of,
    domain_proportions,
    domain_shares,
    make_design,
    variance_of,
)
from numpy.testing import assert_allclose
from rscript import needs_r, run_r
from test_estimate import raked_weights

ITEMS = {"item_three": 3, "item_two": 2}  # item -> its number of categories


def with_items(data: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Two items with item nonresponse that differs between them (seeded)."""
    rng = np.random.default_rng(seed)
    rows = len(data)
    three = pd.Series(rng.choice(3, rows, p=[0.5, 0.3, 0.2]), dtype="Int64")
    two = pd.Series(rng.integers(0, 2, rows), dtype="Int64")
    return data.assign(
        item_three=three.mask(rng.random(rows) < 0.1),
        item_two=two.mask(rng.random(rows) < 0.2),
    )


def ours(data: pd.DataFrame, margins: pd.DataFrame | None, lonely: str = "fail"):
    """Every category of both items by domain in one call, and the design."""
    domains = sorted(data["domain"].unique())
    domain = data["domain"].map({g: i for i, g in enumerate(domains)}).to_numpy()
    answers = np.column_stack([data[item].fillna(-1).to_numpy(np.intp) for item in ITEMS])
    domain_by_item = np.where(answers >= 0, domain[:, None], -1)
    calibration = None
    weights = data["w"].to_numpy(float)
    if margins is not None:
        calibration = [
            pd.Categorical(
                data[v], categories=sorted(margins.loc[margins.variable == v, "level"])
            ).codes.astype(np.intp)
            for v in margins["variable"].unique()
        ]
        weights = raked_weights(data, margins)
    design = make_design(
        weights,
        psu=data["psu"].to_numpy(),
        strata=data["stratum"].to_numpy(),
        margins=calibration,
        base_weights=data["w"].to_numpy(float),
        lonely_psu=lonely,
    )
    return design, domain_shares(design, answers, domain_by_item, len(domains), max(ITEMS.values()))


def reference(data, margins, lonely, tmp_path):
    columns = ["psu", "stratum", "w", "domain", *ITEMS]
    if margins is not None:
        columns += list(margins["variable"].unique())
    data[columns].to_csv(tmp_path / "data.csv", index=False)
    margins_arg = "-"
    if margins is not None:
        margins_arg = tmp_path / "margins.csv"
        margins.to_csv(margins_arg, index=False)
    estimates, covariance = tmp_path / "estimates.csv", tmp_path / "covariance.csv"
    run_r("shares.R", tmp_path / "data.csv", margins_arg, lonely, estimates, covariance)
    return pd.read_csv(estimates), pd.read_csv(covariance).to_numpy(float)


def compare(data, margins, tmp_path, lonely="fail"):
    design, est = ours(data, margins, lonely)
    expected, expected_covariance = reference(data, margins, lonely, tmp_path)
    # R has a column per category an item has; ours pads the two-category item to three.
    present = np.zeros(est.estimate.shape, dtype=bool)
    for i, categories in enumerate(ITEMS.values()):
        present[i, :, :categories] = True
    columns = np.flatnonzero(present.ravel())
    assert_allclose(est.estimate[present], expected["estimate"], rtol=0, atol=1e-8)
    assert_allclose(est.se[present], expected["se"], rtol=0, atol=1e-8)
    covariance = covariance_of(design, est.totals[:, columns])
    assert_allclose(covariance, expected_covariance, rtol=1e-8, atol=1e-15)
    assert_allclose(np.diag(covariance), est.variance[present], rtol=1e-12)


@pytest.fixture(scope="module")
def clus1(root) -> pd.DataFrame:
    api = pd.read_csv(root / "tests/data/api_clus1.csv", dtype=str)
    data = pd.DataFrame(
        {
            "psu": api["dnum"],
            "stratum": "all",
            "w": api["pw"].astype(float),
            "domain": api["stype"],
            "stype": api["stype"],
            "sch_wide": api["sch.wide"],
        }
    )
    return with_items(data, seed=11)


@needs_r
def test_raked_cluster_sample_matches_r(clus1, root, tmp_path):
    margins = pd.read_csv(root / "tests/data/api_clus1_margins.csv")
    compare(clus1, margins.replace({"variable": {"sch.wide": "sch_wide"}}), tmp_path)


@needs_r
def test_stratified_sample_with_a_lonely_psu_matches_r(root, tmp_path):
    api = pd.read_csv(root / "tests/data/api_strat.csv", dtype=str)
    stratum = api["stype"].where(api["cds"] != api["cds"].iloc[0], "alone")
    data = pd.DataFrame(
        {
            "psu": api["cds"],
            "stratum": stratum,
            "w": api["pw"].astype(float),
            "domain": api["sch.wide"],
        }
    )
    compare(with_items(data, seed=12), None, tmp_path, lonely="adjust")


def test_one_call_gives_what_separate_calls_give(clus1):
    """Ten outcomes in one call equal ten calls of one outcome, domains and all."""
    rng = np.random.default_rng(3)
    rows = len(clus1)
    positive = rng.integers(0, 2, (rows, 10))
    domain = np.where(rng.random((rows, 10)) < 0.15, -1, rng.integers(0, 4, (rows, 1)))
    design = make_design(clus1["w"].to_numpy(float), psu=clus1["psu"].to_numpy())
    together = domain_proportions(design, positive, domain, 4)
    assert together.estimate.shape == (10, 4)
    for outcome in range(10):
        alone = domain_proportions(design, positive[:, outcome], domain[:, outcome], 4)
        for name in ("n", "estimate", "variance", "df", "deff", "n_category"):
            assert_allclose(getattr(together, name)[outcome], getattr(alone, name), rtol=1e-12)
    shared = domain_proportions(design, positive, domain[:, 0], 4)  # one domain for all
    for outcome in (0, 9):
        alone = domain_proportions(design, positive[:, outcome], domain[:, 0], 4)
        assert_allclose(shared.estimate[outcome], alone.estimate, rtol=1e-12)
        assert_allclose(shared.variance[outcome], alone.variance, rtol=1e-12)


def test_shares_of_an_item_add_up_and_their_variances_cancel(clus1):
    """The categories' shares sum to 1 in each domain, so the scores of all categories sum to
    0 in every PSU and the variance of their sum is 0."""
    design, est = ours(clus1, None)
    assert_allclose(est.estimate[0].sum(axis=1), 1.0)
    all_three = est.totals[:, :3]  # item_three, first domain, its three categories
    assert_allclose(variance_of(design, all_three.sum(axis=1, keepdims=True)), 0.0, atol=1e-18)


def test_a_code_outside_the_categories_is_refused(clus1):
    design = make_design(clus1["w"].to_numpy(float))
    answers = np.zeros(len(clus1), dtype=np.intp)
    answers[5] = 3
    with pytest.raises(DesignError, match=r"category codes 0\.\.2"):
        domain_shares(design, answers, np.zeros(len(clus1), dtype=np.intp), 1, 3)
    with pytest.raises(DesignError, match=r"codes 0\.\.1"):
        domain_proportions(design, answers, np.zeros(len(clus1), dtype=np.intp), 1)
    with pytest.raises(DesignError, match="0 or 1"):
        domain_proportions(design, answers / 2, np.zeros(len(clus1), dtype=np.intp), 1)
