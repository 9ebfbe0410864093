"""More than two waves: a figure spanning two surveys tells 'not asked' from 'survey not run'."""

import copy

import pytest
from navpartner.config import check_config
from navpartner.errors import ConfigError
from navpartner.publish.figures import _cell_marks
from navpartner.publish.labels import Labels


def test_not_asked_is_kept_apart_from_survey_not_run(config):
    config = copy.deepcopy(config)
    waves = config["surveys"]["kontor"]["waves"]
    waves[2023] = {**waves[2019], "municipalities": "data_raw/frames/municipalities_2023.csv"}
    check_config(config)
    labels = Labels(config)
    row = {"suppressed": False}
    kommune = {2011: {**row, "survey": "kommune"}, 2019: {**row, "survey": "kommune"}}
    kontor = {2019: {**row, "survey": "kontor"}, 2023: {**row, "survey": "kontor"}}
    assert _cell_marks(kommune, [2011, 2019, 2023], labels) == (
        "undersøkelsen ikke gjennomført i 2023"
    )
    assert _cell_marks(kontor, [2011, 2019, 2023], labels) == "ikke spurt i 2011"
    assert _cell_marks(kontor, [2019, 2023], labels) == ""


def test_wave_differences_pair_consecutive_waves_and_first_to_last():
    import numpy as np
    import pandas as pd
    from navpartner.indicators import wave_differences

    rows = [  # three waves for one group, two for another
        ("a", "total", "total", 2011, 0.50, 0.0004, 40),
        ("a", "total", "total", 2019, 0.60, 0.0009, 30),
        ("a", "total", "total", 2023, 0.65, 0.0001, 50),
        ("b", "total", "total", 2019, 0.20, 0.0004, 40),
        ("b", "total", "total", 2023, 0.10, 0.0004, 40),
    ]
    columns = ["indicator", "breakdown", "group", "wave", "estimate", "variance", "df"]
    table = wave_differences(pd.DataFrame(rows, columns=columns))
    pairs = list(zip(table["indicator"], table["wave_from"], table["wave_to"], strict=True))
    assert pairs == [
        ("a", 2011, 2019),
        ("a", 2011, 2023),
        ("a", 2019, 2023),
        ("b", 2019, 2023),
    ]
    span = table.iloc[1]
    assert span["difference"] == pytest.approx(0.15)
    assert span["se"] == pytest.approx(np.sqrt(0.0004 + 0.0001))
    welch = (0.0005**2) / (0.0004**2 / 40 + 0.0001**2 / 50)
    assert span["df"] == pytest.approx(welch)


def test_change_chart_may_span_first_to_last(config):
    config = copy.deepcopy(config)
    waves = config["surveys"]["kontor"]["waves"]
    waves[2023] = {**waves[2019], "municipalities": "data_raw/frames/municipalities_2023.csv"}
    config["publication"]["change"] = {"from": 2011, "to": 2023}
    check_config(config)
    config["surveys"]["kontor"]["waves"][2025] = waves[2023]
    with pytest.raises(ConfigError, match="neither"):
        check_config(config)
