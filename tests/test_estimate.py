"""The estimation core against closed forms and R's survey package (estimates, SEs, both
intervals, design effects and degrees of freedom to 1e-8)."""

import numpy as np
import pandas as pd
import pytest
from navpartner.estimate import (
    DesignError,
    beta_interval,
    difference_independent,
    domain_proportions,
    korn_graubard_bounds,
    korn_graubard_interval,
    logit_interval,
    make_design,
)
from numpy.testing import assert_allclose
from rscript import needs_r, run_r
from scipy import stats

COMPARED = ["n", "estimate", "se", "logit_low", "logit_high", "beta_low", "beta_high", "deff", "df"]


def ours(data: pd.DataFrame, margins: pd.DataFrame | None, lonely: str = "fail") -> pd.DataFrame:
    """Our estimates in the layout proportions.R writes."""
    levels = sorted(data["domain"].dropna().unique())
    valid = data["y"].notna() & data["domain"].notna()
    domain = np.where(valid, data["domain"].map({g: i for i, g in enumerate(levels)}), -1)
    calibration = None
    if margins is not None:
        calibration = [
            pd.Categorical(
                data[v], categories=sorted(margins.loc[margins.variable == v, "level"])
            ).codes.astype(np.intp)
            for v in margins["variable"].unique()
        ]
    weights = data["w"].to_numpy() if margins is None else raked_weights(data, margins)
    design = make_design(
        weights,
        psu=data["psu"].to_numpy(),
        strata=data["stratum"].to_numpy(),
        margins=calibration,
        base_weights=data["w"].to_numpy(),
        lonely_psu=lonely,
        fpc=data["fpc"].to_numpy(float) if "fpc" in data else None,
    )
    est = domain_proportions(design, data["y"].fillna(0).to_numpy(), domain, len(levels))
    logit, beta = logit_interval(est), beta_interval(est)
    return pd.DataFrame(
        {
            "domain": levels,
            "n": est.n,
            "estimate": est.estimate,
            "se": est.se,
            "logit_low": logit[0],
            "logit_high": logit[1],
            "beta_low": beta[0],
            "beta_high": beta[1],
            "deff": est.deff,
            "df": est.df,
        }
    )


def raked_weights(data: pd.DataFrame, margins: pd.DataFrame) -> np.ndarray:
    from navpartner.raking import Margin, rake

    built = []
    for variable, rows in margins.groupby("variable", sort=False):
        levels = tuple(sorted(rows["level"]))
        codes = pd.Categorical(data[variable], categories=levels).codes.astype(np.intp)
        targets = rows.set_index("level").loc[list(levels), "count"].to_numpy(float)
        built.append(Margin(variable, codes, levels, targets))
    return rake(data["w"].to_numpy(float), built, tolerance=1e-13).weights


def reference(data, margins, lonely, tmp_path) -> pd.DataFrame:
    """R's estimates by domain (tests/r/proportions.R); margins None for fixed weights."""
    data.to_csv(tmp_path / "data.csv", index=False)
    margins_arg = "-"
    if margins is not None:
        margins_arg = tmp_path / "margins.csv"
        margins.to_csv(margins_arg, index=False)
    run_r("proportions.R", tmp_path / "data.csv", margins_arg, lonely, tmp_path / "out.csv")
    return pd.read_csv(tmp_path / "out.csv", dtype={"domain": str})


def compare(data, margins, tmp_path, lonely="fail"):
    expected = reference(data, margins, lonely, tmp_path)
    got = ours(data, margins, lonely)
    assert list(got["domain"]) == list(expected["domain"])
    for column in COMPARED:
        assert_allclose(got[column], expected[column], rtol=0, atol=1e-8, err_msg=column)


@pytest.fixture(scope="module")
def clus1(root) -> pd.DataFrame:
    api = pd.read_csv(root / "tests/data/api_clus1.csv", dtype=str)
    return pd.DataFrame(
        {
            "y": (api["awards"] == "Yes").astype(float),
            "domain": api["stype"],
            "psu": api["dnum"],
            "stratum": "all",
            "w": api["pw"].astype(float),
            "stype": api["stype"],
            "sch_wide": api["sch.wide"],
        }
    )


