"""A small coverage study: the intervals cover the synthetic model's true shares about 95 % of
the time. (tests/validation/coverage.py runs the full study with 500 draws.)"""

import pytest
from study import DEFAULT_TARGETS, contrast_coverage, coverage

DRAWS = 60


@pytest.fixture(scope="module")
def study(config, populations):
    from navpartner.synth import load_parameters

    clusters = {s: spec["design"]["cluster"] for s, spec in config["surveys"].items()}
    return coverage(populations[2019], load_parameters(), list(DEFAULT_TARGETS), clusters, DRAWS, 7)


def test_intervals_cover_about_95_percent(study):
    # 17 groups x 60 draws; groups share draws, so allow about 3 SEs of one group's rate
    # (0.028) on the mean, and 5 on any single group.
    for method in ("korn_graubard", "logit"):
        assert 0.91 <= study[method].mean() <= 0.99, study
        assert study[method].min() >= 0.80, study


def test_standard_errors_match_the_spread_of_the_estimates(study):
    ratio = study["mean_se"] / study["sd_estimate"]
    assert 0.8 <= ratio.median() <= 1.25, study


@pytest.fixture(scope="module")
def contrast_study(config, populations):
    from navpartner.synth import load_parameters

    clusters = {s: spec["design"]["cluster"] for s, spec in config["surveys"].items()}
    return contrast_coverage(
        populations[2019], load_parameters(), list(DEFAULT_TARGETS), clusters, CONTRAST_DRAWS, 11
    )


CONTRAST_DRAWS = 40


def test_contrast_intervals_cover_about_95_percent(contrast_study):
    # 14 group-vs-rest differences x 40 draws (one group's rate has SE 0.034).
    assert 0.90 <= contrast_study["coverage"].mean() <= 0.99, contrast_study
    assert contrast_study["coverage"].min() >= 0.78, contrast_study
    ratio = contrast_study["mean_se"] / contrast_study["sd_difference"]
    assert 0.8 <= ratio.median() <= 1.25, contrast_study
