"""The claims register: each form of test, its verdicts, and the config checks around it.

Small estimates tables in the format of COMMON's shared contract (indicators, contrasts) stand
in for the workflow's, so each verdict is known by construction.
"""

import copy
import subprocess

import numpy as np
import pandas as pd
import pytest
from navpartner.claims import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NOT_TESTABLE,
    benjamini_hochberg,
    evaluate_claims,
)
from navpartner.config import check_config
from navpartner.errors import ConfigError
from numpy.testing import assert_allclose
from rscript import RSCRIPT, needs_r
from scipy import stats


def estimate(indicator, wave, value, half=0.02, breakdown="total", group="total", n=400, **extra):
    row = {
        "indicator": indicator,
        "survey": "kontor",
        "wave": wave,
        "breakdown": breakdown,
        "group": group,
        "n": n,
        "estimate": value,
        "se": half / 1.96,
        "ci_low": value - half,
        "ci_high": value + half,
        "df": 300,
        "method": "korn_graubard",
    }
    return row | extra


def contrast(kind, indicator, wave, wave_reference, difference, p, **keys):
    se = 0.02
    return {
        "kind": kind,
        "indicator": indicator,
        "indicator_reference": keys.get("indicator_reference", indicator),
        "survey": "kontor",
        "wave": wave,
        "wave_reference": wave_reference,
        "breakdown": keys.get("breakdown", "total"),
        "group": keys.get("group", "total"),
        "reference": keys.get("reference", keys.get("group", "total")),
        "estimate": 0.5 + difference,
        "estimate_reference": 0.5,
        "difference": difference,
        "se": se,
        "df": keys.get("df", 200),
        "ci_low": difference - 1.96 * se,
        "ci_high": difference + 1.96 * se,
        "p_value": p,
        "p_adjusted": keys.get("p_adjusted", p),
        "method": "linearised",
    }


def claims_config(config, **tests) -> dict:
    changed = copy.deepcopy(config)
    changed["claims"]["statements"] = {
        name: {"statement": {"nb": name, "en": name}, "test": test} for name, test in tests.items()
    }
    return changed


def verdicts(config, indicators, contrasts, **tests) -> pd.DataFrame:
    table = evaluate_claims(
        claims_config(config, **tests), pd.DataFrame(indicators), pd.DataFrame(contrasts)
    )
    return table.set_index("claim")


NO_CONTRASTS = [contrast("wave", "other", 2019, 2011, 0.0, 0.5)]


def test_level_about_holds_when_the_interval_overlaps_the_band(config):
    level = {"form": "level", "indicator": "team_blandet", "wave": 2019, "about": [75, 85]}
    rows = [estimate("team_blandet", 2019, 0.86, half=0.02)]
    table = verdicts(config, rows, NO_CONTRASTS, overlap=level)
    assert table.at["overlap", "verdict"] == HOLDS
    rows = [estimate("team_blandet", 2019, 0.88, half=0.02)]
    assert verdicts(config, rows, NO_CONTRASTS, outside=level).at["outside", "verdict"] == FAILS


@pytest.mark.parametrize(
    ("value", "expected"), [(0.56, HOLDS), (0.51, INCONCLUSIVE), (0.45, FAILS)]
)
def test_level_above_needs_the_whole_interval_above(config, value, expected):
    level = {"form": "level", "indicator": "adm_merarbeid", "wave": 2019, "above": 50}
    rows = [estimate("adm_merarbeid", 2019, value, half=0.03)]
    assert verdicts(config, rows, NO_CONTRASTS, claim=level).at["claim", "verdict"] == expected


def test_a_level_on_too_few_or_flagged_or_absent_estimates_is_inconclusive(config):
    level = {"form": "level", "indicator": "team_blandet", "wave": 2019, "about": [75, 85]}
    few = [estimate("team_blandet", 2019, 0.8, n=config["publication"]["min_cell_size"] - 1)]
    flagged = [estimate("team_blandet", 2019, 0.8, flagged=True)]
    absent = [estimate("team_blandet", 2011, 0.8)]
    for rows, reason in [
        (few, "too_few_respondents"),
        (flagged, "flagged"),
        (absent, "not_estimated"),
    ]:
        row = verdicts(config, rows, NO_CONTRASTS, claim=level).loc["claim"]
        assert (row["verdict"], row["reason"]) == (INCONCLUSIVE, reason)
        assert np.isnan(row["estimate"]) == (reason != "flagged")


CHANGE = {
    "form": "change",
    "indicator": "statlig_dominans_radmenn",
    "waves": [2011, 2019],
    "direction": "lower",
}
CHANGE_ESTIMATES = [
    estimate("statlig_dominans_radmenn", 2011, 0.70),
    estimate("statlig_dominans_radmenn", 2019, 0.61),
]


