"""A small coverage study: the intervals cover the synthetic model's true shares about 95 % of
the time. (tests/validation/coverage.py runs the full study with 500 draws.)"""

import pytest
from navpartner.coverage import DEFAULT_TARGETS, coverage

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