@pytest.fixture(scope="module")
def clus1_margins(root) -> pd.DataFrame:
    margins = pd.read_csv(root / "tests/data/api_clus1_margins.csv")
    return margins.replace({"variable": {"sch.wide": "sch_wide"}})


@needs_r
def test_cluster_sample_domains_match_r(clus1, tmp_path):
    compare(clus1, None, tmp_path)


@needs_r
def test_raked_cluster_sample_matches_r_calibrate(clus1, clus1_margins, tmp_path):
    compare(clus1, clus1_margins, tmp_path)


@needs_r
@pytest.mark.parametrize("raked", [False, True])
def test_finite_population_correction_matches_r_svydesign_fpc(
    clus1, clus1_margins, raked, tmp_path
):
    # apiclus1: 15 of the 757 school districts (R's apiclus1$fpc)
    compare(clus1.assign(fpc=757.0), clus1_margins if raked else None, tmp_path)


@needs_r
def test_stratified_finite_population_correction_matches_r(root, tmp_path):
    api = pd.read_csv(root / "tests/data/api_strat.csv", dtype=str)
    data = pd.DataFrame(
        {
            "y": (api["comp.imp"] == "Yes").astype(float),
            "domain": api["sch.wide"],
            "psu": api["cds"],
            "stratum": api["stype"],
            "w": api["pw"].astype(float),
            "fpc": api["stype"].map({"E": 4421.0, "H": 755.0, "M": 1018.0}),  # apistrat$fpc
        }
    )
    compare(data, None, tmp_path)


def test_the_correction_shrinks_each_stratum_by_its_unsampled_fraction():
    rng = np.random.default_rng(2)
    y, stratum = rng.integers(0, 2, 60), np.repeat([0, 1], 30)
    domain = np.zeros(60, np.intp)
    plain = domain_proportions(make_design(np.ones(60), strata=stratum), y, domain, 1)
    census = make_design(np.ones(60), strata=stratum, fpc=np.full(60, 30))
    assert_allclose(domain_proportions(census, y, domain, 1).variance, 0.0, atol=1e-18)
    halved = make_design(np.ones(60), strata=stratum, fpc=np.full(60, 60))
    assert_allclose(domain_proportions(halved, y, domain, 1).variance, plain.variance / 2)
    with pytest.raises(DesignError, match="30 sampled PSUs but a population count of 20"):
        make_design(np.ones(60), strata=stratum, fpc=np.full(60, 20))


@needs_r
def test_stratified_sample_with_item_nonresponse_matches_r(root, tmp_path):
    api = pd.read_csv(root / "tests/data/api_strat.csv", dtype=str)
    rng = np.random.default_rng(5)
    y = (api["comp.imp"] == "Yes").astype(float).mask(rng.random(len(api)) < 0.1)
    data = pd.DataFrame(
        {
            "y": y,
            "domain": api["sch.wide"],
            "psu": api["cds"],
            "stratum": api["stype"],
            "w": api["pw"].astype(float),
        }
    )
    compare(data, None, tmp_path)


@needs_r
def test_logit_interval_at_zero_and_one_is_the_point_as_in_r(tmp_path):
    """A domain where nobody, and one where everybody, says yes: R's logistic fit diverges to
    [0, 0] and [1, 1] (to 1e-11); the logit's closed form would give 0/0."""
    rng = np.random.default_rng(8)
    domain = np.repeat(["none", "all", "some"], 20)
    data = pd.DataFrame(
        {
            "y": np.where(
                domain == "all", 1.0, np.where(domain == "none", 0.0, rng.random(60) < 0.4)
            ),
            "domain": domain,
            "psu": np.tile(np.arange(10), 6).astype(str),
            "stratum": np.where(np.tile(np.arange(10), 6) < 5, "a", "b"),
            "w": rng.uniform(1, 3, 60),
        }
    )
    expected = reference(data, None, "fail", tmp_path).set_index("domain")
    got = ours(data, None).set_index("domain").loc[expected.index]
    assert list(got.loc[["none", "all"], "logit_low"]) == [0.0, 1.0]
    for column in ("estimate", "logit_low", "logit_high"):
        assert_allclose(got[column], expected[column], rtol=0, atol=1e-8, err_msg=column)