@pytest.mark.parametrize(
    ("difference", "p_adjusted", "expected"),
    [(-0.09, 0.001, HOLDS), (0.09, 0.001, FAILS), (-0.09, 0.2, INCONCLUSIVE)],
)
def test_a_change_holds_only_in_its_direction_after_fdr(config, difference, p_adjusted, expected):
    rows = [
        contrast(
            "wave",
            "statlig_dominans_radmenn",
            2019,
            2011,
            difference,
            0.0001,
            p_adjusted=p_adjusted,
        )
    ]
    row = verdicts(config, CHANGE_ESTIMATES, rows, claim=CHANGE).loc["claim"]
    assert row["verdict"] == expected
    assert row["difference"] == pytest.approx(difference)
    assert row["p_adjusted"] == p_adjusted


def test_a_contrast_stored_the_other_way_round_is_turned(config):
    rows = [contrast("wave", "statlig_dominans_radmenn", 2011, 2019, 0.09, 0.001)]
    row = verdicts(config, CHANGE_ESTIMATES, rows, claim=CHANGE).loc["claim"]
    assert row["verdict"] == HOLDS and row["difference"] == pytest.approx(-0.09)
    assert row["ci_high"] == pytest.approx(-rows[0]["ci_low"])


def test_a_claim_without_its_test_in_the_contrasts_is_inconclusive(config):
    row = verdicts(config, CHANGE_ESTIMATES, NO_CONTRASTS, claim=CHANGE).loc["claim"]
    assert (row["verdict"], row["reason"]) == (INCONCLUSIVE, "no_test")


GROUP = {
    "form": "difference",
    "indicator": "andre_parts_oppgaver",
    "wave": 2019,
    "breakdown": "employer",
    "group": "kommune",
    "reference": "stat",
    "direction": "higher",
}
GROUP_ESTIMATES = [
    estimate("andre_parts_oppgaver", wave, value, breakdown="employer", group=group)
    for wave in (2011, 2019)
    for group, value in (("kommune", 0.6), ("stat", 0.3))
]


def test_a_group_against_rest_stands_for_the_other_of_two_groups(config):
    keys = {"breakdown": "employer", "group": "kommune", "reference": "rest"}
    rows = [contrast("group", "andre_parts_oppgaver", 2019, 2019, 0.3, 0.001, **keys)]
    row = verdicts(config, GROUP_ESTIMATES, rows, claim=GROUP).loc["claim"]
    assert row["verdict"] == HOLDS and row["difference"] == pytest.approx(0.3)
    three_groups = [
        *GROUP_ESTIMATES,
        estimate("andre_parts_oppgaver", 2019, 0.5, group="x", breakdown="employer"),
    ]
    row = verdicts(config, three_groups, rows, claim=GROUP).loc["claim"]
    assert row["reason"] == "no_test"


def test_a_survey_difference_finds_the_indicator_pair(config):
    claim = {
        "form": "difference",
        "indicator": "likeverdig_kontorledere",
        "indicator_reference": "likeverdig_radmenn",
        "wave": 2019,
        "direction": "higher",
    }
    estimates = [
        estimate("likeverdig_kontorledere", 2019, 0.5),
        estimate("likeverdig_radmenn", 2019, 0.3),
    ]
    keys = {"indicator_reference": "likeverdig_kontorledere"}
    rows = [contrast("survey", "likeverdig_radmenn", 2019, 2019, -0.2, 0.001, **keys)]
    row = verdicts(config, estimates, rows, claim=claim).loc["claim"]
    assert row["verdict"] == HOLDS and row["difference"] == pytest.approx(0.2)


def test_the_change_of_a_gap_is_a_welch_test_adjusted_within_the_family(config):
    claim = {**GROUP, "form": "change", "waves": [2011, 2019], "direction": "lower"}
    del claim["wave"]
    keys = {"breakdown": "employer", "group": "kommune", "reference": "stat"}
    family = [
        contrast("group", "andre_parts_oppgaver", 2011, 2011, 0.40, 0.001, df=150, **keys),
        contrast("group", "andre_parts_oppgaver", 2019, 2019, 0.30, 0.001, df=250, **keys),
        contrast("wave", "teammal_klare", 2019, 2011, 0.05, 0.03),
        contrast("wave", "team_blandet", 2019, 2011, 0.05, 0.2),
    ]
    row = verdicts(config, GROUP_ESTIMATES, family, claim=claim).loc["claim"]
    se = np.sqrt(2 * 0.02**2)
    df = (2 * 0.02**2) ** 2 / (0.02**4 / 150 + 0.02**4 / 250)  # Welch–Satterthwaite
    p = 2 * stats.t.sf(0.1 / se, df)
    assert row["difference"] == pytest.approx(-0.1)
    assert row["df"] == pytest.approx(df) and row["p_value"] == pytest.approx(p)
    assert row["ci_low"] == pytest.approx(-0.1 - stats.t.ppf(0.975, df) * se)
    expected = benjamini_hochberg(np.array([0.001, 0.001, 0.03, 0.2, p]))[-1]
    assert row["p_adjusted"] == pytest.approx(expected)
    assert row["verdict"] == (HOLDS if expected < 0.05 else INCONCLUSIVE)


