"""More than two waves: a figure spanning two surveys tells 'not asked' from 'survey not run'."""

import copy

from navpartner.config import check_config
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