@needs_r
@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu_rules_match_r(clus1, rule, tmp_path):
    data = clus1.assign(
        stratum=np.where(clus1["psu"] == "637", "alone", "s" + clus1["psu"].str[-1])
    )
    assert (data.groupby("stratum")["psu"].nunique() == 1).any()
    compare(data, None, tmp_path, lonely=rule)


def test_lonely_psu_fails_by_default(clus1):
    data = clus1.assign(stratum=np.where(clus1["psu"] == "637", "alone", "rest"))
    with pytest.raises(DesignError, match="single PSU"):
        ours(data, None)


def test_simple_random_sample_has_the_closed_form():
    """Equal weights, one stratum, each respondent a PSU: var = p(1-p)/(n-1), deff 1."""
    y = np.r_[np.ones(30), np.zeros(70)]
    design = make_design(np.full(100, 7.0))
    est = domain_proportions(design, y, np.zeros(100, dtype=np.intp), 1)
    assert_allclose(est.estimate, [0.3])
    assert_allclose(est.variance, [0.3 * 0.7 / 99])
    assert_allclose(est.deff, [1.0])
    assert list(est.df) == [99]


def test_domain_uses_the_full_design_not_a_subset():
    """A domain met in one of two PSUs still has the design's two PSUs: its variance counts the
    empty PSU's zero total, and df = 1 - 1 = 0 (clusters minus strata with members)."""
    y = np.array([1, 0, 1, 1, 0, 0], float)
    psu = np.array([0, 0, 0, 1, 1, 1])
    domain = np.array([0, 0, 0, -1, -1, -1])
    est = domain_proportions(make_design(np.ones(6), psu=psu), y, domain, 1)
    # Scores: w (y - 2/3) / 3 in PSU 0 sum to 0; PSU 1 has none: both totals 0.
    assert_allclose(est.variance, [0.0], atol=1e-15)
    assert list(est.df) == [0]


def test_calibration_removes_the_variance_explained_by_the_margins():
    """If y is a calibration variable, the raked estimate is fixed: its variance is 0."""
    rng = np.random.default_rng(2)
    level = rng.integers(0, 2, 200)
    design = make_design(np.where(level == 1, 3.0, 1.0), margins=[level])
    est = domain_proportions(design, level.astype(float), np.zeros(200, dtype=np.intp), 1)
    assert_allclose(est.variance, [0.0], atol=1e-15)
    fixed = make_design(np.where(level == 1, 3.0, 1.0))
    assert domain_proportions(fixed, level.astype(float), np.zeros(200, dtype=np.intp), 1).se > 0.01


def test_korn_graubard_is_clopper_pearson_at_the_effective_size():
    est = domain_proportions(
        make_design(np.ones(40)), np.r_[np.ones(4), np.zeros(36)], np.zeros(40, np.intp), 1
    )
    n_eff = 39  # p(1-p)/var; the t ratio is 1 when df = n - 1
    expected = [
        stats.beta.ppf(0.025, 0.1 * n_eff, 0.9 * n_eff + 1),
        stats.beta.ppf(0.975, 0.1 * n_eff + 1, 0.9 * n_eff),
    ]
    for interval in (korn_graubard_interval, beta_interval):  # n_eff < n: no cap to apply
        assert_allclose(np.ravel(interval(est)), expected)


def test_korn_graubard_at_zero_gives_the_one_sided_exact_bound():
    est = domain_proportions(make_design(np.ones(20)), np.zeros(20), np.zeros(20, np.intp), 1)
    low, high = korn_graubard_interval(est)
    assert low[0] == 0.0
    assert_allclose(high, 1 - 0.025 ** (1 / 20))