@needs_r
def test_benjamini_hochberg_matches_r():
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.0005, 0.5, 0.049, 0.049])
    script = f"cat(format(p.adjust(c({', '.join(map(str, p))}), method = 'BH'), digits = 17))"
    found = subprocess.run([RSCRIPT, "-e", script], capture_output=True, text=True, check=True)
    assert_allclose(benjamini_hochberg(p), [float(v) for v in found.stdout.split()], rtol=1e-12)


def test_the_default_claims_cover_the_published_statements(config):
    """The op-ed's 22 statements (DOMAIN.md), each tested on the items it rests on."""
    tests = [claim["test"] for claim in config["claims"]["statements"].values()]
    assert len(tests) == 22
    assert {test["form"] for test in tests} == {"level", "change", "difference"}
    items = {config["indicators"][test["indicator"]]["item"] for test in tests}
    for item in [
        "teammal_klare",
        "fornoyd_teamarbeid",
        "tettere_samarbeid",
        "fremmer_samarbeid",
        "loser_oppgaver",
        "tilpassede_tjenester",
        "sosiale_tjenester_ivaretatt",
    ]:
        assert item in items, item
    tested_roles = {
        role
        for test in tests
        for role in config["indicators"][test["indicator"]]["respondents"]["role"]
    }
    assert tested_roles == {"veileder", "kontorleder", "radmann", "ordforer"}
    source = config["claims"]["source"]["nb"]
    assert "Fornøyde med partnerskapet" in source and "AFI-rapport 2020:09" in source


def test_an_untestable_statement_is_listed_with_its_reason(config):
    changed = claims_config(
        config, level={"form": "level", "indicator": "adm_merarbeid", "wave": 2019, "above": 50}
    )
    changed["claims"]["statements"]["no_item"] = {
        "statement": {"nb": "Uten spørsmål.", "en": "Without a question."},
        "untestable": "no_question",
    }
    check_config(changed)
    rows = [estimate("adm_merarbeid", 2019, 0.56, half=0.03)]
    table = evaluate_claims(changed, pd.DataFrame(rows), pd.DataFrame(NO_CONTRASTS))
    assert list(table["claim"]) == ["level", "no_item"]
    assert list(table["verdict"]) == [HOLDS, NOT_TESTABLE]
    assert table.at[1, "reason"] == "no_question"
    assert table.loc[1, ["estimate", "ci_low", "p_adjusted"]].isna().all()


@pytest.mark.parametrize(
    "spec",
    [
        {"statement": {"nb": "x", "en": "x"}},
        {
            "statement": {"nb": "x", "en": "x"},
            "untestable": "no_question",
            "test": {"form": "level", "indicator": "adm_merarbeid", "wave": 2019, "above": 50},
        },
        {"statement": {"nb": "x", "en": "x"}, "untestable": "unclear"},
    ],
)
def test_a_claim_takes_either_a_test_or_why_it_has_none(config, spec):
    broken = copy.deepcopy(config)
    broken["claims"]["statements"] = {"bad": spec}
    with pytest.raises(ConfigError, match=r"claims\.statements\.bad"):
        check_config(broken)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"indicator": "nope"}, "unknown indicator 'nope'"),
        ({"wave": 2015}, "wave 2015 is not a wave of the kontor survey"),
        ({"about": [85, 75]}, "must be [low, high]"),
        ({"above": 50}, "exactly one of about, above, below"),
        ({"direction": "higher"}, "form level takes no 'direction'"),
        ({"breakdown": "leadership"}, "has no breakdown 'leadership'"),
        ({"breakdown": "employer", "group": "nobody"}, "'nobody' is not a group of 'employer'"),
        (
            {"about": None, "form": "difference", "breakdown": "employer", "group": "stat"}
            | {"reference": "stat", "direction": "higher"},
            "compares group 'stat' with itself",
        ),
    ],
)
def test_config_checks_name_the_faulty_claim_key(config, change, message):
    level = {"form": "level", "indicator": "team_blandet", "wave": 2019, "about": [75, 85]}
    test = {key: value for key, value in (level | change).items() if value is not None}
    broken = claims_config(config, bad=test)
    with pytest.raises(ConfigError, match=r"claims\.statements\.bad\.test") as error:
        check_config(broken)
    assert message in str(error.value)
    assert str(error.value).count(message) == 1  # said once, also where two indicators agree


def test_config_checks_a_difference_needs_one_reference(config):
    claim = {"form": "difference", "indicator": "team_blandet", "wave": 2019}
    with pytest.raises(ConfigError, match="needs a reference group or indicator_reference"):
        check_config(claims_config(config, bad=claim | {"direction": "higher"}))
    other = claim | {"direction": "higher", "indicator_reference": "likeverdig_radmenn"}
    with pytest.raises(ConfigError, match="rest on different items"):
        check_config(claims_config(config, bad=other))
