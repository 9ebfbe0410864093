"""A question worded differently in one wave: config, audit card and questionnaire show each."""

import copy

from navpartner.config import check_config, item_wording
from navpartner.publish.cards import _questions
from navpartner.publish.labels import Labels

NEW_WORDING = "Samarbeidet mellom stat og kommune i Nav-kontoret er likeverdig."


def test_each_wave_has_its_own_wording_and_source(config):
    config = copy.deepcopy(config)
    config["surveys"]["kontor"]["waves"][2019]["items"]["likeverdig"]["question"] = NEW_WORDING
    check_config(config)
    assert item_wording(config, "kontor", "likeverdig") == [
        (2011, "sp9_1", config["items"]["likeverdig"]["question"]),
        (2019, "likeverdig", NEW_WORDING),
    ]
    assert item_wording(config, "kontor", "teammal_klare")[0] == (2011, None, None)

    labels = Labels(config)
    spec = config["indicators"]["likeverdig_kontorledere"]
    table = _questions(config, spec, labels)
    assert "<code>sp9_1</code>" in table and NEW_WORDING in table
    assert table.index("2011") < table.index("2019")
    spec = config["indicators"]["teammal_klare"]
    assert "ikke spurt" in _questions(config, spec, labels)
