"""The report's generated sentences: a group is named highest or lowest only where its contrast
holds after the Benjamini–Hochberg adjustment (and it is not flagged), a change clear alone but
not after the adjustment says so, and with three waves the latest change and the long one."""

import copy

import pandas as pd
import pytest
from navpartner.document import content
from report_sources import report_sources

NAME = "team_blandet"  # breakdowns: total, employer, office_size, region
FAMILY = 394


def published(rows) -> pd.DataFrame:
    """(breakdown, group, wave, percent, flagged) -> the published table's columns."""
    return pd.DataFrame(
        [
            {
                "indicator": NAME,
                "breakdown": breakdown,
                "group": group,
                "wave": wave,
                "percent": percent,
                "ci_low": percent - 3,
                "ci_high": percent + 3,
                "n": 400,
                "flagged": flagged,
            }
            for breakdown, group, wave, percent, flagged in rows
        ]
    )


def change(wave_from, wave_to, percent_from, difference, low, high) -> dict:
    return {
        "indicator": NAME,
        "breakdown": "total",
        "group": "total",
        "wave_from": wave_from,
        "wave_to": wave_to,
        "percent_from": percent_from,
        "change": difference,
        "ci_low": low,
        "ci_high": high,
    }


def contrast(kind, group, wave, p_adjusted, difference, reference="rest", wave_reference=None):
    return {
        "kind": kind,
        "indicator": NAME,
        "breakdown": "total" if kind == "wave" else "office_size",
        "group": group,
        "reference": reference,
        "wave": wave,
        "wave_reference": wave if wave_reference is None else wave_reference,
        "difference": difference,
        "p_adjusted": p_adjusted,
    }


def sources(table, changes, contrasts) -> content.Sources:
    return report_sources(
        published=table,
        changes=pd.DataFrame(changes),
        contrasts=pd.DataFrame(contrasts),
        tests=FAMILY,
    )


@pytest.fixture
def one_breakdown(config) -> dict:
    config = copy.deepcopy(config)
    config["indicators"][NAME]["breakdowns"] = ["total", "office_size"]
    return config


SIZES = [("under_10", 58.8), ("10_24", 70.0), ("25_49", 72.6), ("50_plus", 86.7)]


def plain(texts: list[str]) -> list[str]:
    """No-break spaces (before %, in thousands) read as spaces."""
    return [text.replace("\u00a0", " ").replace("\u202f", " ") for text in texts]


def sentences(config, flagged=(), p_high=0.001, p_low=0.2, change_p=0.001):
    table = published(
        [("total", "total", 2011, 62.0, False), ("total", "total", 2019, 80.6, False)]
        + [("office_size", g, 2019, p, g in flagged) for g, p in SIZES]
    )
    contrasts = [
        contrast("wave", "total", 2019, change_p, 0.187, wave_reference=2011),
        contrast("group", "50_plus", 2019, p_high, 0.12),
        contrast("group", "under_10", 2019, p_low, -0.15),
        contrast("group", "10_24", 2019, 0.9, -0.01),
        contrast("group", "25_49", 2019, 0.9, 0.01),
    ]
    changes = [change(2011, 2019, 62.0, 18.6, 15.6, 21.7)]
    return plain(
        content._indicator_sentences(
            config, sources(table, changes, contrasts), content.Writer(config), NAME
        )
    )


def test_a_group_is_named_only_where_its_contrast_holds_after_adjustment(one_breakdown):
    groups = sentences(one_breakdown)[-1]
    assert groups == (
        "Etter kontorstørrelse er andelen høyest på kontorer med 50 ansatte eller flere (86,7 %), "
        "klart over resten."
    )
    both = sentences(one_breakdown, p_low=0.01)[-1]
    assert "lavest på kontorer med under 10 ansatte (58,8 %)" in both
    none = sentences(one_breakdown, p_high=0.06)[-1]
    assert none == "Etter kontorstørrelse skiller ingen gruppe seg klart fra resten."


def test_breakdowns_where_no_group_stands_apart_share_one_sentence(config):
    """Not "Etter X skiller ingen gruppe seg klart ... Etter Y skiller ingen gruppe ...": once,
    naming every such breakdown; a breakdown with a clear group keeps its own sentence."""
    two = copy.deepcopy(config)
    two["indicators"][NAME]["breakdowns"] = ["total", "office_size", "region", "employer"]
    table = published(
        [("total", "total", 2019, 80.6, False)]
        + [("office_size", g, 2019, p, False) for g, p in SIZES]
        + [("region", g, 2019, p, False) for g, p in (("nord_norge", 70.0), ("vestlandet", 75.0))]
    )
    contrasts = [contrast("group", g, 2019, 0.9, 0.01) for g, _ in SIZES]
    contrasts += [
        {**contrast("group", "nord_norge", 2019, 0.9, -0.02), "breakdown": "region"},
        {**contrast("group", "vestlandet", 2019, 0.9, 0.02), "breakdown": "region"},
    ]
    said = content._group_sentences(
        two, sources(table, [], contrasts), content.Writer(two), NAME, 2019
    )
    assert said == ["Etter kontorstørrelse og landsdel skiller ingen gruppe seg klart fra resten."]


def test_an_unreliable_group_is_never_named(one_breakdown):
    assert "høyest" not in sentences(one_breakdown, flagged={"50_plus"})[-1]


def test_a_clear_change_reads_up_with_its_interval(one_breakdown):
    level = sentences(one_breakdown)[0]
    assert level == (
        "I 2019 var andelen 80,6 % (95 % KI 77,6–83,6; 400 svar), opp 18,6 prosentpoeng fra "
        "62,0 % i 2011 (95 % KI for endringen 15,6 til 21,7)."
    )


def test_a_change_clear_alone_but_not_after_adjustment_says_why(one_breakdown):
    level = sentences(one_breakdown, change_p=0.13)[0]
    assert "opp" not in level
    assert level.endswith(
        "Intervallet for endringen fra 62,0 % i 2011 (+18,6 prosentpoeng, 95 % KI 15,6 til "
        "21,7) utelukker null, men endringen er ikke statistisk sikker etter justering for 394 "
        "sammenligninger."
    )


def test_three_waves_give_the_latest_change_and_the_long_one(one_breakdown):
    config = copy.deepcopy(one_breakdown)
    waves = config["surveys"]["kontor"]["waves"]
    waves[2023] = {**waves[2019], "municipalities": "data_raw/frames/municipalities_2023.csv"}
    table = published(
        [
            ("total", "total", 2011, 62.0, False),
            ("total", "total", 2019, 80.6, False),
            ("total", "total", 2023, 82.0, False),
        ]
    )
    changes = [
        change(2011, 2019, 62.0, 18.6, 15.6, 21.7),
        change(2019, 2023, 80.6, 1.4, -1.6, 4.4),
        change(2011, 2023, 62.0, 20.0, 17.0, 23.0),
    ]
    contrasts = [
        contrast("wave", "total", 2023, 0.4, 0.014, wave_reference=2019),
        contrast("wave", "total", 2023, 0.001, 0.2, wave_reference=2011),
    ]
    first, long = plain(
        content._indicator_sentences(
            config, sources(table, changes, contrasts), content.Writer(config), NAME
        )
    )[:2]
    assert first.startswith("I 2023 var andelen 82,0 %")
    assert "endringen fra 80,6 % i 2019 (+1,4 prosentpoeng" in first
    assert "er ikke statistisk sikker" in first
    assert long == (
        "Over hele perioden 2011–2023 er andelen opp 20,0 prosentpoeng fra 62,0 % (95 % KI for "
        "endringen 17,0 til 23,0)."
    )