# Stata 18 + kg_nchs (Ward 2019, Stata Journal 19(3)), as printed to four decimals in the tests
# of the Python package svy (tests/svy/estimation/test_proportions.py): (p, se, n, df) and the
# NCHS Korn-Graubard interval.
KG_NCHS = [
    ((0.507348258357226, 0.0167712595840644, 922, 56), (0.4732, 0.5414)),  # strata + clusters
    ((0.471999767708621, 0.0348828290040279, 276, 56), (0.4008, 0.5441)),  # a subpopulation
    ((0.507348258357226, 0.0192309892530454, 922, 921), (0.4690, 0.5457)),  # SRS
    ((0.0157735, 0.0013157, 45710, 2129), (0.0133, 0.0186)),  # Ward's NAMCS example
    ((1.0, 0.0, 100, 5), (0.9400, 1.0)),  # p = 1: n* = n (t_99 / t_5)^2 = 59.58
]


@pytest.mark.parametrize(("given", "expected"), KG_NCHS)
def test_korn_graubard_equals_stata_kg_nchs(given, expected):
    p, se, n, df = given
    low, high = korn_graubard_bounds(p, se**2, df, n, n, cap=n)
    assert_allclose([low, high], expected, atol=5e-5)


def test_a_design_effect_below_one_counts_as_one():
    # p = 0.5, n = 100, se = 0.03: p(1-p)/var = 277.8, far above n (deff 0.36). The NCHS rule
    # takes the design effect as 1: n = 100, then the df adjustment (t_99 / t_50)^2.
    low, high = korn_graubard_bounds(0.5, 0.03**2, 50, 100, 100, cap=100)
    size = 100 * (stats.t.ppf(0.975, 99) / stats.t.ppf(0.975, 50)) ** 2
    expected = [
        stats.beta.ppf(0.025, size / 2, size / 2 + 1),
        stats.beta.ppf(0.975, size / 2 + 1, size / 2),
    ]
    assert_allclose([low, high], expected)
    uncapped = korn_graubard_bounds(0.5, 0.03**2, 50, 100, 100)
    assert uncapped[1] - uncapped[0] < (high - low) * 0.7


def test_nchs_interval_of_a_small_domain_is_never_narrower_than_its_srs_interval():
    # 12 domain members in 4 PSUs, answers mixed alike in every PSU: the PSU totals barely
    # vary, so the design effect is far below 1 by chance; 40 respondents outside the domain.
    psu = np.r_[np.repeat(np.arange(4), 3), np.arange(4, 44)]
    positive = np.r_[1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, np.zeros(40)]
    domain = np.r_[np.zeros(12, np.intp), -np.ones(40, np.intp)]
    est = domain_proportions(make_design(np.ones(52), psu=psu), positive, domain, 1)
    assert est.deff[0] < 0.5
    exact = (stats.beta.ppf(0.025, 7, 6), stats.beta.ppf(0.975, 8, 5))  # Clopper-Pearson 7/12
    low, high = korn_graubard_interval(est)
    assert low[0] <= exact[0] + 1e-12 and high[0] >= exact[1] - 1e-12
    r_low, r_high = beta_interval(est)
    assert r_high[0] - r_low[0] < high[0] - low[0]  # R's uncapped interval is narrower


def test_wave_difference_of_independent_samples():
    diff = difference_independent(
        (np.array([0.40]), np.array([0.0004]), np.array([100])),
        (np.array([0.50]), np.array([0.0009]), np.array([50])),
    )
    assert_allclose(diff.estimate, [0.10])
    assert_allclose(diff.se, [np.sqrt(0.0013)])
    assert_allclose(diff.df, [0.0013**2 / (0.0004**2 / 100 + 0.0009**2 / 50)])
    assert_allclose(diff.p_value, 2 * stats.t.sf(0.1 / np.sqrt(0.0013), diff.df))
